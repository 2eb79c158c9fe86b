/** API keys: created with a role, the secret shown once (copy it then), revoked at once. */
import { type FormEvent, useState } from 'react';
import { api } from '../../api.ts';
import { type Key, useI18n } from '../../i18n/index.ts';
import type { Role } from '../../session.ts';
import { ErrorNote, Field, FirstLoad, useAction, useAsync } from '../../ui.tsx';
import { type ApiKey, grantable } from './types.ts';

function Secret({ secret, onClose }: { secret: string; onClose: () => void }) {
  const { t } = useI18n();
  const [copied, setCopied] = useState(false);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopied(true);
    } catch {
      // No clipboard (plain http): select the text so Ctrl+C works.
      const el = document.querySelector('[data-test="key-secret"]');
      if (el) window.getSelection()?.selectAllChildren(el);
    }
  };
  return (
    <div className="notice stack" role="status">
      <strong>{t('settings.keys.secretOnce')}</strong>
      <div className="secret-box" data-test="key-secret">
        {secret}
      </div>
      <div className="row">
        <button type="button" data-test="key-copy" onClick={copy}>
          {t(copied ? 'settings.keys.copied' : 'settings.keys.copy')}
        </button>
        <button type="button" onClick={onClose}>
          {t('common.close')}
        </button>
      </div>
    </div>
  );
}

export function Keys({ role }: { role: Role | undefined }) {
  const { t, dateTime } = useI18n();
  const list = useAsync(() => api<{ items: ApiKey[] }>('/keys'), []);
  const roles = grantable(role);
  const [name, setName] = useState('');
  const [keyRole, setKeyRole] = useState<Role>('operator');
  const [secret, setSecret] = useState('');

  const { busy, error, run: act } = useAction();
  const run = (f: () => Promise<unknown>) =>
    act(async () => {
      await f();
      list.reload();
    });
  const create = (e: FormEvent) => {
    e.preventDefault();
    void run(async () => {
      const r = await api<{ key: ApiKey; secret: string }>('/keys', {
        method: 'POST',
        body: { name: name.trim(), role: keyRole },
      });
      setSecret(r.secret);
      setName('');
    });
  };
  const revoke = (k: ApiKey) => {
    if (window.confirm(t('settings.keys.confirmRevoke', { name: k.name })))
      void run(async () => {
        await api(`/keys/${k.id}`, { method: 'DELETE' });
      });
  };

  return (
    <div>
      <form className="card" onSubmit={create}>
        <h3>{t('settings.keys.create')}</h3>
        <div className="inline-form">
          <Field label={t('settings.keys.name')}>
            <input
              data-test="key-name"
              required
              maxLength={100}
              value={name}
              onChange={(e) => setName(e.target.value)}
            />
          </Field>
          <Field label={t('settings.role')}>
            <select data-test="key-role" value={keyRole} onChange={(e) => setKeyRole(e.target.value as Role)}>
              {roles.map((r) => (
                <option key={r} value={r}>
                  {t(`settings.role.${r}` as Key)}
                </option>
              ))}
            </select>
          </Field>
          <button type="submit" className="primary" data-test="key-create" disabled={busy}>
            {t('settings.keys.createSubmit')}
          </button>
        </div>
        {secret ? <Secret secret={secret} onClose={() => setSecret('')} /> : null}
        <ErrorNote error={error} />
      </form>
      <ErrorNote error={list.error} />
      <FirstLoad of={list} />
      <div className="table-wrap">
        <table data-test="key-table">
          <thead>
            <tr>
              <th>{t('settings.keys.name')}</th>
              <th>{t('settings.keys.prefix')}</th>
              <th>{t('settings.role')}</th>
              <th>{t('settings.keys.created')}</th>
              <th>{t('settings.keys.lastUsed')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.data?.items.map((k) => (
              <tr key={k.id} data-test="key-row">
                <td>{k.name}</td>
                <td>
                  <code>{k.prefix}…</code>
                </td>
                <td>{t(`settings.role.${k.role}` as Key)}</td>
                <td>{dateTime(k.createdAt)}</td>
                <td>{dateTime(k.lastUsedAt)}</td>
                <td>
                  {k.revokedAt ? (
                    <span className="badge state-cancelled">
                      {t('settings.keys.revokedAt', { when: dateTime(k.revokedAt) })}
                    </span>
                  ) : (
                    <button
                      type="button"
                      className="danger"
                      data-test="key-revoke"
                      onClick={() => revoke(k)}
                      disabled={busy}
                    >
                      {t('settings.keys.revoke')}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </div>
  );
}
