/** Contacts for an export (AU-8): a page at a time in id order, with their plots, accounts and amounts. */
import type { ExportContact } from '../core/import/export.ts';
import type { Queryable } from './db.ts';

export interface ExportSelection {
  /** SQL over `c` and its parameters (a compiled filter); absent: every contact. */
  where?: { sql: string; params: unknown[] };
}

/** Every custom attribute key in use (and defined), for the columns. */
export async function exportAttributeKeys(
  db: Queryable,
  orgId: number,
  sel: ExportSelection,
): Promise<string[]> {
  const n = sel.where?.params.length ?? 0;
  const { rows } = await db.query<{ key: string }>(
    `SELECT k.key FROM (
       SELECT DISTINCT jsonb_object_keys(c.attributes) AS key FROM contacts c
       WHERE c.org_id = $${n + 1} AND (${sel.where?.sql ?? 'true'})
       UNION SELECT name FROM attribute_definitions WHERE org_id = $${n + 1}) k ORDER BY k.key`,
    [...(sel.where?.params ?? []), orgId],
  );
  return rows.map((r) => r.key);
}

export async function exportPage(
  db: Queryable,
  orgId: number,
  sel: ExportSelection,
  page: { afterId: number; limit: number },
): Promise<(ExportContact & { id: number })[]> {
  const n = sel.where?.params.length ?? 0;
  const { rows } = await db.query<ExportContact & { id: number }>(
    `SELECT c.id, c.external_id AS "externalId", c.last_name AS "lastName", c.first_name AS "firstName",
            c.middle_name AS "middleName", c.phone, c.email, c.telegram_chat_id AS "telegramChatId",
            c.time_zone AS "timeZone", c.gender, c.birth_date AS "birthDate", c.attributes,
            ob.accounts, ob.plots, ob.charges AS "chargesKopecks", ob.debt AS "debtKopecks"
     FROM contacts c
     LEFT JOIN LATERAL (
       SELECT string_agg(o.number, ', ' ORDER BY o.id) FILTER (WHERE o.kind = 'account') AS accounts,
              string_agg(o.number, ', ' ORDER BY o.id) FILTER (WHERE o.kind = 'plot') AS plots,
              sum(o.charges_kopecks)::bigint AS charges, sum(o.debt_kopecks)::bigint AS debt
       FROM objects o WHERE o.org_id = c.org_id AND o.contact_id = c.id AND o.kind IN ('account', 'plot')
     ) ob ON true
     WHERE c.org_id = $${n + 1} AND c.id > $${n + 2} AND (${sel.where?.sql ?? 'true'})
     ORDER BY c.id LIMIT $${n + 3}`,
    [...(sel.where?.params ?? []), orgId, page.afterId, page.limit],
  );
  return rows;
}
