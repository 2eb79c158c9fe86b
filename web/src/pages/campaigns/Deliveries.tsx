/** The per-recipient table of a campaign: filter by state, search by name or address, page on. */
import { useEffect, useState } from 'react';
import { Link } from 'wouter';
import { api } from '../../api.ts';
import { useI18n } from '../../i18n/index.ts';
import { ErrorNote, StateBadge, useAsync } from '../../ui.tsx';
import { type Delivery, MESSAGE_STATES, messageStateKey, type Paged } from './types.ts';

const PAGE = 50;

async function load(id: number, state: string, q: string, pages: number) {
  const items: Delivery[] = [];
  let after = 0;
  let more = false;
  for (let i = 0; i < pages; i++) {
    const page = await api<Paged<Delivery>>(`/campaigns/${id}/deliveries`, {
      query: { state: state || undefined, q: q || undefined, after, limit: PAGE },
    });
    items.push(...page.items);
    more = page.nextCursor !== null;
    if (!more) break;
    after = page.nextCursor ?? 0;
  }
  return { items, more };
}

export function Deliveries({ id, live, version }: { id: number; live: boolean; version: number }) {
  const { t, money, dateTime } = useI18n();
  const [state, setState] = useState('');
  const [typed, setTyped] = useState('');
  const [q, setQ] = useState('');
  const [pages, setPages] = useState(1);
  // Search once typing pauses, not on every key.
  useEffect(() => {
    const timer = setTimeout(() => setQ(typed.trim()), 300);
    return () => clearTimeout(timer);
  }, [typed]);
  const { data, error } = useAsync(
    () => load(id, state, q, pages),
    [id, state, q, pages, version],
    live ? 3000 : undefined,
  );

  return (
    <section className="card">
      <h2>{t('report.messages')}</h2>
      <div className="row" style={{ marginBottom: '0.6rem' }}>
        <input
          type="search"
          placeholder={t('report.search')}
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          data-test="messages-search"
        />
        <select value={state} onChange={(e) => setState(e.target.value)} data-test="messages-state">
          <option value="">{t('report.allStates')}</option>
          {MESSAGE_STATES.map((s) => (
            <option key={s} value={s}>
              {t(messageStateKey(s))}
            </option>
          ))}
        </select>
      </div>
      <ErrorNote error={error} />
      <div className="table-wrap">
        <table data-test="messages-table">
          <thead>
            <tr>
              <th>{t('report.col.recipient')}</th>
              <th>{t('report.col.address')}</th>
              <th>{t('report.col.state')}</th>
              <th className="num">{t('report.col.segments')}</th>
              <th className="num">{t('report.col.cost')}</th>
              <th>{t('report.col.when')}</th>
            </tr>
          </thead>
          <tbody>
            {(data?.items ?? []).map((m) => (
              <tr key={m.id} data-test="message-row" data-state={m.state}>
                <td>
                  {m.contactId ? (
                    <Link href={`/contacts/${m.contactId}`}>{m.contactName ?? `#${m.contactId}`}</Link>
                  ) : (
                    '—'
                  )}
                </td>
                <td>{m.address}</td>
                <td>
                  <StateBadge state={m.state} label={t(messageStateKey(m.state))} />
                  {m.reason ? <div className="hint">{m.reason}</div> : null}
                  {m.parts ? (
                    <div className="hint" data-test="message-parts">
                      {t('report.parts', { delivered: m.parts.delivered, total: m.parts.total })}
                    </div>
                  ) : null}
                </td>
                <td className="num">{m.segments}</td>
                <td className="num">{money(m.costKopecks ?? m.priceKopecks)}</td>
                <td>
                  {dateTime(m.submittedAt)}
                  {m.finalAt ? <div className="hint">{dateTime(m.finalAt)}</div> : null}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {data && data.items.length === 0 ? <p className="muted">{t('report.noMessages')}</p> : null}
      {data?.more ? (
        <p>
          <button type="button" onClick={() => setPages((p) => p + 1)}>
            {t('report.more')}
          </button>
        </p>
      ) : null}
    </section>
  );
}
