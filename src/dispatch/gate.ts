/**
 * The last check before a claimed message goes to its gateway (issue 7): is it inside the daytime
 * window of the recipient's zone, within the recipient's caps, and — for the SMS of a cascade — has
 * the messenger not taken it already? The launch wrote due times that respect the window, but a
 * queue that runs late, a retry or a paused campaign can carry a message past it; so the worker asks
 * again, on its own clock, and moves what may not go now to when it may, without spending an attempt.
 *
 * The cascade's switch (CH-2): the SMS locks its messenger message. Delivered → the SMS is
 * excluded; accepted by the gateway but not yet reported → the SMS waits for the report; failed for
 * good → the SMS goes; still queued and nobody sending it → the messenger message is excluded and the
 * SMS goes; being sent right now (locked by another worker's transaction, or leased) → the SMS waits a
 * few seconds and asks again. A message whose messenger twin was handed to a gateway is sent only if
 * that one is reported not delivered: a recipient gets one of the two, never both — short of a
 * messenger send that timed out after its provider took it, which nobody can tell.
 */
import { type CapRules, Recipient } from '../core/schedule/caps.ts';
import { inWindow, nextInWindow } from '../core/schedule/window.ts';
import type { Queryable } from '../store/db.ts';
import type { Org } from '../store/orgs.ts';
import type { ClaimedMessage, SendResultRow } from '../store/queue.ts';
import { windowOf } from './timing.ts';

export interface Deferral {
  id: number;
  at: Date;
  reason: string;
}

export interface GateOutcome {
  /** What may be sent now. */
  send: ClaimedMessage[];
  /** Messages the gate finished (an SMS whose messenger message was accepted, a switched messenger). */
  results: SendResultRow[];
  deferred: number;
}

const IN_FLIGHT_RETRY_MS = 5000;
/** How often an SMS asks again while its messenger message waits for its delivery report. */
const REPORT_WAIT_MS = 30_000;

export async function gate(
  tx: Queryable,
  claimed: ClaimedMessage[],
  now: Date,
  claim: 'locked' | 'leased',
  /** The organisations of `claimed` (read before: on PGlite the transaction holds the one connection). */
  orgs: Map<number, Org>,
): Promise<GateOutcome> {
  const orgOf = (id: number): Org => orgs.get(id)!;
  const deferrals: Deferral[] = [];
  const results: SendResultRow[] = [];
  const dropped = new Set<number>();
  await switchCascades(tx, claimed, now, deferrals, results, dropped);

  const left = claimed.filter((m) => !dropped.has(m.id));
  const send: ClaimedMessage[] = [];
  const capped: ClaimedMessage[] = [];
  // A batch's messages share a few zones and one clock: each zone's answer is worked out once.
  const open = new Map<string, boolean>();
  const isOpen = (org: Org, zone: string): boolean => {
    const key = `${org.id}:${zone}`;
    let yes = open.get(key);
    if (yes === undefined) {
      yes = inWindow(now, zone, windowOf(org));
      open.set(key, yes);
    }
    return yes;
  };
  for (const m of left) {
    if (!m.zone || m.contactId === null) send.push(m);
    else {
      const org = orgOf(m.orgId);
      if (m.collection || (org.dailyCapPerRecipient && m.campaignId !== null)) capped.push(m);
      else if (!m.windowed || isOpen(org, m.zone)) send.push(m);
      else {
        const w = windowOf(org);
        const at = nextInWindow(now, m.zone, w);
        deferrals.push({ id: m.id, at, reason: `window: ${w.start}–${w.end} in ${m.zone}` });
      }
    }
  }
  if (capped.length) await checkCaps(tx, capped, now, orgOf, send, deferrals);
  await writeDeferrals(tx, deferrals, claim);
  return { send, results, deferred: deferrals.length };
}

/** Decides every cascade SMS among `claimed` against its messenger message. */
async function switchCascades(
  tx: Queryable,
  claimed: ClaimedMessage[],
  now: Date,
  deferrals: Deferral[],
  results: SendResultRow[],
  dropped: Set<number>,
): Promise<void> {
  const sms = claimed.filter((m) => m.cascadeOf !== null);
  if (sms.length === 0) return;
  const mine = new Set(claimed.map((m) => m.id));
  // SKIP LOCKED: a messenger message another worker's transaction holds is being sent right now;
  // waiting for it here could deadlock two workers holding each other's siblings.
  const { rows } = await tx.query<{
    id: number;
    state: string;
    lease_owner: string | null;
    due_at: Date | null;
  }>(
    'SELECT id, state, lease_owner, due_at FROM messages WHERE id = ANY($1::bigint[]) FOR UPDATE SKIP LOCKED',
    [sms.map((m) => m.cascadeOf)],
  );
  const first = new Map(rows.map((r) => [r.id, r]));
  const switched: number[] = [];
  for (const m of sms) {
    const f = first.get(m.cascadeOf!);
    const leasedElsewhere =
      f &&
      !mine.has(f.id) &&
      f.state === 'queued' &&
      f.lease_owner !== null &&
      f.due_at !== null &&
      f.due_at > now;
    if (!f || leasedElsewhere) {
      dropped.add(m.id);
      deferrals.push({
        id: m.id,
        at: new Date(now.getTime() + IN_FLIGHT_RETRY_MS),
        reason: 'cascade: the messenger message is being sent; deciding after its answer',
      });
    } else if (f.state === 'delivered') {
      dropped.add(m.id);
      results.push({
        id: m.id,
        kind: 'final',
        state: 'excluded',
        rawStatus: null,
        reason: 'cascade: the messenger delivered it, no SMS needed',
      });
    } else if (f.state === 'submitted') {
      // Accepted by the messenger's gateway, not yet on the phone: its report decides. Waiting keeps
      // both from going and a final state from ever being undone.
      dropped.add(m.id);
      deferrals.push({
        id: m.id,
        at: new Date(now.getTime() + REPORT_WAIT_MS),
        reason: 'cascade: the messenger accepted it; the SMS goes only if it reports it not delivered',
      });
    } else if (f.state === 'queued') {
      const reason = 'cascade: not accepted by the messenger in time; sent by SMS';
      if (mine.has(f.id)) {
        dropped.add(f.id);
        results.push({ id: f.id, kind: 'final', state: 'excluded', rawStatus: null, reason });
      } else switched.push(f.id);
    }
    // Otherwise the messenger failed for good (rejected, undelivered, expired, unknown): the SMS goes.
  }
  if (switched.length)
    await tx.query(
      `UPDATE messages SET state = 'excluded', reason = 'cascade: not accepted by the messenger in time; sent by SMS',
         final_at = $2, due_at = NULL, lease_owner = NULL
       WHERE id = ANY($1::bigint[]) AND state = 'queued'`,
      [switched, now],
    );
}

/** Frequency caps and debt-collection hours, per recipient, counting what they were sent lately. */
async function checkCaps(
  tx: Queryable,
  capped: ClaimedMessage[],
  now: Date,
  orgOf: (orgId: number) => Org,
  send: ClaimedMessage[],
  deferrals: Deferral[],
): Promise<void> {
  const pairs = [...new Map(capped.map((m) => [m.contactId!, [m.orgId, m.contactId!] as const])).values()];
  // Calendar months reach back at most 31 days; the ISO week's start is within them.
  const since = new Date(now.getTime() - 32 * 86_400_000);
  // Through the (org_id, contact_id, id) index every message row has anyway: an index on the sent
  // time would cost every outcome write a little, for the few messages that are capped.
  const { rows } = await tx.query<{ contact_id: number; submitted_at: Date; collection: boolean }>(
    `SELECT m.contact_id, m.submitted_at, m.collection
     FROM unnest($1::bigint[], $2::bigint[]) AS k(org_id, contact_id)
     JOIN messages m ON m.org_id = k.org_id AND m.contact_id = k.contact_id
     WHERE m.submitted_at >= $3 AND m.campaign_id IS NOT NULL`,
    [pairs.map((p) => p[0]), pairs.map((p) => p[1]), since],
  );
  const people = new Map<string, Recipient>();
  /** One tally per recipient and kind: collection caps count collection messages, the general cap all. */
  const personOf = (m: ClaimedMessage, kind: 'collection' | 'general', rules: CapRules): Recipient => {
    const key = `${kind}:${m.contactId}:${m.windowed}:${m.zone}`;
    let person = people.get(key);
    if (!person) {
      const sent = rows
        .filter((r) => r.contact_id === m.contactId && (kind === 'general' || r.collection))
        .map((r) => r.submitted_at);
      person = new Recipient(m.zone!, rules, sent);
      people.set(key, person);
    }
    return person;
  };
  for (const m of capped.sort((a, b) => a.id - b.id)) {
    const org = orgOf(m.orgId);
    const window = m.windowed ? windowOf(org) : null;
    const checks: Recipient[] = [];
    if (m.collection)
      checks.push(personOf(m, 'collection', { window, collection: true, generalPerDay: null }));
    if (org.dailyCapPerRecipient)
      checks.push(
        personOf(m, 'general', { window, collection: false, generalPerDay: org.dailyCapPerRecipient }),
      );
    // The latest of the rules' answers: every rule must let it go.
    let wait: Deferral | null = null;
    for (const person of checks) {
      const d = person.decide(now);
      if (!d.go && (!wait || d.at > wait.at)) wait = { id: m.id, at: d.at, reason: d.reason };
    }
    if (wait) deferrals.push(wait);
    else {
      for (const person of checks) person.approve(now);
      send.push(m);
    }
  }
}

/** Moves deferred messages to when they may go, with the reason; the attempt is not spent. */
async function writeDeferrals(
  tx: Queryable,
  deferrals: Deferral[],
  claim: 'locked' | 'leased',
): Promise<void> {
  if (deferrals.length === 0) return;
  await tx.query(
    `UPDATE messages m SET due_at = u.at, due_reason = u.reason, lease_owner = NULL,
       attempts = m.attempts - $4::int
     FROM unnest($1::bigint[], $2::timestamptz[], $3::text[]) AS u(id, at, reason)
     WHERE m.id = u.id AND m.state = 'queued'`,
    [
      deferrals.map((d) => d.id),
      deferrals.map((d) => d.at),
      deferrals.map((d) => d.reason),
      claim === 'leased' ? 1 : 0,
    ],
  );
}

/** A messenger message refused for good: its SMS need not wait out the rest of the cascade's wait. */
export async function hurryFallbacks(db: Queryable, refused: number[], now: Date): Promise<void> {
  if (refused.length === 0) return;
  await db.query(
    `UPDATE messages SET due_at = $2, due_reason = 'cascade: the messenger refused it; by SMS now'
     WHERE cascade_of = ANY($1::bigint[]) AND state = 'queued' AND lease_owner IS NULL AND due_at > $2`,
    [refused, now],
  );
}

/** The messenger messages of a round that failed for good: their cascade SMS may go at once. */
export function refusedByMessenger(claimed: ClaimedMessage[], results: SendResultRow[]): number[] {
  const messenger = new Set(claimed.filter((m) => m.channel === 'messenger').map((m) => m.id));
  return results
    .filter((r) => r.kind === 'final' && r.state !== 'excluded' && messenger.has(r.id))
    .map((r) => r.id);
}
