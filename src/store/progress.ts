/**
 * What a campaign's live report reads beyond the counts by state (RP-1): its progress over time, the
 * totals of many campaigns at once for the list, and its recipients with their names, searchable.
 */
import type { MessageState } from '../core/states.ts';
import type { Queryable } from './db.ts';

/** Not delivered for good; `unknown` stays out: the gateway never said. */
const FAILED = `('undelivered', 'rejected', 'expired')`;

export interface ProgressBucket {
  /** The end of the bucket: the counts are of everything up to this moment. */
  at: Date;
  sent: number;
  delivered: number;
  failed: number;
}

export interface Progress {
  from: Date | null;
  to: Date | null;
  stepSeconds: number;
  total: number;
  buckets: ProgressBucket[];
}

/**
 * Cumulative sent (handed to a gateway), delivered and failed counts from the launch to the finish (or
 * now), in at most `maxBuckets` buckets of a round step. Undefined when the campaign is not the org's.
 */
export async function campaignProgress(
  db: Queryable,
  orgId: number,
  campaignId: number,
  maxBuckets: number,
): Promise<Progress | undefined> {
  // One statement: the span and its step, each message's events put in their bucket, a running sum.
  const { rows } = await db.query<{
    t0: Date | null;
    t1: Date | null;
    step: number;
    total: number;
    i: number | null;
    at: Date | null;
    sent: number;
    delivered: number;
    failed: number;
  }>(
    `WITH c AS (
       SELECT id, launched_at AS t0,
              greatest(coalesce(finished_at, now()), launched_at + interval '1 second') AS t1
         FROM campaigns WHERE org_id = $1 AND id = $2
     ), s AS (
       SELECT c.*, (SELECT x FROM unnest(ARRAY[1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600,
                      7200, 10800, 21600, 43200, 86400, 172800, 604800, 2592000]) AS x
                     WHERE x * $3 >= extract(epoch FROM c.t1 - c.t0) ORDER BY x LIMIT 1) AS step
         FROM c
     ), n AS (
       SELECT s.*, coalesce(ceil(extract(epoch FROM s.t1 - s.t0) / s.step)::int, 0) AS n FROM s
     ), ev AS (
       SELECT least(n.n, greatest(0, ceil(extract(epoch FROM e.ts - n.t0) / n.step)::int)) AS i,
              e.kind
         FROM n
         JOIN messages m ON m.org_id = $1 AND m.campaign_id = n.id
         CROSS JOIN LATERAL (VALUES
           ('sent', m.submitted_at),
           (CASE WHEN m.state = 'delivered' THEN 'delivered'
                 WHEN m.state IN ${FAILED} THEN 'failed' END, m.final_at)
         ) AS e(kind, ts)
        WHERE n.t0 IS NOT NULL AND e.kind IS NOT NULL AND e.ts IS NOT NULL
     ), per AS (
       SELECT i, count(*) FILTER (WHERE kind = 'sent')::int AS sent,
              count(*) FILTER (WHERE kind = 'delivered')::int AS delivered,
              count(*) FILTER (WHERE kind = 'failed')::int AS failed
         FROM ev GROUP BY i
     )
     SELECT n.t0, n.t1, coalesce(n.step, 1) AS step,
            (SELECT count(*)::int FROM messages WHERE org_id = $1 AND campaign_id = n.id) AS total,
            g.i, n.t0 + g.i * n.step * interval '1 second' AS at,
            coalesce(sum(per.sent) OVER w, 0)::int AS sent,
            coalesce(sum(per.delivered) OVER w, 0)::int AS delivered,
            coalesce(sum(per.failed) OVER w, 0)::int AS failed
       FROM n
       LEFT JOIN LATERAL generate_series(0, CASE WHEN n.t0 IS NULL THEN -1 ELSE n.n END) AS g(i) ON true
       LEFT JOIN per ON per.i = g.i
     WINDOW w AS (ORDER BY g.i)
     ORDER BY g.i`,
    [orgId, campaignId, maxBuckets],
  );
  const first = rows[0];
  if (!first) return undefined;
  return {
    from: first.t0,
    to: first.t1,
    stepSeconds: first.step,
    total: first.total,
    buckets: rows
      .filter((r) => r.i !== null && r.at !== null)
      .map((r) => ({ at: r.at!, sent: r.sent, delivered: r.delivered, failed: r.failed })),
  };
}

export interface CampaignTotals {
  id: number;
  recipients: number;
  sent: number;
  delivered: number;
  failed: number;
  /** Estimated at launch for the messages that go (excluded ones never cost). */
  priceKopecks: number;
  /** Charged when a gateway accepted them. */
  chargedKopecks: number;
}

/** The list's figures for many campaigns in one query; a campaign without messages is left out. */
export async function campaignTotals(db: Queryable, orgId: number, ids: number[]): Promise<CampaignTotals[]> {
  if (ids.length === 0) return [];
  const { rows } = await db.query<CampaignTotals>(
    `SELECT campaign_id AS id,
            count(*) FILTER (WHERE state NOT IN ('excluded', 'invalid_address'))::int AS recipients,
            count(submitted_at)::int AS sent,
            count(*) FILTER (WHERE state = 'delivered')::int AS delivered,
            count(*) FILTER (WHERE state IN ${FAILED})::int AS failed,
            coalesce(sum(price_kopecks) FILTER (WHERE state NOT IN ('excluded', 'invalid_address')), 0)::bigint
              AS "priceKopecks",
            coalesce(sum(cost_kopecks), 0)::bigint AS "chargedKopecks"
       FROM messages
      WHERE org_id = $1 AND campaign_id = ANY(string_to_array($2, ',')::bigint[])
      GROUP BY campaign_id ORDER BY campaign_id`,
    [orgId, ids.join(',')],
  );
  // Sums of kopecks pass 2^31 (21 million roubles) on a large campaign: bigint in SQL, a number here.
  return rows.map((r) => ({
    ...r,
    priceKopecks: Number(r.priceKopecks),
    chargedKopecks: Number(r.chargedKopecks),
  }));
}

export interface Recipient {
  id: number;
  contactId: number | null;
  contactName: string | null;
  address: string;
  state: MessageState;
  reason: string | null;
  attempts: number;
  segments: number;
  priceKopecks: number;
  costKopecks: number | null;
  submittedAt: Date | null;
  finalAt: Date | null;
  /** A long SMS sent part by part: how many parts, and how many of them are delivered (receipts.ts). */
  parts: { total: number; delivered: number } | null;
}

const likePattern = (q: string) => `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;

/** A campaign's messages with their contacts' names, by id; `q` matches the address or the name. */
export async function listRecipients(
  db: Queryable,
  orgId: number,
  campaignId: number,
  page: { afterId: number; limit: number; state?: MessageState; q?: string },
): Promise<Recipient[]> {
  const q = page.q?.trim();
  const { rows } = await db.query<Recipient>(
    `SELECT m.id, m.contact_id AS "contactId",
            nullif(concat_ws(' ', nullif(c.last_name, ''), nullif(c.first_name, ''), nullif(c.middle_name, '')), '')
              AS "contactName",
            m.address, m.state, m.reason, m.attempts, m.segments, m.price_kopecks AS "priceKopecks",
            m.cost_kopecks AS "costKopecks", m.submitted_at AS "submittedAt", m.final_at AS "finalAt",
            CASE WHEN m.parts IS NOT NULL THEN json_build_object('total', m.parts, 'delivered',
              (SELECT count(*) FROM message_parts p WHERE p.message_id = m.id AND p.state = 'delivered'))
            END AS parts
       FROM messages m LEFT JOIN contacts c ON c.id = m.contact_id AND c.org_id = m.org_id
      WHERE m.org_id = $1 AND m.campaign_id = $2 AND m.id > $3
        AND ($5::text IS NULL OR m.state = $5)
        AND ($6::text IS NULL OR m.address ILIKE $6
             OR concat_ws(' ', c.last_name, c.first_name, c.middle_name) ILIKE $6)
      ORDER BY m.id LIMIT $4`,
    [orgId, campaignId, page.afterId, page.limit, page.state ?? null, q ? likePattern(q) : null],
  );
  return rows;
}
