import { api } from '../../api.ts';
import { useI18n } from '../../i18n/index.ts';
import { canSend, useSession } from '../../session.ts';
import { ErrorNote, Loading, useAction, useAsync } from '../../ui.tsx';
import { type Consent, label } from './types.ts';

export function ContactConsents({ id }: { id: number }) {
  const { t, dateTime } = useI18n();
  const me = useSession();
  const consents = useAsync(() => api<{ items: Consent[] }>(`/contacts/${id}/consents`), [id]);
  const { busy, error, run } = useAction();
  const items = consents.data?.items ?? [];

  const withdraw = async (c: Consent) => {
    const channel = label(t, 'contacts.channel', c.channel);
    const category = label(t, 'contacts.category', c.category);
    if (!window.confirm(t('contacts.consent.confirm', { channel, category }))) return;
    await run(async () => {
      await api(`/contacts/${id}/consents/withdraw`, { body: { channel: c.channel, category: c.category } });
      consents.reload();
    });
  };

  return (
    <div className="card" data-test="contact-consents">
      <h2 style={{ marginTop: 0 }}>{t('contacts.consents')}</h2>
      <ErrorNote error={consents.error ?? error} />
      {consents.loading && !consents.data ? (
        <Loading />
      ) : items.length === 0 ? (
        <p className="muted">{t('contacts.consents.none')}</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>{t('contacts.consent.channel')}</th>
                <th>{t('contacts.consent.category')}</th>
                <th>{t('contacts.consent.source')}</th>
                <th>{t('contacts.consent.granted')}</th>
                <th>{t('contacts.consent.withdrawn')}</th>
                <th />
              </tr>
            </thead>
            <tbody>
              {items.map((c) => (
                <tr key={`${c.channel}:${c.category}:${c.grantedAt}`} data-test="consent-row">
                  <td>{label(t, 'contacts.channel', c.channel)}</td>
                  <td>{label(t, 'contacts.category', c.category)}</td>
                  <td title={c.wording}>{c.source}</td>
                  <td className="c-nowrap">{dateTime(c.grantedAt)}</td>
                  <td>{c.withdrawnAt ? dateTime(c.withdrawnAt) : '—'}</td>
                  <td>
                    {!c.withdrawnAt && canSend(me) ? (
                      <button
                        type="button"
                        className="danger"
                        disabled={busy}
                        onClick={() => withdraw(c)}
                        data-test="consent-withdraw"
                      >
                        {t('contacts.consent.withdraw')}
                      </button>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
