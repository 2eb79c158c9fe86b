/**
 * The contacts, searched by name, phone or e-mail, a page at a time. The API pages by cursor (the
 * last id seen), so going back means remembering the cursors of the pages already shown.
 */
import { useEffect, useState } from 'react';
import { Link } from 'wouter';
import { api, download } from '../api.ts';
import { useI18n } from '../i18n/index.ts';
import { canSend, useSession } from '../session.ts';
import { ErrorNote, Loading, Page, useAsync } from '../ui.tsx';
import './contacts/contacts.css';
import { type Contact, fullName, type PageOf } from './contacts/types.ts';

const PAGE_SIZE = 50;

export function Contacts() {
  const { t } = useI18n();
  const me = useSession();
  const [input, setInput] = useState('');
  // cursors[i] is the `after` of page i; page 0 starts from the beginning. A new search starts over.
  const [{ q, cursors }, setPaging] = useState({ q: '', cursors: [0] });
  const setCursors = (f: (cs: number[]) => number[]) => setPaging((p) => ({ ...p, cursors: f(p.cursors) }));
  const [exportError, setExportError] = useState<unknown>();

  // Search as the person types, but not on every keystroke.
  useEffect(() => {
    const id = setTimeout(() => {
      const v = input.trim();
      setPaging((p) => (p.q === v ? p : { q: v, cursors: [0] }));
    }, 300);
    return () => clearTimeout(id);
  }, [input]);

  const after = cursors[cursors.length - 1] ?? 0;
  const list = useAsync(
    () =>
      api<PageOf<Contact>>('/contacts', {
        query: { q: q || undefined, after: after || undefined, limit: PAGE_SIZE },
      }),
    [q, after],
  );

  const exportAs = (format: 'csv' | 'xlsx') => {
    setExportError(undefined);
    download('/contacts/export', { format }, `contacts.${format}`).catch(setExportError);
  };

  const actions = (
    <>
      {canSend(me) ? (
        <Link href="/contacts/import" className="btn primary" data-test="contacts-import">
          {t('contacts.import')}
        </Link>
      ) : null}
      <button type="button" onClick={() => exportAs('csv')} data-test="contacts-export-csv">
        {t('contacts.exportCsv')}
      </button>
      <button type="button" onClick={() => exportAs('xlsx')} data-test="contacts-export-xlsx">
        {t('contacts.exportXlsx')}
      </button>
    </>
  );

  const items = list.data?.items ?? [];
  return (
    <Page title={t('contacts.title')} actions={actions}>
      <ErrorNote error={exportError} />
      <div className="row">
        <label className="contacts-search">
          <input
            type="search"
            value={input}
            onChange={(e) => setInput(e.target.value)}
            placeholder={t('contacts.search')}
            aria-label={t('contacts.search')}
            data-test="contact-search"
          />
        </label>
      </div>
      <ErrorNote error={list.error} />
      {list.loading && !list.data ? (
        <Loading />
      ) : items.length === 0 ? (
        <p className="muted">{t('contacts.empty')}</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>{t('contacts.name')}</th>
                <th>{t('contacts.phone')}</th>
                <th>{t('contacts.email')}</th>
                <th>{t('contacts.externalId')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((c) => (
                <tr key={c.id} data-test="contact-row" data-id={c.id}>
                  <td>
                    <Link href={`/contacts/${c.id}`}>{fullName(c) || t('contacts.noName')}</Link>
                    {c.doNotMessage ? (
                      <>
                        {' '}
                        <span className="badge state-rejected">{t('contacts.doNotMessage')}</span>
                      </>
                    ) : null}
                  </td>
                  <td>{c.phone ?? ''}</td>
                  <td>{c.email ?? ''}</td>
                  <td className="muted">{c.externalId ?? ''}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <div className="contacts-pager">
        <button
          type="button"
          disabled={cursors.length <= 1}
          onClick={() => setCursors((cs) => cs.slice(0, -1))}
          data-test="contacts-prev"
        >
          {t('contacts.prev')}
        </button>
        <span className="muted">{t('contacts.page', { n: cursors.length })}</span>
        <button
          type="button"
          disabled={!list.data?.nextCursor}
          onClick={() => {
            const next = list.data?.nextCursor;
            if (next) setCursors((cs) => [...cs, next]);
          }}
          data-test="contacts-next"
        >
          {t('contacts.next')}
        </button>
      </div>
    </Page>
  );
}
