/**
 * Replies: what people wrote back on every channel, newest first — «СТОП» marked with what it did —
 * searchable by text and sender, with the contact and the campaign each answers; and, for those who
 * manage settings, the organisation's stop words.
 */
import { useEffect, useState } from 'react';
import { api } from '../api.ts';
import { useI18n } from '../i18n/index.ts';
import { canManage, useSession } from '../session.ts';
import { ErrorNote, Loading, Page } from '../ui.tsx';
import type { PageOf } from './contacts/types.ts';
import { ReplySettingsCard } from './replies/ReplySettingsCard.tsx';
import { ReplyTable } from './replies/ReplyTable.tsx';
import type { Reply } from './replies/types.ts';

const PAGE_SIZE = 50;

export function Replies() {
  const { t } = useI18n();
  const me = useSession();
  const [input, setInput] = useState({ q: '', from: '' });
  const [filter, setFilter] = useState({ q: '', from: '', stop: false });
  const [items, setItems] = useState<Reply[]>([]);
  const [next, setNext] = useState<number | null>(null);
  const [loading, setLoading] = useState(true);
  const [error, setError] = useState<unknown>();

  // Search as the person types, but not on every keystroke.
  useEffect(() => {
    const id = setTimeout(() => {
      setFilter((f) =>
        f.q === input.q.trim() && f.from === input.from.trim()
          ? f
          : { ...f, q: input.q.trim(), from: input.from.trim() },
      );
    }, 300);
    return () => clearTimeout(id);
  }, [input]);

  const load = async (before: number | null) => {
    setLoading(true);
    try {
      const page = await api<PageOf<Reply>>('/replies', {
        query: {
          q: filter.q || undefined,
          from: filter.from || undefined,
          stop: filter.stop || undefined,
          before: before ?? undefined,
          limit: PAGE_SIZE,
        },
      });
      setItems((old) => (before === null ? page.items : [...old, ...page.items]));
      setNext(page.nextCursor);
      setError(undefined);
    } catch (e) {
      setError(e);
    } finally {
      setLoading(false);
    }
  };
  // biome-ignore lint/correctness/useExhaustiveDependencies: a new filter starts the list over
  useEffect(() => {
    void load(null);
  }, [filter]);

  return (
    <Page title={t('replies.title')}>
      {canManage(me) ? <ReplySettingsCard /> : null}
      <div className="row">
        <input
          type="search"
          value={input.q}
          onChange={(e) => setInput({ ...input, q: e.target.value })}
          placeholder={t('replies.search')}
          aria-label={t('replies.search')}
          data-test="reply-search"
        />
        <input
          type="search"
          value={input.from}
          onChange={(e) => setInput({ ...input, from: e.target.value })}
          placeholder={t('replies.from')}
          aria-label={t('replies.from')}
        />
        <label>
          <input
            type="checkbox"
            checked={filter.stop}
            onChange={(e) => setFilter({ ...filter, stop: e.target.checked })}
            data-test="reply-stop-only"
          />{' '}
          {t('replies.stopOnly')}
        </label>
      </div>
      <ErrorNote error={error} />
      {loading && items.length === 0 ? (
        <Loading />
      ) : items.length === 0 ? (
        <p className="muted">{t('replies.empty')}</p>
      ) : (
        <ReplyTable items={items} />
      )}
      {next ? (
        <p>
          <button type="button" disabled={loading} onClick={() => load(next)}>
            {t('replies.more')}
          </button>
        </p>
      ) : null}
    </Page>
  );
}
