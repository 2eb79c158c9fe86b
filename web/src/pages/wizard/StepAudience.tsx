/**
 * Step 2: whom. Everyone or lists and groups (a union), narrowed by conditions; the server counts
 * who would really get the message, and why the others would not, once the choice stops changing.
 */
import { useEffect, useMemo } from 'react';
import { api } from '../../api.ts';
import { useI18n } from '../../i18n/index.ts';
import { ErrorNote, FirstLoad, useAsync } from '../../ui.tsx';
import { ExclusionReport } from './ExclusionReport.tsx';
import { FilterRows } from './FilterRows.tsx';
import { type AudienceReport, buildAudience, channelOf, type StepProps, useDebounced } from './model.ts';

interface List {
  id: number;
  name: string;
  kind: 'contacts' | 'objects';
  size: number;
}

export function StepAudience({ state, patch, onValid }: StepProps) {
  const { t, number } = useI18n();
  const lists = useAsync(() => api<{ items: List[] }>('/lists'), []);
  const attributes = useAsync(() => api<{ items: { name: string }[] }>('/attributes'), []);

  const audience = useMemo(() => buildAudience(state), [state]);
  const request = useMemo(
    () =>
      audience
        ? JSON.stringify({ audience, channel: channelOf(state.mode), category: state.category, limit: 0 })
        : '',
    [audience, state.mode, state.category],
  );
  const debounced = useDebounced(request, 400);
  const report = useAsync(
    () =>
      debounced
        ? api<AudienceReport>('/audience/preview', { body: JSON.parse(debounced) })
        : Promise.resolve(null),
    [debounced],
  );
  const settled = debounced === request && !report.loading;
  const count = settled && report.data ? report.data.recipients : null;

  useEffect(() => {
    if (!audience) onValid(t('wizard.audience.nothing'));
    else if (report.error) onValid(t('common.error'));
    else if (count === 0) onValid(t('wizard.audience.empty'));
    else onValid(null);
  }, [audience, count, report.error, onValid, t]);

  const toggleList = (id: number, on: boolean) =>
    patch({ listIds: on ? [...state.listIds, id] : state.listIds.filter((x) => x !== id) });

  return (
    <div className="wizard-audience">
      <div className="card stack">
        <label className="wizard-check" data-test="audience-all">
          <input
            type="checkbox"
            checked={state.everyone}
            onChange={(e) =>
              patch({ everyone: e.target.checked, ...(e.target.checked ? { listIds: [] } : {}) })
            }
          />
          <strong>{t('wizard.audience.everyone')}</strong>
        </label>
        <h2>{t('wizard.audience.lists')}</h2>
        {lists.error ? <ErrorNote error={lists.error} /> : null}
        <FirstLoad of={lists} />
        {lists.data && lists.data.items.length === 0 ? (
          <p className="muted">{t('wizard.audience.noLists')}</p>
        ) : null}
        <div className="wizard-lists">
          {lists.data?.items.map((l) => (
            <label key={l.id} className="wizard-check" data-test={`list-${l.id}`}>
              <input
                type="checkbox"
                checked={state.listIds.includes(l.id)}
                disabled={state.everyone}
                onChange={(e) => toggleList(l.id, e.target.checked)}
              />
              <span>
                {l.name} <span className="muted">{t('wizard.audience.members', { n: number(l.size) })}</span>
              </span>
            </label>
          ))}
        </div>
        <h2>{t('wizard.audience.filters')}</h2>
        <p className="muted">{t('wizard.audience.filtersHint')}</p>
        {state.filters.length > 1 ? (
          <label className="row wizard-match">
            <span>{t('wizard.audience.match')}</span>
            <select
              value={state.match}
              onChange={(e) => patch({ match: e.target.value === 'or' ? 'or' : 'and' })}
              data-test="filter-match"
            >
              <option value="and">{t('wizard.audience.match.and')}</option>
              <option value="or">{t('wizard.audience.match.or')}</option>
            </select>
          </label>
        ) : null}
        <FilterRows
          rows={state.filters}
          attributes={attributes.data?.items.map((a) => a.name) ?? []}
          onChange={(filters) => patch({ filters })}
        />
      </div>

      <aside className="card wizard-count" aria-live="polite">
        <div className="stat">
          <div className="label">{t('wizard.audience.count')}</div>
          <div className={`value${settled ? '' : ' stale'}`} data-test="audience-count">
            {audience ? (report.data ? number(report.data.recipients) : '…') : '—'}
          </div>
        </div>
        {!audience ? <p className="muted">{t('wizard.audience.nothing')}</p> : null}
        <ErrorNote error={report.error} />
        {audience && report.data ? (
          <>
            <p className="muted">{t('wizard.audience.selected', { n: number(report.data.selected) })}</p>
            <ExclusionReport excluded={report.data.excluded} />
          </>
        ) : null}
      </aside>
    </div>
  );
}
