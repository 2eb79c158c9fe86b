/** Step 1: how to send (the four ways of seed 000, each in one sentence), the name and the kind. */
import { useEffect } from 'react';
import { useI18n } from '../../i18n/index.ts';
import { Field } from '../../ui.tsx';
import { type Category, MODE_CHOICES, type StepProps } from './model.ts';

const CATEGORIES: Category[] = ['informational', 'service', 'advertising'];

export function StepMode({ state, patch, onValid }: StepProps) {
  const { t } = useI18n();
  const nameMissing = state.name.trim() === '';
  useEffect(() => onValid(nameMissing ? t('wizard.name.required') : null), [nameMissing, onValid, t]);

  return (
    <div className="card">
      <fieldset className="wizard-modes">
        <legend>{t('wizard.modeTitle')}</legend>
        {MODE_CHOICES.map((m) => (
          <label
            key={m}
            className={`wizard-mode${state.mode === m ? ' chosen' : ''}`}
            data-test={`mode-${m}`}
          >
            <input
              type="radio"
              name="wizard-mode"
              value={m}
              checked={state.mode === m}
              onChange={() => patch({ mode: m })}
            />
            <span>
              <strong>{t(`wizard.mode.${m}`)}</strong>
              <span className="muted">{t(`wizard.mode.${m}.about`)}</span>
            </span>
          </label>
        ))}
      </fieldset>
      <div className="grid">
        <Field label={t('wizard.name')} hint={t('wizard.name.hint')}>
          <input
            value={state.name}
            maxLength={200}
            onChange={(e) => patch({ name: e.target.value })}
            data-test="campaign-name"
            name="campaign-name"
          />
        </Field>
        <Field label={t('wizard.category')}>
          <select
            value={state.category}
            onChange={(e) => patch({ category: e.target.value as Category })}
            data-test="campaign-category"
          >
            {CATEGORIES.map((c) => (
              <option key={c} value={c}>
                {t(`wizard.category.${c}`)}
              </option>
            ))}
          </select>
        </Field>
      </div>
    </div>
  );
}
