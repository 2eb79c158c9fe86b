/** Adding a gateway (kind, then that kind's settings) and editing one (secrets left blank are kept). */
import { type FormEvent, useState } from 'react';
import { api } from '../../api.ts';
import { type Key, useI18n } from '../../i18n/index.ts';
import { ErrorNote, Field } from '../../ui.tsx';
import { GATEWAY_KINDS, type SettingSpec, toSettings } from './gatewayKinds.ts';
import { CHANNELS, type Channel, type Gateway } from './types.ts';

type Values = Record<string, string | boolean>;

function SettingFields({
  spec,
  values,
  setValues,
  setSecrets,
}: {
  spec: SettingSpec[];
  values: Values;
  setValues: (v: Values) => void;
  setSecrets?: string[];
}) {
  const { t } = useI18n();
  return (
    <div className="grid">
      {spec.map((s) => {
        const label = `${t(`settings.gwf.${s.name}` as Key)}${s.required && !setSecrets ? ' *' : ''}`;
        if (s.type === 'boolean')
          return (
            <label key={s.name} className="check">
              <input
                type="checkbox"
                checked={values[s.name] === true}
                onChange={(e) => setValues({ ...values, [s.name]: e.target.checked })}
              />{' '}
              {label}
            </label>
          );
        const isSet = s.secret && setSecrets?.includes(s.name);
        return (
          <Field
            key={s.name}
            label={label}
            hint={s.secret ? t(isSet ? 'settings.gw.secretSet' : 'settings.gw.secret') : undefined}
          >
            <input
              name={s.name}
              type={s.secret ? 'password' : 'text'}
              autoComplete={s.secret ? 'new-password' : 'off'}
              inputMode={s.type === 'number' ? 'decimal' : undefined}
              placeholder={isSet ? '••••••' : s.placeholder}
              value={typeof values[s.name] === 'string' ? (values[s.name] as string) : ''}
              onChange={(e) => setValues({ ...values, [s.name]: e.target.value })}
            />
          </Field>
        );
      })}
    </div>
  );
}

const str = (v: unknown): string | boolean =>
  typeof v === 'boolean' ? v : v === undefined || v === null ? '' : String(v);

export function GatewayForm({
  gateway,
  onDone,
  onCancel,
}: {
  gateway?: Gateway;
  onDone: () => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  const [kind, setKind] = useState(gateway?.kind ?? 'smsaero');
  const [name, setName] = useState(gateway?.name ?? '');
  const [channel, setChannel] = useState<Channel>(gateway?.channel ?? 'sms');
  const [priority, setPriority] = useState(String(gateway?.priority ?? 0));
  const [rate, setRate] = useState(gateway?.ratePerSecond == null ? '' : String(gateway.ratePerSecond));
  const spec = GATEWAY_KINDS[kind]?.settings ?? [];
  const [values, setValues] = useState<Values>(() =>
    Object.fromEntries(spec.map((s) => [s.name, str(gateway?.settings[s.name])])),
  );
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<unknown>();
  const fixedChannel = GATEWAY_KINDS[kind]?.channel;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    const common = {
      name: name.trim(),
      priority: Number(priority) || 0,
      ratePerSecond: rate.trim() ? Number(rate.replace(',', '.')) : null,
    };
    try {
      if (gateway) {
        const settings = toSettings(spec, values, gateway.settings);
        await api(`/gateways/${gateway.id}`, {
          method: 'PATCH',
          body: { ...common, ...(Object.keys(settings).length ? { settings } : {}) },
        });
      } else {
        await api('/gateways', {
          method: 'POST',
          body: {
            ...common,
            kind,
            ...(fixedChannel ? {} : { channel }),
            settings: toSettings(spec, values),
          },
        });
      }
      onDone();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form className="card" onSubmit={submit} data-test="gateway-form">
      <h3>{gateway ? t('settings.gw.editTitle', { name: gateway.name }) : t('settings.gw.addTitle')}</h3>
      <div className="grid">
        {gateway ? null : (
          <Field label={t('settings.gw.kind')}>
            <select
              data-test="gateway-kind"
              value={kind}
              onChange={(e) => {
                setKind(e.target.value);
                setValues({});
              }}
            >
              {Object.keys(GATEWAY_KINDS).map((k) => (
                <option key={k} value={k}>
                  {t(`settings.kind.${k}` as Key)}
                </option>
              ))}
            </select>
          </Field>
        )}
        <Field label={`${t('settings.gw.name')} *`}>
          <input
            data-test="gateway-name"
            value={name}
            maxLength={100}
            required
            onChange={(e) => setName(e.target.value)}
          />
        </Field>
        {!gateway && !fixedChannel ? (
          <Field label={t('settings.channel')}>
            <select value={channel} onChange={(e) => setChannel(e.target.value as Channel)}>
              {CHANNELS.map((c) => (
                <option key={c} value={c}>
                  {t(`settings.channel.${c}` as Key)}
                </option>
              ))}
            </select>
          </Field>
        ) : null}
        <Field label={t('settings.gw.priority')} hint={t('settings.gw.priorityHint')}>
          <input type="number" value={priority} onChange={(e) => setPriority(e.target.value)} />
        </Field>
        <Field label={t('settings.gw.rate')} hint={t('settings.gw.rateHint')}>
          <input inputMode="decimal" value={rate} onChange={(e) => setRate(e.target.value)} />
        </Field>
      </div>
      <h4>{t('settings.gw.settings')}</h4>
      <SettingFields spec={spec} values={values} setValues={setValues} setSecrets={gateway?.secrets} />
      <ErrorNote error={error} />
      <div className="row">
        <button type="submit" className="primary" data-test="gateway-save" disabled={busy}>
          {gateway ? t('common.save') : t('common.add')}
        </button>
        <button type="button" onClick={onCancel}>
          {t('common.cancel')}
        </button>
      </div>
    </form>
  );
}
