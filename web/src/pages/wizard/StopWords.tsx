/**
 * Moderation's stop-words as the operator types (issue 18 item 3): every text of the campaign goes to
 * `POST /moderation/check` once typing pauses, and each text with a match gets a note under it that
 * lists the words and shows where they are. A text with template problems is left out, as the
 * preview leaves it out: the editor lists those, and half-typed markup is no reason for a failed call.
 */
import type { ReactNode } from 'react';
import { api } from '../../api.ts';
import { type Key, useI18n } from '../../i18n/index.ts';
import { useAsync } from '../../ui.tsx';
import { type Channel, channelOf, hasMessengerText, useDebounced, type WizardState } from './model.ts';

/** The API's names of the texts a wizard campaign has. */
export type StopWordField = 'sms' | 'messenger' | 'email.subject' | 'email.html';

interface Match {
  word: string;
  found: string;
  group: string;
  field: string;
  /** UTF-16 offsets of `found` in the field's text, as JavaScript slices strings. */
  start: number;
  end: number;
}

/** The texts as they were checked (offsets point into these, not into what is typed since) and what was found. */
export interface StopWordCheck {
  texts: Partial<Record<StopWordField | 'sender', string>>;
  matches: Match[];
}

const CHANNEL: Record<StopWordField, Channel> = {
  sms: 'sms',
  messenger: 'messenger',
  'email.subject': 'email',
  'email.html': 'email',
};

function textsOf(state: WizardState): Partial<Record<StopWordField, string>> {
  if (channelOf(state.mode) === 'email')
    return { 'email.subject': state.emailSubject, 'email.html': state.emailHtml };
  return hasMessengerText(state.mode) ? { sms: state.sms, messenger: state.messenger } : { sms: state.sms };
}

export function useStopWords(
  state: WizardState,
  sender?: string,
): {
  check: StopWordCheck | undefined;
  error: unknown;
} {
  const body = useDebounced(JSON.stringify({ texts: textsOf(state), sender: sender?.trim() ?? '' }), 400);
  const r = useAsync(async (): Promise<StopWordCheck> => {
    const b = JSON.parse(body) as { texts: Partial<Record<StopWordField, string>>; sender: string };
    const filled = (Object.entries(b.texts) as [StopWordField, string][]).filter(([, text]) => text.trim());
    const checks = await Promise.all(
      filled.map(([field, text]) =>
        api<{ problems: unknown[] }>('/templates/check', { body: { text, channel: CHANNEL[field] } }),
      ),
    );
    const texts = Object.fromEntries(filled.filter((_, i) => checks[i]!.problems.length === 0));
    if (Object.keys(texts).length === 0 && !b.sender) return { texts, matches: [] };
    const campaignTexts = {
      ...(texts.sms !== undefined ? { sms: texts.sms } : {}),
      ...(texts.messenger !== undefined ? { messenger: texts.messenger } : {}),
      ...(texts['email.subject'] !== undefined || texts['email.html'] !== undefined
        ? { email: { subject: texts['email.subject'] ?? '', html: texts['email.html'] ?? '' } }
        : {}),
    };
    const res = await api<{ matches: Match[] }>('/moderation/check', {
      body: { texts: campaignTexts, ...(b.sender ? { sender: b.sender } : {}) },
    });
    return { texts: b.sender ? { ...texts, sender: b.sender } : texts, matches: res.matches };
  }, [body]);
  return { check: r.data, error: r.error };
}

/** The text with a `<mark>` on each match; an overlapping match is listed but not marked twice. */
function highlighted(text: string, matches: Match[]): ReactNode[] {
  const out: ReactNode[] = [];
  let at = 0;
  for (const m of [...matches].sort((a, b) => a.start - b.start)) {
    if (m.start < at || m.end > text.length || m.end <= m.start) continue;
    if (m.start > at) out.push(text.slice(at, m.start));
    out.push(<mark key={`${m.start}:${m.end}`}>{text.slice(m.start, m.end)}</mark>);
    at = m.end;
  }
  if (at < text.length) out.push(text.slice(at));
  return out;
}

/** The note under one text: nothing when it has no stop-word. */
export function StopWordNote({
  check,
  field,
  testId,
}: {
  check: StopWordCheck | undefined;
  field: StopWordField | 'sender';
  testId: string;
}) {
  const { t } = useI18n();
  const matches = check?.matches.filter((m) => m.field === field) ?? [];
  const text = check?.texts[field];
  if (!matches.length || text === undefined) return null;
  const group = (code: string) => {
    const key = `wizard.stopWords.group.${code}` as Key;
    const name = t(key);
    return name === key ? code : name;
  };
  return (
    <div className="wizard-stopwords" role="note" data-test={`${testId}-stopwords`}>
      <strong>{t('wizard.stopWords.note')}</strong>
      <ul>
        {matches.map((m) => (
          <li key={`${m.start}:${m.end}:${m.word}`} data-test="stop-word">
            {t('wizard.stopWords.match', { found: m.found, word: m.word, group: group(m.group) })}
          </li>
        ))}
      </ul>
      <div className="wizard-stopwords-text">{highlighted(text, matches)}</div>
    </div>
  );
}
