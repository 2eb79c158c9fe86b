/**
 * The same work as Vestnik's dispatch, done the way a developer would otherwise build it: one job per
 * message in pg-boss, graphile-worker or BullMQ. Each job sends its message to the same emulated
 * provider process over HTTP (one request per message, keep-alive, as a job naturally does) and
 * writes the message's state durably to PostgreSQL (`UPDATE … SET state = 'submitted'`), so the
 * comparison is what the queue costs around the same send and the same row.
 *
 * Each peer gets its own schema (pg-boss, graphile-worker) or queue name (BullMQ on 127.0.0.1:6379),
 * and the message rows are written before the clock starts, as Vestnik's launch writes its rows
 * before its drain is timed. Timed: enqueueing every job (in bulk, the libraries' own bulk calls)
 * and working them all off.
 */
import crypto from 'node:crypto';
import http from 'node:http';
import pg from 'pg';

export interface PeerRun {
  peer: 'pg-boss' | 'graphile-worker' | 'bullmq';
  n: number;
  seconds: number;
  enqueueSeconds: number;
  perSecond: number;
}

/** One keep-alive agent for the peers' sends, as a service would keep one. */
const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

function send(providerUrl: string, id: number, to: string, text: string): Promise<string> {
  const body = JSON.stringify({ messages: [{ ref: String(id), to, text, sender: null }] });
  return new Promise((resolve, reject) => {
    const req = http.request(
      `${providerUrl}/v1/send`,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        let data = '';
        res.setEncoding('utf8');
        res.on('data', (c) => {
          data += c;
        });
        res.on('end', () => {
          if (res.statusCode !== 200) return reject(new Error(`provider: HTTP ${res.statusCode}`));
          const r = (JSON.parse(data) as { results: { id?: string; error?: string }[] }).results[0];
          if (!r?.id) return reject(new Error(`provider rejected: ${r?.error}`));
          resolve(r.id);
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

interface Ctx {
  pgUrl: string;
  providerUrl: string;
  n: number;
  concurrency: number;
}

/** A schema with the peer's message rows (the durable state each job writes). */
async function prepareRows(pgUrl: string, schema: string, n: number): Promise<pg.Pool> {
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.query(`CREATE TABLE ${schema}.messages (
    id bigint PRIMARY KEY, address text NOT NULL, body text NOT NULL, state text NOT NULL,
    provider_message_id text, submitted_at timestamptz)`);
  await admin.query(
    `INSERT INTO ${schema}.messages SELECT g, '+7912' || lpad(g::text, 7, '0'),
       'Уважаемый Иван Петрович. Общая сумма начислений за ваши участки 12345.50 руб.', 'queued'
     FROM generate_series(1, $1) g`,
    [n],
  );
  await admin.end();
  return new pg.Pool({ connectionString: pgUrl, max: 10 });
}

async function dropSchema(pgUrl: string, schema: string): Promise<void> {
  const admin = new pg.Client({ connectionString: pgUrl });
  await admin.connect();
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
}

/** The job's body, the same in every peer: the send, then the durable state. */
function jobBody(pool: pg.Pool, schema: string, providerUrl: string) {
  return async (id: number, to: string, text: string) => {
    const providerId = await send(providerUrl, id, to, text);
    await pool.query(
      `UPDATE ${schema}.messages SET state = 'submitted', provider_message_id = $2, submitted_at = now() WHERE id = $1`,
      [id, providerId],
    );
  };
}

async function jobsOf(pool: pg.Pool, schema: string, from: number, to: number) {
  const { rows } = await pool.query<{ id: string; address: string; body: string }>(
    `SELECT id, address, body FROM ${schema}.messages WHERE id > $1 AND id <= $2 ORDER BY id`,
    [from, to],
  );
  return rows.map((r) => ({ id: Number(r.id), to: r.address, text: r.body }));
}

async function waitUntil(check: () => Promise<boolean>, deadlineMs: number, what: string): Promise<void> {
  const end = Date.now() + deadlineMs;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`${what}: not done in ${deadlineMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const allSubmitted = (pool: pg.Pool, schema: string) => async () =>
  (await pool.query(`SELECT count(*)::int AS n FROM ${schema}.messages WHERE state <> 'submitted'`)).rows[0]
    .n === 0;

const DEADLINE_MS = 15 * 60_000;

export async function runPgBoss(c: Ctx): Promise<PeerRun> {
  const { default: PgBoss } = await import('pg-boss');
  const schema = `peer_pgboss_${crypto.randomBytes(3).toString('hex')}`;
  const pool = await prepareRows(c.pgUrl, schema, c.n);
  const boss = new PgBoss({ connectionString: c.pgUrl, schema: `${schema}_boss`, max: 10 });
  boss.on('error', () => {});
  await boss.start();
  try {
    await boss.createQueue('send');
    const body = jobBody(pool, schema, c.providerUrl);
    const t0 = performance.now();
    for (let i = 0; i < c.n; i += 5000) {
      const jobs = await jobsOf(pool, schema, i, i + 5000);
      await boss.insert(jobs.map((j) => ({ name: 'send', data: j })));
    }
    const enqueueSeconds = (performance.now() - t0) / 1000;
    // A developer's usual worker: a batch fetched per poll, its jobs run concurrently, and four
    // such pollers (pg-boss 10 runs one fetch loop per `work` call).
    for (let i = 0; i < 4; i++)
      await boss.work<{ id: number; to: string; text: string }>(
        'send',
        { batchSize: 100, pollingIntervalSeconds: 0.5 },
        async (jobs) => {
          await Promise.all(jobs.map((j) => body(j.data.id, j.data.to, j.data.text)));
        },
      );
    await waitUntil(allSubmitted(pool, schema), DEADLINE_MS, 'pg-boss');
    const seconds = (performance.now() - t0) / 1000;
    return { peer: 'pg-boss', n: c.n, seconds, enqueueSeconds, perSecond: c.n / seconds };
  } finally {
    await boss.stop({ graceful: false, wait: true }).catch(() => {});
    await pool.end();
    await dropSchema(c.pgUrl, schema);
    await dropSchema(c.pgUrl, `${schema}_boss`);
  }
}

export async function runGraphileWorker(c: Ctx): Promise<PeerRun> {
  const { run, makeWorkerUtils } = await import('graphile-worker');
  const schema = `peer_graphile_${crypto.randomBytes(3).toString('hex')}`;
  const pool = await prepareRows(c.pgUrl, schema, c.n);
  const workerSchema = `${schema}_worker`;
  const utils = await makeWorkerUtils({ connectionString: c.pgUrl, schema: workerSchema });
  await utils.migrate();
  const body = jobBody(pool, schema, c.providerUrl);
  const runner = await run({
    connectionString: c.pgUrl,
    schema: workerSchema,
    concurrency: c.concurrency,
    noHandleSignals: true,
    pollInterval: 500,
    logger: new (await import('graphile-worker')).Logger(() => () => {}),
    taskList: {
      send: async (payload) => {
        const p = payload as { id: number; to: string; text: string };
        await body(p.id, p.to, p.text);
      },
    },
  });
  try {
    const t0 = performance.now();
    for (let i = 0; i < c.n; i += 5000) {
      const jobs = await jobsOf(pool, schema, i, i + 5000);
      // graphile-worker's own bulk call (`add_jobs`), as its documentation suggests for many jobs.
      await utils.withPgClient((client) =>
        client.query(
          `SELECT ${workerSchema}.add_jobs(array_agg(ROW('send', p, NULL, NULL, NULL, NULL, NULL, NULL)::${workerSchema}.job_spec))
           FROM json_array_elements($1::json) p`,
          [JSON.stringify(jobs)],
        ),
      );
    }
    const enqueueSeconds = (performance.now() - t0) / 1000;
    await waitUntil(allSubmitted(pool, schema), DEADLINE_MS, 'graphile-worker');
    const seconds = (performance.now() - t0) / 1000;
    return { peer: 'graphile-worker', n: c.n, seconds, enqueueSeconds, perSecond: c.n / seconds };
  } finally {
    await runner.stop().catch(() => {});
    await utils.release();
    await pool.end();
    await dropSchema(c.pgUrl, schema);
    await dropSchema(c.pgUrl, workerSchema);
  }
}

export async function runBullmq(c: Ctx & { redis: { host: string; port: number } }): Promise<PeerRun> {
  const { Queue, Worker } = await import('bullmq');
  const schema = `peer_bullmq_${crypto.randomBytes(3).toString('hex')}`;
  const pool = await prepareRows(c.pgUrl, schema, c.n);
  const name = `vestnik-bench-${crypto.randomBytes(3).toString('hex')}`;
  const connection = { ...c.redis, maxRetriesPerRequest: null };
  const queue = new Queue(name, { connection });
  const body = jobBody(pool, schema, c.providerUrl);
  const worker = new Worker(
    name,
    async (job) => {
      const p = job.data as { id: number; to: string; text: string };
      await body(p.id, p.to, p.text);
    },
    { connection, concurrency: c.concurrency, removeOnComplete: { count: 1000 } },
  );
  worker.on('error', () => {});
  try {
    const t0 = performance.now();
    for (let i = 0; i < c.n; i += 5000) {
      const jobs = await jobsOf(pool, schema, i, i + 5000);
      await queue.addBulk(jobs.map((j) => ({ name: 'send', data: j, opts: { attempts: 5 } })));
    }
    const enqueueSeconds = (performance.now() - t0) / 1000;
    await waitUntil(allSubmitted(pool, schema), DEADLINE_MS, 'bullmq');
    const seconds = (performance.now() - t0) / 1000;
    return { peer: 'bullmq', n: c.n, seconds, enqueueSeconds, perSecond: c.n / seconds };
  } finally {
    await worker.close(true).catch(() => {});
    await queue.obliterate({ force: true }).catch(() => {});
    await queue.close();
    await pool.end();
    await dropSchema(c.pgUrl, schema);
  }
}
