/** Who is left out and why (AU-6), as counts per reason; nothing when nobody is. */
import { useI18n } from '../../i18n/index.ts';
import { EXCLUSION_REASONS } from './model.ts';

export function ExclusionReport({ excluded }: { excluded: Record<string, number> }) {
  const { t, number } = useI18n();
  const rows = EXCLUSION_REASONS.filter((r) => (excluded[r] ?? 0) > 0);
  if (rows.length === 0) return null;
  return (
    <div data-test="exclusions">
      <h3 className="wizard-small-head">{t('wizard.audience.excluded')}</h3>
      <ul className="wizard-reasons">
        {rows.map((r) => (
          <li key={r} data-test={`excluded-${r}`}>
            <span>{t(`wizard.reason.${r}`)}</span>
            <span className="num">{number(excluded[r]!)}</span>
          </li>
        ))}
      </ul>
    </div>
  );
}
