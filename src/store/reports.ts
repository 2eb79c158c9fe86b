/** Reports over the ledger (BL-4). */
import type { Queryable } from './db.ts';

export interface LedgerEntry {
  id: number;
  kind: 'topup' | 'reserve' | 'charge' | 'release';
  amountKopecks: number;
  reservedDeltaKopecks: number;
  campaignId: number | null;
  messageId: number | null;
  comment: string;
  initiator: string;
  createdAt: Date;
}

interface Row {
  id: number;
  kind: LedgerEntry['kind'];
  amount_kopecks: number;
  reserved_delta_kopecks: number;
  campaign_id: number | null;
  message_id: number | null;
  comment: string;
  initiator: string;
  created_at: Date;
}

/** The ledger, newest first; charges of single messages are rows of their own like every other. */
export async function listLedger(
  db: Queryable,
  orgId: number,
  page: { beforeId: number; limit: number; kind?: LedgerEntry['kind'] },
): Promise<LedgerEntry[]> {
  const { rows } = await db.query<Row>(
    `SELECT * FROM ledger WHERE org_id = $1 AND id < $2 AND ($4::text IS NULL OR kind = $4) ORDER BY id DESC LIMIT $3`,
    [orgId, page.beforeId, page.limit, page.kind ?? null],
  );
  return rows.map((r) => ({
    id: r.id,
    kind: r.kind,
    amountKopecks: r.amount_kopecks,
    reservedDeltaKopecks: r.reserved_delta_kopecks,
    campaignId: r.campaign_id,
    messageId: r.message_id,
    comment: r.comment,
    initiator: r.initiator,
    createdAt: r.created_at,
  }));
}

export interface PeriodReport {
  from: Date;
  to: Date;
  /** Сумма на начало периода. */
  openingKopecks: number;
  /** Куплено: top-ups in the period. */
  boughtKopecks: number;
  /** Стоимость отправленных сообщений. */
  spentKopecks: number;
  /** Остаток at the end of the period. */
  closingKopecks: number;
  /** Отправлено сообщений: messages charged in the period. */
  messagesSent: number;
}

/** Seed 001's «Отчёт по SMS» for [from, to): all from the ledger, so it adds up by construction. */
export async function periodReport(
  db: Queryable,
  orgId: number,
  from: Date,
  to: Date,
): Promise<PeriodReport> {
  const { rows } = await db.query<{ opening: number; bought: number; spent: number; sent: number }>(
    `SELECT
       coalesce(sum(amount_kopecks) FILTER (WHERE created_at < $2), 0)::bigint AS opening,
       coalesce(sum(amount_kopecks) FILTER (WHERE kind = 'topup' AND created_at >= $2 AND created_at < $3), 0)::bigint AS bought,
       coalesce(-sum(amount_kopecks) FILTER (WHERE kind = 'charge' AND created_at >= $2 AND created_at < $3), 0)::bigint AS spent,
       count(*) FILTER (WHERE kind = 'charge' AND created_at >= $2 AND created_at < $3)::int AS sent
     FROM ledger WHERE org_id = $1 AND created_at < $3`,
    [orgId, from, to],
  );
  const r = rows[0]!;
  return {
    from,
    to,
    openingKopecks: r.opening,
    boughtKopecks: r.bought,
    spentKopecks: r.spent,
    closingKopecks: r.opening + r.bought - r.spent,
    messagesSent: r.sent,
  };
}

/** The seed's table as CSV (`;`-separated, roubles with a decimal comma, as Russian Excel opens it). */
export function periodReportCsv(r: PeriodReport): string {
  const money = (k: number) =>
    `${k < 0 ? '-' : ''}${Math.floor(Math.abs(k) / 100)},${String(Math.abs(k) % 100).padStart(2, '0')}`;
  const header = [
    'Сумма на начало периода',
    'Куплено сообщений',
    'Стоимость отправленных сообщений',
    'Остаток',
    'Отправлено сообщений',
  ];
  const row = [
    money(r.openingKopecks),
    money(r.boughtKopecks),
    money(r.spentKopecks),
    money(r.closingKopecks),
    String(r.messagesSent),
  ];
  return `\ufeff${header.join(';')}\r\n${row.join(';')}\r\n`;
}
