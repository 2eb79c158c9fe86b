/**
 * The conditions of step 2: a practical subset of the audience filter tree (src/core/audience/
 * filter.ts), one row per condition; model.ts turns the rows into the tree.
 */
import { useI18n } from '../../i18n/index.ts';
import { FILTER_KINDS, type FilterKind, type FilterRow } from './model.ts';

const FIELDS = ['lastName', 'firstName', 'middleName', 'phone', 'email', 'externalId', 'timeZone'] as const;

interface Props {
  rows: FilterRow[];
  attributes: string[];
  onChange: (rows: FilterRow[]) => void;
}

const fresh = (kind: FilterKind, key: number): FilterRow => {
  switch (kind) {
    case 'debt':
      return { key, kind, a: '0', b: '' };
    case 'birthday':
      return { key, kind, a: '7', b: '' };
    case 'field':
      return { key, kind, a: '', b: 'lastName' };
    case 'gender':
      return { key, kind, a: '', b: 'female' };
    case 'meter':
      return { key, kind, a: '', b: 'yes' };
    default:
      return { key, kind, a: '', b: '' };
  }
};

export function FilterRows({ rows, attributes, onChange }: Props) {
  const { t } = useI18n();
  const set = (key: number, p: Partial<FilterRow>) =>
    onChange(rows.map((r) => (r.key === key ? { ...r, ...p } : r)));
  const add = (kind: FilterKind) =>
    onChange([...rows, fresh(kind, Math.max(0, ...rows.map((r) => r.key)) + 1)]);

  return (
    <div className="stack">
      {rows.map((r) => (
        <div key={r.key} className="wizard-filter row" data-test={`filter-${r.kind}`}>
          <span className="wizard-filter-label">{t(`wizard.filter.${r.kind}`)}</span>
          {r.kind === 'debt' || r.kind === 'birthday' ? (
            <>
              <input
                type="number"
                min={0}
                className="short"
                value={r.a}
                onChange={(e) => set(r.key, { a: e.target.value })}
                data-test={`filter-${r.kind}-value`}
              />
              <span>{t(`wizard.filter.${r.kind}.unit`)}</span>
            </>
          ) : null}
          {r.kind === 'field' ? (
            <>
              <select
                value={r.b}
                onChange={(e) => set(r.key, { b: e.target.value })}
                data-test="filter-field-name"
              >
                {FIELDS.map((f) => (
                  <option key={f} value={f}>
                    {t(`wizard.field.${f}`)}
                  </option>
                ))}
                {attributes.map((a) => (
                  <option key={a} value={`attributes.${a}`}>
                    {a}
                  </option>
                ))}
              </select>
              <input
                value={r.a}
                placeholder={t('wizard.filter.field.emptyHint')}
                onChange={(e) => set(r.key, { a: e.target.value })}
                data-test="filter-field-value"
              />
            </>
          ) : null}
          {r.kind === 'office' ? (
            <input
              value={r.a}
              onChange={(e) => set(r.key, { a: e.target.value })}
              data-test="filter-office-value"
            />
          ) : null}
          {r.kind === 'age' ? (
            <>
              <input
                type="number"
                min={0}
                max={150}
                className="short"
                value={r.a}
                onChange={(e) => set(r.key, { a: e.target.value })}
              />
              <span>—</span>
              <input
                type="number"
                min={0}
                max={150}
                className="short"
                value={r.b}
                onChange={(e) => set(r.key, { b: e.target.value })}
              />
            </>
          ) : null}
          {r.kind === 'gender' ? (
            <select value={r.b} onChange={(e) => set(r.key, { b: e.target.value })}>
              <option value="female">{t('wizard.filter.gender.female')}</option>
              <option value="male">{t('wizard.filter.gender.male')}</option>
            </select>
          ) : null}
          {r.kind === 'meter' ? (
            <select value={r.b} onChange={(e) => set(r.key, { b: e.target.value })}>
              <option value="yes">{t('wizard.filter.meter.yes')}</option>
              <option value="no">{t('wizard.filter.meter.no')}</option>
            </select>
          ) : null}
          <button type="button" onClick={() => onChange(rows.filter((x) => x.key !== r.key))}>
            {t('wizard.audience.remove')}
          </button>
        </div>
      ))}
      <select
        value=""
        onChange={(e) => e.target.value && add(e.target.value as FilterKind)}
        data-test="filter-add"
        aria-label={t('wizard.audience.addFilter')}
      >
        <option value="">+ {t('wizard.audience.addFilter')}</option>
        {FILTER_KINDS.map((k) => (
          <option key={k} value={k}>
            {t(`wizard.filter.${k}`)}
          </option>
        ))}
      </select>
    </div>
  );
}
