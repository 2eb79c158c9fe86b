/** The organisation's people and their roles; owner and admin add them, change roles and switch them off. */
import { type FormEvent, useState } from 'react';
import { api } from '../../api.ts';
import { type Key, useI18n } from '../../i18n/index.ts';
import type { Role } from '../../session.ts';
import { ErrorNote, Field, FirstLoad, useAsync } from '../../ui.tsx';
import { grantable, type User } from './types.ts';
import { UserRow } from './UserRow.tsx';

export function Users({ role }: { role: Role | undefined }) {
  const { t } = useI18n();
  const list = useAsync(() => api<{ items: User[] }>('/users'), []);
  const roles = grantable(role);
  const [email, setEmail] = useState('');
  const [name, setName] = useState('');
  const [newRole, setNewRole] = useState<Role>('operator');
  const [password, setPassword] = useState('');
  const [error, setError] = useState<unknown>();
  const [done, setDone] = useState('');
  const [busy, setBusy] = useState(false);

  const add = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    setDone('');
    try {
      const u = await api<User>('/users', {
        method: 'POST',
        body: { email: email.trim(), name: name.trim() || undefined, role: newRole, password },
      });
      setDone(t('settings.users.added', { email: u.email }));
      setEmail('');
      setName('');
      setPassword('');
      list.reload();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <div>
      <form className="card" onSubmit={add}>
        <h3>{t('settings.users.add')}</h3>
        <div className="inline-form">
          <Field label={t('settings.users.email')}>
            <input
              data-test="user-email"
              type="email"
              required
              value={email}
              onChange={(e) => setEmail(e.target.value)}
            />
          </Field>
          <Field label={t('settings.users.name')}>
            <input value={name} maxLength={200} onChange={(e) => setName(e.target.value)} />
          </Field>
          <Field label={t('settings.role')}>
            <select
              data-test="user-role"
              value={newRole}
              onChange={(e) => setNewRole(e.target.value as Role)}
            >
              {roles.map((r) => (
                <option key={r} value={r}>
                  {t(`settings.role.${r}` as Key)}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t('settings.users.password')}>
            <input
              data-test="user-password"
              type="password"
              autoComplete="new-password"
              required
              value={password}
              onChange={(e) => setPassword(e.target.value)}
            />
          </Field>
          <button type="submit" className="primary" data-test="user-add" disabled={busy}>
            {t('common.add')}
          </button>
        </div>
        <ErrorNote error={error} />
        {done ? <p className="notice">{done}</p> : null}
      </form>
      <ErrorNote error={list.error} />
      <FirstLoad of={list} />
      <div className="table-wrap">
        <table data-test="user-table">
          <thead>
            <tr>
              <th>{t('settings.users.email')}</th>
              <th>{t('settings.users.name')}</th>
              <th>{t('settings.role')}</th>
              <th>{t('settings.users.since')}</th>
              <th />
            </tr>
          </thead>
          <tbody>
            {list.data?.items.map((u) => (
              <UserRow key={u.id} user={u} onChanged={list.reload} />
            ))}
          </tbody>
        </table>
      </div>
      <p className="hint">{t('settings.users.roleChangeHint')}</p>
    </div>
  );
}
