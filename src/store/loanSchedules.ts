/** Loans' payment schedules (seed 004: «графики рассчитанных платежей»), for the template scope. */
import type { Queryable } from './db.ts';

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
