/** The organisation's stop words and the confirmation of a «СТОП» (PUT /api/v1/org/replies). */
import { useEffect, useState } from 'react';
import { api } from '../../api.ts';
import { useI18n } from '../../i18n/index.ts';
import { ErrorNote, Field, FirstLoad, useAction, useAsync } from '../../ui.tsx';
import type { ReplySettings } from './types.ts';

export function ReplySettingsCard() {
  const { t } = useI18n();
  const current = useAsync(() => api<ReplySettings>('/org/replies'), []);
  const [words, setWords] = useState('');
  const [confirm, setConfirm] = useState(false);
  const [text, setText] = useState('');
  const [saved, setSaved] = useState(false);
  const save = useAction();
  useEffect(() => {
    const s = current.data;
    if (!s) return;
    setWords(s.stopWords.join('\n'));
    setConfirm(s.confirmStop);
    setText(s.confirmationText);
  }, [current.data]);

  const submit = async (stopWords: string[] | null) => {
    setSaved(false);
    const ok = await save.run(() =>
      api<ReplySettings>('/org/replies', {
        method: 'PUT',
        body: { stopWords, confirmStop: confirm, confirmationText: text },
      }),
    );
    if (ok) {
      setSaved(true);
      current.reload();
    }
  };
  const list = words
    .split('\n')
    .map((w) => w.trim())
    .filter(Boolean);

  return (
    <details className="card" data-test="reply-settings">
      <summary>
        <strong>{t('replies.settings')}</strong>
      </summary>
      <p className="muted">{t('replies.settings.hint')}</p>
      <FirstLoad of={current} />
      <Field label={t('replies.settings.words')}>
        <textarea rows={6} value={words} onChange={(e) => setWords(e.target.value)} />
      </Field>
      <label className="row">
        <input type="checkbox" checked={confirm} onChange={(e) => setConfirm(e.target.checked)} />{' '}
        {t('replies.settings.confirm')}
      </label>
      <Field label={t('replies.settings.text')}>
        <textarea rows={2} value={text} disabled={!confirm} onChange={(e) => setText(e.target.value)} />
      </Field>
      <ErrorNote error={save.error ?? current.error} />
      <p className="row">
        <button type="button" className="primary" disabled={save.busy} onClick={() => submit(list)}>
          {t('replies.settings.save')}
        </button>
        <button type="button" disabled={save.busy} onClick={() => submit(null)}>
          {t('replies.settings.default')}
        </button>
        {saved ? <span className="muted">{t('replies.settings.saved')}</span> : null}
      </p>
    </details>
  );
}
