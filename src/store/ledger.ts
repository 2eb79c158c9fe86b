/**
 * The prepaid balance as a ledger (BL-3). Every change of an organisation's money is one ledger row
 * and one UPDATE of its `balances` row, in the same transaction; the row's CHECKs make an overdraft
 * impossible under any concurrency, and the ledger's sums always equal the balance.
 *
 *   top-up      balance +x                      (owner or admin, with a comment)
 *   reserve     reserved +x                     (a campaign's launch, a single message)
 *   charge      balance −cost, reserved −share  (a message accepted by its gateway; once per message)
 *   release     reserved −x                     (what a finished or cancelled campaign did not spend)
 *
 * Lock order is campaigns, then balances, everywhere, so the writers never deadlock.
 */
import type { Queryable } from './db.ts';

export interface Balance {
  balanceKopecks: number;
  reservedKopecks: number;
  availableKopecks: number;
}

export async function getBalance(db: Queryable, orgId: number): Promise<Balance> {
  const { rows } = await db.query<{ balance_kopecks: number; reserved_kopecks: number }>(
    'SELECT balance_kopecks, reserved_kopecks FROM balances WHERE org_id = $1',
    [orgId],
  );
  const r = rows[0] ?? { balance_kopecks: 0, reserved_kopecks: 0 };
  return {
    balanceKopecks: r.balance_kopecks,
    reservedKopecks: r.reserved_kopecks,
    availableKopecks: r.balance_kopecks - r.reserved_kopecks,
  };
}

export async function topUp(
  tx: Queryable,
  orgId: number,
  amountKopecks: number,
  comment: string,
  initiator: string,
): Promise<Balance> {
  await tx.query('UPDATE balances SET balance_kopecks = balance_kopecks + $2 WHERE org_id = $1', [
    orgId,
    amountKopecks,
  ]);
  await tx.query(
    `INSERT INTO ledger (org_id, kind, amount_kopecks, comment, initiator) VALUES ($1, 'topup', $2, $3, $4)`,
    [orgId, amountKopecks, comment, initiator],
  );
  return getBalance(tx, orgId);
}

/**
 * Reserves `amount` if that much is available, atomically; otherwise changes nothing and returns
 * the balance as it was, for the error message.
 */
export async function reserve(
  tx: Queryable,
  r: {
    orgId: number;
    amountKopecks: number;
    campaignId?: number;
    messageId?: number;
    comment: string;
    initiator: string;
  },
): Promise<{ ok: true } | { ok: false; balance: Balance }> {
  if (r.amountKopecks === 0) return { ok: true };
  // The hold and its ledger line in one statement: a single send's path counts round trips.
  const { rowCount } = await tx.query(
    `WITH held AS (
       UPDATE balances SET reserved_kopecks = reserved_kopecks + $2
       WHERE org_id = $1 AND balance_kopecks - reserved_kopecks >= $2
       RETURNING org_id)
     INSERT INTO ledger (org_id, kind, amount_kopecks, reserved_delta_kopecks, campaign_id, message_id, comment, initiator)
     SELECT org_id, 'reserve', 0, $2, $3::bigint, $4::bigint, $5::text, $6::text FROM held`,
    [r.orgId, r.amountKopecks, r.campaignId ?? null, r.messageId ?? null, r.comment, r.initiator],
  );
  if (rowCount === 0) return { ok: false, balance: await getBalance(tx, r.orgId) };
  return { ok: true };
}

/** A message the gateway accepted, to be charged. */
export interface Chargeable {
  messageId: number;
  orgId: number;
  campaignId: number | null;
  /** The estimate reserved for it at launch or at its single send. */
  priceKopecks: number;
  /** A single message's own reservation (0 for campaign messages, which draw on the campaign's). */
  ownReservedKopecks: number;
  /** What to charge: the gateway's cost when it reported one, else the price. */
  costKopecks: number;
}

/**
 * Charges accepted messages, inside the caller's transaction (the one that marks them submitted).
 * Each message's reserved share is freed and its cost taken from the balance; if a gateway's cost
 * ran over the reservation and the rest of the balance, the charge stops at what there is (the
 * shortfall is written in the comment) rather than overdraw. Returns what was charged per message.
 */
export async function chargeAccepted(
  tx: Queryable,
  items: Chargeable[],
  initiator = 'dispatch',
): Promise<Map<number, number>> {
  const charged = new Map<number, number>();
  if (items.length === 0) return charged;
  const campaignIds = [
    ...new Set(items.map((i) => i.campaignId).filter((c): c is number => c !== null)),
  ].sort((a, b) => a - b);
  const orgIds = [...new Set(items.map((i) => i.orgId))].sort((a, b) => a - b);
  const campaignLeft = new Map<number, number>();
  if (campaignIds.length) {
    const { rows } = await tx.query<{ id: number; reserved_kopecks: number }>(
      'SELECT id, reserved_kopecks FROM campaigns WHERE id = ANY($1::bigint[]) ORDER BY id FOR UPDATE',
      [campaignIds],
    );
    for (const r of rows) campaignLeft.set(r.id, r.reserved_kopecks);
  }
  const shares = items.map((i) => {
    if (i.campaignId === null) return i.ownReservedKopecks;
    const share = Math.min(i.priceKopecks, campaignLeft.get(i.campaignId) ?? 0);
    campaignLeft.set(i.campaignId, (campaignLeft.get(i.campaignId) ?? 0) - share);
    return share;
  });
  // A charge within its reserved share cannot overdraw: the balance loses at most what the reservation
  // held, so the available money is not read, and the balance row is locked only by its update at the
  // end — a single send or a top-up then waits for the end of this transaction, not for the ledger
  // insert too (issue 6: an API send's latency while a campaign drains). A charge over its share (a
  // gateway's cost above the estimate) needs the balance first, locked.
  const overrun = items.some((i, k) => i.costKopecks > shares[k]!);
  const available = overrun ? await lockAvailable(tx, orgIds) : null;

  const rows = items.map((i, k) => {
    const share = shares[k]!;
    if (!available) return { ...i, share, cost: i.costKopecks, comment: '' };
    const room = (available.get(i.orgId) ?? 0) + share;
    const cost = Math.min(i.costKopecks, room);
    available.set(i.orgId, room - cost);
    const comment =
      cost < i.costKopecks ? `shortfall ${i.costKopecks - cost} kopecks: the balance ran out` : '';
    return { ...i, share, cost, comment };
  });
  const { rows: inserted } = await tx.query<{ message_id: number }>(
    `INSERT INTO ledger (org_id, kind, amount_kopecks, reserved_delta_kopecks, campaign_id, message_id, comment, initiator)
     SELECT u.org_id, 'charge', -u.cost, -u.share, u.campaign_id, u.message_id, u.comment, $7
     FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[], $6::text[])
          AS u(org_id, cost, share, campaign_id, message_id, comment)
     ON CONFLICT (message_id) WHERE kind = 'charge' DO NOTHING
     RETURNING message_id`,
    [
      rows.map((r) => r.orgId),
      rows.map((r) => r.cost),
      rows.map((r) => r.share),
      rows.map((r) => r.campaignId),
      rows.map((r) => r.messageId),
      rows.map((r) => r.comment),
      initiator,
    ],
  );
  const done = new Set(inserted.map((r) => r.message_id));
  const perOrg = new Map<number, { cost: number; share: number }>();
  const perCampaign = new Map<number, number>();
  for (const r of rows) {
    if (!done.has(r.messageId)) continue;
    charged.set(r.messageId, r.cost);
    const o = perOrg.get(r.orgId) ?? { cost: 0, share: 0 };
    perOrg.set(r.orgId, { cost: o.cost + r.cost, share: o.share + r.share });
    if (r.campaignId !== null) perCampaign.set(r.campaignId, (perCampaign.get(r.campaignId) ?? 0) + r.share);
  }
  for (const [id, share] of perCampaign) {
    if (share > 0)
      await tx.query('UPDATE campaigns SET reserved_kopecks = reserved_kopecks - $2 WHERE id = $1', [
        id,
        share,
      ]);
  }
  // In the order of the organisations' ids, as every other transaction locks balance rows.
  for (const [orgId, s] of [...perOrg].sort((a, b) => a[0] - b[0])) {
    await tx.query(
      'UPDATE balances SET balance_kopecks = balance_kopecks - $2, reserved_kopecks = reserved_kopecks - $3 WHERE org_id = $1',
      [orgId, s.cost, s.share],
    );
  }
  return charged;
}

/** The organisations' available money (balance less reservations), their balance rows locked. */
async function lockAvailable(tx: Queryable, orgIds: number[]): Promise<Map<number, number>> {
  const { rows } = await tx.query<{ org_id: number; balance_kopecks: number; reserved_kopecks: number }>(
    'SELECT org_id, balance_kopecks, reserved_kopecks FROM balances WHERE org_id = ANY($1::bigint[]) ORDER BY org_id FOR UPDATE',
    [orgIds],
  );
  return new Map(rows.map((b) => [b.org_id, b.balance_kopecks - b.reserved_kopecks]));
}

/** Releases what these campaigns still hold (they completed or were cancelled). */
export async function releaseCampaigns(tx: Queryable, campaignIds: number[], comment: string): Promise<void> {
  if (campaignIds.length === 0) return;
  const { rows } = await tx.query<{ id: number; org_id: number; released: number }>(
    `UPDATE campaigns c SET reserved_kopecks = 0
     FROM (SELECT id, reserved_kopecks FROM campaigns WHERE id = ANY($1::bigint[]) AND reserved_kopecks > 0
           ORDER BY id FOR UPDATE) held
     WHERE c.id = held.id
     RETURNING c.id, c.org_id, held.reserved_kopecks AS released`,
    [campaignIds],
  );
  await releaseRows(
    tx,
    rows.map((r) => ({ orgId: r.org_id, amount: r.released, campaignId: r.id, messageId: null })),
    comment,
  );
}

/** Releases single messages' own reservations (they ended without being accepted). */
export async function releaseMessages(tx: Queryable, messageIds: number[], comment: string): Promise<void> {
  if (messageIds.length === 0) return;
  const { rows } = await tx.query<{ id: number; org_id: number; released: number }>(
    `UPDATE messages m SET reserved_kopecks = 0
     FROM (SELECT id, reserved_kopecks FROM messages WHERE id = ANY($1::bigint[]) AND reserved_kopecks > 0 FOR UPDATE) held
     WHERE m.id = held.id
     RETURNING m.id, m.org_id, held.reserved_kopecks AS released`,
    [messageIds],
  );
  await releaseRows(
    tx,
    rows.map((r) => ({ orgId: r.org_id, amount: r.released, campaignId: null, messageId: r.id })),
    comment,
  );
}

async function releaseRows(
  tx: Queryable,
  rows: { orgId: number; amount: number; campaignId: number | null; messageId: number | null }[],
  comment: string,
): Promise<void> {
  if (rows.length === 0) return;
  await tx.query(
    `INSERT INTO ledger (org_id, kind, amount_kopecks, reserved_delta_kopecks, campaign_id, message_id, comment, initiator)
     SELECT u.org_id, 'release', 0, -u.amount, u.campaign_id, u.message_id, $5, 'dispatch'
     FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[]) AS u(org_id, amount, campaign_id, message_id)`,
    [
      rows.map((r) => r.orgId),
      rows.map((r) => r.amount),
      rows.map((r) => r.campaignId),
      rows.map((r) => r.messageId),
      comment,
    ],
  );
  const perOrg = new Map<number, number>();
  for (const r of rows) perOrg.set(r.orgId, (perOrg.get(r.orgId) ?? 0) + r.amount);
  for (const [orgId, amount] of [...perOrg].sort((a, b) => a[0] - b[0])) {
    await tx.query('UPDATE balances SET reserved_kopecks = reserved_kopecks - $2 WHERE org_id = $1', [
      orgId,
      amount,
    ]);
  }
}
