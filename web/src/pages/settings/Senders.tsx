/**
 * Sender names per gateway and their approval. Owner and admin register names and record the
 * provider's decision (the API's gateways.manage), or take the decisions from SMS Aero at once.
 */
import { type FormEvent, useState } from 'react';
import { api } from '../../api.ts';
import { type Key, useI18n } from '../../i18n/index.ts';
import { ErrorNote, Field, FirstLoad, StateBadge, useAction, useAsync } from '../../ui.tsx';
import type { Gateway, Sender, SenderState, SenderSync } from './types.ts';

function SyncResult({ r }: { r: SenderSync }) {
  const { t } = useI18n();
  const state = (s: SenderState | null) => (s ? t(`settings.sender.${s}` as Key) : t('settings.sender.new'));
  return (
    <div className="notice" data-test="sender-sync-result">
      {t('settings.sender.synced', { gateway: r.gateway.name, total: r.total, changed: r.changes.length })}
      {r.changes.length ? (
        <ul>
          {r.changes.map((c) => (
            <li key={c.name}>
              {c.name}: {state(c.before)} → {state(c.after)} ({c.raw})
            </li>
          ))}
        </ul>
      ) : null}
      {r.unknownToProvider.length ? (
        <p>{t('settings.sender.unknown', { names: r.unknownToProvider.join(', ') })}</p>
      ) : null}
    </div>
  );
}

export function Senders({ manage }: { manage: boolean }) {
  const { t, dateTime } = useI18n();
  const senders = useAsync(() => api<{ items: Sender[] }>('/senders'), []);
  const gateways = useAsync(() => api<{ items: Gateway[] }>('/gateways'), []);
  const gws = gateways.data?.items ?? [];
  const [gatewayId, setGatewayId] = useState('');
  const [name, setName] = useState('');
  const [sync, setSync] = useState<SenderSync>();

  const { busy, error, run: act } = useAction();
  const run = (f: () => Promise<unknown>) =>
    act(async () => {
      await f();
      senders.reload();
    });
  const add = (e: FormEvent) => {
    e.preventDefault();
    const gid = Number(gatewayId || gws[0]?.id);
    void run(async () => {
      await api('/senders', { method: 'POST', body: { gatewayId: gid, name: name.trim() } });
      setName('');
    });
  };
  const decide = (s: Sender, state: SenderState) =>
    run(async () => {
      const reason = state === 'rejected' ? (window.prompt(t('settings.sender.reasonPrompt')) ?? '') : '';
      await api(`/senders/${s.id}`, { method: 'PATCH', body: { state, ...(reason ? { reason } : {}) } });
    });
  const remove = (s: Sender) => {
    if (window.confirm(t('settings.sender.confirmDelete', { name: s.name })))
      void run(() => api(`/senders/${s.id}`, { method: 'DELETE' }));
  };
  const syncFrom = (g: Gateway) =>
    run(async () => {
      setSync(undefined);
      setSync(await api<SenderSync>(`/gateways/${g.id}/senders/sync`, { method: 'POST', body: {} }));
    });
  const gwName = (id: number) => gws.find((g) => g.id === id)?.name ?? `#${id}`;

  return (
    <div>
      <p className="muted">{t('settings.sender.intro')}</p>
      {manage ? (
        <form className="card inline-form" onSubmit={add}>
          <Field label={t('settings.sender.gateway')}>
            <select value={gatewayId} onChange={(e) => setGatewayId(e.target.value)}>
              {gws.map((g) => (
                <option key={g.id} value={g.id}>
                  {g.name}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t('settings.sender.name')}>
            <input
              data-test="sender-name"
              value={name}
              required
              maxLength={200}
              onChange={(e) => setName(e.target.value)}
            />
          </Field>
          <button type="submit" className="primary" data-test="sender-add" disabled={busy || !gws.length}>
            {t('settings.sender.add')}
          </button>
          {gws
            .filter((g) => g.kind === 'smsaero')
            .map((g) => (
              <button
                key={g.id}
                type="button"
                data-test="sender-sync"
                onClick={() => syncFrom(g)}
                disabled={busy}
              >
                {t('settings.sender.sync', { gateway: g.name })}
              </button>
            ))}
        </form>
      ) : null}
      {sync ? <SyncResult r={sync} /> : null}
      <ErrorNote error={error ?? senders.error} />
      <FirstLoad of={senders} />
      <div className="table-wrap">
        <table data-test="sender-table">
          <thead>
            <tr>
              <th>{t('settings.sender.name')}</th>
              <th>{t('settings.sender.gateway')}</th>
              <th>{t('settings.sender.state')}</th>
              <th>{t('settings.sender.createdAt')}</th>
              <th>{t('settings.sender.decided')}</th>
              {manage ? <th /> : null}
            </tr>
          </thead>
          <tbody>
            {senders.data?.items.map((s) => (
              <tr key={s.id} data-test="sender-row">
                <td>{s.name}</td>
                <td>{gwName(s.gatewayId)}</td>
                <td>
                  <StateBadge state={s.state} label={t(`settings.sender.${s.state}` as Key)} />
                  {s.reason ? <div className="hint">{s.reason}</div> : null}
                </td>
                <td>{dateTime(s.createdAt)}</td>
                <td>{dateTime(s.decidedAt)}</td>
                {manage ? (
                  <td>
                    <div className="cell-actions">
                      {s.state !== 'approved' ? (
                        <button
                          type="button"
                          data-test="sender-approve"
                          onClick={() => decide(s, 'approved')}
                          disabled={busy}
                        >
                          {t('settings.sender.approve')}
                        </button>
                      ) : null}
                      {s.state !== 'rejected' ? (
                        <button
                          type="button"
                          data-test="sender-reject"
                          onClick={() => decide(s, 'rejected')}
                          disabled={busy}
                        >
                          {t('settings.sender.reject')}
                        </button>
                      ) : null}
                      <button type="button" className="danger" onClick={() => remove(s)} disabled={busy}>
                        {t('common.delete')}
                      </button>
                    </div>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {senders.data && senders.data.items.length === 0 ? <p className="muted">{t('common.none')}</p> : null}
    </div>
  );
}
