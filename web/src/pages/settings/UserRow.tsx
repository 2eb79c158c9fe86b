/**
 * One user in the table: their role, changeable by an owner (anyone else) or an admin (those below an
 * admin, to roles below), and switching them off and on. The server enforces the same rules and keeps
 * one enabled owner; its refusal is shown on the row.
 */
import { api } from '../../api.ts';
import { type Key, useI18n } from '../../i18n/index.ts';
import { type Role, useSession } from '../../session.ts';
import { ErrorNote, StateBadge, useAction } from '../../ui.tsx';
import { grantable, type User } from './types.ts';

export function UserRow({ user, onChanged }: { user: User; onChanged: () => void }) {
  const { t, dateTime } = useI18n();
  const me = useSession();
  const roles = grantable(me?.role);
  const mayChange = me?.user?.id !== user.id && roles.includes(user.role);
  const { busy, error, run } = useAction();

  const change = (body: { role?: Role; disabled?: boolean }) =>
    run(async () => {
      await api(`/users/${user.id}`, { method: 'PATCH', body });
      onChanged();
    });

  return (
    <tr data-test="user-row" data-id={user.id}>
      <td>
        {user.email}
        {user.disabled ? (
          <>
            {' '}
            <StateBadge state="cancelled" label={t('settings.users.disabled')} />
          </>
        ) : null}
      </td>
      <td>{user.name}</td>
      <td>
        {mayChange ? (
          <select
            data-test="user-row-role"
            value={user.role}
            disabled={busy}
            onChange={(e) => change({ role: e.target.value as Role })}
          >
            {roles.map((r) => (
              <option key={r} value={r}>
                {t(`settings.role.${r}` as Key)}
              </option>
            ))}
          </select>
        ) : (
          t(`settings.role.${user.role}` as Key)
        )}
        <ErrorNote error={error} />
      </td>
      <td>{dateTime(user.createdAt)}</td>
      <td>
        {mayChange ? (
          <button
            type="button"
            data-test="user-toggle"
            className={user.disabled ? '' : 'danger'}
            disabled={busy}
            onClick={() => change({ disabled: !user.disabled })}
          >
            {user.disabled ? t('settings.users.enable') : t('settings.users.disable')}
          </button>
        ) : null}
      </td>
    </tr>
  );
}
