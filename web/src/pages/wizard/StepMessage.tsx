/**
 * Step 3: what. A text per channel (CH-6): SMS, and for the cascading modes an optional longer
 * messenger text; for e-mail a subject and a body. A preview renders it for a chosen recipient.
 */
import { useCallback, useEffect, useMemo, useState } from 'react';
import { useI18n } from '../../i18n/index.ts';
import { ErrorNote } from '../../ui.tsx';
import { channelOf, hasMessengerText, type StepProps } from './model.ts';
import { Preview } from './Preview.tsx';
import { StopWordNote, useStopWords } from './StopWords.tsx';
import { TextEditor } from './TextEditor.tsx';

export function StepMessage({ state, patch, onValid }: StepProps) {
  const { t } = useI18n();
  const channel = channelOf(state.mode);
  const [bad, setBad] = useState<Record<string, boolean>>({});
  const problems = useCallback(
    (field: string) => (has: boolean) => setBad((b) => (b[field] === has ? b : { ...b, [field]: has })),
    [],
  );
  const report = useMemo(
    () => ({
      sms: problems('sms'),
      messenger: problems('messenger'),
      subject: problems('subject'),
      html: problems('html'),
    }),
    [problems],
  );

  // The wizard has no sender field yet (the gateway's default name is used), so only texts are checked.
  const stop = useStopWords(state);

  const anyBad = Object.values(bad).some(Boolean);
  const blocker =
    channel === 'email'
      ? !state.emailSubject.trim()
        ? t('wizard.text.subjectRequired')
        : !state.emailHtml.trim()
          ? t('wizard.text.required')
          : null
      : !state.sms.trim()
        ? t('wizard.text.required')
        : null;
  useEffect(
    () => onValid(blocker ?? (anyBad ? t('wizard.text.problems') : null)),
    [blocker, anyBad, onValid, t],
  );

  return (
    <div className="wizard-message">
      <div className="card">
        {channel === 'sms' ? (
          <>
            <TextEditor
              label={t('wizard.text.sms')}
              hint={t('wizard.text.sms.hint')}
              value={state.sms}
              onChange={(sms) => patch({ sms })}
              channel="sms"
              testId="text-sms"
              note={<StopWordNote check={stop.check} field="sms" testId="text-sms" />}
              maxLength={20_000}
              onProblems={report.sms}
              sms={{ translit: state.transliterate }}
            />
            <label className="wizard-check">
              <input
                type="checkbox"
                checked={state.transliterate}
                onChange={(e) => patch({ transliterate: e.target.checked })}
                data-test="translit"
              />
              <span>{t('wizard.translit')}</span>
            </label>
            {hasMessengerText(state.mode) ? (
              <TextEditor
                label={t('wizard.text.messenger')}
                hint={t('wizard.text.messenger.hint')}
                value={state.messenger}
                onChange={(messenger) => patch({ messenger })}
                channel="messenger"
                testId="text-messenger"
                note={<StopWordNote check={stop.check} field="messenger" testId="text-messenger" />}
                maxLength={20_000}
                onProblems={report.messenger}
              />
            ) : null}
          </>
        ) : (
          <>
            <TextEditor
              label={t('wizard.text.subject')}
              value={state.emailSubject}
              onChange={(emailSubject) => patch({ emailSubject })}
              channel="email"
              testId="text-subject"
              note={<StopWordNote check={stop.check} field="email.subject" testId="text-subject" />}
              line
              maxLength={500}
              onProblems={report.subject}
            />
            <TextEditor
              label={t('wizard.text.email')}
              value={state.emailHtml}
              onChange={(emailHtml) => patch({ emailHtml })}
              channel="email"
              testId="text-email"
              note={<StopWordNote check={stop.check} field="email.html" testId="text-email" />}
              maxLength={500_000}
              onProblems={report.html}
            />
          </>
        )}
        <ErrorNote error={stop.error} />
      </div>
      <Preview state={state} />
    </div>
  );
}
