/**
 * Campaigns over HTTP (SD-1, SD-2, CT-2, RP-1): content checked before saving, edits only while a
 * draft, launch with its exclusion counts, cancel, the per-recipient table and its counts, and a
 * run to completion through the sandbox gateway with a dispatcher in this process.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startDispatcher } from '../../src/dispatch/dispatcher.ts';
import { listGateways, updateGatewaySettings } from '../../src/store/gateways.ts';
import { createTestApi } from '../helpers/api.ts';
import { waitFor } from '../helpers/db.ts';

const api = await createTestApi();

interface Msg {
  id: number;
  campaignId: number;
  contactId: number;
  address: string;
  subject: string | null;
  body: string;
  state: string;
  reason: string | null;
  attempts: number;
  providerMessageId: string | null;
  rawStatus: string | null;
  submittedAt: string | null;
  finalAt: string | null;
  initiator: string;
}

/** A fresh organisation (its own contacts, gateways and campaigns) and a `call` with its owner key. */
async function newOrg(name: string) {
  const org = await api.addOrg(name);
  const call = (method: string, url: string, body?: unknown) => api.call(method, url, body, { key: org.key });
  const me = await call('GET', '/api/v1/me');
  const contact = async (body: object): Promise<number> => {
    const r = await call('POST', '/api/v1/contacts', body);
    assert.equal(r.status, 201, r.text);
    return r.body.id;
  };
  const plot = async (contactId: number, number: string, chargesKopecks: number, debtKopecks: number) => {
    const r = await call('POST', `/api/v1/contacts/${contactId}/objects`, {
      kind: 'plot',
      number,
      chargesKopecks,
      debtKopecks,
    });
    assert.equal(r.status, 201, r.text);
  };
  const campaign = async (body: Record<string, unknown>): Promise<number> => {
    const r = await call('POST', '/api/v1/campaigns', {
      name: 'Рассылка',
      channel: 'sms',
      audience: { kind: 'all' },
      ...body,
    });
    assert.equal(r.status, 201, r.text);
    return r.body.id;
  };
  /** Every message of a campaign, through the API's pages. */
  const messages = async (campaignId: number, query = ''): Promise<Msg[]> => {
    const out: Msg[] = [];
    let after = 0;
    for (;;) {
      const r = await call('GET', `/api/v1/campaigns/${campaignId}/messages?limit=2&after=${after}${query}`);
      assert.equal(r.status, 200, r.text);
      out.push(...r.body.items);
      if (r.body.nextCursor === null) return out;
      after = r.body.nextCursor;
    }
  };
  const smsGateway = async () => (await listGateways(api.db, org.id)).find((g) => g.channel === 'sms')!;
  /** Launches and returns the recipient counts of the answer. */
  const launch = async (campaignId: number) => {
    const r = await call('POST', `/api/v1/campaigns/${campaignId}/launch`);
    assert.equal(r.status, 200, r.text);
    const { queued, excluded, completed } = r.body;
    return { queued, excluded, completed };
  };
  return {
    ...org,
    call,
    initiator: me.body.initiator as string,
    contact,
    plot,
    campaign,
    messages,
    smsGateway,
    launch,
  };
}

function tally(messages: { state: string }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of messages) out[m.state] = (out[m.state] ?? 0) + 1;
  return out;
}

async function campaignCount(orgId: number): Promise<number> {
  const { rows } = await api.db.query<{ n: number }>(
    'SELECT count(*)::int AS n FROM campaigns WHERE org_id = $1',
    [orgId],
  );
  return rows[0]!.n;
}

test('a campaign is checked before it is saved: template, unknown variables, subject, audience', async () => {
  const org = await newOrg('СНТ «Проверки»');
  const base = { name: 'Собрание', channel: 'sms', audience: { kind: 'all' } };
  const refused = async (body: Record<string, unknown>, code: string) => {
    const r = await org.call('POST', '/api/v1/campaigns', { ...base, ...body });
    assert.equal(r.status, 400, `${JSON.stringify(body)} → ${r.text}`);
    assert.equal(r.body.error.code, code, r.text);
    return r.body.error as {
      message: string;
      details: { field: string; value?: unknown; message: string }[];
    };
  };

  for (const textTemplate of ['', '   \n ']) {
    const e = await refused({ textTemplate }, 'invalid_input');
    assert.deepEqual(e.details, [
      { field: 'textTemplate', value: textTemplate, message: 'is empty', code: 'empty' },
    ]);
  }
  const syntax = await refused({ textTemplate: 'Уважаемый {{ contact.name ' }, 'invalid_input');
  assert.equal(syntax.details.length, 1);
  assert.equal(syntax.details[0]!.field, 'textTemplate');
  assert.match(syntax.details[0]!.message, /^line 1, column 11: .*not closed/);
  const tag = await refused({ textTemplate: '{% if debt %}долг' }, 'invalid_input');
  assert.equal(tag.details[0]!.field, 'textTemplate');

  const unknown = await refused({ textTemplate: 'Уважаемый {{ contact.nmae }}!' }, 'invalid_input');
  assert.equal(unknown.details.length, 1);
  assert.equal(unknown.details[0]!.field, 'textTemplate');
  assert.match(
    unknown.details[0]!.message,
    /^line 1, column 14: unknown variable «contact\.nmae» \(did you mean «contact\.name»\?\)/,
  );
  assert.match(unknown.message, /^textTemplate: /);
  const topLevel = await refused({ textTemplate: 'Долг {{ dolg }} руб.' }, 'invalid_input');
  assert.match(topLevel.details[0]!.message, /unknown variable «dolg»/);
  const filter = await refused({ textTemplate: '{{ contact.name | shout }}' }, 'invalid_input');
  assert.equal(filter.details[0]!.field, 'textTemplate');

  const noSubject = await refused({ channel: 'email', textTemplate: 'Квитанция' }, 'invalid_input');
  assert.deepEqual(noSubject.details, [
    { field: 'subject', value: null, message: 'an e-mail campaign needs a subject' },
  ]);
  const badSubject = await refused(
    { channel: 'email', textTemplate: 'Квитанция', subject: 'Для {{ contact.nmae }}' },
    'invalid_input',
  );
  assert.equal(badSubject.details[0]!.field, 'subject');
  // Every content problem at once.
  const both = await refused({ channel: 'email', textTemplate: '' }, 'invalid_input');
  assert.deepEqual(
    both.details.map((d) => d.field),
    ['textTemplate', 'subject'],
  );

  const shape = await refused({ name: '', channel: 'fax', textTemplate: 'x', extra: 1 }, 'validation_failed');
  const fields = new Set(shape.details.map((d) => d.field));
  assert.ok(fields.has('body.name'), shape.message);
  assert.ok(fields.has('body.channel'), shape.message);
  assert.ok(fields.has('body.extra'), shape.message);

  const stranger = await newOrg('СНТ «Чужие»');
  const foreignId = await stranger.contact({ firstName: 'Чужой', phone: '+79120001000' });
  const foreign = await refused(
    { textTemplate: 'Привет', audience: { kind: 'contacts', contactIds: [foreignId] } },
    'invalid_input',
  );
  assert.equal(foreign.details[0]!.field, 'audience.contactIds');
  assert.deepEqual(foreign.details[0]!.value, [foreignId]);
  assert.equal(await campaignCount(org.id), 0);

  // Custom attributes differ per contact, so the check lets them through.
  const ok = await org.call('POST', '/api/v1/campaigns', {
    ...base,
    textTemplate: 'Квитанция: {{ contact.attributes.kvit }}, всего {{ total }} руб.',
  });
  assert.equal(ok.status, 201, ok.text);
  assert.equal(ok.body.state, 'draft');
  assert.equal(ok.body.createdBy, org.initiator);
  assert.equal(ok.body.launchedAt, null);
  assert.equal(ok.body.subject, null);
  assert.deepEqual(ok.body.audience, { kind: 'all' });
  const email = await org.call('POST', '/api/v1/campaigns', {
    ...base,
    channel: 'email',
    subject: 'Квитанция для {{ contact.full_name }}',
    textTemplate: 'Начислено {{ total }} руб.',
  });
  assert.equal(email.status, 201, email.text);
  assert.equal(email.body.subject, 'Квитанция для {{ contact.full_name }}');
  assert.equal(await campaignCount(org.id), 2);
});

test('a campaign may be edited only while a draft: 409 after launch', async () => {
  const org = await newOrg('СНТ «Правки»');
  await org.contact({ firstName: 'Иван', phone: '+79120001001' });
  const id = await org.campaign({ name: 'Черновик', textTemplate: 'Привет, {{ contact.name }}' });

  const edited = await org.call('PATCH', `/api/v1/campaigns/${id}`, {
    name: 'Собрание 1 июня',
    textTemplate: 'Собрание 1 июня, {{ contact.name }}',
  });
  assert.equal(edited.status, 200, edited.text);
  assert.equal(edited.body.name, 'Собрание 1 июня');
  assert.equal(edited.body.textTemplate, 'Собрание 1 июня, {{ contact.name }}');
  assert.equal(edited.body.state, 'draft');

  const bad = await org.call('PATCH', `/api/v1/campaigns/${id}`, {
    textTemplate: 'Собрание {{ contact.nmae }}',
  });
  assert.equal(bad.status, 400, bad.text);
  assert.equal(bad.body.error.details[0].field, 'textTemplate');
  // The channel is fixed at creation; an unknown field is refused, not ignored.
  const channel = await org.call('PATCH', `/api/v1/campaigns/${id}`, { channel: 'email' });
  assert.equal(channel.status, 400, channel.text);
  assert.equal(channel.body.error.code, 'validation_failed');
  assert.equal(channel.body.error.details[0].field, 'body.channel');
  const typo = await org.call('PATCH', `/api/v1/campaigns/${id}`, { textTemplte: 'Опечатка' });
  assert.equal(typo.status, 400, typo.text);
  assert.equal(typo.body.error.details[0].field, 'body.textTemplte');
  const current = await org.call('GET', `/api/v1/campaigns/${id}`);
  assert.equal(current.body.textTemplate, 'Собрание 1 июня, {{ contact.name }}');
  assert.equal(current.body.channel, 'sms');
  assert.equal((await org.call('PATCH', '/api/v1/campaigns/999999999', { name: 'x' })).status, 404);

  const launch = await org.call('POST', `/api/v1/campaigns/${id}/launch`);
  assert.equal(launch.status, 200, launch.text);
  const late = await org.call('PATCH', `/api/v1/campaigns/${id}`, { name: 'Поздно' });
  assert.equal(late.status, 409, late.text);
  assert.deepEqual(late.body, {
    error: { code: 'not_draft', message: 'only a draft campaign can be edited' },
  });
  const after = await org.call('GET', `/api/v1/campaigns/${id}`);
  assert.equal(after.body.name, 'Собрание 1 июня');
  const [m] = await org.messages(id);
  assert.equal(m!.body, 'Собрание 1 июня, Иван');

  // Another organisation cannot edit it either.
  const other = await newOrg('СНТ «Не наши»');
  const draft = await org.campaign({ textTemplate: 'Черновик' });
  assert.equal((await other.call('PATCH', `/api/v1/campaigns/${draft}`, { name: 'Чужое' })).status, 404);
  assert.equal((await org.call('GET', `/api/v1/campaigns/${draft}`)).body.name, 'Рассылка');
});

test('launch queues one message per recipient and excludes those without a phone or marked do-not-message', async () => {
  const org = await newOrg('СНТ «Запуск»');
  const anna = await org.contact({ firstName: 'Анна', middleName: 'Петровна', phone: '89120001010' });
  await org.plot(anna, '1', 1_234_550, 15_000);
  await org.plot(anna, '2', 500_000, 5_050);
  const boris = await org.contact({ firstName: 'Борис', phone: '+79120001011' });
  const noPhone = await org.contact({ firstName: 'Вера', email: 'vera@example.ru' });
  const dnm = await org.contact({ firstName: 'Глеб', phone: '+79120001012', doNotMessage: true });
  const dmitry = await org.contact({ firstName: 'Дмитрий', phone: '+79120001013' });

  const id = await org.campaign({
    name: 'Долги',
    textTemplate: 'Уважаемый {{ contact.name }}! Начислено {{ total }} руб., долг {{ debt }} руб.',
  });
  const launch = await org.launch(id);
  assert.deepEqual(launch, { queued: 3, excluded: 2, completed: false });

  const c = await org.call('GET', `/api/v1/campaigns/${id}`);
  assert.equal(c.status, 200);
  assert.equal(c.body.state, 'sending');
  assert.equal(c.body.launchedBy, org.initiator);
  assert.notEqual(c.body.launchedAt, null);
  assert.equal(c.body.finishedAt, null);
  assert.deepEqual(c.body.counts, { queued: 3, excluded: 2 });

  const rows = await org.messages(id);
  assert.deepEqual(tally(rows), c.body.counts, 'the counts agree with the rows');
  const byContact = new Map(rows.map((m) => [m.contactId, m]));
  assert.deepEqual(
    rows.map((m) => m.contactId),
    [anna, boris, noPhone, dnm, dmitry],
  );
  assert.deepEqual(
    [byContact.get(anna)!.state, byContact.get(anna)!.address, byContact.get(anna)!.body],
    ['queued', '+79120001010', 'Уважаемый Анна Петровна! Начислено 17345.50 руб., долг 200.50 руб.'],
  );
  assert.equal(byContact.get(boris)!.body, 'Уважаемый Борис! Начислено 0.00 руб., долг 0.00 руб.');
  assert.equal(byContact.get(dmitry)!.state, 'queued');
  assert.deepEqual(
    [byContact.get(noPhone)!.state, byContact.get(noPhone)!.reason, byContact.get(noPhone)!.body],
    ['excluded', 'no_address: the contact has no sms address', ''],
  );
  assert.deepEqual([byContact.get(dnm)!.state, byContact.get(dnm)!.reason], ['excluded', 'do_not_message']);
  for (const m of rows) {
    assert.equal(m.campaignId, id);
    assert.equal(m.initiator, org.initiator);
    assert.equal(m.attempts, 0);
    assert.equal(m.providerMessageId, null);
  }

  // Filtering by state.
  const excluded = await org.messages(id, '&state=excluded');
  assert.deepEqual(
    excluded.map((m) => m.contactId),
    [noPhone, dnm],
  );
  const queued = await org.messages(id, '&state=queued');
  assert.deepEqual(
    queued.map((m) => m.contactId),
    [anna, boris, dmitry],
  );
  assert.deepEqual(await org.messages(id, '&state=delivered'), []);
  const badState = await org.call('GET', `/api/v1/campaigns/${id}/messages?state=sent`);
  assert.equal(badState.status, 400);
  assert.equal(badState.body.error.details[0].field, 'querystring.state');

  // A second launch is refused and writes nothing.
  const again = await org.call('POST', `/api/v1/campaigns/${id}/launch`);
  assert.equal(again.status, 409, again.text);
  assert.deepEqual(again.body, {
    error: { code: 'not_draft', message: `campaign ${id} is sending; only a draft can be launched` },
  });
  assert.equal((await org.messages(id)).length, 5);
  const unknown = await org.call('POST', '/api/v1/campaigns/999999999/launch');
  assert.equal(unknown.status, 404);
  assert.equal(unknown.body.error.code, 'not_found');
  assert.equal((await org.call('GET', '/api/v1/campaigns/999999999/messages')).status, 404);

  // The campaign's message is in the recipient's history too (RP-3).
  const history = await org.call('GET', `/api/v1/contacts/${anna}/messages`);
  assert.deepEqual(
    history.body.items.map((m: Msg) => [m.campaignId, m.state]),
    [[id, 'queued']],
  );
});

test('an e-mail campaign renders its subject per recipient and excludes contacts without an e-mail', async () => {
  const org = await newOrg('УК «Квитанции»');
  const ivanov = await org.contact({ lastName: 'Иванов', firstName: 'Иван', email: 'ivanov@example.ru' });
  await org.plot(ivanov, 'ЛС-1', 345_600, 0);
  const phoneOnly = await org.contact({ lastName: 'Петров', phone: '+79120001060' });
  const id = await org.campaign({
    channel: 'email',
    subject: 'Квитанция для {{ contact.full_name }}',
    textTemplate: 'Начислено {{ total }} руб.',
  });
  assert.deepEqual(await org.launch(id), {
    queued: 1,
    excluded: 1,
    completed: false,
  });
  const [a, b] = await org.messages(id);
  assert.deepEqual(
    [a!.contactId, a!.state, a!.address, a!.subject, a!.body],
    [ivanov, 'queued', 'ivanov@example.ru', 'Квитанция для Иванов Иван', 'Начислено 3456.00 руб.'],
  );
  assert.deepEqual(
    [b!.contactId, b!.state, b!.reason, b!.subject],
    [phoneOnly, 'excluded', 'no_address: the contact has no email address', null],
  );
});

test('a launch with a contacts audience reaches only those contacts', async () => {
  const org = await newOrg('СНТ «Выборка»');
  const a = await org.contact({ firstName: 'А', phone: '+79120001020' });
  await org.contact({ firstName: 'Б', phone: '+79120001021' });
  const c = await org.contact({ firstName: 'В' });
  const id = await org.campaign({
    textTemplate: 'Привет',
    audience: { kind: 'contacts', contactIds: [a, c] },
  });
  const launch = await org.launch(id);
  assert.deepEqual(launch, { queued: 1, excluded: 1, completed: false });
  assert.deepEqual(
    (await org.messages(id)).map((m) => [m.contactId, m.state]),
    [
      [a, 'queued'],
      [c, 'excluded'],
    ],
  );
});

test('a launch where nobody can be reached completes at once', async () => {
  const org = await newOrg('СНТ «Никого»');
  await org.contact({ firstName: 'Без телефона' });
  await org.contact({ firstName: 'Не писать', phone: '+79120001030', doNotMessage: true });
  const id = await org.campaign({ textTemplate: 'Привет' });
  const launch = await org.launch(id);
  assert.deepEqual(launch, { queued: 0, excluded: 2, completed: true });
  const c = await org.call('GET', `/api/v1/campaigns/${id}`);
  assert.equal(c.body.state, 'completed');
  assert.notEqual(c.body.finishedAt, null);
  assert.deepEqual(c.body.counts, { excluded: 2 });
  const empty = await newOrg('СНТ «Пусто»');
  const none = await empty.campaign({ textTemplate: 'Привет' });
  assert.deepEqual(await empty.launch(none), {
    queued: 0,
    excluded: 0,
    completed: true,
  });
});

test('cancel excludes the queued messages with a reason; a finished campaign cannot be cancelled', async () => {
  const org = await newOrg('СНТ «Отмена»');
  const ids = [];
  for (let i = 0; i < 4; i++) ids.push(await org.contact({ firstName: `К${i}`, phone: `+7912000104${i}` }));
  const dnm = await org.contact({ firstName: 'Нет', phone: '+79120001049', doNotMessage: true });
  const id = await org.campaign({ textTemplate: 'Отменится' });
  assert.deepEqual(await org.launch(id), {
    queued: 4,
    excluded: 1,
    completed: false,
  });

  const cancelled = await org.call('POST', `/api/v1/campaigns/${id}/cancel`);
  assert.equal(cancelled.status, 200, cancelled.text);
  assert.equal(cancelled.body.state, 'cancelled');
  assert.notEqual(cancelled.body.finishedAt, null);
  const c = await org.call('GET', `/api/v1/campaigns/${id}`);
  assert.equal(c.body.state, 'cancelled');
  assert.deepEqual(c.body.counts, { excluded: 5 });
  const rows = await org.messages(id);
  assert.deepEqual(tally(rows), c.body.counts);
  for (const m of rows) {
    assert.equal(m.state, 'excluded');
    assert.equal(m.reason, m.contactId === dnm ? 'do_not_message' : 'campaign cancelled');
    assert.notEqual(m.finalAt, null);
  }
  assert.deepEqual((await org.messages(id, '&state=queued')).length, 0);

  const twice = await org.call('POST', `/api/v1/campaigns/${id}/cancel`);
  assert.equal(twice.status, 409);
  assert.deepEqual(twice.body, { error: { code: 'finished', message: 'the campaign has finished already' } });
  const relaunch = await org.call('POST', `/api/v1/campaigns/${id}/launch`);
  assert.equal(relaunch.status, 409);
  assert.equal(relaunch.body.error.code, 'not_draft');

  // A draft can be cancelled and then never launched.
  const draft = await org.campaign({ textTemplate: 'Не будет' });
  const d = await org.call('POST', `/api/v1/campaigns/${draft}/cancel`);
  assert.equal(d.status, 200);
  assert.equal(d.body.state, 'cancelled');
  assert.equal((await org.call('POST', `/api/v1/campaigns/${draft}/launch`)).status, 409);
  assert.deepEqual(await org.messages(draft), []);
  assert.equal((await org.call('POST', '/api/v1/campaigns/999999999/cancel')).status, 404);
});

test('campaigns are listed newest first, a page at a time', async () => {
  const org = await newOrg('СНТ «Список»');
  const ids = [];
  for (let i = 0; i < 3; i++) ids.push(await org.campaign({ name: `Рассылка ${i}`, textTemplate: 'x' }));
  const p1 = await org.call('GET', '/api/v1/campaigns?limit=2');
  assert.deepEqual(
    p1.body.items.map((c: { id: number }) => c.id),
    [ids[2], ids[1]],
  );
  assert.equal(p1.body.nextCursor, ids[1]);
  const p2 = await org.call('GET', `/api/v1/campaigns?limit=2&before=${ids[1]}`);
  assert.deepEqual(
    p2.body.items.map((c: { id: number }) => c.id),
    [ids[0]],
  );
  assert.equal(p2.body.nextCursor, null);
});

test('a launched campaign is delivered through the sandbox and completes; every message ends final', async () => {
  const org = await newOrg('СНТ «Доставка»');
  const reachable: number[] = [];
  for (let i = 0; i < 12; i++) {
    const id = await org.contact({ firstName: `Член ${i}`, phone: `+7912000${String(2000 + i)}` });
    await org.plot(id, String(i + 1), 100_000 + i, i * 100);
    reachable.push(id);
  }
  const noPhone = await org.contact({ firstName: 'Без телефона' });
  const dnm = await org.contact({ firstName: 'Отписан', phone: '+79120003000', doNotMessage: true });
  await updateGatewaySettings(api.db, org.id, (await org.smsGateway()).id, { deliveryDelayMs: 20 });

  const id = await org.campaign({ textTemplate: '{{ contact.first_name }}: долг {{ debt }} руб.' });
  assert.deepEqual(await org.launch(id), {
    queued: 12,
    excluded: 2,
    completed: false,
  });

  const dispatcher = await startDispatcher(api.db, {
    workers: 2,
    gateways: api.gateways,
    idlePollMs: 50,
    worker: { statusPollSeconds: 0.05 },
  });
  let final: { counts: Record<string, number>; finishedAt: string | null } | undefined;
  try {
    final = await waitFor(
      async () => {
        const c = await org.call('GET', `/api/v1/campaigns/${id}`);
        return c.body.state === 'completed' ? c.body : undefined;
      },
      20_000,
      'the campaign to complete',
    );
  } finally {
    await dispatcher.stop();
  }
  assert.deepEqual(final?.counts, { delivered: 12, excluded: 2 });
  assert.notEqual(final?.finishedAt, null);
  const rows = await org.messages(id);
  assert.deepEqual(tally(rows), final?.counts);
  for (const m of rows) {
    if (m.contactId === noPhone || m.contactId === dnm) {
      assert.equal(m.state, 'excluded');
      assert.equal(m.attempts, 0);
      assert.equal(m.providerMessageId, null);
      continue;
    }
    assert.equal(m.state, 'delivered', JSON.stringify(m));
    assert.match(m.providerMessageId ?? '', /^sbx-[0-9a-f-]{36}$/);
    assert.equal(m.attempts, 1);
    assert.equal(m.rawStatus, 'DELIVERED');
    assert.notEqual(m.submittedAt, null);
    assert.notEqual(m.finalAt, null);
    assert.ok(Date.parse(m.finalAt!) >= Date.parse(m.submittedAt!));
  }
  const i = reachable.indexOf(rows[5]!.contactId);
  assert.equal(rows[5]!.body, `Член ${i}: долг ${i}.00 руб.`);
  assert.deepEqual(
    (await org.messages(id, '&state=delivered')).map((m) => m.contactId),
    reachable,
  );
  // A finished campaign cannot be cancelled.
  assert.equal((await org.call('POST', `/api/v1/campaigns/${id}/cancel`)).status, 409);
});

test('rejected and undelivered messages are final too, and the campaign still completes', async () => {
  const rejecting = await newOrg('СНТ «Отказ»');
  const undelivering = await newOrg('СНТ «Недоставка»');
  for (let i = 0; i < 3; i++) {
    await rejecting.contact({ firstName: `Р${i}`, phone: `+7912000${String(4000 + i)}` });
    await undelivering.contact({ firstName: `Н${i}`, phone: `+7912000${String(5000 + i)}` });
  }
  await updateGatewaySettings(api.db, rejecting.id, (await rejecting.smsGateway()).id, { rejectRate: 1 });
  await updateGatewaySettings(api.db, undelivering.id, (await undelivering.smsGateway()).id, {
    undeliveredRate: 1,
    deliveryDelayMs: 20,
  });
  const r = await rejecting.campaign({ textTemplate: 'Отклонят' });
  const u = await undelivering.campaign({ textTemplate: 'Не дойдёт' });
  assert.equal((await rejecting.launch(r)).queued, 3);
  assert.equal((await undelivering.launch(u)).queued, 3);

  const dispatcher = await startDispatcher(api.db, {
    workers: 2,
    gateways: api.gateways,
    idlePollMs: 50,
    worker: { statusPollSeconds: 0.05 },
  });
  try {
    await waitFor(
      async () =>
        (await rejecting.call('GET', `/api/v1/campaigns/${r}`)).body.state === 'completed' &&
        (await undelivering.call('GET', `/api/v1/campaigns/${u}`)).body.state === 'completed',
      20_000,
      'both campaigns to complete',
    );
  } finally {
    await dispatcher.stop();
  }
  assert.deepEqual((await rejecting.call('GET', `/api/v1/campaigns/${r}`)).body.counts, { rejected: 3 });
  for (const m of await rejecting.messages(r)) {
    assert.deepEqual(
      [m.state, m.rawStatus, m.reason, m.attempts],
      ['rejected', 'REJECTED', 'sandbox: rejected', 1],
    );
    assert.equal(m.providerMessageId, null);
  }
  assert.deepEqual((await undelivering.call('GET', `/api/v1/campaigns/${u}`)).body.counts, {
    undelivered: 3,
  });
  for (const m of await undelivering.messages(u)) {
    assert.deepEqual([m.state, m.rawStatus], ['undelivered', 'UNDELIVERED']);
    assert.match(m.providerMessageId ?? '', /^sbx-/);
  }
});
