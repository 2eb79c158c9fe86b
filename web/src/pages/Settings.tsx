/**
 * Settings, one tab per link (/settings/<tab>). Everyone may read what the API lets them read; the
 * write controls are shown only to the roles that may use them (src/core/roles.ts): owner and admin.
 */
import { Link } from 'wouter';
import { type Key, useI18n } from '../i18n/index.ts';
import { canManage, useSession } from '../session.ts';
import { Page } from '../ui.tsx';
import { Delivery } from './settings/Delivery.tsx';
import { Gateways } from './settings/Gateways.tsx';
import { Keys } from './settings/Keys.tsx';
import { Senders } from './settings/Senders.tsx';
import { Tariffs } from './settings/Tariffs.tsx';
import { Users } from './settings/Users.tsx';
import './balance/balance.css';
import './settings/settings.css';

const TABS = ['gateways', 'senders', 'tariffs', 'delivery', 'users', 'keys'] as const;
type Tab = (typeof TABS)[number];
// Listing users and keys needs users.manage / keys.manage: the other roles get no tab for them.
const MANAGERS_ONLY: Tab[] = ['users', 'keys'];

export function Settings({ tab }: { tab: string }) {
  const { t } = useI18n();
  const me = useSession();
  const manage = canManage(me);
  const tabs = TABS.filter((x) => manage || !MANAGERS_ONLY.includes(x));
  const current = (tabs as readonly string[]).includes(tab) ? (tab as Tab) : null;

  return (
    <Page title={t('settings.title')}>
      <nav className="tabs">
        {tabs.map((x) => (
          <Link
            key={x}
            href={`/settings/${x}`}
            className={x === current ? 'active' : ''}
            data-test={`tab-${x}`}
          >
            {t(`settings.tab.${x}` as Key)}
          </Link>
        ))}
      </nav>
      <div className="settings-pane">
        {current === 'gateways' ? <Gateways manage={manage} /> : null}
        {current === 'senders' ? <Senders manage={manage} /> : null}
        {current === 'tariffs' ? <Tariffs manage={manage} /> : null}
        {current === 'delivery' ? <Delivery manage={manage} /> : null}
        {current === 'users' ? <Users role={me?.role} /> : null}
        {current === 'keys' ? <Keys role={me?.role} /> : null}
        {current === null ? (
          <p className="muted">
            {t(MANAGERS_ONLY.includes(tab as Tab) ? 'settings.readOnly' : 'settings.noTab')}
          </p>
        ) : null}
      </div>
    </Page>
  );
}
