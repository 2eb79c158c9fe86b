/**
 * One text of the campaign: a textarea (or an input for a subject) with a placeholder menu that
 * inserts at the cursor, the server's template check under it, and for SMS the segment counter —
 * both asked once typing pauses.
 */
import { type ReactNode, useEffect, useLayoutEffect, useRef } from 'react';
import { api } from '../../api.ts';
import { type Key, useI18n } from '../../i18n/index.ts';
import { ErrorNote, useAsync } from '../../ui.tsx';
import { type Channel, useDebounced } from './model.ts';

/** The seeds' short forms where there is one (the server translates them to Liquid on save). */
const VARIABLES: { token: string; label: Key; email?: true }[] = [
  { token: '%name', label: 'wizard.var.name' },
  { token: '#FAM#', label: 'wizard.var.lastName' },
  { token: '#IM#', label: 'wizard.var.firstName' },
  { token: '{{ contact.full_name }}', label: 'wizard.var.fullName' },
  { token: '%debt', label: 'wizard.var.debt' },
  { token: '%total', label: 'wizard.var.total' },
  { token: '%kvit', label: 'wizard.var.kvit' },
  { token: '{{ org.name }}', label: 'wizard.var.org' },
  { token: '{{ unsubscribe_url }}', label: 'wizard.var.unsubscribe', email: true },
];

interface Problem {
  code: string;
  message: string;
}

interface Props {
  label: string;
  hint?: string;
  value: string;
  onChange: (v: string) => void;
  channel: Channel;
  testId: string;
  /** A one-line input (a subject) instead of a textarea. */
  line?: boolean;
  maxLength?: number;
  /** Report whether the server found problems, so step 3 can hold Next. */
  onProblems?: (has: boolean) => void;
  /** The SMS counter: inspect the text (transliterated when asked). */
  sms?: { translit: boolean };
  /** Shown last, under the checks: the stop-words found in this text. */
  note?: ReactNode;
}

export function TextEditor({
  label,
  hint,
  value,
  onChange,
  channel,
  testId,
  line,
  maxLength,
  onProblems,
  sms,
  note,
}: Props) {
  const { t } = useI18n();
  const ref = useRef<HTMLTextAreaElement & HTMLInputElement>(null);
  const text = useDebounced(value, 350);

  const check = useAsync(
    () =>
      text.trim()
        ? api<{ problems: Problem[] }>('/templates/check', { body: { text, channel } })
        : Promise.resolve({ problems: [] }),
    [text, channel],
  );
  const problems = check.data?.problems ?? [];
  const has = problems.length > 0;
  useEffect(() => onProblems?.(has), [has, onProblems]);

  const translit = sms?.translit ?? false;
  const inspect = useAsync(
    () =>
      sms && text
        ? api<{ encoding: string; characters: number; segments: number }>('/sms/inspect', {
            body: { text, translit },
          })
        : Promise.resolve(null),
    [text, translit, Boolean(sms)],
  );

  /** Where the cursor goes once the inserted placeholder is rendered. */
  const caret = useRef<number | null>(null);
  const insert = (token: string) => {
    const el = ref.current;
    const start = el?.selectionStart ?? value.length;
    const end = el?.selectionEnd ?? value.length;
    caret.current = start + token.length;
    onChange(value.slice(0, start) + token + value.slice(end));
  };
  // Before the browser paints, so typing straight after the menu goes on after the placeholder.
  useLayoutEffect(() => {
    const el = ref.current;
    if (caret.current === null || !el) return;
    el.focus();
    el.setSelectionRange(caret.current, caret.current);
    caret.current = null;
  });

  const common = {
    value,
    maxLength,
    onChange: (e: { target: { value: string } }) => onChange(e.target.value),
    'data-test': testId,
  };
  return (
    <div className="field wizard-text">
      <div className="wizard-text-head">
        <label className="label" htmlFor={testId}>
          {label}
        </label>
        <select
          value=""
          onChange={(e) => e.target.value && insert(e.target.value)}
          aria-label={t('wizard.insert')}
          data-test={`${testId}-insert`}
        >
          <option value="">{t('wizard.insert')}</option>
          {VARIABLES.filter((v) => !v.email || channel === 'email').map((v) => (
            <option key={v.token} value={v.token}>
              {t(v.label)} — {v.token}
            </option>
          ))}
        </select>
      </div>
      {line ? (
        <input id={testId} ref={ref} {...common} />
      ) : (
        <textarea id={testId} ref={ref} rows={5} {...common} />
      )}
      {sms ? (
        <div className="wizard-sms-counter">
          <span data-test="sms-segments" className={text === value ? '' : 'stale'}>
            {inspect.data
              ? t('wizard.sms.counter', {
                  chars: inspect.data.characters,
                  segments: inspect.data.segments,
                  encoding: inspect.data.encoding,
                })
              : t('wizard.sms.counter', { chars: 0, segments: 0, encoding: '—' })}
          </span>
          <span className="hint">{t('wizard.sms.counterHint')}</span>
        </div>
      ) : null}
      {hint ? <span className="hint">{hint}</span> : null}
      {problems.length > 0 ? (
        <ul className="error wizard-problems" data-test={`${testId}-problems`}>
          {problems.map((p) => (
            <li key={`${p.code}:${p.message}`}>{p.message}</li>
          ))}
        </ul>
      ) : null}
      <ErrorNote error={check.error ?? inspect.error} />
      {note}
    </div>
  );
}
