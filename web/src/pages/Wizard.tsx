/**
 * The four-step campaign wizard of seed 000 (IF-1): how to send → whom → what → confirm and send.
 * The state lives here so Back and Next keep every choice; each step is its own component and tells
 * the wizard whether Next may go on. The draft campaign is made only at step 4, where the server
 * prices it; coming back and forth edits that same draft.
 */
import { useCallback, useState } from 'react';
import { useI18n } from '../i18n/index.ts';
import { Page } from '../ui.tsx';
import { initialState, type WizardState } from './wizard/model.ts';
import { StepAudience } from './wizard/StepAudience.tsx';
import { StepConfirm } from './wizard/StepConfirm.tsx';
import { StepMessage } from './wizard/StepMessage.tsx';
import { StepMode } from './wizard/StepMode.tsx';
import './wizard/wizard.css';

const STEPS = [
  'wizard.step.mode',
  'wizard.step.audience',
  'wizard.step.message',
  'wizard.step.confirm',
] as const;

export function Wizard() {
  const { t } = useI18n();
  const [step, setStep] = useState(0);
  const [state, setState] = useState<WizardState>(initialState);
  /** The current step's answer to «may we go on?»: null when it may, else what to fix. */
  const [blocker, setBlocker] = useState<string | null>(null);
  const [tried, setTried] = useState(false);

  const patch = useCallback((p: Partial<WizardState>) => setState((s) => ({ ...s, ...p })), []);

  const go = (to: number) => {
    setTried(false);
    setStep(to);
    window.scrollTo(0, 0);
  };
  const next = () => {
    if (blocker) {
      setTried(true);
      return;
    }
    go(step + 1);
  };

  return (
    <Page title={t('wizard.title')}>
      <div className="wizard">
        <ol className="wizard-steps" aria-label={t('wizard.title')}>
          {STEPS.map((key, i) => (
            <li
              key={key}
              className={i === step ? 'current' : i < step ? 'done' : ''}
              aria-current={i === step ? 'step' : undefined}
              data-test={`wizard-step-${i + 1}`}
            >
              <span className="num">{i + 1}</span> {t(key)}
            </li>
          ))}
        </ol>

        {step === 0 && <StepMode state={state} patch={patch} onValid={setBlocker} />}
        {step === 1 && <StepAudience state={state} patch={patch} onValid={setBlocker} />}
        {step === 2 && <StepMessage state={state} patch={patch} onValid={setBlocker} />}
        {step === 3 && <StepConfirm state={state} patch={patch} />}

        {tried && blocker ? (
          <div className="error" role="alert" data-test="wizard-blocker">
            {blocker}
          </div>
        ) : null}

        <div className="wizard-nav">
          {step > 0 ? (
            <button type="button" onClick={() => go(step - 1)} data-test="wizard-back">
              ← {t('common.back')}
            </button>
          ) : (
            <span />
          )}
          {step < STEPS.length - 1 ? (
            <button type="button" className="primary" onClick={next} data-test="wizard-next">
              {t('common.next')} →
            </button>
          ) : null}
        </div>
      </div>
    </Page>
  );
}
