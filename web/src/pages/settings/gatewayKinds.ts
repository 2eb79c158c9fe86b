/**
 * The settings each gateway kind asks for in the form (docs/gateways/*.md). Only the common ones:
 * the rest keep their defaults and can be set with `vestnik gateway set`. A secret (password, key,
 * token) is write-only: the server stores it encrypted and only says that it is set.
 */
import type { Channel } from './types.ts';

export interface SettingSpec {
  name: string;
  type?: 'text' | 'number' | 'boolean';
  required?: boolean;
  secret?: boolean;
  placeholder?: string;
}

export interface KindSpec {
  /** The channel a kind sends on; none: any, chosen in the form. */
  channel?: Channel;
  settings: SettingSpec[];
}

export const GATEWAY_KINDS: Record<string, KindSpec> = {
  smsaero: {
    channel: 'sms',
    settings: [
      { name: 'email', required: true },
      { name: 'apiKey', required: true, secret: true },
      { name: 'sender', placeholder: 'SMS Aero' },
      { name: 'url', placeholder: 'https://gate.smsaero.ru/v2' },
    ],
  },
  smsc: {
    channel: 'sms',
    settings: [
      { name: 'login' },
      { name: 'password', secret: true },
      { name: 'apiKey', secret: true },
      { name: 'sender' },
      { name: 'url', placeholder: 'https://smsc.ru' },
    ],
  },
  kannel: {
    channel: 'sms',
    settings: [
      { name: 'url', required: true, placeholder: 'http://host:13013' },
      { name: 'username', required: true },
      { name: 'password', required: true, secret: true },
      { name: 'sender' },
      { name: 'smsc' },
      { name: 'dlrMask', type: 'number', placeholder: '31' },
    ],
  },
  smpp: {
    channel: 'sms',
    settings: [
      { name: 'host', required: true },
      { name: 'port', type: 'number', placeholder: '2775' },
      { name: 'system_id', required: true },
      { name: 'password', required: true, secret: true },
      { name: 'system_type' },
      { name: 'sender' },
    ],
  },
  smtp: {
    channel: 'email',
    settings: [
      { name: 'host', required: true },
      { name: 'port', type: 'number', placeholder: '587' },
      { name: 'secure', type: 'boolean' },
      { name: 'user' },
      { name: 'password', secret: true },
      { name: 'from', required: true, placeholder: 'news@example.ru' },
      { name: 'fromName' },
      { name: 'replyTo' },
    ],
  },
  unisender: {
    channel: 'email',
    settings: [
      { name: 'api_key', required: true, secret: true },
      { name: 'senderEmail', required: true },
      { name: 'senderName', required: true },
      { name: 'listId', required: true },
    ],
  },
  telegram: { channel: 'messenger', settings: [{ name: 'token', required: true, secret: true }] },
  sandbox: {
    settings: [
      { name: 'deliveryDelayMs', type: 'number', placeholder: '1000' },
      { name: 'undeliveredRate', type: 'number', placeholder: '0' },
      { name: 'failRate', type: 'number', placeholder: '0' },
    ],
  },
  'sandbox-http': {
    settings: [{ name: 'url', required: true, placeholder: 'http://127.0.0.1:8199' }],
  },
};

/** Form values (strings, or booleans for checkboxes) to the settings the API takes. */
export function toSettings(
  spec: SettingSpec[],
  values: Record<string, string | boolean>,
  before?: Record<string, unknown>,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const s of spec) {
    const v = values[s.name];
    if (s.type === 'boolean') {
      if (v !== undefined && v !== (before?.[s.name] ?? false)) out[s.name] = v;
      continue;
    }
    const text = typeof v === 'string' ? v.trim() : '';
    if (text === '') {
      // Editing: a cleared plain setting is removed; an empty secret keeps the stored one.
      if (before && !s.secret && before[s.name] !== undefined) out[s.name] = null;
      continue;
    }
    const value = s.type === 'number' ? Number(text.replace(',', '.')) : text;
    if (before && !s.secret && String(before[s.name] ?? '') === text) continue;
    out[s.name] = value;
  }
  return out;
}
