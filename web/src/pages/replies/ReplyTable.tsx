/** Replies as a table: when, from whom, the contact, the text («СТОП» marked), what it answers. */
import { Link } from 'wouter';
import { useI18n } from '../../i18n/index.ts';
import { StateBadge } from '../../ui.tsx';
import type { Reply } from './types.ts';

export function ReplyTable({ items, withContact = true }: { items: Reply[]; withContact?: boolean }) {
  const { t, dateTime } = useI18n();
  return (
    <div className="table-wrap">
      <table>
        <thead>
          <tr>
            <th>{t('replies.when')}</th>
            <th>{t('replies.who')}</th>
            {withContact ? <th>{t('replies.contact')}</th> : null}
            <th>{t('replies.text')}</th>
            <th>{t('replies.answers')}</th>
          </tr>
        </thead>
        <tbody>
          {items.map((r) => (
            <tr key={r.id} data-test="reply-row" data-stop={r.isStop ? 'yes' : 'no'}>
              <td className="c-nowrap">{dateTime(r.receivedAt)}</td>
              <td className="c-nowrap">{r.from}</td>
              {withContact ? (
                <td>
                  {r.contact ? (
                    <Link href={`/contacts/${r.contact.id}`}>{r.contact.name || `№${r.contact.id}`}</Link>
                  ) : (
                    <span className="muted">{t('replies.noContact')}</span>
                  )}
                </td>
              ) : null}
              <td className="msg-body">
                {r.isStop ? <StateBadge state="rejected" label={t('replies.stop')} /> : null} {r.text}
                {r.isStop && r.excludedMessages !== null ? (
                  <div className="muted">
                    {t('replies.stopDone', { n: r.excludedMessages })}
                    {r.confirmationId ? `; ${t('replies.confirmed')}` : ''}
                  </div>
                ) : null}
              </td>
              <td>
                {r.answers ? (
                  r.answers.campaignId ? (
                    <Link href={`/campaigns/${r.answers.campaignId}`}>
                      {t('replies.campaign', { name: r.answers.campaignName ?? r.answers.campaignId })}
                    </Link>
                  ) : (
                    t('replies.single', { id: r.answers.messageId })
                  )
                ) : (
                  '—'
                )}
                {r.answers?.text ? <div className="muted">{r.answers.text}</div> : null}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
