/**
 * What a launch makes of a campaign's content (CH-6, CT-1, CT-2, CT-4): the text of the campaign's
 * channel out of several, the messenger's 700-character limit and the empty-value policy per
 * recipient, receipt links that download the object's document, an e-mail's sanitised HTML, plain
 * text, List-Unsubscribe link that works, and its attachments — a recipient whose own document is
 * missing is excluded with the reason — and seed 004's loan placeholders filled from the schedule.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApi } from '../helpers/api.ts';

const api = await createTestApi();

interface Row {
  id: number;
  contact_id: number;
  state: string;
  reason: string | null;
  body: string;
  subject: string | null;
  content: {
    html: string;
    headers: Record<string, string>;
    attachments: { documentId: number; fileName: string }[];
  } | null;
}

async function newOrg(name: string) {
  const org = await api.addOrg(name);
  const call = (method: string, url: string, body?: unknown, headers?: Record<string, string>) =>
    api.call(method, url, body, { key: org.key, ...(headers ? { headers } : {}) });
  const contact = async (body: object): Promise<number> => {
    const r = await call('POST', '/api/v1/contacts', body);
    assert.equal(r.status, 201, r.text);
    return r.body.id;
  };
  const object = async (contactId: number, body: object): Promise<number> => {
    const r = await call('POST', `/api/v1/contacts/${contactId}/objects`, body);
    assert.equal(r.status, 201, r.text);
    return r.body.id;
  };
  const upload = async (objectId: number, fileName: string, bytes: string, kind = 'receipt') => {
    const r = await api.app.inject({
      method: 'POST',
      url: `/api/v1/objects/${objectId}/documents?fileName=${encodeURIComponent(fileName)}&kind=${kind}`,
      headers: { authorization: `Bearer ${org.key}`, 'content-type': 'application/pdf' },
      payload: Buffer.from(bytes),
    });
    assert.equal(r.statusCode, 201, r.body);
    return JSON.parse(r.body).document.id as number;
  };
  const launch = async (body: Record<string, unknown>) => {
    const c = await call('POST', '/api/v1/campaigns', {
      name: 'Рассылка',
      audience: { kind: 'all' },
      ...body,
    });
    assert.equal(c.status, 201, c.text);
    const l = await call('POST', `/api/v1/campaigns/${c.body.id}/launch`);
    assert.equal(l.status, 200, l.text);
    const { rows } = await api.db.query<Row>(
      'SELECT id, contact_id, state, reason, body, subject, content FROM messages WHERE campaign_id = $1 ORDER BY contact_id',
      [c.body.id],
    );
    return {
      id: c.body.id as number,
      campaign: c.body,
      rows,
      byContact: new Map(rows.map((r) => [r.contact_id, r])),
    };
  };
  return { org, call, contact, object, upload, launch };
}

test('one campaign, a text per channel: the launch sends its own channel’s, and edits keep the others', async () => {
  const o = await newOrg('Каскад');
  const ivan = await o.contact({ firstName: 'Иван', lastName: 'Петров', phone: '8 (912) 345-67-89' });
  const texts = {
    sms: 'Коротко: {{ contact.first_name }}',
    messenger: 'Подробно для {{ contact.name }}: собрание в субботу',
    email: { subject: 'Собрание', html: '<p>Письмо для {{ contact.first_name }}</p>' },
  };
  const r = await o.launch({ channel: 'sms', texts });
  assert.equal(r.campaign.textTemplate, texts.sms);
  assert.deepEqual(r.campaign.texts.messenger, texts.messenger);
  assert.equal(r.byContact.get(ivan)!.body, 'Коротко: Иван');

  // textTemplate is the primary channel's text: giving both, different, is refused.
  const both = await o.call('POST', '/api/v1/campaigns', {
    name: 'x',
    channel: 'sms',
    audience: { kind: 'all' },
    textTemplate: 'одно',
    texts: { sms: 'другое' },
  });
  assert.equal(both.status, 400, both.text);
  assert.equal(both.body.error.details[0].field, 'textTemplate');
  // Each channel's text is checked against its own variables, under its own name.
  const bad = await o.call('POST', '/api/v1/campaigns', {
    name: 'x',
    channel: 'sms',
    audience: { kind: 'all' },
    texts: { sms: 'ok', messenger: '{{ contact.nmae }}' },
  });
  assert.equal(bad.status, 400, bad.text);
  assert.equal(bad.body.error.details[0].field, 'texts.messenger');
  const none = await o.call('POST', '/api/v1/campaigns', {
    name: 'x',
    channel: 'messenger',
    audience: { kind: 'all' },
    texts: { sms: 'ok' },
  });
  assert.equal(none.status, 400, none.text);
  assert.match(none.body.error.message, /texts\.messenger/);

  // An edit of the primary text keeps the other channels' texts; the seeds' placeholders are translated.
  const draft = await o.call('POST', '/api/v1/campaigns', {
    name: 'x',
    channel: 'sms',
    audience: { kind: 'all' },
    texts,
  });
  const edited = await o.call('PATCH', `/api/v1/campaigns/${draft.body.id}`, {
    textTemplate: 'Уважаемый %name',
  });
  assert.equal(edited.status, 200, edited.text);
  assert.equal(edited.body.texts.sms, 'Уважаемый {{ contact.name }}');
  assert.equal(edited.body.textTemplate, 'Уважаемый {{ contact.name }}');
  assert.equal(edited.body.texts.messenger, texts.messenger);
  assert.deepEqual(edited.body.texts.email.subject, 'Собрание');
});

test('per recipient: the messenger’s 700 characters, and the empty-value policy (block or a default)', async () => {
  const o = await newOrg('Мессенджер');
  const short = await o.contact({ firstName: 'Ян', phone: '+79120000001', telegramChatId: '1001' });
  const long = await o.contact({ firstName: 'Я'.repeat(80), phone: '+79120000002', telegramChatId: '1002' });
  const m = await o.launch({
    channel: 'messenger',
    texts: { messenger: `${'Текст. '.repeat(90)}{{ contact.first_name }}` },
  });
  assert.equal(m.byContact.get(short)!.state, 'queued');
  assert.equal(m.byContact.get(long)!.state, 'excluded');
  assert.match(
    m.byContact.get(long)!.reason!,
    /^too_long: texts\.messenger is 710 characters, more than the 700/,
  );

  const withEmail = await o.contact({ firstName: 'Ева', phone: '+79120000003', email: 'eva@example.ru' });
  const blocked = await o.launch({
    channel: 'sms',
    textTemplate: 'Ваш адрес: {{ contact.email }}',
    emptyPolicy: { mode: 'block' },
  });
  assert.equal(blocked.byContact.get(withEmail)!.body, 'Ваш адрес: eva@example.ru');
  assert.equal(blocked.byContact.get(short)!.state, 'excluded');
  assert.match(blocked.byContact.get(short)!.reason!, /^empty_value: texts\.sms «contact\.email» is empty/);
  assert.equal(blocked.campaign.emptyPolicy.mode, 'block');

  const defaulted = await o.launch({
    channel: 'sms',
    textTemplate: 'Ваш адрес: {{ contact.email }}',
    emptyPolicy: { mode: 'default', text: 'не указан' },
  });
  assert.equal(defaulted.byContact.get(short)!.body, 'Ваш адрес: не указан');
  assert.equal(defaulted.byContact.get(short)!.state, 'queued');
});

test('%kvit at launch: each plot’s signed receipt link, which downloads that plot’s document', async () => {
  const o = await newOrg('СНТ «Ромашка»');
  const owner = await o.contact({
    lastName: 'Иванов',
    firstName: 'Иван',
    middleName: 'Иванович',
    phone: '+79121112233',
  });
  const p17 = await o.object(owner, {
    kind: 'plot',
    number: '17',
    chargesKopecks: 1_012_345,
    debtKopecks: 50_000,
  });
  const p18 = await o.object(owner, { kind: 'plot', number: '18', chargesKopecks: 100_000, debtKopecks: 0 });
  await o.upload(p17, 'Квитанция 17.pdf', '%PDF-1.4 участок 17');
  await o.upload(p18, 'Квитанция 18.pdf', '%PDF-1.4 участок 18');
  const r = await o.launch({
    channel: 'sms',
    textTemplate: 'Уважаемый %name. Квитанции: %kvit. Всего %total руб., долг %debt руб.',
  });
  const body = r.byContact.get(owner)!.body;
  const links = body.match(/http:\/\/[^\s,]+\/d\/[A-Za-z0-9_.-]+/g) ?? [];
  assert.equal(links.length, 2, body);
  assert.match(body, /^Уважаемый Иван Иванович\. Квитанции: .+\. Всего 11123\.45 руб\., долг 500\.00 руб\.$/);
  const got = await Promise.all(
    links.map((l) => api.app.inject({ method: 'GET', url: new URL(l).pathname })),
  );
  assert.deepEqual(
    got.map((g) => [g.statusCode, g.body]),
    [
      [200, '%PDF-1.4 участок 17'],
      [200, '%PDF-1.4 участок 18'],
    ],
  );
});

test('e-mail at launch: sanitised HTML with inlined CSS, the plain-text part, List-Unsubscribe that works, attachments', async () => {
  const o = await newOrg('УК «Дом»');
  const anna = await o.contact({ firstName: 'Анна', lastName: 'Смирнова', email: 'anna@example.ru' });
  const boris = await o.contact({ firstName: 'Борис', email: 'boris@example.ru' });
  const acc1 = await o.object(anna, { kind: 'account', number: 'ЛС-001', chargesKopecks: 345_600 });
  await o.object(boris, { kind: 'account', number: 'ЛС-002', chargesKopecks: 100 });
  await o.upload(acc1, 'Квитанция ЛС-001.pdf', '%PDF-1.4 ЛС-001');
  const rules = await o.object(anna, { kind: 'plot', number: 'правила' });
  const shared = await o.upload(rules, 'Правила.pdf', '%PDF-1.4 правила', 'rules');

  const r = await o.launch({
    channel: 'email',
    texts: {
      email: {
        subject: 'Квитанция для {{ contact.first_name }}',
        html:
          '<style>p { color: #333 }</style><p>Начислено {{ total }} руб.</p><script>alert(1)</script>' +
          '<a href="javascript:alert(1)">x</a> <a href="{{ unsubscribe_url }}">Отписаться</a>',
      },
    },
    attachments: { documentIds: [shared], perRecipient: { kind: 'receipt', objectKind: 'account' } },
  });
  const a = r.byContact.get(anna)!;
  assert.equal(a.state, 'queued', a.reason ?? '');
  assert.equal(a.subject, 'Квитанция для Анна');
  assert.match(a.content!.html, /<p style="color: #333;?">Начислено 3456\.00 руб\.<\/p>/);
  assert.doesNotMatch(a.content!.html, /script|javascript:|alert/);
  assert.match(a.body, /Начислено 3456\.00 руб\./);
  assert.deepEqual(
    a.content!.attachments.map((x) => x.fileName),
    ['Правила.pdf', 'Квитанция ЛС-001.pdf'],
  );
  // Борис has an account without a receipt: not sent without it, and the report says why.
  const b = r.byContact.get(boris)!;
  assert.equal(b.state, 'excluded');
  assert.equal(b.reason, 'attachment_missing: no «receipt» document for ЛС-002');

  // The header's link is this message's own; a GET only asks, the one-click POST unsubscribes.
  assert.equal(a.content!.headers['List-Unsubscribe-Post'], 'List-Unsubscribe=One-Click');
  const url = /<([^>]+\/u\/[^>]+)>/.exec(a.content!.headers['List-Unsubscribe']!)![1]!;
  assert.ok(a.content!.html.includes(url.replace(/&/g, '&amp;')), 'the body links to the same page');
  const path = new URL(url).pathname;
  const get = await api.app.inject({ method: 'GET', url: path });
  assert.equal(get.statusCode, 200);
  const post = await api.app.inject({
    method: 'POST',
    url: path,
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    payload: 'List-Unsubscribe=One-Click',
  });
  assert.ok(post.statusCode < 300, post.body);
  const { rows } = await api.db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM suppressions WHERE org_id = $1 AND address = 'anna@example.ru'`,
    [o.org.id],
  );
  assert.equal(rows[0]!.n, 1);

  // Attachments belong to e-mail: an SMS campaign with them is refused at launch.
  const sms = await o.call('POST', '/api/v1/campaigns', {
    name: 'x',
    channel: 'sms',
    audience: { kind: 'all' },
    textTemplate: 'x',
    attachments: { documentIds: [shared], perRecipient: null },
  });
  assert.equal(sms.status, 400, sms.text);
  assert.equal(sms.body.error.details[0].field, 'attachments');
  assert.match(sms.body.error.details[0].message, /only an e-mail carries files/);
});

test('seed 004 at launch: the loan placeholders from the open loan and its payment schedule', async () => {
  const o = await newOrg('МФО «Заём»');
  const borrower = await o.contact({
    lastName: 'Сидоров',
    firstName: 'Пётр',
    middleName: 'Ильич',
    phone: '+79123334455',
  });
  const loan = await o.object(borrower, {
    kind: 'loan',
    number: 'Д-2026/17',
    chargesKopecks: 3_000_000,
    attributes: { contract_date: '2026-01-15' },
  });
  const closed = await o.object(borrower, {
    kind: 'loan',
    number: 'Д-2025/01',
    chargesKopecks: 100_000,
    attributes: { contract_date: '2025-01-01', status: 'closed' },
  });
  const far = new Date(Date.now() + 400 * 86_400_000).toISOString().slice(0, 10);
  const near = new Date(Date.now() + 5 * 86_400_000).toISOString().slice(0, 10);
  for (const [objectId, date, amount, paid] of [
    [loan, '2026-02-15', 250_000, 250_000],
    [loan, near, 260_000, 0],
    [loan, far, 270_000, 0],
    [closed, near, 1, 0],
  ] as const) {
    await api.db.query(
      'INSERT INTO loan_payments (org_id, object_id, due_date, amount_kopecks, paid_kopecks) VALUES ($1, $2, $3, $4, $5)',
      [o.org.id, objectId, date, amount, paid],
    );
  }
  const r = await o.launch({
    channel: 'sms',
    textTemplate:
      '#FAM# #IM# #OT#, по договору #NOM_D# от #DATE_D# на #SUM_Z# руб. платёж #SUM_P# руб. до #DATE_P#',
  });
  const [y, m, d] = near.split('-');
  assert.equal(
    r.byContact.get(borrower)!.body,
    `Сидоров Пётр Ильич, по договору Д-2026/17 от 15.01.2026 на 30000.00 руб. платёж 2600.00 руб. до ${d}.${m}.${y}`,
  );
});

test('awkward characters reach the message rows as rendered: quotes, backslashes, braces, new lines, emoji', async () => {
  // A launch reads its recipients and writes its rows as JSON documents (store/recipients.ts,
  // store/messages.ts): whatever a contact's fields hold must come through unchanged.
  const o = await newOrg('Символы');
  const awkward = 'О\'Нил "Кот" \\n \\\\ {x} [1,2] 😀 ё';
  const note = '{"json": "внутри"}\\\tтаб\nстрока';
  const a = await o.contact({
    firstName: awkward,
    lastName: 'Тест',
    phone: '+79120000101',
    attributes: { note, n: 12.5 },
  });
  const b = await o.contact({
    firstName: 'Ирина',
    lastName: '',
    phone: '+79120000102',
    attributes: { note: '' },
  });
  const r = await o.launch({
    channel: 'sms',
    textTemplate: 'Для {{ contact.first_name }}: {{ contact.attributes.note }} ({{ contact.attributes.n }})',
  });
  assert.equal(r.byContact.get(a)!.body, `Для ${awkward}: ${note} (12.5)`);
  assert.equal(r.byContact.get(a)!.state, 'queued');
  // The recipient without the attribute is excluded with the reason, beside the one sent.
  assert.equal(r.byContact.get(b)!.state, 'excluded');
  assert.match(r.byContact.get(b)!.reason!, /undefined variable: contact\.attributes\.n/);
});
