/**
 * A dispatch worker: claims due messages, sends them through their gateways and writes the outcome
 * back to the same rows; then does the same for delivery-status checks. Workers share nothing but
 * the database, so any number can run in one process or many.
 *
 *   queued ──claim──▶ send ──accepted──▶ submitted (due again at the next status check)
 *                       ├─retryable──▶ queued, due after back-off (until maxAttempts, then rejected)
 *                       ├─rate-limited▶ queued, due after the provider's pause (attempt not counted)
 *                       └─permanent──▶ rejected (never retried)
 *   submitted ──claim──▶ poll ──final──▶ delivered / undelivered / …; past the deadline ▶ expired
 */

import { groupBy } from '../core/groupBy.ts';
import { backoffSeconds, DEFAULT_RETRY, type RetryPolicy, shouldRetry } from '../core/retry.ts';
import type { Gateway, SendOutcome } from '../providers/provider.ts';
import { completeFinishedCampaigns } from '../store/campaigns.ts';
import type { Db, Queryable } from '../store/db.ts';
import {
  applyReceiptsAfterSend,
  type ClaimedMessage,
  claimDue,
  type Lane,
  lockDueForSend,
  recordSendResults,
  recordSendResultsIn,
  type SendResultRow,
} from '../store/queue.ts';
import { takeTokens } from '../store/rateLimits.ts';
import { loadAttachments } from './attachments.ts';
import { Breakers } from './breaker.ts';
import { gate, hurryFallbacks, refusedByMessenger } from './gate.ts';
import type { GatewayPool } from './gatewayPool.ts';
import { OrgCache } from './orgCache.ts';
import { checkStatuses } from './statusRound.ts';

export interface WorkerOptions {
  id: string;
  batchSize: number;
  leaseSeconds: number;
  statusPollSeconds: number;
  retry: RetryPolicy;
  random: () => number;
  /** Requests a worker has in flight at once to one gateway. */
  sendConcurrency: number;
  /** Which messages it sends (store/queue.ts): all, only single messages, or all but those. */
  lane: Lane;
  /** The process's circuit breakers (fail-over, SD-8); shared by its workers when given. */
  breakers?: Breakers;
  /** The worker's clock for what is due and what the window allows; absent: the database's. */
  clock?: () => Date;
}

export const DEFAULT_WORKER_OPTIONS: Omit<WorkerOptions, 'id'> = {
  batchSize: 500,
  leaseSeconds: 60,
  statusPollSeconds: 5,
  retry: DEFAULT_RETRY,
  random: Math.random,
  sendConcurrency: 16,
  lane: 'all',
};

export class DispatchWorker {
  private readonly breakers: Breakers;
  private readonly orgs: OrgCache;

  constructor(
    private readonly db: Db,
    private readonly gateways: GatewayPool,
    readonly options: WorkerOptions,
  ) {
    this.breakers = options.breakers ?? new Breakers();
    this.orgs = new OrgCache(db);
  }

  /**
   * Which gateway a batch of `gatewayId`'s messages goes through now: its own while its breaker lets
   * it, else the organisation's next gateway for the channel whose breaker does (SD-8), else none
   * for `holdMs` — the messages wait without spending an attempt.
   */
  private async route(gatewayId: number): Promise<{ id: number } | { holdMs: number }> {
    if (this.breakers.allow(gatewayId)) return { id: gatewayId };
    let fallbacks: number[] = [];
    try {
      fallbacks = await this.gateways.fallbacksOf(gatewayId);
    } catch {
      // The gateway is gone: sending below says so.
      return { id: gatewayId };
    }
    for (const id of fallbacks) if (this.breakers.allow(id)) return { id };
    return { holdMs: Math.max(1000, this.breakers.waitMs(gatewayId)) };
  }

  /** One round of sending; returns how many messages it handled. */
  async sendDue(): Promise<number> {
    const o = this.options;
    // PostgreSQL: the rows stay locked by one transaction from the claim to the outcome write
    // (store/queue.ts, lockDueForSend). PGlite is one connection, which a transaction held over a
    // send would block for everyone else: there the claim is a lease written to the rows.
    const clock = o.clock?.() ?? null;
    const now = () => clock ?? new Date();
    if (this.db.kind === 'postgres') {
      const { count, done, results } = await this.db.transaction(async (tx) => {
        const claimed = await lockDueForSend(tx, o.batchSize, o.leaseSeconds, o.lane, clock);
        if (claimed.length === 0) return { count: 0, done: [], results: [] };
        const passed = await gate(tx, claimed, now(), 'locked', await this.orgs.of(claimed));
        const results = [...passed.results, ...(await this.sendClaimed(tx, passed.send))];
        const done = await recordSendResultsIn(tx, 'locked', results, clock);
        await hurryFallbacks(tx, refusedByMessenger(claimed, results), now());
        return { count: claimed.length, done, results };
      });
      // Receipts that overtook these answers: looked for only now that the answers are committed.
      const early = await applyReceiptsAfterSend(this.db, results);
      const finished = [...new Set([...done, ...early])];
      if (finished.length) await completeFinishedCampaigns(this.db, finished);
      return count;
    }
    const claimed = await claimDue(this.db, 'queued', o.id, o.batchSize, o.leaseSeconds, o.lane, clock);
    if (claimed.length === 0) return 0;
    const orgs = await this.orgs.of(claimed);
    const passed = await this.db.transaction((tx) => gate(tx, claimed, now(), 'leased', orgs));
    const results = [...passed.results, ...(await this.sendClaimed(this.db, passed.send))];
    const done = await recordSendResults(this.db, o.id, results, clock);
    await hurryFallbacks(this.db, refusedByMessenger(claimed, results), now());
    if (done.length) await completeFinishedCampaigns(this.db, done);
    return claimed.length;
  }

  /**
   * Sends claimed messages through their gateways; the outcome of each, to be written. `q` reads
   * what a send needs beyond the rows (attachments): the claim's own transaction on PostgreSQL.
   */
  private async sendClaimed(q: Queryable, claimed: ClaimedMessage[]): Promise<SendResultRow[]> {
    const results: SendResultRow[] = [];
    for (const [own, messages] of groupBy(claimed, (m) => m.gatewayId)) {
      const route = await this.route(own);
      if ('holdMs' in route) {
        for (const m of messages)
          results.push({
            id: m.id,
            kind: 'retry',
            rawStatus: null,
            reason: 'the gateway is failing and no other gateway of the channel is available: waiting',
            delaySeconds: route.holdMs / 1000,
            countAttempt: false,
          });
        continue;
      }
      const gatewayId = route.id;
      let gateway: Gateway;
      try {
        gateway = await this.gateways.get(gatewayId);
      } catch (err) {
        for (const m of messages) {
          results.push({
            id: m.id,
            kind: 'final',
            state: 'rejected',
            rawStatus: null,
            reason: (err as Error).message,
          });
        }
        continue;
      }
      const { now, later } = await this.withinRate(gatewayId, messages);
      results.push(...later);
      const chunks: ClaimedMessage[][] = [];
      for (let i = 0; i < now.length; i += gateway.capabilities.batchSize)
        chunks.push(now.slice(i, i + gateway.capabilities.batchSize));
      // Several requests in flight: with one message per request a round trip at a time would cap
      // a worker at a few thousand a second whatever the provider can take.
      let next = 0;
      const lane = async () => {
        while (next < chunks.length)
          results.push(...(await this.sendChunk(q, gateway, gatewayId, own, chunks[next++]!)));
      };
      await Promise.all(Array.from({ length: Math.min(this.options.sendConcurrency, chunks.length) }, lane));
    }
    return results;
  }

  /**
   * Splits a gateway's claimed messages into those its shared token bucket lets go now and the rest,
   * which go back to the queue spread over the coming seconds — one token's interval apart — so the
   * next claims find them roughly when their tokens are there, instead of all at once.
   */
  private async withinRate(
    gatewayId: number,
    messages: ClaimedMessage[],
  ): Promise<{ now: ClaimedMessage[]; later: SendResultRow[] }> {
    const rate = await this.gateways.rateOf(gatewayId);
    if (!rate) return { now: messages, later: [] };
    const burst = Math.max(1, rate / 10);
    const take = await takeTokens(this.db, `gateway:${gatewayId}`, messages.length, rate, burst);
    const later = messages.slice(take.granted).map(
      (m, k): SendResultRow => ({
        id: m.id,
        kind: 'retry',
        rawStatus: null,
        reason: `waiting for the gateway's rate limit (${rate}/s)`,
        delaySeconds: take.nextInSeconds + k / rate,
        countAttempt: false,
      }),
    );
    return { now: messages.slice(0, take.granted), later };
  }

  /** `via` is the gateway sent through; `own` the messages' own (they differ after a fail-over). */
  private async sendChunk(
    q: Queryable,
    gateway: Gateway,
    via: number,
    own: number,
    chunk: ClaimedMessage[],
  ): Promise<SendResultRow[]> {
    const attached = await loadAttachments(q, chunk);
    const refused: SendOutcome[] = [...attached.missing].map(([id, reason]) => ({
      id,
      kind: 'permanent',
      rawStatus: 'ATTACHMENT_MISSING',
      reason,
    }));
    const sendable = refused.length ? chunk.filter((m) => !attached.missing.has(m.id)) : chunk;
    let outcomes: SendOutcome[] = [];
    try {
      if (sendable.length)
        outcomes = await gateway.send(
          sendable.map((m) => {
            const files = attached.files.get(m.id);
            return {
              id: m.id,
              channel: m.channel,
              address: m.address,
              subject: m.subject,
              body: m.body,
              sender: m.sender,
              content: m.content,
              ...(files ? { files } : {}),
            };
          }),
        );
    } catch (err) {
      outcomes = sendable.map((m) => ({
        id: m.id,
        kind: 'retryable',
        rawStatus: 'EXCEPTION',
        reason: (err as Error).message,
      }));
    }
    // Any answer — accepted, refused, slow down — shows the gateway working; only silence and
    // errors of its own (timeouts, 5xx, refused connections) count towards opening its breaker.
    if (sendable.length) {
      if (outcomes.some((x) => x.kind !== 'retryable')) this.breakers.succeeded(via);
      else this.breakers.failed(via);
    }
    const byId = new Map([...outcomes, ...refused].map((x) => [x.id, x]));
    return chunk.map((m) => {
      const r = this.toResult(gateway, m, byId.get(m.id));
      return r.kind === 'submitted' && via !== own ? { ...r, gatewayId: via } : r;
    });
  }

  private toResult(gateway: Gateway, m: ClaimedMessage, out: SendOutcome | undefined): SendResultRow {
    const { retry, random, statusPollSeconds } = this.options;
    if (!out)
      out = {
        id: m.id,
        kind: 'retryable',
        rawStatus: 'NO_ANSWER',
        reason: 'the gateway gave no outcome for this message',
      };
    switch (out.kind) {
      case 'accepted': {
        const deadline = gateway.capabilities.statusDeadlineSeconds;
        return {
          id: m.id,
          kind: 'submitted',
          providerId: out.providerId,
          ...(out.partIds && out.partIds.length > 1 ? { partIds: out.partIds } : {}),
          rawStatus: out.rawStatus ?? null,
          costKopecks: out.costKopecks ?? null,
          nextCheckSeconds: gateway.capabilities.polling ? statusPollSeconds : deadline,
          deadlineSeconds: deadline,
        };
      }
      case 'permanent':
        return { id: m.id, kind: 'final', state: 'rejected', rawStatus: out.rawStatus, reason: out.reason };
      case 'rate_limited':
        return {
          id: m.id,
          kind: 'retry',
          rawStatus: out.rawStatus,
          reason: out.reason,
          delaySeconds: (out.retryAfterMs ?? 1000) / 1000,
          countAttempt: false,
        };
      case 'retryable':
        if (!shouldRetry(retry, m.attempts)) {
          return {
            id: m.id,
            kind: 'final',
            state: 'rejected',
            rawStatus: out.rawStatus,
            reason: `gave up after ${m.attempts} attempts: ${out.reason}`,
          };
        }
        return {
          id: m.id,
          kind: 'retry',
          rawStatus: out.rawStatus,
          reason: out.reason,
          delaySeconds: backoffSeconds(retry, m.attempts, random()),
          countAttempt: true,
        };
    }
  }

  /** One round of status checks for submitted messages; returns how many it looked at. */
  checkDue(): Promise<number> {
    return checkStatuses(this.db, this.gateways, this.options);
  }
}
