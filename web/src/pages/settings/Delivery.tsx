/**
 * When messages may go: the daytime window in each recipient's local time, the urgent rate, the
 * economy capacity, the cascade's waits and the cap per recipient (src/api/routes/timing.ts).
 */
import { type FormEvent, useEffect, useState } from 'react';
import { api } from '../../api.ts';
import { type Key, useI18n } from '../../i18n/index.ts';
import { ErrorNote, Field, Loading, useAsync } from '../../ui.tsx';
import type { Delivery as DeliverySettings } from './types.ts';

type NumberKey = Exclude<keyof DeliverySettings, 'windowStart' | 'windowEnd'>;
const NUMBERS: NumberKey[] = [
  'urgentPerMinute',
  'economyDailyCapacity',
  'messengerWaitSeconds',
  'economyMessengerWaitSeconds',
  'dailyCapPerRecipient',
];
const TIME = /^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$/;

type Form = Record<keyof DeliverySettings, string>;
const toForm = (d: DeliverySettings): Form => ({
  windowStart: d.windowStart,
  windowEnd: d.windowEnd,
  ...(Object.fromEntries(NUMBERS.map((k) => [k, d[k] == null ? '' : String(d[k])])) as Record<
    NumberKey,
    string
  >),
});

export function Delivery({ manage }: { manage: boolean }) {
  const { t } = useI18n();
  const current = useAsync(() => api<DeliverySettings>('/org/delivery'), []);
  const [form, setForm] = useState<Form>();
  const [error, setError] = useState<unknown>();
  const [saved, setSaved] = useState(false);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (current.data) setForm(toForm(current.data));
  }, [current.data]);

  if (!form) return current.error ? <ErrorNote error={current.error} /> : <Loading />;

  const set = (k: keyof DeliverySettings, v: string) => {
    setSaved(false);
    setForm({ ...form, [k]: v });
  };
  const save = async (e: FormEvent) => {
    e.preventDefault();
    setError(undefined);
    setSaved(false);
    const start = form.windowStart.trim().padStart(5, '0');
    const end = form.windowEnd.trim().padStart(5, '0');
    if (!TIME.test(start) || !TIME.test(end)) {
      setError(new Error(t('settings.delivery.timeInvalid')));
      return;
    }
    const body: Partial<DeliverySettings> = { windowStart: start, windowEnd: end };
    for (const k of NUMBERS) {
      const text = form[k].trim();
      if (text === '' && k === 'dailyCapPerRecipient') body[k] = null;
      else if (!/^\d+$/.test(text)) {
        setError(
          new Error(t('settings.delivery.numberInvalid', { field: t(`settings.delivery.${k}` as Key) })),
        );
        return;
      } else body[k] = Number(text);
    }
    setBusy(true);
    try {
      setForm(toForm(await api<DeliverySettings>('/org/delivery', { method: 'PATCH', body })));
      setSaved(true);
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card" onSubmit={save}>
      <h3>{t('settings.delivery.window')}</h3>
      <p className="muted">{t('settings.delivery.windowHint')}</p>
      <div className="inline-form">
        <Field label={t('settings.delivery.windowStart')}>
          <input
            data-test="window-start"
            value={form.windowStart}
            placeholder="09:00"
            size={6}
            disabled={!manage}
            onChange={(e) => set('windowStart', e.target.value)}
          />
        </Field>
        <Field label={t('settings.delivery.windowEnd')}>
          <input
            data-test="window-end"
            value={form.windowEnd}
            placeholder="21:00"
            size={6}
            disabled={!manage}
            onChange={(e) => set('windowEnd', e.target.value)}
          />
        </Field>
      </div>
      <h3>{t('settings.delivery.other')}</h3>
      <div className="grid">
        {NUMBERS.map((k) => (
          <Field
            key={k}
            label={t(`settings.delivery.${k}` as Key)}
            hint={t(`settings.delivery.${k}.hint` as Key)}
          >
            <input
              data-test={`delivery-${k}`}
              inputMode="numeric"
              value={form[k]}
              disabled={!manage}
              onChange={(e) => set(k, e.target.value)}
            />
          </Field>
        ))}
      </div>
      <ErrorNote error={error} />
      {saved ? <p className="notice">{t('common.saved')}</p> : null}
      {manage ? (
        <button type="submit" className="primary" data-test="delivery-save" disabled={busy}>
          {t('common.save')}
        </button>
      ) : (
        <p className="hint">{t('settings.readOnly')}</p>
      )}
    </form>
  );
}
