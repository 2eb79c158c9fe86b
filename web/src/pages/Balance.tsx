/** Balance and reports: what is available and reserved, a top-up, the period report, the ledger. */
import { useState } from 'react';
import { api } from '../api.ts';
import { useI18n } from '../i18n/index.ts';
import { canManage, useSession } from '../session.ts';
import { ErrorNote, Loading, Page, useAsync } from '../ui.tsx';
import { Ledger } from './balance/Ledger.tsx';
import { Report } from './balance/Report.tsx';
import { TopUp } from './balance/TopUp.tsx';
import type { BalanceView } from './balance/types.ts';
import './balance/balance.css';

export function Balance() {
  const { t, money } = useI18n();
  const me = useSession();
  // Bumped after a top-up so the ledger shows the new entry too.
  const [version, setVersion] = useState(0);
  const balance = useAsync(() => api<BalanceView>('/balance'), [version]);
  const b = balance.data;

  return (
    <Page title={t('money.title')}>
      <ErrorNote error={balance.error} />
      {!b && balance.loading ? <Loading /> : null}
      {b ? (
        <div className="grid balance-stats">
          <div className="stat">
            <div className="label">{t('money.available')}</div>
            <div className="value" data-test="balance-available">
              {money(b.availableKopecks)}
            </div>
          </div>
          <div className="stat">
            <div className="label">{t('money.reserved')}</div>
            <div className="value">{money(b.reservedKopecks)}</div>
            <div className="hint">{t('money.reservedHint')}</div>
          </div>
          <div className="stat">
            <div className="label">{t('money.balance')}</div>
            <div className="value">{money(b.balanceKopecks)}</div>
          </div>
        </div>
      ) : null}
      {canManage(me) ? <TopUp onDone={() => setVersion((v) => v + 1)} /> : null}
      <Report />
      <Ledger version={version} />
    </Page>
  );
}
