/**
 * Prices per channel and country (and, if wanted, operator). The price is typed in roubles with
 * kopecks («0,35») and sent as whole kopecks; where nothing is set the default applies.
 */
import { type FormEvent, useState } from 'react';
import { api } from '../../api.ts';
import { type Key, useI18n } from '../../i18n/index.ts';
import { ErrorNote, Field, FirstLoad, useAction, useAsync } from '../../ui.tsx';
import { parseRoubles } from '../balance/kopecks.ts';
import { CHANNELS, type Channel, type Tariff } from './types.ts';

export function Tariffs({ manage }: { manage: boolean }) {
  const { t, money } = useI18n();
  const list = useAsync(() => api<{ items: Tariff[] }>('/tariffs'), []);
  const [channel, setChannel] = useState<Channel>('sms');
  const [country, setCountry] = useState('RU');
  const [operator, setOperator] = useState('');
  const [price, setPrice] = useState('');
  const kopecks = parseRoubles(price);

  const { busy, error, setError, run: act } = useAction();
  const run = (f: () => Promise<unknown>) =>
    act(async () => {
      await f();
      list.reload();
    });
  const save = (e: FormEvent) => {
    e.preventDefault();
    if (kopecks === null) {
      setError(new Error(t('settings.tariff.priceInvalid')));
      return;
    }
    const c = country.trim().toUpperCase() || '*';
    void run(async () => {
      await api('/tariffs', {
        method: 'PUT',
        body: { channel, country: c, operator: operator.trim() || null, priceKopecks: kopecks },
      });
      setPrice('');
    });
  };
  const edit = (x: Tariff) => {
    setChannel(x.channel);
    setCountry(x.country);
    setOperator(x.operator ?? '');
    setPrice((x.priceKopecks / 100).toFixed(2).replace('.', ','));
  };
  const remove = (x: Tariff) => run(() => api(`/tariffs/${x.id}`, { method: 'DELETE' }));

  return (
    <div>
      <p className="muted">{t('settings.tariff.intro')}</p>
      {manage ? (
        <form className="card inline-form" onSubmit={save}>
          <Field label={t('settings.channel')}>
            <select
              data-test="tariff-channel"
              value={channel}
              onChange={(e) => setChannel(e.target.value as Channel)}
            >
              {CHANNELS.map((c) => (
                <option key={c} value={c}>
                  {t(`settings.channel.${c}` as Key)}
                </option>
              ))}
            </select>
          </Field>
          <Field label={t('settings.tariff.country')}>
            <input
              data-test="tariff-country"
              value={country}
              size={4}
              maxLength={2}
              pattern="[A-Za-z]{2}|\*"
              onChange={(e) => setCountry(e.target.value)}
            />
          </Field>
          <Field label={t('settings.tariff.operator')}>
            <input value={operator} maxLength={100} onChange={(e) => setOperator(e.target.value)} />
          </Field>
          <Field label={t('settings.tariff.price')}>
            <input
              data-test="tariff-price"
              inputMode="decimal"
              placeholder="0,35"
              size={8}
              required
              value={price}
              onChange={(e) => setPrice(e.target.value)}
            />
          </Field>
          <button type="submit" className="primary" data-test="tariff-save" disabled={busy}>
            {t('common.save')}
          </button>
          <span className="hint">
            {price && kopecks !== null ? `${money(kopecks)} · ` : ''}
            {t('settings.tariff.priceHint')}
          </span>
        </form>
      ) : null}
      <ErrorNote error={error ?? list.error} />
      <FirstLoad of={list} />
      <div className="table-wrap">
        <table data-test="tariff-table">
          <thead>
            <tr>
              <th>{t('settings.channel')}</th>
              <th>{t('settings.tariff.country')}</th>
              <th>{t('settings.tariff.operator')}</th>
              <th className="num">{t('settings.tariff.price')}</th>
              {manage ? <th /> : null}
            </tr>
          </thead>
          <tbody>
            {list.data?.items.map((x) => (
              <tr key={x.id} data-test="tariff-row">
                <td>{t(`settings.channel.${x.channel}` as Key)}</td>
                <td>{x.country === '*' ? t('settings.tariff.any') : x.country}</td>
                <td>{x.operator ?? t('settings.tariff.any')}</td>
                <td className="num">{money(x.priceKopecks)}</td>
                {manage ? (
                  <td>
                    <div className="cell-actions">
                      <button type="button" onClick={() => edit(x)}>
                        {t('common.edit')}
                      </button>
                      <button type="button" className="danger" onClick={() => remove(x)} disabled={busy}>
                        {t('common.delete')}
                      </button>
                    </div>
                  </td>
                ) : null}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {list.data && list.data.items.length === 0 ? (
        <p className="muted">{t('settings.tariff.none')}</p>
      ) : null}
    </div>
  );
}
