/**
 * The dispatch queries over the messages table: claim what is due, write what happened.
 * Every write that finalises a message returns the campaigns it touched, so the caller can close
 * the ones that are finished.
 */

import type { MessageContent } from '../core/content.ts';
import type { Channel, MessageState } from '../core/states.ts';
import type { Db, Queryable } from './db.ts';
import { chargeAccepted, releaseMessages } from './ledger.ts';
import { applyReceiptsOf, insertMessageParts, receiveReports } from './receipts.ts';

export interface ClaimedMessage {
  id: number;
  orgId: number;
  campaignId: number | null;
  gatewayId: number;
  channel: Channel;
  address: string;
  subject: string | null;
  body: string;
  /** An e-mail's HTML, headers and attachments; null for SMS and messenger. */
  content: MessageContent | null;
  sender: string | null;
  attempts: number;
  state: 'queued' | 'submitted';
  providerMessageId: string | null;
  statusDeadline: Date | null;
  /** What the gate checks before a send (issue 7): see NewMessage in messages.ts. */
  contactId: number | null;
  zone: string | null;
  windowed: boolean;
  collection: boolean;
  cascadeOf: number | null;
}

interface ClaimRow {
  id: number;
  org_id: number;
  campaign_id: number | null;
  gateway_id: number;
  channel: Channel;
  address: string;
  subject: string | null;
  body: string;
  content: MessageContent | null;
  sender: string | null;
  attempts: number;
  state: 'queued' | 'submitted';
  provider_message_id: string | null;
  status_deadline: Date | null;
  contact_id: number | null;
  zone: string | null;
  windowed: boolean;
  collection: boolean;
  cascade_of: number | null;
}

const toClaimed = (r: ClaimRow): ClaimedMessage => ({
  id: r.id,
  orgId: r.org_id,
  campaignId: r.campaign_id,
  gatewayId: r.gateway_id,
  channel: r.channel,
  address: r.address,
  subject: r.subject,
  body: r.body,
  content: r.content,
  sender: r.sender,
  attempts: r.attempts,
  state: r.state,
  providerMessageId: r.provider_message_id,
  statusDeadline: r.status_deadline,
  contactId: r.contact_id,
  zone: r.zone,
  windowed: r.windowed,
  collection: r.collection,
  cascadeOf: r.cascade_of,
});

/** The gate's columns, for the locking claim (the leasing claim names them as `m.…`). */
const CLAIM_COLUMNS = 'contact_id, zone, windowed, collection, cascade_of';

/**
 * The claim must walk the due index in its order and stop at `limit`. Right after a launch the
 * table's statistics still say it is nearly empty, and the planner then prefers a bitmap scan that
 * fetches and sorts every due row (measured: 90 ms per claim of 1,000 with 30,000 due, growing with
 * the backlog). Switched off for the claim's own transaction only:
 * `set_config(…, true)` is `SET LOCAL` as an expression, so it goes with other settings in one query.
 */
const CLAIM_PLAN = "set_config('enable_bitmapscan', 'off', true)";

/**
 * Which priorities a claim takes (migration 0007: 0 single messages, 5 campaigns): all, only single
 * messages (a process's express worker, so an API send never waits behind a campaign batch), or
 * everything else.
 */
export type Lane = 'all' | 'express' | 'bulk';
const PRIORITIES: Record<Lane, [number, number]> = { all: [0, 32767], express: [0, 0], bulk: [1, 32767] };

/**
 * Claims up to `limit` due rows of one state for `workerId`: `FOR UPDATE SKIP LOCKED` so concurrent
 * workers never take the same row, and `due_at` moved past the lease so a crashed worker's rows come
 * back by themselves. A send claim counts an attempt.
 */
export async function claimDue(
  db: Db,
  state: 'queued' | 'submitted',
  workerId: string,
  limit: number,
  leaseSeconds: number,
  lane: Lane = 'all',
  /** The worker's clock when it is not the database's (tests control it). */
  now: Date | null = null,
): Promise<ClaimedMessage[]> {
  return db.transaction(async (tx) => {
    await tx.query(`SELECT ${CLAIM_PLAN}`);
    return claimDueIn(tx, state, workerId, limit, leaseSeconds, lane, now);
  });
}

async function claimDueIn(
  db: Queryable,
  state: 'queued' | 'submitted',
  workerId: string,
  limit: number,
  leaseSeconds: number,
  lane: Lane,
  now: Date | null,
): Promise<ClaimedMessage[]> {
  const { rows } = await db.query<ClaimRow>(
    `WITH due AS (
       SELECT id FROM messages
       WHERE state = $1 AND due_at <= coalesce($7::timestamptz, now()) AND gateway_id IS NOT NULL AND priority BETWEEN $5 AND $6
       ORDER BY priority, due_at LIMIT $3 FOR UPDATE SKIP LOCKED)
     UPDATE messages m SET lease_owner = $2, due_at = coalesce($7::timestamptz, now()) + make_interval(secs => $4),
       attempts = m.attempts + CASE WHEN $1 = 'queued' THEN 1 ELSE 0 END
     FROM due WHERE m.id = due.id
     RETURNING m.id, m.org_id, m.campaign_id, m.gateway_id, m.channel, m.address, m.subject, m.body, m.content, m.sender, m.attempts,
               m.state, m.provider_message_id, m.status_deadline, m.contact_id, m.zone, m.windowed, m.collection, m.cascade_of`,
    [state, workerId, limit, leaseSeconds, ...PRIORITIES[lane], now],
  );
  return rows.map(toClaimed);
}

/**
 * Claims due queued rows by locking them in the caller's transaction, which stays open while they
 * are sent and ends with their outcome write (PostgreSQL's hot path). The row lock is the lease: no
 * other worker can take the rows, a crashed worker's connection ends and frees them at once, and
 * the server ends a transaction left idle longer than the lease (`idle_in_transaction_session_timeout`).
 * Nothing is written at claim time, so a message costs two row versions (insert, outcome) instead
 * of three, and a batch one commit instead of two. The attempt is counted by the outcome write.
 */
export async function lockDueForSend(
  tx: Queryable,
  limit: number,
  leaseSeconds: number,
  lane: Lane = 'all',
  now: Date | null = null,
): Promise<ClaimedMessage[]> {
  // The plan and the timeout in one round trip.
  await tx.query(`SELECT ${CLAIM_PLAN}, set_config('idle_in_transaction_session_timeout', $1, true)`, [
    String(Math.round(leaseSeconds * 1000)),
  ]);
  const { rows } = await tx.query<ClaimRow>(
    `SELECT id, org_id, campaign_id, gateway_id, channel, address, subject, body, content, sender, attempts + 1 AS attempts,
            state, provider_message_id, status_deadline, ${CLAIM_COLUMNS}
     FROM messages
     WHERE state = 'queued' AND due_at <= coalesce($4::timestamptz, now()) AND gateway_id IS NOT NULL AND priority BETWEEN $2 AND $3
     ORDER BY priority, due_at LIMIT $1 FOR UPDATE SKIP LOCKED`,
    [limit, ...PRIORITIES[lane], now],
  );
  return rows.map(toClaimed);
}

export type SendResultRow =
  | {
      id: number;
      kind: 'submitted';
      providerId: string;
      /** Every part's provider id of a long SMS, when the gateway gave one per part (receipts.ts). */
      partIds?: string[];
      /** Set when it went through another gateway than its own (fail-over): status checks ask that one. */
      gatewayId?: number;
      rawStatus: string | null;
      costKopecks: number | null;
      nextCheckSeconds: number;
      deadlineSeconds: number;
    }
  | {
      id: number;
      kind: 'retry';
      rawStatus: string | null;
      reason: string;
      delaySeconds: number;
      countAttempt: boolean;
    }
  | { id: number; kind: 'final'; state: MessageState; rawStatus: string | null; reason: string };

/**
 * Writes the outcome of a send batch, and its money, in one transaction: the state change of every
 * message, a charge per accepted message (exactly once: the ledger has one charge per message id)
 * and the release of single messages' reservations when they failed for good. Only rows still
 * queued and still leased to this worker are written: if the lease ran out and another worker took
 * the row, its answer wins.
 */
export async function recordSendResults(
  db: Db,
  workerId: string,
  results: SendResultRow[],
  now: Date | null = null,
): Promise<number[]> {
  if (results.length === 0) return [];
  const done = await db.transaction((tx) => recordSendResultsIn(tx, { leasedTo: workerId }, results, now));
  const early = await applyReceiptsAfterSend(db, results);
  return [...new Set([...done, ...early])];
}

/**
 * The receipts that overtook these sends' answers, applied once the outcome write has committed —
 * the caller of `recordSendResultsIn` calls it after its transaction (store/receipts.ts says why
 * after, not inside). Returns the campaigns of messages that became final.
 */
export async function applyReceiptsAfterSend(db: Queryable, results: SendResultRow[]): Promise<number[]> {
  const ids = results.flatMap((r) => (r.kind === 'submitted' ? (r.partIds ?? [r.providerId]) : []));
  return (await applyReceiptsOf(db, ids)).campaigns;
}

/**
 * The same, inside the caller's transaction: for rows claimed with a lease (`leasedTo`: the claim
 * counted the attempt) or locked by this transaction (`locked`: the attempt is counted here). The
 * caller applies early receipts after its commit (`applyReceiptsAfterSend`).
 */
export async function recordSendResultsIn(
  tx: Queryable,
  claim: { leasedTo: string } | 'locked',
  results: SendResultRow[],
  /** The worker's clock when it is not the database's (tests control it). */
  now: Date | null = null,
): Promise<number[]> {
  if (results.length === 0) return [];
  // Times below are this statement's, not the transaction's: on PostgreSQL the transaction began
  // with the claim, before the send, and «submitted at» is when the gateway answered.
  const col = <T>(f: (r: SendResultRow) => T) => results.map(f);
  const locked = claim === 'locked';
  const workerId = locked ? '' : claim.leasedTo;
  {
    const { rows } = await tx.query<{
      id: number;
      org_id: number;
      campaign_id: number | null;
      state: string;
      price_kopecks: number;
      reserved_kopecks: number;
      cost_kopecks: number | null;
    }>(
      `UPDATE messages m SET
         state = u.state,
         provider_message_id = coalesce(u.provider_id, m.provider_message_id),
         parts = CASE WHEN u.state = 'submitted' THEN u.parts ELSE m.parts END,
         gateway_id = coalesce(u.gateway_id, m.gateway_id),
         raw_status = coalesce(u.raw_status, m.raw_status),
         reason = u.reason,
         cost_kopecks = CASE WHEN u.state = 'submitted' THEN coalesce(u.cost, m.price_kopecks) END,
         attempts = m.attempts + CASE WHEN $11 THEN 1 ELSE 0 END - CASE WHEN u.uncount THEN 1 ELSE 0 END,
         submitted_at = CASE WHEN u.state = 'submitted' THEN coalesce($13::timestamptz, statement_timestamp()) ELSE m.submitted_at END,
         status_deadline = CASE WHEN u.state = 'submitted' THEN coalesce($13::timestamptz, statement_timestamp()) + make_interval(secs => u.deadline) END,
         -- A retry of a paused campaign's message is parked until the campaign resumes.
         due_at = CASE
           WHEN u.state = 'queued' AND EXISTS (SELECT 1 FROM campaigns c WHERE c.id = m.campaign_id AND c.state = 'paused')
             THEN NULL
           WHEN u.state IN ('queued', 'submitted') THEN coalesce($13::timestamptz, statement_timestamp()) + make_interval(secs => u.delay) END,
         final_at = CASE WHEN u.state IN ('queued', 'submitted') THEN NULL ELSE coalesce($13::timestamptz, statement_timestamp()) END,
         due_reason = CASE WHEN u.state = 'queued' THEN u.reason ELSE m.due_reason END,
         lease_owner = NULL
       FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::bigint[], $8::float8[],
                   $9::float8[], $10::boolean[], $12::bigint[], $14::smallint[])
            AS u(id, state, provider_id, raw_status, reason, cost, delay, deadline, uncount, gateway_id, parts)
       -- The id list again, as an index condition: the planner cannot see through unnest's rows and
       -- would otherwise choose a hash join over the whole table once its statistics are fresh.
       WHERE m.id = ANY($2::bigint[]) AND m.id = u.id AND m.state = 'queued' AND ($11 OR m.lease_owner = $1)
       RETURNING m.id, m.org_id, m.campaign_id, m.state, m.price_kopecks, m.reserved_kopecks, m.cost_kopecks`,
      [
        workerId,
        col((r) => r.id),
        col((r) => (r.kind === 'submitted' ? 'submitted' : r.kind === 'retry' ? 'queued' : r.state)),
        col((r) => (r.kind === 'submitted' ? r.providerId : null)),
        col((r) => r.rawStatus),
        col((r) => (r.kind === 'submitted' ? null : r.reason)),
        col((r) => (r.kind === 'submitted' ? r.costKopecks : null)),
        col((r) => (r.kind === 'submitted' ? r.nextCheckSeconds : r.kind === 'retry' ? r.delaySeconds : 0)),
        col((r) => (r.kind === 'submitted' ? r.deadlineSeconds : 0)),
        col((r) => r.kind === 'retry' && !r.countAttempt),
        locked,
        col((r) => (r.kind === 'submitted' ? (r.gatewayId ?? null) : null)),
        now,
        col((r) => (r.kind === 'submitted' && (r.partIds?.length ?? 0) > 1 ? r.partIds!.length : null)),
      ],
    );
    const accepted = rows.filter((r) => r.state === 'submitted');
    const written = new Set(accepted.map((r) => Number(r.id)));
    await insertMessageParts(
      tx,
      results.flatMap((r) =>
        r.kind === 'submitted' && (r.partIds?.length ?? 0) > 1 && written.has(r.id)
          ? [{ messageId: r.id, gatewayId: r.gatewayId ?? null, partIds: r.partIds! }]
          : [],
      ),
    );
    const charged = await chargeAccepted(
      tx,
      accepted.map((r) => ({
        messageId: r.id,
        orgId: r.org_id,
        campaignId: r.campaign_id,
        priceKopecks: r.price_kopecks,
        ownReservedKopecks: r.reserved_kopecks,
        costKopecks: r.cost_kopecks ?? r.price_kopecks,
      })),
    );
    // A single message's reservation is spent by its charge, or freed when it failed for good.
    const singles = accepted.filter((r) => r.campaign_id === null && r.reserved_kopecks > 0).map((r) => r.id);
    if (singles.length)
      await tx.query('UPDATE messages SET reserved_kopecks = 0 WHERE id = ANY($1::bigint[])', [singles]);
    for (const r of accepted) {
      const cost = charged.get(r.id);
      if (cost !== undefined && cost !== r.cost_kopecks) {
        await tx.query('UPDATE messages SET cost_kopecks = $2 WHERE id = $1', [r.id, cost]);
      }
    }
    const failedSingles = rows.filter(
      (r) => r.campaign_id === null && r.state !== 'queued' && r.state !== 'submitted',
    );
    await releaseMessages(
      tx,
      failedSingles.map((r) => r.id),
      'not sent',
    );
    return finalCampaigns(rows);
  }
}

export interface StatusUpdate {
  providerId: string;
  state: MessageState;
  rawStatus: string;
  /** The address the report names, where it names one (receipts.ts matches on it). */
  destination?: string;
}

/**
 * Delivery reports of one gateway, from a poll or a callback: stored in the receipts inbox, then
 * applied — monotonic (a late report of a lower rank changes nothing), idempotent, and only to the
 * one message in its life that carries the id (store/receipts.ts). Returns the campaigns of
 * messages that became final, and how many messages changed.
 */
export function applyStatusUpdates(
  db: Queryable,
  gatewayId: number,
  updates: StatusUpdate[],
  now: Date | null = null,
): Promise<{ changed: number; campaigns: number[] }> {
  return receiveReports(db, gatewayId, updates, now);
}

/** Puts a polled message back to wait for its next check. */
export async function scheduleNextCheck(
  db: Queryable,
  ids: number[],
  delaySeconds: number,
  now: Date | null = null,
): Promise<void> {
  if (ids.length === 0) return;
  await db.query(
    `UPDATE messages SET due_at = least(coalesce($3::timestamptz, now()) + make_interval(secs => $2), status_deadline),
       lease_owner = NULL
     WHERE id = ANY($1::bigint[]) AND state = 'submitted'`,
    [ids, delaySeconds, now],
  );
}

/** Submitted messages past their deadline with no final report: expired (SD-3). */
export async function expireOverdue(db: Queryable, ids: number[]): Promise<number[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.query<{
    id: number;
    campaign_id: number | null;
    state: string;
    channel: Channel;
  }>(
    `UPDATE messages SET state = 'expired', reason = 'no final delivery report before the deadline',
       final_at = now(), due_at = NULL, lease_owner = NULL
     WHERE id = ANY($1::bigint[]) AND state = 'submitted' AND status_deadline <= now()
     RETURNING id, campaign_id, state, channel`,
    [ids],
  );
  return finalCampaigns(rows);
}

function finalCampaigns(rows: { campaign_id: number | null; state: string }[]): number[] {
  const ids = new Set<number>();
  for (const r of rows)
    if (r.campaign_id !== null && r.state !== 'queued' && r.state !== 'submitted') ids.add(r.campaign_id);
  return [...ids];
}
