/**
 * Single transactional messages over HTTP (SD-6): the address normalised, safe repeats with an
 * Idempotency-Key (also under concurrency), refusal of bad input and of other organisations'
 * contacts, and delivery to the gateway within seconds by a dispatcher woken by the send.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startDispatcher } from '../../src/dispatch/dispatcher.ts';
import { listGateways, updateGatewaySettings } from '../../src/store/gateways.ts';
import { createTestApi } from '../helpers/api.ts';
import { waitFor } from '../helpers/db.ts';

const api = await createTestApi();

async function newOrg(name: string) {
  const org = await api.addOrg(name);
  const call = (method: string, url: string, body?: unknown, headers?: Record<string, string>) =>
    api.call(method, url, body, { key: org.key, ...(headers ? { headers } : {}) });
  const initiator = (await call('GET', '/api/v1/me')).body.initiator as string;
  return { ...org, call, initiator };
}

async function messageCount(orgId: number): Promise<number> {
  const { rows } = await api.db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM messages WHERE org_id = $1',
    [orgId],
  );
  return rows[0]!.n;
}

test('a message to a phone in any usual form is stored in E.164 and queued', async () => {
  const org = await newOrg('ООО «Турагентство»');
  const sms = (await listGateways(api.db, org.id)).find((g) => g.channel === 'sms')!;
  const r = await org.call('POST', '/api/v1/messages', {
    to: '8 (912) 345-67-89',
    text: 'Документы готовы, ждём вас в офисе.',
  });
  assert.equal(r.status, 201, r.text);
  const m = r.body;
  assert.deepEqual(
    {
      channel: m.channel,
      address: m.address,
      state: m.state,
      body: m.body,
      subject: m.subject,
      campaignId: m.campaignId,
      contactId: m.contactId,
      attempts: m.attempts,
      gatewayId: m.gatewayId,
      providerMessageId: m.providerMessageId,
      initiator: m.initiator,
      submittedAt: m.submittedAt,
      finalAt: m.finalAt,
    },
    {
      channel: 'sms',
      address: '+79123456789',
      state: 'queued',
      body: 'Документы готовы, ждём вас в офисе.',
      subject: null,
      campaignId: null,
      contactId: null,
      attempts: 0,
      gatewayId: sms.id,
      providerMessageId: null,
      initiator: org.initiator,
      submittedAt: null,
      finalAt: null,
    },
  );
  const got = await org.call('GET', `/api/v1/messages/${m.id}`);
  assert.equal(got.status, 200);
  assert.deepEqual(got.body, m);

  for (const to of ['+7 912 345-67-89', '79123456789', '+7(912)3456789']) {
    const again = await org.call('POST', '/api/v1/messages', { to, text: 'x' });
    assert.equal(again.status, 201, `${to}: ${again.text}`);
    assert.equal(again.body.address, '+79123456789', to);
  }
  const email = await org.call('POST', '/api/v1/messages', {
    channel: 'email',
    to: ' Ivan@Example.RU ',
    subject: 'Ваш ваучер',
    text: 'Во вложении ваучер.',
  });
  assert.equal(email.status, 201, email.text);
  assert.deepEqual(
    [email.body.channel, email.body.address, email.body.subject],
    ['email', 'Ivan@example.ru', 'Ваш ваучер'],
  );
  const tg = await org.call('POST', '/api/v1/messages', {
    channel: 'messenger',
    to: '-100123',
    text: 'Привет',
  });
  assert.equal(tg.status, 201, tg.text);
  assert.equal(tg.body.address, '-100123');

  const other = await newOrg('Другая организация');
  const foreign = await other.call('GET', `/api/v1/messages/${m.id}`);
  assert.equal(foreign.status, 404);
  assert.equal(foreign.body.error.code, 'not_found');
  assert.ok(!foreign.text.includes('Документы'));
  assert.equal((await org.call('GET', '/api/v1/messages/999999999')).status, 404);
});

test('the same Idempotency-Key with the same request returns the first message; with another, 422', async () => {
  const org = await newOrg('ООО «Повторы»');
  const body = { to: '+79120010001', text: 'Ваш заказ №17 готов' };
  const key = { 'Idempotency-Key': 'order-17-ready' };
  const first = await org.call('POST', '/api/v1/messages', body, key);
  assert.equal(first.status, 201, first.text);
  const repeat = await org.call('POST', '/api/v1/messages', body, key);
  assert.equal(repeat.status, 200, repeat.text);
  assert.equal(repeat.body.id, first.body.id);
  assert.deepEqual(repeat.body, first.body);
  // The same phone written differently is the same request.
  const reformatted = await org.call('POST', '/api/v1/messages', { ...body, to: '8 912 001-00-01' }, key);
  assert.equal(reformatted.status, 200, reformatted.text);
  assert.equal(reformatted.body.id, first.body.id);

  for (const changed of [
    { ...body, text: 'Ваш заказ №18 готов' },
    { ...body, to: '+79120010002' },
    { ...body, channel: 'messenger', to: '12345' },
  ]) {
    const r = await org.call('POST', '/api/v1/messages', changed, key);
    assert.equal(r.status, 422, `${JSON.stringify(changed)} → ${r.text}`);
    assert.deepEqual(r.body, {
      error: {
        code: 'idempotency_key_reused',
        message: 'this Idempotency-Key was used with a different request',
      },
    });
  }
  assert.equal(await messageCount(org.id), 1);

  // Keys belong to the organisation: another may use the same one for its own message.
  const other = await newOrg('ООО «Соседи»');
  const theirs = await other.call('POST', '/api/v1/messages', body, key);
  assert.equal(theirs.status, 201, theirs.text);
  assert.notEqual(theirs.body.id, first.body.id);
  // Without a key every call is a new message.
  assert.equal((await org.call('POST', '/api/v1/messages', body)).status, 201);
  assert.equal((await org.call('POST', '/api/v1/messages', body)).status, 201);
  assert.equal(await messageCount(org.id), 3);

  const empty = await org.call('POST', '/api/v1/messages', body, { 'Idempotency-Key': '' });
  assert.equal(empty.status, 400);
  assert.equal(empty.body.error.details[0].field, 'headers.idempotency-key');
  assert.equal(await messageCount(org.id), 3);
});

test('20 concurrent identical requests with one Idempotency-Key make exactly one message', async () => {
  const org = await newOrg('ООО «Гонка»');
  const body = { to: '+79120010003', text: 'Код подтверждения: 4321' };
  const results = await Promise.all(
    Array.from({ length: 20 }, () =>
      org.call('POST', '/api/v1/messages', body, { 'Idempotency-Key': 'otp-4321' }),
    ),
  );
  const statuses = results.map((r) => r.status).sort();
  assert.deepEqual(statuses, [...Array(19).fill(200), 201].sort(), results.map((r) => r.text).join('\n'));
  const ids = new Set(results.map((r) => r.body.id));
  assert.equal(ids.size, 1);
  const { rows } = await api.db.query<{ id: number }>(
    'SELECT id FROM messages WHERE org_id = $1 AND idempotency_key = $2',
    [org.id, 'otp-4321'],
  );
  assert.deepEqual(
    rows.map((r) => r.id),
    [...ids],
  );
  assert.equal(await messageCount(org.id), 1);
  // One hold on the balance too, not twenty: the repeats reserved nothing.
  const held = await api.db.query<{ lines: number; reserved: number; price: number }>(
    `SELECT (SELECT count(*)::int FROM ledger WHERE org_id = $1 AND kind = 'reserve') AS lines,
            (SELECT reserved_kopecks::int FROM balances WHERE org_id = $1) AS reserved,
            (SELECT price_kopecks::int FROM messages WHERE org_id = $1) AS price`,
    [org.id],
  );
  assert.ok(held.rows[0]!.price > 0);
  assert.deepEqual(held.rows[0], { lines: 1, reserved: held.rows[0]!.price, price: held.rows[0]!.price });

  // And 10 concurrent requests with 10 keys make 10 messages.
  const distinct = await Promise.all(
    Array.from({ length: 10 }, (_, i) =>
      org.call('POST', '/api/v1/messages', body, { 'Idempotency-Key': `otp-${i}` }),
    ),
  );
  assert.deepEqual(
    distinct.map((r) => r.status),
    Array(10).fill(201),
  );
  assert.equal(await messageCount(org.id), 11);
});

test('a message to a contact uses its address; a contact of another organisation is refused', async () => {
  const org = await newOrg('ООО «Клиенты»');
  const other = await newOrg('ООО «Чужие клиенты»');
  const mine = await org.call('POST', '/api/v1/contacts', { firstName: 'Мария', phone: '89120010004' });
  const theirs = await other.call('POST', '/api/v1/contacts', { firstName: 'Чужая', phone: '+79120010005' });
  const noPhone = await org.call('POST', '/api/v1/contacts', { firstName: 'Без телефона' });
  const dnm = await org.call('POST', '/api/v1/contacts', {
    firstName: 'Отписана',
    phone: '+79120010006',
    doNotMessage: true,
  });

  const ok = await org.call('POST', '/api/v1/messages', {
    contactId: mine.body.id,
    text: 'Здравствуйте, Мария',
  });
  assert.equal(ok.status, 201, ok.text);
  assert.equal(ok.body.contactId, mine.body.id);
  assert.equal(ok.body.address, '+79120010004');

  const before = [await messageCount(org.id), await messageCount(other.id)];
  const foreign = await org.call('POST', '/api/v1/messages', { contactId: theirs.body.id, text: 'Не вам' });
  assert.equal(foreign.status, 400, foreign.text);
  assert.deepEqual(foreign.body.error.details, [
    { field: 'contactId', value: theirs.body.id, message: `contact ${theirs.body.id} not found` },
  ]);
  assert.ok(!foreign.text.includes('+79120010005'));
  const missing = await org.call('POST', '/api/v1/messages', { contactId: 999_999_999, text: 'Никому' });
  assert.equal(missing.status, 400);
  assert.equal(missing.body.error.details[0].field, 'contactId');
  const none = await org.call('POST', '/api/v1/messages', { contactId: noPhone.body.id, text: 'x' });
  assert.equal(none.status, 400);
  assert.equal(none.body.error.details[0].message, 'the contact has no sms address');
  const refused = await org.call('POST', '/api/v1/messages', { contactId: dnm.body.id, text: 'x' });
  assert.equal(refused.status, 400);
  assert.equal(refused.body.error.details[0].message, 'the contact is marked «do not message»');
  assert.deepEqual([await messageCount(org.id), await messageCount(other.id)], before);
  const history = await other.call('GET', `/api/v1/contacts/${theirs.body.id}/messages`);
  assert.deepEqual(history.body.items, []);
});

test('a deleted contact’s messages stay, as history, without the contact', async () => {
  const org = await newOrg('ООО «Архив»');
  const c = await org.call('POST', '/api/v1/contacts', { firstName: 'Ушедший', phone: '+79120010007' });
  const sent = await org.call('POST', '/api/v1/messages', { contactId: c.body.id, text: 'До свидания' });
  assert.equal(sent.status, 201, sent.text);
  assert.equal((await org.call('DELETE', `/api/v1/contacts/${c.body.id}`)).status, 204);
  const { rows } = await api.db.query<{ contact_id: number | null; address: string }>(
    'SELECT contact_id, address FROM messages WHERE id = $1',
    [sent.body.id],
  );
  assert.deepEqual(rows, [{ contact_id: null, address: '+79120010007' }]);
  assert.equal((await org.call('DELETE', `/api/v1/contacts/${c.body.id}`)).status, 404);
});

test('bad input is refused naming the field, and nothing is written', async () => {
  const org = await newOrg('ООО «Ошибки»');
  const refused = async (body: unknown, code: string, field: string) => {
    const r = await org.call('POST', '/api/v1/messages', body);
    assert.equal(r.status, 400, `${JSON.stringify(body)} → ${r.text}`);
    assert.equal(r.body.error.code, code, r.text);
    assert.equal(r.body.error.details[0].field, field, r.text);
    return r.body.error;
  };
  const badPhone = await refused({ to: '8 (912) 34', text: 'x' }, 'invalid_input', 'to');
  assert.deepEqual(badPhone.details, [
    { field: 'to', value: '8 (912) 34', message: '`8 (912) 34` is not a phone number' },
  ]);
  assert.equal(badPhone.message, 'to: `8 (912) 34` is not a phone number');
  const letters = await refused({ to: 'позвоните мне', text: 'x' }, 'invalid_input', 'to');
  assert.match(letters.details[0].message, /has letters or symbols/);
  const spoiled = await refused({ to: '7.91234E+10', text: 'x' }, 'invalid_input', 'to');
  assert.match(spoiled.details[0].message, /spreadsheet/);
  await refused({ to: '+79120010007', contactId: 1, text: 'x' }, 'invalid_input', 'to');
  const neither = await refused({ text: 'x' }, 'invalid_input', 'to');
  assert.equal(neither.details[0].message, 'give exactly one of `to` and `contactId`');
  await refused({ to: '+79120010007', text: '  ' }, 'invalid_input', 'text');
  await refused({ channel: 'email', to: 'a@example.ru', text: 'x' }, 'invalid_input', 'subject');
  await refused({ channel: 'email', to: 'not-an-email', text: 'x', subject: 's' }, 'invalid_input', 'to');
  await refused({ channel: 'messenger', to: '@user', text: 'x' }, 'invalid_input', 'to');
  await refused({ to: '+79120010007' }, 'validation_failed', 'body');
  await refused({ to: '+79120010007', text: 'x', priority: 'high' }, 'validation_failed', 'body.priority');
  await refused({ channel: 'fax', to: '+79120010007', text: 'x' }, 'validation_failed', 'body.channel');
  await refused({ to: '+79120010007', text: 'x'.repeat(10_001) }, 'validation_failed', 'body.text');
  assert.equal(await messageCount(org.id), 0);
});

test('with a dispatcher running, a sent message is submitted within seconds and then delivered', async () => {
  const org = await newOrg('ООО «Быстро»');
  const sms = (await listGateways(api.db, org.id)).find((g) => g.channel === 'sms')!;
  // The sandbox reports delivery 1.5 s after accepting: long enough to see «submitted» even under load.
  await updateGatewaySettings(api.db, org.id, sms.id, { deliveryDelayMs: 1500 });
  // A long idle poll (3 s): the send's own notification, not the poll, should wake the workers.
  const dispatcher = await startDispatcher(api.db, {
    workers: 2,
    gateways: api.gateways,
    idlePollMs: 3000,
    worker: { statusPollSeconds: 0.05 },
  });
  try {
    // Let the workers finish their first round and fall asleep.
    await new Promise((r) => setTimeout(r, 300));
    const sent = await org.call(
      'POST',
      '/api/v1/messages',
      { to: '+79120010008', text: 'Ваш код: 1234' },
      { 'Idempotency-Key': 'fast-1' },
    );
    assert.equal(sent.status, 201, sent.text);
    const id = sent.body.id as number;
    const submitted = await waitFor(
      async () => {
        const m = (await org.call('GET', `/api/v1/messages/${id}`)).body;
        return m.state !== 'queued' ? m : undefined;
      },
      10_000,
      'the message to leave the queue',
    );
    assert.equal(submitted.state, 'submitted', JSON.stringify(submitted));
    assert.match(submitted.providerMessageId, /^sbx-/);
    assert.equal(submitted.attempts, 1);
    assert.equal(submitted.rawStatus, 'ACCEPTED');
    assert.equal(submitted.finalAt, null);
    const latency = Date.parse(submitted.submittedAt) - Date.parse(submitted.createdAt);
    assert.ok(latency < 2000, `submitted ${latency} ms after it was created`);

    const delivered = await waitFor(
      async () => {
        const m = (await org.call('GET', `/api/v1/messages/${id}`)).body;
        return m.state === 'delivered' ? m : undefined;
      },
      15_000,
      'the message to be delivered',
    );
    assert.equal(delivered.providerMessageId, submitted.providerMessageId);
    assert.equal(delivered.rawStatus, 'DELIVERED');
    assert.equal(delivered.attempts, 1);
    assert.notEqual(delivered.finalAt, null);
    assert.ok(Date.parse(delivered.finalAt) >= Date.parse(delivered.submittedAt));

    // A repeat after delivery still answers with the same, now delivered, message and sends nothing.
    const repeat = await org.call(
      'POST',
      '/api/v1/messages',
      { to: '+79120010008', text: 'Ваш код: 1234' },
      { 'Idempotency-Key': 'fast-1' },
    );
    assert.equal(repeat.status, 200);
    assert.equal(repeat.body.id, id);
    assert.equal(repeat.body.state, 'delivered');
  } finally {
    await dispatcher.stop();
  }
  assert.equal(await messageCount(org.id), 1);
});
