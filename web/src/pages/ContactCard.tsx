/** One contact: its fields, its plots, accounts and loans, its consents, its messages on every channel and its replies. */
import { Link } from 'wouter';
import { api } from '../api.ts';
import { useI18n } from '../i18n/index.ts';
import { ErrorNote, Loading, Page, useAsync } from '../ui.tsx';
import { ContactConsents } from './contacts/ContactConsents.tsx';
import { ContactMessages } from './contacts/ContactMessages.tsx';
import { ContactObjects } from './contacts/ContactObjects.tsx';
import { ContactReplies } from './replies/ContactReplies.tsx';
import './contacts/contacts.css';
import { type Contact, fullName, label } from './contacts/types.ts';

export function ContactCard({ id }: { id: number }) {
  const { t, date, dateTime } = useI18n();
  const contact = useAsync(() => api<Contact>(`/contacts/${id}`), [id]);
  const c = contact.data;
  const back = (
    <Link href="/contacts" className="btn">
      {t('contacts.toList')}
    </Link>
  );
  if (!c)
    return (
      <Page title={t('contacts.card', { id })} actions={back}>
        {contact.error ? <ErrorNote error={contact.error} /> : <Loading />}
      </Page>
    );

  const fields: [string, string][] = [
    [t('contacts.phone'), c.phone ?? '—'],
    [t('contacts.email'), c.email ?? '—'],
    [t('contacts.telegram'), c.telegramChatId ?? '—'],
    [t('contacts.externalId'), c.externalId ?? '—'],
    [t('contacts.gender'), c.gender ? label(t, 'contacts.gender', c.gender) : '—'],
    [t('contacts.birthDate'), c.birthDate ? date(c.birthDate) : '—'],
    [t('contacts.timeZone'), c.timeZone ?? '—'],
    ...Object.entries(c.attributes).map(([k, v]): [string, string] => [
      k,
      typeof v === 'object' ? JSON.stringify(v) : String(v),
    ]),
    [t('contacts.created'), dateTime(c.createdAt)],
    [t('contacts.updated'), dateTime(c.updatedAt)],
  ];

  return (
    <Page title={fullName(c) || t('contacts.card', { id })} actions={back}>
      <div className="card" data-test="contact-fields">
        <h2 style={{ marginTop: 0 }}>
          {t('contacts.fields')}{' '}
          {c.doNotMessage ? <span className="badge state-rejected">{t('contacts.doNotMessage')}</span> : null}
        </h2>
        <dl className="contact-fields">
          {fields.map(([k, v]) => (
            <div key={k} style={{ display: 'contents' }}>
              <dt>{k}</dt>
              <dd>{v}</dd>
            </div>
          ))}
        </dl>
      </div>
      <ContactObjects id={id} />
      <ContactConsents id={id} />
      <ContactMessages id={id} />
      <ContactReplies id={id} />
    </Page>
  );
}
