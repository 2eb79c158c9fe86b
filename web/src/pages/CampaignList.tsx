/** The campaigns with their states and counts; a running one refreshes itself. */
import { useState } from 'react';
import { Link, useLocation } from 'wouter';
import { api } from '../api.ts';
import { type Key, useI18n } from '../i18n/index.ts';
import { ErrorNote, Loading, Page, StateBadge, useAsync } from '../ui.tsx';
import {
  CAMPAIGN_STATES,
  type Campaign,
  campaignStateKey,
  type Paged,
  type Totals,
} from './campaigns/types.ts';

const PAGE = 50;

async function load(
  pages: number,
): Promise<{ campaigns: Campaign[]; more: boolean; totals: Map<number, Totals> }> {
  const campaigns: Campaign[] = [];
  let before: number | undefined;
  let more = false;
  for (let i = 0; i < pages; i++) {
    const page = await api<Paged<Campaign>>('/campaigns', { query: { limit: PAGE, before } });
    campaigns.push(...page.items);
    more = page.nextCursor !== null;
    if (!more) break;
    before = page.nextCursor ?? undefined;
  }
  const totals = new Map<number, Totals>();
  const launched = campaigns.filter((c) => c.state !== 'draft').map((c) => c.id);
  if (launched.length > 0) {
    const r = await api<{ items: Totals[] }>('/campaigns/totals', { query: { ids: launched.join(',') } });
    for (const t of r.items) totals.set(t.id, t);
  }
  return { campaigns, more, totals };
}

export function CampaignList() {
  const { t, money, number, dateTime } = useI18n();
  const [, navigate] = useLocation();
  const [pages, setPages] = useState(1);
  const [state, setState] = useState('');
  const { data, error, loading } = useAsync(() => load(pages), [pages], 5000);
  const rows = (data?.campaigns ?? []).filter((c) => !state || c.state === state);

  return (
    <Page
      title={t('campaigns.title')}
      actions={
        <>
          <select value={state} onChange={(e) => setState(e.target.value)} data-test="campaign-state-filter">
            <option value="">{t('campaigns.allStates')}</option>
            {CAMPAIGN_STATES.map((s) => (
              <option key={s} value={s}>
                {t(campaignStateKey(s))}
              </option>
            ))}
          </select>
          <Link href="/new" className="btn primary">
            {t('campaigns.new')}
          </Link>
        </>
      }
    >
      <ErrorNote error={error} />
      {loading && !data ? <Loading /> : null}
      {data && rows.length === 0 ? <p className="muted">{t('campaigns.empty')}</p> : null}
      {rows.length > 0 ? (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>{t('campaigns.col.name')}</th>
                <th>{t('campaigns.col.channel')}</th>
                <th>{t('campaigns.col.state')}</th>
                <th className="num">{t('campaigns.col.recipients')}</th>
                <th className="num">{t('campaigns.col.sent')}</th>
                <th className="num">{t('campaigns.col.delivered')}</th>
                <th className="num">{t('campaigns.col.cost')}</th>
                <th>{t('campaigns.col.created')}</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((c) => {
                const tot = data?.totals.get(c.id);
                return (
                  <tr
                    key={c.id}
                    data-test="campaign-row"
                    data-id={c.id}
                    onClick={() => navigate(`/campaigns/${c.id}`)}
                    style={{ cursor: 'pointer' }}
                  >
                    <td>
                      <Link href={`/campaigns/${c.id}`}>{c.name}</Link>
                    </td>
                    <td>
                      {t(`channel.${c.channel}` as Key)}, {t(`mode.${c.mode}` as Key)}
                    </td>
                    <td>
                      <StateBadge state={c.state} label={t(campaignStateKey(c.state))} />
                    </td>
                    <td className="num">{tot ? number(tot.recipients) : '—'}</td>
                    <td className="num">{tot ? number(tot.sent) : '—'}</td>
                    <td className="num">{tot ? number(tot.delivered) : '—'}</td>
                    <td className="num">{tot ? money(tot.chargedKopecks) : '—'}</td>
                    <td>{dateTime(c.createdAt)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      ) : null}
      {data?.more ? (
        <p>
          <button type="button" onClick={() => setPages((p) => p + 1)}>
            {t('campaigns.more')}
          </button>
        </p>
      ) : null}
    </Page>
  );
}
