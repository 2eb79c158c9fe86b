/**
 * The recipients with ticks (seed 000, step 4): unticking leaves a person out of this campaign; the
 * ones the server excludes on its own show why and cannot be ticked.
 */
import { useState } from 'react';
import { api } from '../../api.ts';
import { useI18n } from '../../i18n/index.ts';
import { ErrorNote, Loading, useAsync } from '../../ui.tsx';
import type { AudienceReport } from './model.ts';

const PAGE = 50;

export function Recipients({ id, onChanged }: { id: number; onChanged: () => void }) {
  const { t, number } = useI18n();
  const [limit, setLimit] = useState(PAGE);
  const [tick, setTick] = useState(0);
  const [busy, setBusy] = useState<number | null>(null);
  const [error, setError] = useState<unknown>();
  const r = useAsync(
    () => api<AudienceReport & { unticked: number[] }>(`/campaigns/${id}/recipients`, { query: { limit } }),
    [id, limit, tick],
  );

  const toggle = async (contactId: number, on: boolean) => {
    setBusy(contactId);
    setError(undefined);
    try {
      await api(`/campaigns/${id}/${on ? 'retick' : 'untick'}`, { body: { contactIds: [contactId] } });
      setTick((n) => n + 1);
      onChanged();
    } catch (e) {
      setError(e);
    } finally {
      setBusy(null);
    }
  };

  const d = r.data;
  return (
    <div className="card">
      <h2>{t('wizard.recipients')}</h2>
      <p className="muted">{t('wizard.recipients.hint')}</p>
      <ErrorNote error={r.error ?? error} />
      {!d ? <Loading /> : null}
      {d ? (
        <>
          <div className="table-wrap wizard-recipients">
            <table data-test="recipients">
              <thead>
                <tr>
                  <th aria-label={t('wizard.send')} />
                  <th>{t('wizard.recipients.name')}</th>
                  <th>{t('wizard.recipients.address')}</th>
                  <th>{t('wizard.recipients.status')}</th>
                </tr>
              </thead>
              <tbody>
                {d.items.map((i) => {
                  const ticked = i.reason === null;
                  const tickable = i.reason === null || i.reason === 'unticked';
                  return (
                    <tr key={i.contactId} className={ticked ? '' : 'muted'}>
                      <td>
                        <input
                          type="checkbox"
                          checked={ticked}
                          disabled={!tickable || busy !== null}
                          onChange={(e) => toggle(i.contactId, e.target.checked)}
                          data-test={`recipient-${i.contactId}`}
                          aria-label={i.name}
                        />
                      </td>
                      <td>{i.name}</td>
                      <td>{i.address ?? '—'}</td>
                      <td>{i.reason ? t(`wizard.reason.${i.reason as 'unticked'}`) : ''}</td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
          <div className="row wizard-more">
            <span className="muted">
              {t('wizard.recipients.shown', { shown: number(d.items.length), total: number(d.selected) })}
            </span>
            {d.items.length < d.selected && limit < 1000 ? (
              <button
                type="button"
                onClick={() => setLimit((l) => Math.min(1000, l + PAGE * 4))}
                data-test="recipients-more"
              >
                {t('wizard.recipients.more')}
              </button>
            ) : null}
          </div>
        </>
      ) : null}
    </div>
  );
}
