/** The contact's messages on every channel, newest first, with «show more» for older ones. */
import { useEffect, useState } from 'react';
import { Link } from 'wouter';
import { api } from '../../api.ts';
import { useI18n } from '../../i18n/index.ts';
import { ErrorNote, Loading, StateBadge } from '../../ui.tsx';
import { label, type Message, type PageOf } from './types.ts';

const PAGE_SIZE = 50;

export function ContactMessages({ id }: { id: number }) {
  const { t, money, dateTime } = useI18n();
  const [items, setItems] = useState<Message[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>();

  const load = async (before: number | null, replace: boolean) => {
    setLoading(true);
    try {
      const page = await api<PageOf<Message>>(`/contacts/${id}/messages`, {
        query: { before: before ?? undefined, limit: PAGE_SIZE },
      });
      setItems((old) => (replace ? page.items : [...old, ...page.items]));
      setNext(page.nextCursor);
      setError(undefined);
    } catch (e) {
      setError(e);
    } finally {
      setLoading(false);
    }
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new contact starts the history over
  useEffect(() => {
    void load(null, true);
  }, [id]);

  return (
    <div className="card" data-test="contact-messages">
      <h2 style={{ marginTop: 0 }}>{t('contacts.messages')}</h2>
      <ErrorNote error={error} />
      {loading && items.length === 0 ? (
        <Loading />
      ) : items.length === 0 ? (
        <p className="muted">{t('contacts.messages.none')}</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>{t('contacts.msg.when')}</th>
                <th>{t('contacts.msg.channel')}</th>
                <th>{t('contacts.msg.text')}</th>
                <th>{t('contacts.msg.state')}</th>
                <th className="num">{t('contacts.msg.cost')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((m) => (
                <tr key={m.id} data-test="message-row">
                  <td className="c-nowrap">{dateTime(m.createdAt)}</td>
                  <td>
                    {label(t, 'contacts.channel', m.channel)}
                    <div className="muted">{m.address}</div>
                  </td>
                  <td className="msg-body">
                    {m.subject ? <strong>{m.subject}</strong> : null}
                    <div>{m.body}</div>
                    {m.campaignId ? (
                      <Link href={`/campaigns/${m.campaignId}`} className="muted">
                        {t('contacts.msg.campaign', { id: m.campaignId })}
                      </Link>
                    ) : null}
                  </td>
                  <td>
                    <StateBadge state={m.state} label={label(t, 'contacts.state', m.state)} />
                    {m.reason ? <div className="muted">{m.reason}</div> : null}
                  </td>
                  <td className="num c-nowrap">{money(m.costKopecks ?? m.priceKopecks)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {next ? (
        <p>
          <button type="button" disabled={loading} onClick={() => load(next, false)}>
            {t('contacts.messages.more')}
          </button>
        </p>
      ) : null}
    </div>
  );
}
