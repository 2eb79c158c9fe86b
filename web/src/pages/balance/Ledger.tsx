/** Every change of the balance, newest first, a page at a time («more» follows the cursor). */
import { useEffect, useState } from 'react';
import { Link } from 'wouter';
import { api } from '../../api.ts';
import { type Key, useI18n } from '../../i18n/index.ts';
import { ErrorNote, Field, Loading } from '../../ui.tsx';
import { LEDGER_KINDS, type LedgerEntry, type LedgerKind } from './types.ts';

const PAGE = 50;

export function Ledger({ version }: { version: number }) {
  const { t, money, dateTime } = useI18n();
  const [kind, setKind] = useState<LedgerKind | ''>('');
  const [items, setItems] = useState<LedgerEntry[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>();

  const load = async (before: number | null, replace: boolean) => {
    setLoading(true);
    try {
      const page = await api<{ items: LedgerEntry[]; nextCursor: number | null }>('/ledger', {
        query: { limit: PAGE, kind: kind || undefined, before: before ?? undefined },
      });
      setItems((old) => (replace ? page.items : [...old, ...page.items]));
      setNext(page.nextCursor);
      setError(undefined);
    } catch (err) {
      setError(err);
    } finally {
      setLoading(false);
    }
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: reload from the top when the filter or balance changes
  useEffect(() => {
    void load(null, true);
  }, [kind, version]);

  return (
    <section className="card money-card">
      <div className="page-head">
        <h2>{t('money.ledger')}</h2>
        <Field label={t('money.kind')}>
          <select value={kind} onChange={(e) => setKind(e.target.value as LedgerKind | '')}>
            <option value="">{t('money.kindAll')}</option>
            {LEDGER_KINDS.map((k) => (
              <option key={k} value={k}>
                {t(`money.kind.${k}` as Key)}
              </option>
            ))}
          </select>
        </Field>
      </div>
      <ErrorNote error={error} />
      <div className="table-wrap">
        <table className="ledger-table" data-test="ledger-table">
          <thead>
            <tr>
              <th>{t('money.when')}</th>
              <th>{t('money.kind')}</th>
              <th className="num">{t('money.amountCol')}</th>
              <th className="num">{t('money.reservedDelta')}</th>
              <th>{t('money.what')}</th>
              <th>{t('money.who')}</th>
            </tr>
          </thead>
          <tbody>
            {items.map((e) => (
              <tr key={e.id}>
                <td>{dateTime(e.createdAt)}</td>
                <td>{t(`money.kind.${e.kind}` as Key)}</td>
                <td
                  className={`num ${e.amountKopecks > 0 ? 'amount-in' : e.amountKopecks < 0 ? 'amount-out' : ''}`}
                >
                  {e.amountKopecks ? money(e.amountKopecks) : '—'}
                </td>
                <td className="num">{e.reservedDeltaKopecks ? money(e.reservedDeltaKopecks) : '—'}</td>
                <td>
                  {e.campaignId ? (
                    <Link href={`/campaigns/${e.campaignId}`}>
                      {t('money.campaign', { id: e.campaignId })}
                    </Link>
                  ) : null}
                  {e.campaignId && e.comment ? ' · ' : null}
                  {e.comment}
                </td>
                <td className="muted">{e.initiator}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {!loading && items.length === 0 ? <p className="muted">{t('common.none')}</p> : null}
      {loading ? <Loading /> : null}
      {next !== null && !loading ? (
        <button type="button" data-test="ledger-more" onClick={() => load(next, false)}>
          {t('money.more')}
        </button>
      ) : null}
    </section>
  );
}
