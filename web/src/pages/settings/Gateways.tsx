/** The organisation's gateways: each with its settings (credentials only named), a test, editing. */
import { useState } from 'react';
import { api } from '../../api.ts';
import { type Key, useI18n } from '../../i18n/index.ts';
import { ErrorNote, FirstLoad, useAction, useAsync } from '../../ui.tsx';
import { GatewayForm } from './GatewayForm.tsx';
import { KeptReceipts } from './KeptReceipts.tsx';
import type { Gateway, GatewayCheck } from './types.ts';

function GatewayCard({ g, manage, onChanged }: { g: Gateway; manage: boolean; onChanged: () => void }) {
  const { t } = useI18n();
  const [check, setCheck] = useState<GatewayCheck>();
  const [editing, setEditing] = useState(false);

  const { busy, error, run } = useAction();
  const test = () =>
    run(async () => {
      setCheck(undefined);
      setCheck(await api<GatewayCheck>(`/gateways/${g.id}/test`, { method: 'POST', body: {} }));
    });
  const toggle = () =>
    run(async () => {
      await api(`/gateways/${g.id}`, { method: 'PATCH', body: { enabled: !g.enabled } });
      onChanged();
    });

  const plain = Object.entries(g.settings);
  return (
    <article className="card gateway-card" data-test="gateway-row" data-gateway={g.name}>
      <div className="page-head">
        <h3>
          {g.name}{' '}
          <span className={`badge ${g.enabled ? 'state-approved' : 'state-cancelled'}`}>
            {t(g.enabled ? 'settings.gw.enabled' : 'settings.gw.disabled')}
          </span>
        </h3>
        {manage ? (
          <div className="actions">
            <button type="button" data-test="gateway-test" onClick={test} disabled={busy}>
              {t('settings.gw.test')}
            </button>
            <button type="button" data-test="gateway-edit" onClick={() => setEditing(!editing)}>
              {t('common.edit')}
            </button>
            <button type="button" data-test="gateway-toggle" onClick={toggle} disabled={busy}>
              {t(g.enabled ? 'settings.gw.disable' : 'settings.gw.enable')}
            </button>
          </div>
        ) : null}
      </div>
      <dl className="facts">
        <dt>{t('settings.gw.kind')}</dt>
        <dd>{t(`settings.kind.${g.kind}` as Key)}</dd>
        <dt>{t('settings.channel')}</dt>
        <dd>{t(`settings.channel.${g.channel}` as Key)}</dd>
        <dt>{t('settings.gw.priority')}</dt>
        <dd>{g.priority}</dd>
        <dt>{t('settings.gw.rate')}</dt>
        <dd>{g.ratePerSecond ?? t('settings.gw.noLimit')}</dd>
        <dt>{t('settings.gw.settings')}</dt>
        <dd>
          {plain.length
            ? plain.map(([k, v]) => (
                <code key={k} className="setting">
                  {k}={typeof v === 'string' ? v : JSON.stringify(v)}
                </code>
              ))
            : '—'}
        </dd>
        <dt>{t('settings.gw.secrets')}</dt>
        <dd>{g.secrets.length ? g.secrets.join(', ') : '—'}</dd>
        <dt>{t('settings.gw.callback')}</dt>
        <dd>
          <code className="setting">{g.callbackUrl}</code>
        </dd>
      </dl>
      {check ? (
        <p className={check.ok ? 'notice' : 'error'} data-test="gateway-test-result" role="status">
          <strong>{t(check.ok ? 'settings.gw.testOk' : 'settings.gw.testFailed')}</strong> (
          {t(`settings.gw.checked.${check.checked}` as Key)}): {check.message}
        </p>
      ) : null}
      <ErrorNote error={error} />
      <KeptReceipts gatewayId={g.id} />
      {editing ? (
        <GatewayForm
          gateway={g}
          onCancel={() => setEditing(false)}
          onDone={() => {
            setEditing(false);
            onChanged();
          }}
        />
      ) : null}
    </article>
  );
}

export function Gateways({ manage }: { manage: boolean }) {
  const { t } = useI18n();
  const list = useAsync(() => api<{ items: Gateway[] }>('/gateways'), []);
  const [adding, setAdding] = useState(false);
  return (
    <div>
      <div className="page-head">
        <p className="muted">{t('settings.gw.intro')}</p>
        {manage && !adding ? (
          <button type="button" className="primary" data-test="gateway-add" onClick={() => setAdding(true)}>
            {t('settings.gw.add')}
          </button>
        ) : null}
      </div>
      {adding ? (
        <GatewayForm
          onCancel={() => setAdding(false)}
          onDone={() => {
            setAdding(false);
            list.reload();
          }}
        />
      ) : null}
      <ErrorNote error={list.error} />
      <FirstLoad of={list} />
      {list.data?.items.map((g) => (
        <GatewayCard key={g.id} g={g} manage={manage} onChanged={list.reload} />
      ))}
      {list.data && list.data.items.length === 0 ? <p className="muted">{t('common.none')}</p> : null}
    </div>
  );
}
