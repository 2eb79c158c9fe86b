/** The contact card's replies: what the contact wrote back, newest first, beside its messages. */
import { api } from '../../api.ts';
import { useI18n } from '../../i18n/index.ts';
import { ErrorNote, FirstLoad, useAsync } from '../../ui.tsx';
import type { PageOf } from '../contacts/types.ts';
import { ReplyTable } from './ReplyTable.tsx';
import type { Reply } from './types.ts';

export function ContactReplies({ id }: { id: number }) {
  const { t } = useI18n();
  const list = useAsync(() => api<PageOf<Reply>>(`/contacts/${id}/replies`, { query: { limit: 100 } }), [id]);
  const items = list.data?.items ?? [];
  return (
    <div className="card" data-test="contact-replies">
      <h2 style={{ marginTop: 0 }}>{t('replies.contactCard')}</h2>
      <ErrorNote error={list.error} />
      <FirstLoad of={list} />
      {list.data && items.length === 0 ? <p className="muted">{t('replies.contactNone')}</p> : null}
      {items.length > 0 ? <ReplyTable items={items} withContact={false} /> : null}
    </div>
  );
}
