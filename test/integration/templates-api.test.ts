/** Templates through the API (CT-1, CT-2): the seeds' placeholders on save, checks with positions, previews. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApi } from '../helpers/api.ts';

const SEED_000 =
  'Уважаемый %name. Общая сумма начислений за ваши участки %total руб., просроченная задолженность по которой начисляются пени: %debt руб.';

test("seed 000's template is stored as Liquid, previewed and sent with each owner's totals", async () => {
  const api = await createTestApi();
  const owner = await api.call('POST', '/api/v1/contacts', {
    lastName: 'Петров',
    firstName: 'Иван',
    middleName: 'Сергеевич',
    phone: '+79120000001',
  });
  await api.call('POST', `/api/v1/contacts/${owner.body.id}/objects`, {
    kind: 'plot',
    number: '17',
    chargesKopecks: 1234550,
    debtKopecks: 200000,
  });
  await api.call('POST', `/api/v1/contacts/${owner.body.id}/objects`, {
    kind: 'plot',
    number: '18',
    chargesKopecks: 65450,
    debtKopecks: 0,
  });
  const none = await api.call('POST', '/api/v1/contacts', {
    firstName: 'Анна',
    middleName: 'Ивановна',
    phone: '+79120000002',
  });

  const c = await api.call('POST', '/api/v1/campaigns', {
    name: 'Квитанции',
    channel: 'sms',
    textTemplate: SEED_000,
    audience: { kind: 'all' },
  });
  assert.equal(c.status, 201, c.text);
  assert.doesNotMatch(c.body.textTemplate, /%name|%total|%debt/);
  assert.match(c.body.textTemplate, /\{\{ *contact\.name *\}\}/);

  const expected =
    'Уважаемый Иван Сергеевич. Общая сумма начислений за ваши участки 13000.00 руб., просроченная задолженность по которой начисляются пени: 2000.00 руб.';
  const preview = await api.call('GET', `/api/v1/campaigns/${c.body.id}/preview?contactId=${owner.body.id}`);
  assert.equal(preview.status, 200, preview.text);
  assert.equal(preview.body.text, expected);
  assert.deepEqual(preview.body.sms, { encoding: 'UCS-2', segments: 3 });
  assert.equal(preview.body.priceKopecks, 90);
  const empty = await api.call('GET', `/api/v1/campaigns/${c.body.id}/preview?contactId=${none.body.id}`);
  assert.match(empty.body.text, /участки 0\.00 руб\., .*пени: 0\.00 руб\.$/);

  assert.equal((await api.call('POST', `/api/v1/campaigns/${c.body.id}/launch`)).status, 200);
  const msgs = (await api.call('GET', `/api/v1/campaigns/${c.body.id}/messages`)).body.items;
  assert.equal(msgs.find((m: any) => m.contactId === owner.body.id).body, expected);
});

test('a template is checked on save with the line and column of every problem', async () => {
  const api = await createTestApi();
  const check = await api.call('POST', '/api/v1/templates/check', {
    text: 'Здравствуйте!\nДолг {{ contact.nmae }} — {{ debt | monye }}',
  });
  assert.equal(check.status, 200);
  const byCode = Object.fromEntries(check.body.problems.map((p: any) => [p.code, p]));
  assert.deepEqual([byCode.unknown_variable.line, byCode.unknown_variable.column], [2, 9]);
  assert.match(byCode.unknown_variable.message, /contact\.nmae.*contact\.name/);
  assert.equal(byCode.unknown_filter.line, 2);
  const bad = await api.call('POST', '/api/v1/campaigns', {
    name: 'x',
    channel: 'sms',
    textTemplate: 'Привет, {{ contact.nmae',
    audience: { kind: 'all' },
  });
  assert.equal(bad.status, 400);
  assert.match(bad.body.error.message, /textTemplate: line 1, column \d+/);
  const seeds = await api.call('POST', '/api/v1/templates/check', {
    text: '#FAM# #IM# #OT#, скидка 10% по заказу #1',
  });
  assert.deepEqual(seeds.body.problems, []);
  assert.match(seeds.body.stored, /\{\{ *contact\.last_name *\}\}.*скидка 10% по заказу #1$/);
});

test('a preview of a template for a contact of another organisation finds nothing', async () => {
  const api = await createTestApi();
  const other = await api.addOrg('Чужая');
  const c = await api.call(
    'POST',
    '/api/v1/contacts',
    { firstName: 'Чужой', phone: '+79120000009' },
    { key: other.key },
  );
  const r = await api.call('POST', '/api/v1/templates/preview', {
    channel: 'sms',
    text: 'Hi {{ contact.first_name }}',
    contactId: c.body.id,
  });
  assert.equal(r.status, 404);
  const mine = await api.call(
    'POST',
    '/api/v1/templates/preview',
    { channel: 'sms', text: 'Hi {{ contact.first_name }}', contactId: c.body.id },
    { key: other.key },
  );
  assert.deepEqual(
    [mine.body.text, mine.body.sms, mine.body.priceKopecks],
    ['Hi Чужой', { encoding: 'UCS-2', segments: 1 }, 30],
  );
});
