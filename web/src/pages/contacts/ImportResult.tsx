/** A started import: its progress while it runs, then the counts and the rejected rows with their reasons. */
import { useEffect, useState } from 'react';
import { Link } from 'wouter';
import { api } from '../../api.ts';
import { useI18n } from '../../i18n/index.ts';
import { ErrorNote, StateBadge } from '../../ui.tsx';
import { type ImportJob, label, type PageOf, type RejectedRow } from './types.ts';

const POLL_MS = 700;
const REJECTS_PAGE = 100;

export function ImportResult({ start }: { start: ImportJob }) {
  const { t, number } = useI18n();
  const [job, setJob] = useState(start);
  const [error, setError] = useState<unknown>();
  const finished = job.state === 'done' || job.state === 'failed';

  useEffect(() => {
    if (finished) return;
    const id = setInterval(() => {
      api<ImportJob>(`/imports/${job.id}`).then(setJob, setError);
    }, POLL_MS);
    return () => clearInterval(id);
  }, [job.id, finished]);

  return (
    <div className="stack">
      <ErrorNote error={error} />
      {!finished ? (
        <div className="card">
          <p style={{ marginTop: 0 }}>
            <StateBadge state={job.state} label={label(t, 'import.state', job.state)} />{' '}
            {t('import.progress', { n: number(job.processed) })}
          </p>
          <progress className="import-progress" data-test="import-progress" value={job.progress} max={1} />
        </div>
      ) : job.state === 'failed' ? (
        <div className="error" role="alert" data-test="import-failed">
          <StateBadge state="failed" label={label(t, 'import.state', 'failed')} /> {job.error}
        </div>
      ) : null}
      {finished ? <Summary job={job} /> : null}
      {finished && job.rejected > 0 ? <Rejects jobId={job.id} /> : null}
    </div>
  );
}

function Summary({ job }: { job: ImportJob }) {
  const { t, number } = useI18n();
  const stat = (key: Parameters<typeof t>[0], value: number, test?: string) => (
    <div className="stat">
      <div className="value" data-test={test}>
        {number(value)}
      </div>
      <div className="label">{t(key)}</div>
    </div>
  );
  const reasons = Object.entries(job.rejectedByReason).filter(([, n]) => n > 0);
  return (
    <div className="card" data-test="import-summary">
      <h2 style={{ marginTop: 0 }}>{t('import.summary')}</h2>
      <div className="import-stats">
        {stat('import.processed', job.processed)}
        {stat('import.created', job.created, 'import-created')}
        {stat('import.updated', job.updated, 'import-updated')}
        {stat('import.rejected', job.rejected, 'import-rejected')}
        {job.objects > 0 ? stat('import.objects', job.objects) : null}
      </div>
      {reasons.length > 0 ? (
        <>
          <strong>{t('import.byReason')}</strong>
          <ul data-test="import-reasons">
            {reasons.map(([r, n]) => (
              <li key={r}>
                {label(t, 'import.reason', r)}: {number(n)}
              </li>
            ))}
          </ul>
        </>
      ) : null}
      <Link href="/contacts" className="btn">
        {t('import.toContacts')}
      </Link>
    </div>
  );
}

function Rejects({ jobId }: { jobId: number }) {
  const { t } = useI18n();
  const [rows, setRows] = useState<RejectedRow[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const [error, setError] = useState<unknown>();
  const load = (after: number) =>
    api<PageOf<RejectedRow>>(`/imports/${jobId}/rejects`, { query: { after, limit: REJECTS_PAGE } }).then(
      (p) => {
        setRows((old) => (after ? [...old, ...p.items] : p.items));
        setNext(p.nextCursor);
      },
      setError,
    );
  // biome-ignore lint/correctness/useExhaustiveDependencies: loaded once per import
  useEffect(() => {
    void load(0);
  }, [jobId]);

  return (
    <div className="card">
      <h2 style={{ marginTop: 0 }}>{t('import.rejects')}</h2>
      <ErrorNote error={error} />
      <div className="table-wrap">
        <table data-test="import-rejects">
          <thead>
            <tr>
              <th className="num">{t('import.row')}</th>
              <th>{t('import.reject.column')}</th>
              <th>{t('import.reject.value')}</th>
              <th>{t('import.reject.reason')}</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((r) => (
              <tr key={r.row} data-test="reject-row" data-row={r.row}>
                <td className="num">{r.row}</td>
                <td>
                  {r.problems.map((p, i) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: problems of a row have no id and never move
                    <div key={i}>{p.header || p.column}</div>
                  ))}
                </td>
                <td>
                  {r.problems.map((p, i) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: as above
                    <div key={i}>{p.value}</div>
                  ))}
                </td>
                <td>
                  {r.problems.map((p, i) => (
                    // biome-ignore lint/suspicious/noArrayIndexKey: as above
                    <div key={i} title={p.message}>
                      {label(t, 'import.reason', p.reason ?? 'invalid_value')}
                    </div>
                  ))}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {next ? (
        <p>
          <button type="button" onClick={() => load(next)}>
            {t('import.rejects.more')}
          </button>
        </p>
      ) : null}
    </div>
  );
}
