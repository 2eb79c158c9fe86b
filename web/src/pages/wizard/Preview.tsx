/**
 * The message as one recipient would get it (CT-2): the first recipients of the audience to choose
 * from, and each text rendered for the chosen one with its length, segments and price.
 */
import { useEffect, useMemo, useState } from 'react';
import { api } from '../../api.ts';
import { type Key, useI18n } from '../../i18n/index.ts';
import { ErrorNote, useAsync } from '../../ui.tsx';
import {
  type AudienceReport,
  buildAudience,
  type Channel,
  channelOf,
  hasMessengerText,
  useDebounced,
  type WizardState,
} from './model.ts';

interface Rendered {
  subject: string | null;
  text: string;
  characters: number;
  sms: { encoding: string; segments: number } | null;
  priceKopecks: number;
}

function Rendering({
  channel,
  text,
  subject,
  contactId,
}: {
  channel: Channel;
  text: string;
  subject?: string;
  contactId: number;
}) {
  const { t, money } = useI18n();
  const body = useDebounced(
    JSON.stringify({ channel, text, contactId, ...(subject !== undefined ? { subject } : {}) }),
    500,
  );
  // A text with problems is not rendered: the editor lists them already, and half-typed markup is no error.
  const r = useAsync(async () => {
    const b = JSON.parse(body) as { channel: Channel; text: string; subject?: string };
    const checks = [b.text, ...(b.subject !== undefined ? [b.subject] : [])].map((text) =>
      api<{ problems: unknown[] }>('/templates/check', { body: { text, channel: b.channel } }),
    );
    const broken = (await Promise.all(checks)).some((c) => c.problems.length > 0);
    return broken ? null : api<Rendered>('/templates/preview', { body: b });
  }, [body]);
  if (r.error) return <ErrorNote error={r.error} />;
  if (!r.data) return null;
  const d = r.data;
  return (
    <div className="wizard-bubble" data-test={`preview-${channel}`}>
      <span className="badge">{t(`channel.${channel}` as Key)}</span>
      {d.subject ? <strong className="wizard-subject">{d.subject}</strong> : null}
      <div className="wizard-bubble-text">{d.text}</div>
      <div className="muted">
        {t('wizard.preview.chars', { chars: d.characters })}
        {d.sms
          ? ` · ${t('wizard.preview.segments', { segments: d.sms.segments, encoding: d.sms.encoding })}`
          : ''}
        {` · ${t('wizard.preview.price', { price: money(d.priceKopecks) })}`}
      </div>
    </div>
  );
}

export function Preview({ state }: { state: WizardState }) {
  const { t } = useI18n();
  const channel = channelOf(state.mode);
  const audience = useMemo(() => buildAudience(state), [state]);
  const key = JSON.stringify({ audience, channel, category: state.category });
  const people = useAsync(
    () =>
      audience
        ? api<AudienceReport>('/audience/preview', {
            body: { audience, channel, category: state.category, limit: 10, reason: 'included' },
          })
        : Promise.resolve(null),
    [key],
  );
  const items = people.data?.items ?? [];
  const [contactId, setContactId] = useState<number | null>(null);
  useEffect(() => {
    if (items.length && !items.some((i) => i.contactId === contactId)) setContactId(items[0]!.contactId);
  }, [items, contactId]);

  const texts: { channel: Channel; text: string; subject?: string }[] =
    channel === 'email'
      ? [{ channel, text: state.emailHtml, subject: state.emailSubject }]
      : [
          { channel: 'sms' as const, text: state.sms },
          ...(hasMessengerText(state.mode) && state.messenger.trim()
            ? [{ channel: 'messenger' as const, text: state.messenger }]
            : []),
        ];

  return (
    <aside className="card wizard-preview" data-test="preview">
      <h2>{t('wizard.preview')}</h2>
      <ErrorNote error={people.error} />
      {people.data && items.length === 0 ? <p className="muted">{t('wizard.preview.noContacts')}</p> : null}
      {items.length > 0 ? (
        <label className="field">
          <span className="label">{t('wizard.preview.for')}</span>
          <select
            value={contactId ?? ''}
            onChange={(e) => setContactId(Number(e.target.value))}
            data-test="preview-contact"
          >
            {items.map((i) => (
              <option key={i.contactId} value={i.contactId}>
                {i.name} {i.address ? `(${i.address})` : ''}
              </option>
            ))}
          </select>
        </label>
      ) : null}
      {contactId
        ? texts
            .filter((x) => x.text.trim())
            .map((x) => (
              <Rendering
                key={x.channel}
                channel={x.channel}
                text={x.text}
                subject={x.subject}
                contactId={contactId}
              />
            ))
        : null}
    </aside>
  );
}
