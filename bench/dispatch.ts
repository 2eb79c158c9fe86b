/**
 * The dispatch benchmark (issue 6 item 9), on PostgreSQL and PGlite:
 *
 *  1. launch: a filter over N contacts (1,000,000), seed 000's template rendered per recipient with
 *     its objects, segments and price, the rows written and the cost reserved — seconds and the peak
 *     RSS of this process during the launch;
 *  2. launch → «submitted» through the emulated provider as a separate process (`vestnik sandbox`)
 *     over HTTP on 127.0.0.1, each message's state written durably with its charge: (a) batches of
 *     100 per request, (b) one request per message over keep-alive. On PostgreSQL the workers are a
 *     separate `vestnik worker` process, whose peak RSS (VmHWM) is the worker-memory figure; the
 *     rate is counted from the launch's commit to the last message submitted;
 *  3. the peers (PostgreSQL only): one job per message in pg-boss, graphile-worker and BullMQ doing
 *     the same send and the same durable row write (bench/_peers.ts), and Vestnik's ratio to each;
 *  4. transactional send latency, POST /api/v1/messages → «submitted» (the row's submitted_at), p50
 *     and p99, while a campaign drains;
 *  5. a worker process's peak memory on a 10,000-message campaign beside the 1,000,000 one.
 *
 * Scale: BENCH_SCALE (default 1) multiplies every N; VESTNIK_BENCH_N sets the campaign size, and
 * BENCH_PEERS_N (default 50,000 × scale: a job per message is slow) and BENCH_PGLITE_N (default 100,000 × scale: the embedded
 * database holds everything in this process's memory) the others. BENCH_PEERS=0 skips the peers.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { buildServer } from '../src/api/server.ts';
import { loadConfig } from '../src/config.ts';
import { translateAliases } from '../src/core/templates/aliases.ts';
import { startDispatcher } from '../src/dispatch/dispatcher.ts';
import { GatewayPool } from '../src/dispatch/gatewayPool.ts';
import { launchCampaign } from '../src/dispatch/launch.ts';
import { createApiKey } from '../src/services/accounts.ts';
import { insertCampaign } from '../src/store/campaigns.ts';
import type { Db } from '../src/store/db.ts';
import { insertGateway } from '../src/store/gateways.ts';
import { topUp } from '../src/store/ledger.ts';
import { createOrg, updateDeliverySettings } from '../src/store/orgs.ts';
import { engines, freshDb, PG_URL, printFigures, report } from './_common.ts';
import { type PeerRun, runBullmq, runGraphileWorker, runPgBoss } from './_peers.ts';

const SCALE = Number(process.env.BENCH_SCALE ?? 1);
const N = Math.round(Number(process.env.VESTNIK_BENCH_N ?? 1_000_000) * SCALE);
const N_PEERS = Math.round(Number(process.env.BENCH_PEERS_N ?? 50_000 * SCALE));
const N_PGLITE = Math.round(Number(process.env.BENCH_PGLITE_N ?? 100_000 * SCALE));
const N_SMALL = 10_000;
// The emulated provider listens on 127.0.0.1, which gateways may reach only when the instance allows
// it (providers/hostGuard.ts); the workers, in this process or spawned with its environment, do.
process.env.VESTNIK_GATEWAY_PRIVATE_HOSTS ??= '127.0.0.1';
const LATENCY_SENDS = 300;
const BIN = path.resolve('bin/vestnik.js');
const SEED_000 = translateAliases(
  'Уважаемый %name. Направляем Вам квитанцию для оплаты начислений %kvit. Общая сумма начислений за ваши участки %total руб., просроченная задолженность по которой начисляются пени: %debt руб.',
);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const deadline = (ms: number, what: string) => {
  const end = Date.now() + ms;
  return () => {
    if (Date.now() > end) throw new Error(`${what}: not done in ${ms / 1000} s`);
  };
};

async function freePort(): Promise<number> {
  const srv = net.createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const { port } = srv.address() as net.AddressInfo;
  await new Promise((r) => srv.close(r));
  return port;
}

/** A child process that has printed `ready` on its standard output. */
async function spawnReady(args: string[], env: NodeJS.ProcessEnv, ready: string): Promise<ChildProcess> {
  const child = spawn(process.execPath, [BIN, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d: Buffer) => {
    err = (err + d.toString()).slice(-2000);
  });
  await new Promise<void>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`${args[0]}: not ready in 30 s ${err}`)), 30_000);
    child.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes(ready)) {
        clearTimeout(t);
        resolve();
      }
    });
    child.once('exit', (code) => reject(new Error(`${args[0]} exited with ${code}: ${err}`)));
  });
  child.stdout!.resume();
  return child;
}

/** The peak resident memory of a live process, from /proc (MB). */
const peakRssMb = (pid: number) =>
  Number(/VmHWM:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

const rssMb = (pid: number) =>
  Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGTERM');
  await Promise.race([exited, sleep(10_000)]);
  if (child.exitCode === null) child.kill('SIGKILL');
}

interface Sandbox {
  url: string;
  child: ChildProcess;
  stats(): Promise<{ received: number; unique: number; duplicates: number }>;
}

async function startSandbox(): Promise<Sandbox> {
  const port = await freePort();
  // Delivery reports far in the future: the figure is launch → «submitted», not delivery polling.
  const child = await spawnReady(
    ['sandbox', '--port', String(port), '--delivery-delay-ms', '3600000'],
    process.env,
    'listening',
  );
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    child,
    stats: async () =>
      (await (await fetch(`${url}/v1/stats`)).json()) as Awaited<ReturnType<Sandbox['stats']>>,
  };
}

/** N contacts with one to three plots each, written by the database itself. */
async function seedContacts(db: Db, orgId: number, n: number): Promise<void> {
  for (let start = 0; start < n; start += 250_000) {
    const size = Math.min(250_000, n - start);
    await db.query(
      `INSERT INTO contacts (org_id, first_name, middle_name, last_name, phone)
       SELECT $1, (ARRAY['Иван','Пётр','Мария','Анна','Сергей','Ольга'])[g % 6 + 1],
              (ARRAY['Иванович','Петрович','Сергеевна','Алексеевна',''])[g % 5 + 1], 'Сидоров',
              '+7912' || lpad((g + $2)::text, 7, '0')
       FROM generate_series(1, $3) g`,
      [orgId, start, size],
    );
  }
  await db.query(
    `INSERT INTO objects (org_id, contact_id, kind, number, charges_kopecks, debt_kopecks)
     SELECT c.org_id, c.id, 'plot', c.id || '-' || p, (c.id * 7919 + p * 104729) % 2000000,
            CASE WHEN p = 1 THEN (c.id * 31) % 100000 ELSE 0 END
     FROM contacts c, generate_series(1, 3) p WHERE c.org_id = $1 AND p <= 1 + c.id % 3`,
    [orgId],
  );
  await db.query('ANALYZE contacts');
  await db.query('ANALYZE objects');
}

interface Org {
  orgId: number;
}

/** An organisation with N contacts, money for a few campaigns, and a sandbox-http gateway. */
async function makeOrg(db: Db, name: string, n: number): Promise<Org> {
  const org = await createOrg(db, name);
  // Throughput, not the daytime window: a run at night must not wait for 10:00.
  await updateDeliverySettings(db, org.id, { windowStart: '00:00', windowEnd: '24:00' });
  await db.transaction((tx) => topUp(tx, org.id, n * 500, 'bench', 'bench'));
  await seedContacts(db, org.id, n);
  return { orgId: org.id };
}

async function switchGateway(db: Db, orgId: number, url: string, batch: boolean, tag: string): Promise<void> {
  await db.query('UPDATE gateways SET enabled = false WHERE org_id = $1', [orgId]);
  const gw = await insertGateway(db, orgId, {
    name: `sandbox-http ${tag}`,
    kind: 'sandbox-http',
    channel: 'sms',
    priority: -1,
    settings: { url, batch, timeoutMs: 10_000 },
    ratePerSecond: null,
  });
  if (gw === 'name_taken') throw new Error('gateway name taken');
}

/** The launch in a process of its own (bench/_dispatch_launch.ts), its peak RSS read from /proc. */
async function launchApart(databaseUrl: string, orgId: number, campaignId: number) {
  const child = spawn(
    process.execPath,
    [
      '--import',
      'tsx',
      path.resolve('bench/_dispatch_launch.ts'),
      databaseUrl,
      String(orgId),
      String(campaignId),
    ],
    { stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout!.on('data', (d: Buffer) => {
    out += d.toString();
  });
  let peak = 0;
  const sampler = setInterval(() => {
    try {
      peak = Math.max(peak, peakRssMb(child.pid!));
    } catch {
      // exited between two samples
    }
  }, 25);
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  clearInterval(sampler);
  if (code !== 0) throw new Error(`the launch process exited with ${code}`);
  const r = JSON.parse(out.trim().split('\n').pop()!) as { ok: boolean; queued: number; seconds: number };
  if (!r.ok) throw new Error(`launch: ${out}`);
  return { queued: r.queued, seconds: r.seconds, peakRssMb: peak };
}

/** Launches seed 000's campaign to everyone; returns its id and the launch's seconds and peak RSS. */
async function launch(db: Db, org: Org, name: string, firstName?: string, apart?: string) {
  const campaign = await insertCampaign(
    db,
    org.orgId,
    {
      name,
      channel: 'sms',
      textTemplate: SEED_000,
      // A filter over every contact: all of them (their surname) or a sixth (a first name).
      audience: {
        kind: 'filter',
        filter: firstName
          ? { type: 'field', field: 'firstName', op: 'eq', value: firstName }
          : { type: 'field', field: 'lastName', op: 'eq', value: 'Сидоров' },
      },
    },
    'bench',
  );
  if (apart) return { campaignId: campaign.id, ...(await launchApart(apart, org.orgId, campaign.id)) };
  (globalThis as { gc?: () => void }).gc?.();
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 20);
  const t = performance.now();
  const launched = await launchCampaign(db, org.orgId, campaign.id, 'bench');
  const seconds = (performance.now() - t) / 1000;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  if (!launched.ok) throw new Error(`launch: ${JSON.stringify(launched)}`);
  return { campaignId: campaign.id, queued: launched.queued, seconds, peakRssMb: peak / 2 ** 20 };
}

async function waitDrained(db: Db, sandbox: Sandbox, campaignId: number, expect: number, before: number) {
  const check = deadline(30 * 60_000, `campaign ${campaignId}`);
  // The provider's counter is cheap to ask; the database is asked once it says all arrived.
  for (;;) {
    check();
    if ((await sandbox.stats()).unique - before >= expect) break;
    await sleep(50);
  }
  for (;;) {
    check();
    const { rows } = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM messages WHERE campaign_id = $1 AND state = 'queued'",
      [campaignId],
    );
    if (rows[0]!.n === 0) return;
    await sleep(20);
  }
}

const WORKER_ENV = {
  VESTNIK_WORKERS: '2',
  VESTNIK_BATCH_SIZE: '1000',
  VESTNIK_STATUS_POLL_SECONDS: '3600',
};

/** Workers: a `vestnik worker` process on PostgreSQL, the bench's own process on PGlite. */
async function startWorkers(db: Db, engine: string, databaseUrl: string | undefined) {
  if (engine === 'postgres') {
    const child = await spawnReady(
      ['worker'],
      { ...process.env, DATABASE_URL: databaseUrl, ...WORKER_ENV },
      'worker running',
    );
    return {
      pid: child.pid,
      stop: () => stop(child),
    };
  }
  const gateways = new GatewayPool(db, 'http://127.0.0.1:1');
  const dispatcher = await startDispatcher(db, {
    workers: 2,
    gateways,
    worker: { batchSize: 1000, statusPollSeconds: 3600 },
  });
  return {
    pid: undefined,
    stop: async () => {
      await dispatcher.stop();
      await gateways.close();
    },
  };
}

/**
 * Every message of a launched campaign to «submitted»: msg/s from the workers being ready (the rows
 * are all due by then), and the worker process's peak RSS beside its RSS when it was ready.
 */
async function drain(
  db: Db,
  engine: string,
  databaseUrl: string | undefined,
  sandbox: Sandbox,
  campaign: { campaignId: number; queued: number },
) {
  const before = (await sandbox.stats()).unique;
  const workers = await startWorkers(db, engine, databaseUrl);
  // From the worker process's «running»: its start (loading the code) is not the dispatch's rate.
  const t = performance.now();
  const readyRssMb = workers.pid ? rssMb(workers.pid) : undefined;
  try {
    await waitDrained(db, sandbox, campaign.campaignId, campaign.queued, before);
    const seconds = (performance.now() - t) / 1000;
    const peak = workers.pid ? peakRssMb(workers.pid) : undefined;
    return { seconds, perSecond: campaign.queued / seconds, workerRssMb: peak, readyRssMb };
  } finally {
    await workers.stop();
  }
}

/** POST /api/v1/messages one at a time while a campaign drains; API call → «submitted» per message. */
async function latency(db: Db, databaseUrl: string | undefined, org: Org) {
  const config = loadConfig({
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
    VESTNIK_DEMO: '0',
    VESTNIK_WORKERS: '2',
    VESTNIK_BATCH_SIZE: '1000',
    VESTNIK_STATUS_POLL_SECONDS: '3600',
  });
  const gateways = new GatewayPool(db, 'http://127.0.0.1:1');
  const dispatcher = await startDispatcher(db, {
    workers: 2,
    gateways,
    worker: { batchSize: 1000, statusPollSeconds: 3600 },
  });
  const app = await buildServer({ db, config, gateways, dispatcher, version: 'bench' });
  const base = await app.listen({ host: '127.0.0.1', port: 0 });
  const key = await createApiKey(db, { orgId: org.orgId, name: 'bench', role: 'admin', createdBy: null });
  if (!key.ok) throw new Error('api key');
  try {
    const draining = await launch(db, org, 'draining', 'Пётр');
    const sent: { id: number; at: number }[] = [];
    const apiMs: number[] = [];
    for (let i = 0; i < LATENCY_SENDS; i++) {
      const at = Date.now();
      const t = performance.now();
      const res = await fetch(`${base}/api/v1/messages`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${key.value.secret}`,
          'content-type': 'application/json',
          'idempotency-key': `bench-${i}`,
        },
        body: JSON.stringify({
          to: `+7913${String(i).padStart(7, '0')}`,
          text: `Код подтверждения ${1000 + i}`,
        }),
      });
      apiMs.push(performance.now() - t);
      const body = (await res.json()) as { id: number };
      if (res.status >= 300) throw new Error(`POST /messages: ${res.status} ${JSON.stringify(body)}`);
      sent.push({ id: body.id, at });
      await sleep(15);
    }
    const check = deadline(60_000, 'single messages');
    let rows: { id: number; submitted_at: Date | null }[] = [];
    for (;;) {
      check();
      rows = (
        await db.query<{ id: number; submitted_at: Date | null }>(
          'SELECT id, submitted_at FROM messages WHERE id = ANY($1::bigint[])',
          [sent.map((s) => s.id)],
        )
      ).rows;
      if (rows.every((r) => r.submitted_at)) break;
      await sleep(50);
    }
    const { rows: left } = await db.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM messages WHERE campaign_id = $1 AND state = 'queued'",
      [draining.campaignId],
    );
    const campaignLeft = left[0]!.n;
    const at = new Map(sent.map((s) => [s.id, s.at]));
    const ms = rows.map((r) => r.submitted_at!.getTime() - at.get(r.id)!).sort((a, b) => a - b);
    const q = (p: number) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))]!;
    apiMs.sort((a, b) => a - b);
    return {
      p50: q(0.5),
      p99: q(0.99),
      apiP50: apiMs[apiMs.length >> 1]!,
      campaignLeft,
      of: draining.queued,
    };
  } finally {
    await app.close();
    await dispatcher.stop();
    await gateways.close();
  }
}

const peerRuns: PeerRun[] = [];
console.log(
  `load average at the start: ${os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')} (2 cores)` +
    (N_PEERS < N ? `; the peers run ${N_PEERS.toLocaleString('en')} jobs each (BENCH_PEERS_N)` : ''),
);

for (const engine of engines()) {
  const n = engine === 'pglite' ? N_PGLITE : N;
  console.log(`${engine}: ${n.toLocaleString('en')} recipients`);
  const { db, dispose } = await freshDb(engine, 10);
  const schema =
    engine === 'postgres' ? (await db.query<{ s: string }>('SELECT current_schema() AS s')).rows[0]!.s : '';
  const databaseUrl =
    engine === 'postgres'
      ? (() => {
          const u = new URL(PG_URL);
          u.searchParams.set('options', `-c search_path=${schema}`);
          return u.toString();
        })()
      : undefined;
  const sandbox = await startSandbox();
  try {
    const t = performance.now();
    const big = await makeOrg(db, 'Bench', n);
    console.log(
      `  seeded ${n.toLocaleString('en')} contacts with their plots in ${((performance.now() - t) / 1000).toFixed(1)} s`,
    );

    // 1. The launch, and 2a. its messages sent in batches of 100 per request.
    await switchGateway(db, big.orgId, sandbox.url, true, 'batch');
    const l = await launch(db, big, 'launch', undefined, databaseUrl);
    const rows = `${l.queued.toLocaleString('en')} rows, ${Math.round(l.queued / l.seconds).toLocaleString('en')} rows/s`;
    report(`launch.${engine}.seconds`, l.seconds, 's', rows);
    report(
      `launch.${engine}.peak_rss`,
      l.peakRssMb,
      'MB',
      engine === 'pglite' ? 'this process, the embedded database included' : 'the launching process',
    );
    const a = await drain(db, engine, databaseUrl, sandbox, l);
    const aNote = `${l.queued.toLocaleString('en')} in ${a.seconds.toFixed(1)} s`;
    report(`dispatch.http.batch100.${engine}`, a.perSecond, 'msg/s', aNote);
    if (a.workerRssMb) {
      const ready = `${a.readyRssMb!.toFixed(0)} MB when ready`;
      report(`worker.peak_rss.${engine}.${l.queued >= 1e6 ? '1m' : l.queued}`, a.workerRssMb, 'MB', ready);
    }

    // 2b. One request per message: a sixth of the contacts (a first name), for time.
    await switchGateway(db, big.orgId, sandbox.url, false, 'single');
    const lb = await launch(db, big, 'single', 'Иван');
    const b = await drain(db, engine, databaseUrl, sandbox, lb);
    const bNote = `${lb.queued.toLocaleString('en')} in ${b.seconds.toFixed(1)} s`;
    report(`dispatch.http.single.${engine}`, b.perSecond, 'msg/s', bNote);

    // 5. A small campaign's worker, for the memory ratio.
    if (engine === 'postgres') {
      const smallOrg = await makeOrg(db, 'Bench small', N_SMALL);
      await switchGateway(db, smallOrg.orgId, sandbox.url, true, 'small');
      const ls = await launch(db, smallOrg, 'small');
      const small = await drain(db, engine, databaseUrl, sandbox, ls);
      report(
        `worker.peak_rss.${engine}.10k`,
        small.workerRssMb!,
        'MB',
        `${small.readyRssMb!.toFixed(0)} MB when ready`,
      );
      const ratioNote = `${l.queued.toLocaleString('en')} against ${ls.queued.toLocaleString('en')} messages`;
      report(`worker.peak_rss.${engine}.ratio`, a.workerRssMb! / small.workerRssMb!, '×', ratioNote);
    }

    // 3. The peers, on the same PostgreSQL and the same provider process.
    if (engine === 'postgres' && process.env.BENCH_PEERS !== '0') {
      const ctx = { pgUrl: PG_URL, providerUrl: sandbox.url, n: N_PEERS, concurrency: 32 };
      const runs: [string, () => Promise<PeerRun>][] = [
        ['pg-boss', () => runPgBoss(ctx)],
        ['graphile-worker', () => runGraphileWorker(ctx)],
        ['bullmq', () => runBullmq({ ...ctx, redis: { host: '127.0.0.1', port: 6379 } })],
      ];
      for (const [name, run] of runs) {
        try {
          const r = await run();
          peerRuns.push(r);
          report(
            `peers.${name}`,
            r.perSecond,
            'msg/s',
            `${r.n.toLocaleString('en')} jobs in ${r.seconds.toFixed(1)} s (enqueue ${r.enqueueSeconds.toFixed(1)} s)`,
          );
        } catch (err) {
          console.log(`  peers.${name}: not run — ${(err as Error).message.split('\n')[0]}`);
        }
      }
      for (const r of peerRuns) {
        report(
          `ratio.single_vs.${r.peer}`,
          b.perSecond / r.perSecond,
          '×',
          'Vestnik one request per message',
        );
        report(`ratio.batch100_vs.${r.peer}`, a.perSecond / r.perSecond, '×', 'Vestnik batches of 100');
      }
      if (peerRuns.length) {
        const best = peerRuns.reduce((x, y) => (y.perSecond > x.perSecond ? y : x));
        report(
          'ratio.single_vs_best_peer',
          b.perSecond / best.perSecond,
          '×',
          `best: ${best.peer}, target ≥ 1.5`,
        );
        report(
          'ratio.batch100_vs_best_peer',
          a.perSecond / best.perSecond,
          '×',
          `best: ${best.peer}, target ≥ 1.5`,
        );
      }
    }

    // 4. Transactional latency while a campaign drains.
    await switchGateway(db, big.orgId, sandbox.url, true, 'latency');
    const lat = await latency(db, databaseUrl, big);
    report(
      `api.send_to_submitted.${engine}.p50`,
      lat.p50,
      'ms',
      `API answer p50 ${lat.apiP50.toFixed(1)} ms`,
    );
    report(
      `api.send_to_submitted.${engine}.p99`,
      lat.p99,
      'ms',
      `a campaign of ${lat.of.toLocaleString('en')} draining, ${lat.campaignLeft.toLocaleString('en')} left queued at the end`,
    );
  } finally {
    await stop(sandbox.child);
    await dispose();
  }
}
console.log(
  `load average at the end: ${os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')} (2 cores)`,
);
printFigures();
