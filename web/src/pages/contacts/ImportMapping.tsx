/** The columns of an uploaded file with a target per column, and the first rows as they would be imported. */
import { useI18n } from '../../i18n/index.ts';
import { choices, decode, encode, targetLabel } from './targets.ts';
import { cellText, type ImportPreview, type Mapping } from './types.ts';

export function ImportMapping({
  preview,
  mapping,
  onChange,
  disabled,
}: {
  preview: ImportPreview;
  mapping: Mapping;
  onChange: (m: Mapping) => void;
  disabled: boolean;
}) {
  const { t } = useI18n();
  const sample = (h: string) =>
    preview.rows
      .map((r) => cellText(r.cells[h]))
      .filter((v) => v !== '')
      .slice(0, 3)
      .join(', ');
  const outcome = new Map(preview.outcomes.map((o) => [o.row, o]));

  return (
    <>
      <h2>{t('import.mapping')}</h2>
      <div className="table-wrap">
        <table className="import-mapping" data-test="import-mapping">
          <thead>
            <tr>
              <th>{t('import.column')}</th>
              <th>{t('import.target')}</th>
              <th>{t('import.sample')}</th>
            </tr>
          </thead>
          <tbody>
            {preview.headers.map((h) => (
              <tr key={h}>
                <td>
                  <strong>{h}</strong>
                </td>
                <td>
                  <select
                    value={encode(mapping[h] ?? [])}
                    disabled={disabled}
                    aria-label={h}
                    data-test={`map-${h}`}
                    onChange={(e) => onChange({ ...mapping, [h]: decode(e.target.value) })}
                  >
                    {choices(h, preview.suggested, mapping).map((c) => (
                      <option key={encode(c)} value={encode(c)}>
                        {targetLabel(t, c)}
                      </option>
                    ))}
                  </select>
                </td>
                <td className="import-sample">{sample(h)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {preview.mappingProblems.length > 0 ? (
        <div className="error" role="alert" data-test="import-mapping-problems">
          {t('import.problems')}
          <ul>
            {preview.mappingProblems.map((p) => (
              <li key={`${p.field}:${p.message}`}>{p.field ? `${p.field}: ${p.message}` : p.message}</li>
            ))}
          </ul>
        </div>
      ) : null}

      <h2>{t('import.preview')}</h2>
      <div className="table-wrap">
        <table data-test="import-preview">
          <thead>
            <tr>
              <th className="num">{t('import.row')}</th>
              {preview.headers.map((h) => (
                <th key={h}>{h}</th>
              ))}
              <th />
            </tr>
          </thead>
          <tbody>
            {preview.rows.map((r) => {
              const o = outcome.get(r.row);
              const bad = o?.status === 'rejected';
              return (
                <tr key={r.row} className={bad ? 'row-bad' : ''}>
                  <td className="num">{r.row}</td>
                  {preview.headers.map((h) => (
                    <td key={h}>{cellText(r.cells[h])}</td>
                  ))}
                  <td>
                    {o?.status === 'rejected' ? (
                      <span
                        className="badge state-rejected"
                        title={o.problems.map((p) => p.message).join('; ')}
                      >
                        {t('import.rowBad')}
                      </span>
                    ) : o ? (
                      <span className="badge state-delivered">{t('import.rowOk')}</span>
                    ) : null}
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
    </>
  );
}
