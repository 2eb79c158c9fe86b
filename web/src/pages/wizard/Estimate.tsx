/** What the campaign will cost against what the balance holds (BL-*), and economy's days (CH-3). */
import { api } from '../../api.ts';
import { useI18n } from '../../i18n/index.ts';
import { ErrorNote, Loading, useAsync } from '../../ui.tsx';
import { ExclusionReport } from './ExclusionReport.tsx';

interface EstimateData {
  channel: string;
  messages: number;
  excluded: number;
  segments: { total: number };
  costKopecks: number;
  balance: { availableKopecks: number };
  fits: boolean;
  excludedByReason: Record<string, number>;
  cascade: { messages: number; costKopecks: number };
  plan: { date: string; count: number; from: string; to: string }[] | null;
}

export function Estimate({ id, version, economy }: { id: number; version: number; economy: boolean }) {
  const { t, money, number, date, dateTime } = useI18n();
  const e = useAsync(
    () => api<EstimateData>(`/campaigns/${id}/estimate`, { query: { detail: 0 } }),
    [id, version],
  );
  const balance = useAsync(() => api<{ availableKopecks: number }>('/balance'), [version]);
  if (e.error) return <ErrorNote error={e.error} />;
  if (!e.data) return <Loading />;
  const d = e.data;
  const available = balance.data?.availableKopecks ?? d.balance.availableKopecks;
  const time = (iso: string) => dateTime(iso).split(/,?\s+/).pop();

  return (
    <div className="card">
      <div className="grid wizard-estimate">
        <div className="stat">
          <div className="label">{t('wizard.estimate.recipients')}</div>
          <div className="value" data-test="estimate-recipients">
            {number(d.messages)}
          </div>
          {d.cascade.messages > 0 ? (
            <div className="label">{t('wizard.estimate.cascade', { n: number(d.cascade.messages) })}</div>
          ) : null}
        </div>
        {d.channel === 'sms' ? (
          <div className="stat">
            <div className="label">{t('wizard.estimate.segments')}</div>
            <div className="value" data-test="estimate-segments">
              {number(d.segments.total)}
            </div>
          </div>
        ) : null}
        <div className="stat">
          <div className="label">{t('wizard.estimate.cost')}</div>
          <div className="value" data-test="estimate-cost">
            {money(d.costKopecks)}
          </div>
        </div>
        <div className={`stat${d.fits ? '' : ' wizard-short'}`}>
          <div className="label">{t('wizard.estimate.balance')}</div>
          <div className="value" data-test="balance">
            {money(available)}
          </div>
        </div>
      </div>
      {d.fits ? null : (
        <p className="error" data-test="balance-short">
          {t('wizard.estimate.short')}
        </p>
      )}
      <ExclusionReport excluded={d.excludedByReason} />
      {economy && d.plan && d.plan.length > 0 ? (
        <>
          <h2>{t('wizard.plan')}</h2>
          <div className="table-wrap">
            <table data-test="economy-plan">
              <thead>
                <tr>
                  <th>{t('wizard.plan.date')}</th>
                  <th className="num">{t('wizard.plan.count')}</th>
                  <th>{t('wizard.plan.window')}</th>
                </tr>
              </thead>
              <tbody>
                {d.plan.map((p) => (
                  <tr key={p.date}>
                    <td>{date(p.date)}</td>
                    <td className="num">{number(p.count)}</td>
                    <td>
                      {time(p.from)}–{time(p.to)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </>
      ) : null}
    </div>
  );
}
