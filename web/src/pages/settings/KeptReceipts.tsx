/**
 * A gateway's delivery receipts that were kept rather than applied (issue 19): ambiguous (its id is
 * carried by several messages in their life — an id the provider reused) or unmatched (by none).
 * Shown so that an operator sees them; never applied to a guess.
 */
import { api } from '../../api.ts';
import { type Key, useI18n } from '../../i18n/index.ts';
import { useAsync } from '../../ui.tsx';

interface Receipt {
  id: number;
  providerId: string;
  state: string;
  rawStatus: string;
  destination: string | null;
  receivedAt: string;
  outcome: 'ambiguous' | 'unmatched';
}

async function load(gatewayId: number): Promise<Receipt[]> {
  const [ambiguous, unmatched] = await Promise.all(
    (['ambiguous', 'unmatched'] as const).map((outcome) =>
      api<{ items: Receipt[] }>(`/gateways/${gatewayId}/receipts`, { query: { outcome, limit: 20 } }),
    ),
  );
  return [...ambiguous!.items, ...unmatched!.items].sort((a, b) => b.id - a.id);
}

export function KeptReceipts({ gatewayId }: { gatewayId: number }) {
  const { t, dateTime } = useI18n();
  const { data } = useAsync(() => load(gatewayId), [gatewayId]);
  if (!data || data.length === 0) return null;
  return (
    <details className="kept-receipts" data-test="kept-receipts">
      <summary>{t('settings.gw.kept', { n: data.length })}</summary>
      <p className="hint">{t('settings.gw.keptHint')}</p>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th>{t('settings.gw.kept.when')}</th>
              <th>{t('settings.gw.kept.id')}</th>
              <th>{t('settings.gw.kept.state')}</th>
              <th>{t('settings.gw.kept.destination')}</th>
              <th>{t('settings.gw.kept.why')}</th>
            </tr>
          </thead>
          <tbody>
            {data.map((r) => (
              <tr key={r.id} data-outcome={r.outcome}>
                <td>{dateTime(r.receivedAt)}</td>
                <td>
                  <code>{r.providerId}</code>
                </td>
                <td>{r.rawStatus}</td>
                <td>{r.destination ?? '—'}</td>
                <td>{t(`settings.gw.kept.${r.outcome}` as Key)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </details>
  );
}
