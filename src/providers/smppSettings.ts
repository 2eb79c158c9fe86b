/**
 * The SMPP gateway's settings, checked once when the gateway is built; each error names its setting.
 * `system_id`, `password` and `system_type` keep the names SMPP and the provider's contract use.
 */
import { GatewaySettingsError } from './provider.ts';
import { ID_FORMS, type IdForm } from './smppPdu.ts';

export interface SmppSettings {
  host: string;
  port: number;
  systemId: string;
  password: string;
  systemType: string;
  /** The default source address (sender name or number) when a message names none. */
  sender: string;
  sourceTon: number | null;
  sourceNpi: number | null;
  window: number;
  enquireSeconds: number;
  responseSeconds: number;
  reconnectSeconds: number;
  throttleSeconds: number;
  submitIdForm: IdForm;
  receiptIdForm: IdForm;
  statusDeadlineSeconds: number;
  /** Which binds to open (smpp.ts): one transceiver, a transmitter and a receiver, or one of them. */
  bindType: BindType;
  /** data_coding for a text in the GSM alphabet: 0 (the SMSC's default), 1 (IA5/ASCII) or 3 (Latin-1). */
  gsmDataCoding: GsmDataCoding;
  concatenation: Concatenation;
  destTon: number;
  destNpi: number;
  /** Binds of each kind to this account that all Vestnik processes together may hold (smppLeases.ts). */
  maxBinds: number;
}

export type BindType = 'transceiver' | 'transmitter+receiver' | 'transmitter' | 'receiver';
export const BIND_TYPES: readonly BindType[] = [
  'transceiver',
  'transmitter+receiver',
  'transmitter',
  'receiver',
];
export const GSM_DATA_CODINGS = [0, 1, 3] as const;
export type GsmDataCoding = (typeof GSM_DATA_CODINGS)[number];
export const CONCATENATIONS = ['udh8', 'udh16', 'sar', 'payload'] as const;
export type Concatenation = (typeof CONCATENATIONS)[number];

function text(raw: Record<string, unknown>, key: string, fallback: string | null, max: number): string {
  const v = raw[key] ?? fallback;
  if (typeof v !== 'string')
    throw new GatewaySettingsError(
      key,
      `${key} is required: ${hint[key] ?? 'a text'} from the SMPP provider`,
    );
  if (v.length > max) throw new GatewaySettingsError(key, `${key} is at most ${max} characters`);
  return v;
}

const hint: Record<string, string> = {
  host: 'the SMSC host name',
  system_id: 'the login (system_id)',
  password: 'the password',
};

function number(
  raw: Record<string, unknown>,
  key: string,
  fallback: number,
  min: number,
  max: number,
): number {
  const v = raw[key] ?? fallback;
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min || v > max)
    throw new GatewaySettingsError(key, `${key} must be a number from ${min} to ${max}`);
  return v;
}

function oneOf<T>(raw: Record<string, unknown>, key: string, values: readonly T[], fallback: T): T {
  const v = raw[key] ?? fallback;
  if (!values.includes(v as T))
    throw new GatewaySettingsError(key, `${key} must be one of ${values.join(', ')} (got ${String(v)})`);
  return v as T;
}

function form(raw: Record<string, unknown>, key: string): IdForm {
  const v = raw[key] ?? 'auto';
  if (!ID_FORMS.includes(v as IdForm))
    throw new GatewaySettingsError(key, `${key} must be one of ${ID_FORMS.join(', ')}`);
  return v as IdForm;
}

export function smppSettings(raw: Record<string, unknown>): SmppSettings {
  const tonNpi = (key: string) =>
    raw[key] === undefined || raw[key] === null ? null : number(raw, key, 0, 0, 255);
  const host = text(raw, 'host', null, 255);
  if (host === '') throw new GatewaySettingsError('host', 'host is required: the SMSC host name');
  return {
    host,
    port: Math.trunc(number(raw, 'port', 2775, 1, 65535)),
    systemId: text(raw, 'system_id', null, 15),
    // SMPP 3.4 allows 8 characters; some aggregators issue longer ones and accept them.
    password: text(raw, 'password', null, 64),
    systemType: text(raw, 'system_type', '', 12),
    sender: text(raw, 'sender', '', 20),
    sourceTon: tonNpi('sourceTon'),
    sourceNpi: tonNpi('sourceNpi'),
    window: Math.trunc(number(raw, 'window', 10, 1, 1000)),
    enquireSeconds: number(raw, 'enquireSeconds', 30, 0.05, 3600),
    responseSeconds: number(raw, 'responseSeconds', 10, 0.05, 600),
    reconnectSeconds: number(raw, 'reconnectSeconds', 1, 0.01, 60),
    throttleSeconds: number(raw, 'throttleSeconds', 1, 0.01, 60),
    submitIdForm: form(raw, 'submitIdForm'),
    receiptIdForm: form(raw, 'receiptIdForm'),
    statusDeadlineSeconds: number(raw, 'statusDeadlineSeconds', 172_800, 1, 30 * 86_400),
    bindType: oneOf(raw, 'bindType', BIND_TYPES, 'transceiver'),
    gsmDataCoding: oneOf(raw, 'gsmDataCoding', GSM_DATA_CODINGS, 0),
    concatenation: oneOf(raw, 'concatenation', CONCATENATIONS, 'udh8'),
    destTon: Math.trunc(number(raw, 'destTon', 1, 0, 255)),
    destNpi: Math.trunc(number(raw, 'destNpi', 1, 0, 255)),
    maxBinds: Math.trunc(number(raw, 'maxBinds', 1, 1, 100)),
  };
}
