/** The contact's plots, accounts, orders and loans with their charges and debt. */
import { api } from '../../api.ts';
import { useI18n } from '../../i18n/index.ts';
import { ErrorNote, Loading, useAsync } from '../../ui.tsx';
import { type ContactObject, label } from './types.ts';

export function ContactObjects({ id }: { id: number }) {
  const { t, money } = useI18n();
  const objects = useAsync(() => api<{ items: ContactObject[] }>(`/contacts/${id}/objects`), [id]);
  const items = objects.data?.items ?? [];
  return (
    <div className="card" data-test="contact-objects">
      <h2 style={{ marginTop: 0 }}>{t('contacts.objects')}</h2>
      <ErrorNote error={objects.error} />
      {objects.loading && !objects.data ? (
        <Loading />
      ) : items.length === 0 ? (
        <p className="muted">{t('contacts.objects.none')}</p>
      ) : (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th>{t('contacts.object.kind')}</th>
                <th>{t('contacts.object.number')}</th>
                <th className="num">{t('contacts.object.charges')}</th>
                <th className="num">{t('contacts.object.debt')}</th>
                <th>{t('contacts.attributes')}</th>
              </tr>
            </thead>
            <tbody>
              {items.map((o) => (
                <tr key={o.id} data-test="contact-object">
                  <td>{label(t, 'contacts.kind', o.kind)}</td>
                  <td>{o.number}</td>
                  <td className="num c-nowrap">{money(o.chargesKopecks)}</td>
                  <td className="num c-nowrap">{money(o.debtKopecks)}</td>
                  <td className="muted">
                    {Object.entries(o.attributes)
                      .map(([k, v]) => `${k}: ${typeof v === 'object' ? JSON.stringify(v) : String(v)}`)
                      .join('; ')}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </div>
  );
}
