/** Reading back when messages go (issue 7 item 8) and a recurring campaign's runs (SD-4). */
import type { Channel } from '../core/states.ts';
import type { Queryable } from './db.ts';

export interface MessageTiming {
  id: number;
  state: string;
  channel: Channel;
  dueAt: Date | null;
  zone: string | null;
  windowed: boolean;
  collection: boolean;
  attempts: number;
  explanation: string;
  cascade: { role: 'messenger_first' | 'sms_fallback'; otherId: number; otherState: string } | null;
}

interface Row {
  id: number;
  state: string;
  channel: Channel;
  due_at: Date | null;
  due_reason: string | null;
  reason: string | null;
  zone: string | null;
  windowed: boolean;
  collection: boolean;
  attempts: number;
  lease_owner: string | null;
  cascade_of: number | null;
  other_id: number | null;
  other_state: string | null;
  is_first: boolean;
}

/** A message's due time and the reason for it, in words. */
export async function explainMessage(
  db: Queryable,
  orgId: number,
  id: number,
): Promise<MessageTiming | undefined> {
  const { rows } = await db.query<Row>(
    `SELECT m.id, m.state, m.channel, m.due_at, m.due_reason, m.reason, m.zone, m.windowed, m.collection, m.attempts,
            m.lease_owner, m.cascade_of, o.id AS other_id, o.state AS other_state, (f.id IS NOT NULL) AS is_first
     FROM messages m
     LEFT JOIN messages f ON f.cascade_of = m.id
     LEFT JOIN messages o ON o.id = coalesce(m.cascade_of, f.id)
     WHERE m.org_id = $1 AND m.id = $2`,
    [orgId, id],
  );
  const r = rows[0];
  if (!r) return undefined;
  return {
    id: r.id,
    state: r.state,
    channel: r.channel,
    dueAt: r.due_at,
    zone: r.zone,
    windowed: r.windowed,
    collection: r.collection,
    attempts: r.attempts,
    explanation: explain(r),
    cascade:
      r.other_id === null
        ? null
        : {
            role: r.is_first ? 'messenger_first' : 'sms_fallback',
            otherId: r.other_id,
            otherState: r.other_state!,
          },
  };
}

function explain(r: Row): string {
  if (r.state === 'queued') {
    if (r.due_at === null) return 'parked: its campaign is paused';
    if (r.lease_owner) return `being sent by ${r.lease_owner}`;
    return r.due_reason ?? 'due at once: waiting for a worker';
  }
  if (r.state === 'submitted') return 'accepted by the gateway; due again for its delivery report';
  return `final (${r.state})${r.reason ? `: ${r.reason}` : ''}`;
}

export interface Run {
  id: number;
  name: string;
  state: string;
  launchedAt: Date | null;
}

/** The runs of a recurring campaign, newest first. */
export async function listRuns(db: Queryable, orgId: number, parentId: number, limit = 100): Promise<Run[]> {
  const { rows } = await db.query<{ id: number; name: string; state: string; launched_at: Date | null }>(
    `SELECT id, name, state, launched_at FROM campaigns WHERE org_id = $1 AND parent_id = $2
     ORDER BY id DESC LIMIT $3`,
    [orgId, parentId, limit],
  );
  return rows.map((r) => ({ id: r.id, name: r.name, state: r.state, launchedAt: r.launched_at }));
}
