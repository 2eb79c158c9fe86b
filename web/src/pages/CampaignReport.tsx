/**
 * A campaign's live report: its state, counts by state, delivery rate and cost, progress over time,
 * the per-recipient table, and the operator's controls. While it sends it refreshes every 2 s (10 s
 * past 50,000 recipients).
 */
import { useState } from 'react';
import { Link } from 'wouter';
import { api } from '../api.ts';
import { type Key, useI18n } from '../i18n/index.ts';
import { canSend, useSession } from '../session.ts';
import { ErrorNote, Loading, Page, StateBadge, useAction, useAsync } from '../ui.tsx';
import { Deliveries } from './campaigns/Deliveries.tsx';
import { ProgressChart } from './campaigns/ProgressChart.tsx';
import {
  type Campaign,
  campaignStateKey,
  isLive,
  MESSAGE_STATES,
  messageStateKey,
  type Progress,
  type Totals,
} from './campaigns/types.ts';
import './campaigns/campaigns.css';

interface Run {
  id: number;
  name: string;
  state: string;
  launchedAt: string | null;
  counts: Record<string, number>;
}

async function load(id: number) {
  const campaign = await api<Campaign & { counts: Record<string, number> }>(`/campaigns/${id}`);
  const [totals, progress, runs] = await Promise.all([
    api<{ items: Totals[] }>('/campaigns/totals', { query: { ids: String(id) } }),
    api<Progress>(`/campaigns/${id}/progress`, { query: { buckets: 120 } }),
    campaign.recurrence ? api<{ items: Run[] }>(`/campaigns/${id}/runs`) : Promise.resolve({ items: [] }),
  ]);
  return { campaign, totals: totals.items[0], progress, runs: runs.items };
}

export function CampaignReport({ id }: { id: number }) {
  const { t, money, number, dateTime } = useI18n();
  const me = useSession();
  const [live, setLive] = useState(true);
  // Each refresh counts the campaign's messages three ways; a large campaign is counted less often.
  const [everyMs, setEveryMs] = useState(2000);
  const [version, setVersion] = useState(0);
  const { data, error, reload } = useAsync(
    async () => {
      const d = await load(id);
      setLive(isLive(d.campaign.state));
      setEveryMs((d.totals?.recipients ?? 0) > 50_000 ? 10_000 : 2000);
      return d;
    },
    [id, version],
    live ? everyMs : undefined,
  );
  const { busy, error: actionError, run } = useAction();

  const act = (verb: 'pause' | 'resume' | 'cancel') => {
    if (verb === 'cancel' && !window.confirm(t('report.cancelConfirm'))) return;
    void run(async () => {
      await api(`/campaigns/${id}/${verb}`, { method: 'POST', body: {} });
      setVersion((v) => v + 1);
    });
  };

  if (!data) return error ? <ErrorNote error={error} /> : <Loading />;
  const { campaign: c, totals, progress, runs } = data;
  const recipients = totals?.recipients ?? 0;
  const delivered = totals?.delivered ?? 0;
  const rate = recipients > 0 ? Math.round((delivered / recipients) * 1000) / 10 : 0;
  const may = canSend(me);

  return (
    <Page
      title={c.name}
      actions={
        <>
          {may && c.state === 'sending' ? (
            <button type="button" onClick={() => act('pause')} disabled={busy} data-test="pause">
              {t('report.pause')}
            </button>
          ) : null}
          {may && c.state === 'paused' ? (
            <button
              type="button"
              className="primary"
              onClick={() => act('resume')}
              disabled={busy}
              data-test="resume"
            >
              {t('report.resume')}
            </button>
          ) : null}
          {may && ['sending', 'paused', 'scheduled'].includes(c.state) ? (
            <button
              type="button"
              className="danger"
              onClick={() => act('cancel')}
              disabled={busy}
              data-test="cancel"
            >
              {t('report.cancel')}
            </button>
          ) : null}
          <button
            type="button"
            onClick={() => {
              reload();
              setVersion((v) => v + 1);
            }}
            data-test="refresh"
          >
            {t('report.refresh')}
          </button>
        </>
      }
    >
      <p className="report-meta">
        <Link href="/campaigns">{t('report.back')}</Link>{' '}
        <span data-test="campaign-state" data-state={c.state}>
          <StateBadge state={c.state} label={t(campaignStateKey(c.state))} />
        </span>{' '}
        <span className="muted">
          {t(`channel.${c.channel}` as Key)}, {t(`mode.${c.mode}` as Key)}
          {c.launchedAt ? ` · ${t('report.launched', { when: dateTime(c.launchedAt) })}` : ''}
          {c.finishedAt ? `, ${t('report.finished', { when: dateTime(c.finishedAt) })}` : ''}
          {c.state === 'scheduled' && (c.nextRunAt || c.schedule?.at)
            ? ` · ${t('report.scheduledAt', { when: dateTime(c.nextRunAt ?? c.schedule?.at) })}`
            : ''}
        </span>
      </p>
      {live ? <p className="hint">{t('report.live', { seconds: everyMs / 1000 })}</p> : null}
      <ErrorNote error={actionError ?? error} />
      {c.scheduleError ? <ErrorNote error={new Error(c.scheduleError)} /> : null}
      {c.moderation?.state === 'waiting' ? (
        <p className="notice" data-test="moderation-waiting">
          {t(c.moderation.overdue ? 'report.moderation.overdue' : 'report.moderation.waiting')}
        </p>
      ) : null}
      {c.moderation?.state === 'rejected' ? (
        <p className="error" data-test="moderation-rejected" role="status">
          {t('report.moderation.rejected', { reason: c.moderation.reason ?? '—' })}
        </p>
      ) : null}

      <div className="grid stats">
        <Stat label={t('report.recipients')} value={number(recipients)} test="recipients" />
        <Stat label={t('report.deliveryRate')} value={`${rate.toLocaleString()} %`} test="delivery-rate" />
        <Stat label={t('report.charged')} value={money(totals?.chargedKopecks ?? 0)} test="cost" />
        <Stat label={t('report.estimated')} value={money(totals?.priceKopecks ?? 0)} test="estimated" />
        <Stat label={t('report.reserved')} value={money(c.reservedKopecks)} test="reserved" />
      </div>

      <section className="card">
        <h2>{t('report.byState')}</h2>
        <div className="grid counts">
          {MESSAGE_STATES.filter(
            (s) => (c.counts[s] ?? 0) > 0 || ['queued', 'submitted', 'delivered'].includes(s),
          ).map((s) => (
            <Stat
              key={s}
              label={t(messageStateKey(s))}
              value={number(c.counts[s] ?? 0)}
              test={`count-${s}`}
            />
          ))}
        </div>
      </section>

      <section className="card">
        <h2>{t('report.progress')}</h2>
        {progress.buckets.length > 0 ? (
          <ProgressChart progress={progress} />
        ) : (
          <p className="muted">{t('report.noProgress')}</p>
        )}
      </section>

      {runs.length > 0 ? (
        <section className="card">
          <h2>{t('report.runs')}</h2>
          <ul>
            {runs.map((r) => (
              <li key={r.id}>
                <Link href={`/campaigns/${r.id}`}>{r.name}</Link> — {t(campaignStateKey(r.state))},{' '}
                {dateTime(r.launchedAt)}
              </li>
            ))}
          </ul>
        </section>
      ) : null}

      <Deliveries id={id} live={live} version={version} />
    </Page>
  );
}

function Stat({ label, value, test }: { label: string; value: string; test: string }) {
  return (
    <div className="stat" data-test={test}>
      <div className="value">{value}</div>
      <div className="label">{label}</div>
    </div>
  );
}
