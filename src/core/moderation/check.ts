/**
 * The moderation check of one message's content (MD-2, issue 18 item 3): every text of every
 * channel, the e-mail's subject included, and the sender name. A match anywhere makes the verdict
 * «review» — in automatic mode the message waits for a moderator; nothing is refused here.
 */
import { GROUP_NAMES_RU, type Group } from './dictionary.ts';
import { LIMITS, type Moderation, ModerationError } from './edit.ts';
import { visibleText } from './html.ts';
import { findSpansInTokens, type Span } from './match.ts';
import { tokenize } from './tokens.ts';

/** Where a match was found. `text` is the one text of a plain check (the command line's --text). */
export type Field = 'text' | 'sms' | 'messenger' | 'email.subject' | 'email.html' | 'email.text' | 'sender';

/** What a message says; absent, null and empty fields are not checked. */
export interface ContentToCheck {
  text?: string | null;
  texts?: {
    sms?: string | null;
    messenger?: string | null;
    email?: { subject?: string | null; html?: string | null; text?: string | null } | null;
  } | null;
  sender?: string | null;
}

export interface Match {
  /** The dictionary entry. */
  word: string;
  /** The text as written. */
  found: string;
  group: Group;
  field: Field;
  /** Offsets of `found` in the field's text (UTF-16; in the HTML source for email.html). */
  start: number;
  end: number;
}

export interface CheckResult {
  verdict: 'pass' | 'review';
  matches: Match[];
}

function fieldsOf(content: ContentToCheck): [Field, string][] {
  const fields: [Field, string | null | undefined][] = [
    ['text', content.text],
    ['sms', content.texts?.sms],
    ['messenger', content.texts?.messenger],
    ['email.subject', content.texts?.email?.subject],
    ['email.html', content.texts?.email?.html],
    ['email.text', content.texts?.email?.text],
    ['sender', content.sender],
  ];
  return fields.filter((f): f is [Field, string] => typeof f[1] === 'string' && f[1].length > 0);
}

/** Dictionary spans not inside an allowed phrase's occurrence. */
function allowed(spans: Span[], allowedSpans: Span[]): Span[] {
  if (!allowedSpans.length) return spans;
  return spans.filter((s) => !allowedSpans.some((a) => a.start <= s.start && s.end <= a.end));
}

export function checkContent(moderation: Moderation, content: ContentToCheck): CheckResult {
  const fields = fieldsOf(content);
  const total = fields.reduce((n, [, text]) => n + text.length, 0);
  if (total > LIMITS.textChars)
    throw new ModerationError(
      'text_too_long',
      `the texts to check have ${total} characters; at most ${LIMITS.textChars} are checked at once`,
    );
  const matches: Match[] = [];
  for (const [field, original] of fields) {
    const text = field === 'email.html' ? visibleText(original) : original;
    const glued = field === 'sender';
    const tokens = tokenize(text);
    const spans = allowed(
      findSpansInTokens(moderation.dictionary, tokens, glued),
      findSpansInTokens(moderation.allow, tokens, glued),
    );
    // One match per place and group: «SberBank» is «Сбербанк», not also «Сбер».
    const longest = new Map<string, Span>();
    for (const span of spans) {
      const key = `${span.start}:${span.end}:${moderation.dictionary.entries[span.entry]!.group}`;
      const seen = longest.get(key);
      const words = (s: Span) => moderation.dictionary.entries[s.entry]!.word.length;
      if (!seen || words(span) > words(seen)) longest.set(key, span);
    }
    for (const span of longest.values()) {
      const entry = moderation.dictionary.entries[span.entry]!;
      matches.push({
        word: entry.word,
        found: original.slice(span.start, span.end),
        group: entry.group,
        field,
        start: span.start,
        end: span.end,
      });
    }
  }
  return { verdict: matches.length ? 'review' : 'pass', matches };
}

/** The matches for people, in Russian: «кредит» (финансовые услуги) в тексте: «кредиты». */
export function describeMatchRu(match: Match): string {
  const where: Record<Field, string> = {
    text: 'в тексте',
    sms: 'в тексте SMS',
    messenger: 'в сообщении мессенджера',
    'email.subject': 'в теме письма',
    'email.html': 'в письме',
    'email.text': 'в текстовой версии письма',
    sender: 'в имени отправителя',
  };
  return `«${match.word}» (${GROUP_NAMES_RU[match.group]}) ${where[match.field]}: «${match.found.replace(/\s+/g, ' ')}»`;
}
