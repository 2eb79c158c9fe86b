/**
 * Runs a process's workers: each loops while there is work and sleeps when there is none, until a
 * NOTIFY on the due channel (a launch, a single send) or the idle poll wakes it. Polling stays as the
 * fallback because a notification can be missed (a reconnect) and retries become due by the clock.
 */
import crypto from 'node:crypto';
import os from 'node:os';
import { completeFinishedCampaigns, excludeLeftovers } from '../store/campaigns.ts';
import type { Db } from '../store/db.ts';
import { applyEarlyReports, dropStaleEarlyReports } from '../store/earlyReports.ts';
import { DUE_CHANNEL } from '../store/messages.ts';
import type { GatewayPool } from './gatewayPool.ts';
import { DEFAULT_WORKER_OPTIONS, DispatchWorker, type WorkerOptions } from './worker.ts';

export interface DispatcherOptions {
  workers: number;
  gateways: GatewayPool;
  idlePollMs?: number;
  worker?: Partial<Omit<WorkerOptions, 'id'>>;
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
  const workers = Array.from(
    { length: options.workers },
    (_, i) =>
      new DispatchWorker(db, gateways, { ...DEFAULT_WORKER_OPTIONS, ...options.worker, id: `${base}:${i}` }),
  );
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

  let unlisten: (() => Promise<void>) | undefined;
  try {
    unlisten = await db.listen(DUE_CHANNEL, wake);
  } catch (err) {
    options.onError?.(err);
  }

  const loops = workers.map(async (w) => {
    while (running) {
      try {
        const n = (await w.sendDue()) + (await w.checkDue());
        if (n === 0 && running) await sleep(idlePollMs);
      } catch (err) {
        options.onError?.(err);
        if (running) await sleep(idlePollMs);
      }
    }
  });

  // A campaign whose last messages were finalised by a crashed worker is closed by this sweep.
  // So is a cancelled campaign whose in-flight message came back for a retry.
  const sweep = setInterval(() => {
    excludeLeftovers(db, 'all')
      .then(() => applyEarlyReports(db, 'all'))
      .then(() => dropStaleEarlyReports(db))
      .then(() => completeFinishedCampaigns(db, 'all'))
      .catch((err) => options.onError?.(err));
  }, 10_000);
  sweep.unref();

  return {
    workerIds: workers.map((w) => w.options.id),
    wake,
    async stop() {
      running = false;
      clearInterval(sweep);
      wake();
      await Promise.all(loops);
      await unlisten?.();
    },
  };
}
