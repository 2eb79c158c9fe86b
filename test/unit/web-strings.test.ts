/**
 * The interface's strings and the lists it mirrors from the server: every Russian string has an
 * English one with the same {placeholders} (a missing key does not compile; a dropped placeholder
 * would), none is empty or left as its key, and the import page offers exactly the server's targets.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { FIELD_TARGETS } from '../../src/core/import/mapping.ts';
import { dictionaries, translate } from '../../web/src/i18n/index.ts';
import { FIELD_TARGETS as WEB_TARGETS } from '../../web/src/pages/contacts/targets.ts';

const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

test('every string exists in Russian and English, not empty, with the same placeholders', () => {
  const { ru, en } = dictionaries;
  const keys = Object.keys(ru) as (keyof typeof ru)[];
  assert.ok(keys.length > 300, `${keys.length} strings`);
  for (const key of keys) {
    assert.ok(ru[key].trim() && en[key].trim(), `${key} is empty`);
    assert.notEqual(ru[key], key, `${key} is not translated`);
    assert.deepEqual(placeholders(en[key]), placeholders(ru[key]), `${key}: placeholders differ`);
  }
  assert.deepEqual(Object.keys(en).sort(), [...keys].sort());
});

test('the Russian interface is in Russian', () => {
  const { ru } = dictionaries;
  const latinOnly = Object.entries(ru)
    .map(([k, v]) => [k, v.replace(/\{\w+\}/g, '')] as const)
    .filter(([, v]) => /[A-Za-z]{4,}/.test(v) && !/[А-Яа-яЁё]/.test(v));
  // Names of things that are the same in both languages (Telegram, CSV, SMPP's system_type…) are allowed.
  const names =
    /^(Telegram|CSV|XLSX|SMTP|SMPP|Kannel|SMSC(\.ru)?|Aero|UniSender|E-mail|Email|English|UTF-8|GSM-7|UCS-2|HTTP|HTTPS|Viber|WhatsApp|STARTTLS|DKIM)$/;
  for (const [key, value] of latinOnly) {
    const words = value.match(/[A-Za-z][A-Za-z.-]{3,}/g) ?? [];
    for (const w of words) assert.match(w, names, `${key}: «${value}» is not Russian`);
  }
});

test('placeholders are filled from their values', () => {
  assert.equal(translate('ru', 'report.launched', { when: '23.11.2026' }), 'Запущена 23.11.2026');
  assert.equal(translate('en', 'report.launched', { when: '23/11/2026' }), 'Launched 23/11/2026');
});

test('the import page offers the server’s column targets', () => {
  assert.deepEqual([...WEB_TARGETS].sort(), [...FIELD_TARGETS].sort());
});
