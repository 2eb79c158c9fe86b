/**
 * Runs a process's workers: each loops while there is work and sleeps when there is none, until a
 * NOTIFY on the due channel (a launch, a single send) or the idle poll wakes it. Polling stays as the
 * fallback because a notification can be missed (a reconnect) and retries become due by the clock.
 */
import crypto from 'node:crypto';
import os from 'node:os';
import { pollInboxes } from '../services/inbound.ts';
import { completeFinishedCampaigns, excludeLeftovers } from '../store/campaigns.ts';
import type { Db } from '../store/db.ts';
import { DUE_CHANNEL } from '../store/messages.ts';
import { settleReceipts } from '../store/receipts.ts';
import { Breakers } from './breaker.ts';
import type { LinkSettings } from './extras.ts';
import type { GatewayPool } from './gatewayPool.ts';
import { runScheduler } from './scheduler.ts';
import { DEFAULT_WORKER_OPTIONS, DispatchWorker, type WorkerOptions } from './worker.ts';

const EXPRESS_BATCH = 100;
const BUSY_CHECK_MS = 30_000;

export interface DispatcherOptions {
  workers: number;
  gateways: GatewayPool;
  idlePollMs?: number;
  worker?: Partial<Omit<WorkerOptions, 'id'>>;
  /** A worker of its own for single messages (default true); the others then take only campaigns. */
  express?: boolean;
  /** Run scheduled and recurring campaigns (SD-4) from the sweep, with these links (default true). */
  scheduler?: { links?: LinkSettings } | false;
  onError?: (err: unknown) => void;
}

export interface Dispatcher {
  readonly workerIds: string[];
  /** Wakes idle workers now. */
  wake(): void;
  stop(): Promise<void>;
}

export async function startDispatcher(db: Db, options: DispatcherOptions): Promise<Dispatcher> {
  const { gateways } = options;
  const idlePollMs = options.idlePollMs ?? 1000;
  const base = `${os.hostname()}:${process.pid}:${crypto.randomBytes(3).toString('hex')}`;
  const express = options.express ?? true;
  // One set of circuit breakers for the process: what one worker learns of a gateway, all know.
  const breakers = options.worker?.breakers ?? new Breakers();
  const workers = Array.from(
    { length: options.workers },
    (_, i) =>
      new DispatchWorker(db, gateways, {
        ...DEFAULT_WORKER_OPTIONS,
        ...options.worker,
        breakers,
        id: `${base}:${i}`,
        lane: express ? 'bulk' : 'all',
      }),
  );
  // SD-6 wants a single message at the gateway at once, not after the campaign batch a worker is
  // sending (a 1,000-message batch takes a good part of a second on a busy machine): one more worker
  // claims only single messages, in small batches, woken by their own NOTIFY.
  const expressWorker = express
    ? new DispatchWorker(db, gateways, {
        ...DEFAULT_WORKER_OPTIONS,
        ...options.worker,
        breakers,
        id: `${base}:express`,
        batchSize: EXPRESS_BATCH,
        lane: 'express',
      })
    : undefined;
  let running = true;
  let wakers: (() => void)[] = [];
  const wake = () => {
    const w = wakers;
    wakers = [];
    for (const f of w) f();
  };
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        resolve();
      }
      wakers.push(done);
    });

  // The express worker's wake-up is remembered when it comes mid-round, so a message committed just
  // after its claim looked is not left for the idle poll.
  let expressPending = false;
  let expressWaker: (() => void) | undefined;
  const wakeExpress = () => {
    expressPending = true;
    expressWaker?.();
  };
  const sleepExpress = (ms: number) =>
    new Promise<void>((resolve) => {
      if (expressPending) return resolve();
      const t = setTimeout(done, ms);
      function done() {
        clearTimeout(t);
        expressWaker = undefined;
        resolve();
      }
      expressWaker = done;
    });

  let unlisten: (() => Promise<void>) | undefined;
  try {
    // A single message's id, or `campaign:ID` for a launch or a resume.
    unlisten = await db.listen(DUE_CHANNEL, (payload) => {
      if (!payload.startsWith('campaign:')) wakeExpress();
      wake();
    });
  } catch (err) {
    options.onError?.(err);
  }
  // Gateways whose reports come on their own connection (SMPP receipts) listen from the start.
  await gateways.openListening().catch((err: unknown) => options.onError?.(err));

  // The status claim walks the due index past every due queued row (the index has no state), which
  // with a backlog of a million takes about a second. So while a worker's send rounds come back
  // full, it checks statuses only every BUSY_CHECK_MS; once the backlog is gone, every round.
  const loops = workers.map(async (w) => {
    let lastCheck = 0;
    while (running) {
      try {
        const sent = await w.sendDue();
        const busy = sent >= w.options.batchSize;
        let checked = 0;
        if (!busy || Date.now() - lastCheck >= BUSY_CHECK_MS) {
          lastCheck = Date.now();
          checked = await w.checkDue();
        }
        const n = sent + checked;
        if (n === 0 && running) await sleep(idlePollMs);
      } catch (err) {
        options.onError?.(err);
        if (running) await sleep(idlePollMs);
      }
    }
  });

  const expressLoop = (async () => {
    if (!expressWorker) return;
    while (running) {
      expressPending = false;
      try {
        const n = await expressWorker.sendDue();
        if (n === 0 && running) await sleepExpress(idlePollMs);
      } catch (err) {
        options.onError?.(err);
        if (running) await sleepExpress(idlePollMs);
      }
    }
  })();

  // A campaign whose last messages were finalised by a crashed worker is closed by this sweep.
  // So is a cancelled campaign whose in-flight message came back for a retry. Scheduled campaigns
  // whose time has come are launched by it (within the sweep's 10 s).
  const scheduler = options.scheduler ?? {};
  const sweep = setInterval(() => {
    (scheduler ? runScheduler(db, new Date(), scheduler.links).then(() => undefined) : Promise.resolve())
      .then(() => excludeLeftovers(db, 'all'))
      .then(() => settleReceipts(db))
      .then(() => completeFinishedCampaigns(db, 'all'))
      .then(() => pollInboxes(db, gateways, options.onError))
      .catch((err) => options.onError?.(err));
  }, 10_000);
  sweep.unref();

  return {
    workerIds: [...workers, ...(expressWorker ? [expressWorker] : [])].map((w) => w.options.id),
    wake,
    async stop() {
      running = false;
      clearInterval(sweep);
      wake();
      wakeExpress();
      await Promise.all([...loops, expressLoop]);
      await unlisten?.();
    },
  };
}
