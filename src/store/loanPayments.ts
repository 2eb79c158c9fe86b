/**
 * A loan's payment schedule (seed 004: «графики рассчитанных платежей»): one row per instalment,
 * what the `payment` filter reads. Replaced whole, as the lender's program recalculates it.
 */
import type { Queryable } from './db.ts';

export interface LoanPayment {
  /** `YYYY-MM-DD`. */
  dueDate: string;
  amountKopecks: number;
  paidKopecks: number;
  paidAt: Date | null;
}

/**
 * Replaces the schedule of the organisation's loan `loanId`; false when there is no such loan.
 * Call inside a transaction so the old schedule never shows half-replaced.
 */
export async function replaceSchedule(
  db: Queryable,
  orgId: number,
  loanId: number,
  payments: readonly { dueDate: string; amountKopecks: number; paidKopecks?: number; paidAt?: Date | null }[],
): Promise<boolean> {
  const { rows } = await db.query<{ id: number }>(
    `SELECT id FROM objects WHERE org_id = $1 AND id = $2 AND kind = 'loan' FOR UPDATE`,
    [orgId, loanId],
  );
  if (!rows[0]) return false;
  await db.query('DELETE FROM loan_payments WHERE org_id = $1 AND object_id = $2', [orgId, loanId]);
  if (payments.length)
    await db.query(
      `INSERT INTO loan_payments (org_id, object_id, due_date, amount_kopecks, paid_kopecks, paid_at)
       SELECT $1, $2, d, a, p, t FROM unnest($3::date[], $4::bigint[], $5::bigint[], $6::timestamptz[]) AS x(d, a, p, t)`,
      [
        orgId,
        loanId,
        payments.map((p) => p.dueDate),
        payments.map((p) => p.amountKopecks),
        payments.map((p) => p.paidKopecks ?? 0),
        payments.map((p) => p.paidAt ?? null),
      ],
    );
  return true;
}

export async function getSchedule(db: Queryable, orgId: number, loanId: number): Promise<LoanPayment[]> {
  const { rows } = await db.query<{
    due_date: string;
    amount_kopecks: number;
    paid_kopecks: number;
    paid_at: Date | null;
  }>(
    'SELECT due_date, amount_kopecks, paid_kopecks, paid_at FROM loan_payments WHERE org_id = $1 AND object_id = $2 ORDER BY due_date, id',
    [orgId, loanId],
  );
  return rows.map((r) => ({
    dueDate: r.due_date,
    amountKopecks: r.amount_kopecks,
    paidKopecks: r.paid_kopecks,
    paidAt: r.paid_at,
  }));
}

/** The schedules of many loans at once, for the template scope of a launch batch. */
export interface SchedulePayment {
  objectId: number;
  /** 1, 2, 3… in date order within the loan. */
  number: number;
  /** `YYYY-MM-DD`. */
  dueDate: string;
  amountKopecks: number;
  paid: boolean;
}

/** Every instalment of these loans, in date order per loan; paid means paid in full. */
export async function listSchedules(
  db: Queryable,
  orgId: number,
  objectIds: number[],
): Promise<SchedulePayment[]> {
  if (objectIds.length === 0) return [];
  const { rows } = await db.query<{
    object_id: number;
    number: number;
    due_date: string;
    amount_kopecks: number;
    paid: boolean;
  }>(
    `SELECT object_id, row_number() OVER (PARTITION BY object_id ORDER BY due_date, id)::int AS number,
            due_date, amount_kopecks, paid_kopecks >= amount_kopecks AS paid
     FROM loan_payments WHERE org_id = $1 AND object_id = ANY($2::bigint[])
     ORDER BY object_id, due_date, id`,
    [orgId, objectIds],
  );
  return rows.map((r) => ({
    objectId: r.object_id,
    number: r.number,
    dueDate: r.due_date,
    amountKopecks: r.amount_kopecks,
    paid: r.paid,
  }));
}
