/**
 * CT-5: the display name of an e-mail — header specials `( ) < > , : @ ! / = ;` removed, no control,
 * bidirectional or zero-width character — by one function (core/email/displayName.ts), used by both
 * e-mail gateways: the table here, then UniSender's sender_name as sent (SMTP's From is checked
 * against a real server in gateway-smtp-utf8.test.ts).
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import { headerDisplayName } from '../../src/core/email/displayName.ts';
import { GatewaySettingsError } from '../../src/providers/provider.ts';
import { createUnisenderGateway } from '../../src/providers/unisender.ts';
import { startFakeProvider } from '../helpers/fakeHttp.ts';

const TABLE: [string, string | null | undefined, string | null][] = [
  ['a plain Russian name', 'ТСЖ «Уют»', 'ТСЖ «Уют»'],
  ['each special removed', 'a(b)c<d>e,f:g@h!i/j=k;l', 'abcdefghijkl'],
  ['quotes and backslashes removed', 'УК "Дом" \\ 1', 'УК Дом 1'],
  ['an address in the name loses what makes it one', 'Bank <support@bank.ru>', 'Bank supportbank.ru'],
  ['C0 controls, DEL and C1 removed', 'A\u0000B\u0007C\u001bD\u007fE\u0085F\u009fG', 'ABCDEFG'],
  [
    'CR and LF cannot start a header of their own',
    'Name\r\nBcc: victim@example.ru',
    'NameBcc victimexample.ru',
  ],
  ['bidi overrides and embeddings removed', 'Pay\u202eLAP\u202c \u202aLtd\u202c', 'PayLAP Ltd'],
  ['bidi isolates and marks removed', '\u2066Ромашка\u2069\u200e\u200f\u061c', 'Ромашка'],
  ['zero-width characters and BOM removed', 'С\u200bН\u200cТ\u200d\u2060\ufeff', 'СНТ'],
  ['whitespace runs become one space, ends trimmed', '  СНТ \t «Ромашка»  ', 'СНТ «Ромашка»'],
  ['NFC: a decomposed й is one letter', 'Си\u0306рень', 'Сирень'.replace('и', 'й')],
  ['emoji and other scripts are kept', 'Кафе ☕ 東京', 'Кафе ☕ 東京'],
  ['nothing left: no name', '<>@\u200f', null],
  ['empty: no name', '', null],
  ['absent: no name', null, null],
  ['undefined: no name', undefined, null],
  ['too long: its first 100 characters', 'Я'.repeat(150), 'Я'.repeat(100)],
];

test('headerDisplayName: the table', () => {
  for (const [why, input, expected] of TABLE) assert.equal(headerDisplayName(input), expected, why);
});

test('headerDisplayName: whatever goes in, nothing of the removed classes comes out', () => {
  const every = Array.from({ length: 0x3000 }, (_, i) => String.fromCharCode(i)).join('');
  const out = headerDisplayName(`x${every}`) ?? '';
  assert.doesNotMatch(out, /[()<>,:@!/=;"\\]/);
  // biome-ignore lint/suspicious/noControlCharactersInRegex: controls are what must not be there
  assert.doesNotMatch(out, /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u206f]/);
});

test('UniSender: sender_name is cleaned the same way, from the message or the setting', async () => {
  const fake = await startFakeProvider({ status: 200, body: '{"result":{"email_id":"1"}}' });
  after(() => fake.close());
  const g = createUnisenderGateway({
    gatewayId: 1,
    channel: 'email',
    settings: {
      api_key: 'k',
      senderEmail: 'info@uk-dom.ru',
      senderName: 'УК\u202e «Дом» <info@uk-dom.ru>',
      listId: 42,
      url: fake.url,
      timeoutMs: 2000,
    },
    callbackUrl: '',
    callbackSecret: '',
  });
  after(() => g.close?.());
  const letter = (id: number, sender: string | null) => ({
    id,
    channel: 'email' as const,
    address: 'anna@example.ru',
    subject: 'Квитанция',
    body: 'Начислено 100.00 руб.',
    sender,
    content: null,
  });
  await g.send([letter(1, 'ТСЖ: «Уют»; (бухгалтерия)\u200b')]);
  await g.send([letter(2, null)]);
  await g.send([letter(3, '\u202e<>')]);
  assert.deepEqual(
    fake.requests.map((r) => r.form.get('sender_name')),
    ['ТСЖ «Уют» бухгалтерия', 'УК «Дом» infouk-dom.ru', 'УК «Дом» infouk-dom.ru'],
  );
  assert.throws(
    () =>
      createUnisenderGateway({
        gatewayId: 2,
        channel: 'email',
        settings: {
          api_key: 'k',
          senderEmail: 'info@uk-dom.ru',
          senderName: '<@>',
          listId: 42,
          url: fake.url,
        },
        callbackUrl: '',
        callbackSecret: '',
      }),
    (err: Error) => err instanceof GatewaySettingsError && err.setting === 'senderName',
  );
});
