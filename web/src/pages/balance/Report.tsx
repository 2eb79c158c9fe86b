/**
 * The period report of seed 001: the balance at the start, what was bought, what the sent messages
 * cost, the remainder and how many were sent — for the chosen days, with the same table as CSV.
 */
import { useState } from 'react';
import { api, download } from '../../api.ts';
import { useI18n } from '../../i18n/index.ts';
import { ErrorNote, Field, Loading, useAsync } from '../../ui.tsx';
import { isoDay } from './kopecks.ts';
import type { PeriodReport } from './types.ts';

const monthStart = () => {
  const d = new Date();
  return isoDay(new Date(d.getFullYear(), d.getMonth(), 1));
};

export function Report() {
  const { t, money, number } = useI18n();
  const [from, setFrom] = useState(monthStart);
  const [to, setTo] = useState(() => isoDay(new Date()));
  const [csvError, setCsvError] = useState<unknown>();
  const valid = /^\d{4}-\d\d-\d\d$/.test(from) && /^\d{4}-\d\d-\d\d$/.test(to) && from <= to;
  const report = useAsync(
    () =>
      valid ? api<PeriodReport>('/balance/report', { query: { from, to } }) : Promise.resolve(undefined),
    [from, to],
  );
  const r = report.data;

  const csv = async () => {
    setCsvError(undefined);
    try {
      await download('/balance/report', { from, to, format: 'csv' }, `sms-report-${from}-${to}.csv`);
    } catch (err) {
      setCsvError(err);
    }
  };

  return (
    <section className="card money-card">
      <h2>{t('money.report')}</h2>
      <div className="inline-form">
        <Field label={t('money.from')}>
          <input
            type="date"
            data-test="report-from"
            value={from}
            max={to}
            onChange={(e) => setFrom(e.target.value)}
          />
        </Field>
        <Field label={t('money.to')}>
          <input
            type="date"
            data-test="report-to"
            value={to}
            min={from}
            onChange={(e) => setTo(e.target.value)}
          />
        </Field>
        <button type="button" data-test="report-csv" onClick={csv} disabled={!valid}>
          {t('money.csv')}
        </button>
      </div>
      {!valid ? <p className="error">{t('money.periodInvalid')}</p> : null}
      <ErrorNote error={report.error ?? csvError} />
      {report.loading && !r ? <Loading /> : null}
      {r && valid ? (
        <div className="table-wrap">
          <table className="report-table" data-test="report-table">
            <thead>
              <tr>
                <th className="num">{t('money.opening')}</th>
                <th className="num">{t('money.bought')}</th>
                <th className="num">{t('money.spent')}</th>
                <th className="num">{t('money.closing')}</th>
                <th className="num">{t('money.sent')}</th>
              </tr>
            </thead>
            <tbody>
              <tr>
                <td className="num">{money(r.openingKopecks)}</td>
                <td className="num">{money(r.boughtKopecks)}</td>
                <td className="num">{money(r.spentKopecks)}</td>
                <td className="num">
                  <strong>{money(r.closingKopecks)}</strong>
                </td>
                <td className="num">{number(r.messagesSent)}</td>
              </tr>
            </tbody>
          </table>
        </div>
      ) : null}
      <p className="hint">{t('money.reportHint')}</p>
    </section>
  );
}
