/** An organisation's own tariffs (BL-1); where it has none, core/pricing.ts's defaults apply. */
import type { Tariff } from '../core/pricing.ts';
import type { Channel } from '../core/states.ts';
import type { Queryable } from './db.ts';

export interface TariffRow extends Tariff {
  id: number;
}

interface Row {
  id: number;
  channel: Channel;
  country: string;
  operator: string | null;
  price_kopecks: number;
}

const toTariff = (r: Row): TariffRow => ({
  id: r.id,
  channel: r.channel,
  country: r.country,
  operator: r.operator,
  priceKopecks: r.price_kopecks,
});

export async function listTariffs(db: Queryable, orgId: number): Promise<TariffRow[]> {
  const { rows } = await db.query<Row>(
    'SELECT * FROM tariffs WHERE org_id = $1 ORDER BY channel, country, operator NULLS FIRST',
    [orgId],
  );
  return rows.map(toTariff);
}

/** Sets the price for (channel, country, operator), replacing the previous one. */
export async function setTariff(db: Queryable, orgId: number, t: Tariff): Promise<TariffRow> {
  const { rows } = await db.query<Row>(
    `INSERT INTO tariffs (org_id, channel, country, operator, price_kopecks) VALUES ($1, $2, $3, $4, $5)
     ON CONFLICT (org_id, channel, country, coalesce(operator, '')) DO UPDATE SET price_kopecks = EXCLUDED.price_kopecks
     RETURNING *`,
    [orgId, t.channel, t.country, t.operator, t.priceKopecks],
  );
  return toTariff(rows[0]!);
}

export async function deleteTariff(db: Queryable, orgId: number, id: number): Promise<boolean> {
  const { rowCount } = await db.query('DELETE FROM tariffs WHERE org_id = $1 AND id = $2', [orgId, id]);
  return rowCount > 0;
}
