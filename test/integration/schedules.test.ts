/**
 * Scheduled and recurring campaigns (SD-4) and automations (SD-5) on a controlled clock: the
 * scheduler is called with the instant it should believe it is. Through the API: the delivery
 * settings, an automation, its runs and a message's explanation. Runs on PGlite and PostgreSQL.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { preset } from '../../src/core/schedule/automations.ts';
import { launchCampaign } from '../../src/dispatch/launch.ts';
import { runScheduler } from '../../src/dispatch/scheduler.ts';
import { countMessagesByState, getCampaign, insertCampaign } from '../../src/store/campaigns.ts';
import { insertContact } from '../../src/store/contacts.ts';
import type { Db } from '../../src/store/db.ts';
import { replaceSchedule } from '../../src/store/loanPayments.ts';
import { insertObject } from '../../src/store/objects.ts';
import { listRuns } from '../../src/store/timing.ts';
import { createTestApi } from '../helpers/api.ts';

const api = await createTestApi();
const db: Db = api.db;
const iso = (d: Date | null | undefined) => d?.toISOString().replace('.000Z', 'Z') ?? null;

async function contact(orgId: number, c: Parameters<typeof insertContact>[2]): Promise<number> {
  const r = await insertContact(db, orgId, { firstName: 'Анна', ...c });
  assert.ok(typeof r === 'object');
  return r.id;
}

test('a campaign scheduled for an instant is armed, then launched by the scheduler when its time comes', async () => {
  const org = await api.addOrg('По расписанию');
  await contact(org.id, { phone: '+79120001001' });
  const c = await insertCampaign(
    db,
    org.id,
    {
      name: 'Собрание',
      channel: 'sms',
      textTemplate: 'Собрание в субботу',
      audience: { kind: 'all' },
      schedule: { at: '2026-06-15T09:00:00Z' },
    },
    'test',
  );
  const armed = await launchCampaign(db, org.id, c.id, 'test', undefined, {
    now: new Date('2026-06-15T06:00:00Z'),
  });
  assert.ok(armed.ok);
  assert.equal(iso(armed.scheduledFor), '2026-06-15T09:00:00Z');
  assert.equal((await getCampaign(db, org.id, c.id))?.state, 'scheduled');
  assert.deepEqual(await countMessagesByState(db, org.id, c.id), {});
  // Contacts added before the time are included: the audience is resolved at the run (AU-7).
  await contact(org.id, { phone: '+79120001002' });
  assert.deepEqual(await runScheduler(db, new Date('2026-06-15T08:59:59Z')), []);
  assert.deepEqual(await runScheduler(db, new Date('2026-06-15T09:00:00Z')), [c.id]);
  assert.equal((await getCampaign(db, org.id, c.id))?.state, 'sending');
  assert.deepEqual(await countMessagesByState(db, org.id, c.id), { queued: 2 });
  // Run again: nothing launched twice.
  assert.deepEqual(await runScheduler(db, new Date('2026-06-15T09:00:10Z')), []);
});

test('«at 11:00 wherever they are»: each recipient’s message is due at their own local time', async () => {
  const org = await api.addOrg('Местное время');
  const far = await contact(org.id, { phone: '+79120002001', timeZone: 'Asia/Vladivostok' });
  const home = await contact(org.id, { phone: '+79120002002' });
  const c = await insertCampaign(
    db,
    org.id,
    {
      name: 'Поздравление',
      channel: 'sms',
      textTemplate: 'С праздником!',
      audience: { kind: 'all' },
      schedule: { date: '2026-06-16', localTime: '11:00' },
    },
    'test',
  );
  const armed = await launchCampaign(db, org.id, c.id, 'test', undefined, {
    now: new Date('2026-06-15T06:00:00Z'),
  });
  // The earliest 11:00 on Earth (UTC+14) launches it; each message then waits for its own 11:00.
  assert.ok(armed.ok && iso(armed.scheduledFor) === '2026-06-15T21:00:00Z');
  assert.deepEqual(await runScheduler(db, new Date('2026-06-15T21:00:00Z')), [c.id]);
  const { rows } = await db.query<{ contact_id: number; due_at: Date }>(
    'SELECT contact_id, due_at FROM messages WHERE campaign_id = $1',
    [c.id],
  );
  const due = new Map(rows.map((r) => [r.contact_id, iso(r.due_at)]));
  assert.equal(due.get(far), '2026-06-16T01:00:00Z');
  assert.equal(due.get(home), '2026-06-16T08:00:00Z');
});

test('a recurring automation: each run resolves its audience anew, has its own report, and never reminds of a payment twice', async () => {
  const org = await api.addOrg('Займы');
  const borrower = await contact(org.id, { phone: '+79120003001', attributes: { office: 'Тула' } });
  const loan = await insertObject(db, org.id, borrower, {
    kind: 'loan',
    number: 'Z-1',
    chargesKopecks: 10_000_00,
  });
  assert.ok(typeof loan === 'object');
  await replaceSchedule(db, org.id, loan.id, [
    { dueDate: '2026-06-17', amountKopecks: 1_000_00 },
    { dueDate: '2026-07-17', amountKopecks: 1_000_00 },
  ]);
  const ready = preset({ kind: 'payment_due', days: 3 });
  const parent = await insertCampaign(
    db,
    org.id,
    {
      name: 'Платежи',
      channel: 'sms',
      textTemplate: ready.textTemplate,
      audience: ready.audience,
      category: 'service',
      recurrence: ready.recurrence,
      automation: { kind: 'payment_due', days: 3 },
      dedupKey: ready.dedupKey,
    },
    'test',
  );
  const armed = await launchCampaign(db, org.id, parent.id, 'test', undefined, {
    now: new Date('2026-06-15T05:00:00Z'),
  });
  assert.ok(armed.ok && iso(armed.scheduledFor) === '2026-06-15T07:00:00Z'); // 10:00 Moscow
  const first = await runScheduler(db, new Date('2026-06-15T07:00:00Z'));
  assert.equal(first.length, 1);
  assert.equal(iso((await getCampaign(db, org.id, parent.id))?.nextRunAt), '2026-06-16T07:00:00Z');
  assert.deepEqual(await countMessagesByState(db, org.id, first[0]!), { queued: 1 });
  const { rows } = await db.query<{ body: string }>('SELECT body FROM messages WHERE campaign_id = $1', [
    first[0],
  ]);
  assert.match(rows[0]!.body, /Z-1/);
  // The next day the same payment is still due in 3 days: the run excludes it as a duplicate.
  const second = await runScheduler(db, new Date('2026-06-16T07:00:00Z'));
  assert.equal(second.length, 1);
  const { rows: dup } = await db.query<{ state: string; reason: string }>(
    'SELECT state, reason FROM messages WHERE campaign_id = $1',
    [second[0]],
  );
  assert.equal(dup[0]!.state, 'excluded');
  assert.match(dup[0]!.reason, /^duplicate_run: an earlier run sent payment:Тула:Z-1:1:2026-06-17/);
  const runs = await listRuns(db, org.id, parent.id);
  assert.deepEqual(
    runs.map((r) => r.id),
    [second[0], first[0]],
  );
  // A scheduler that was down for three days runs once, not three times.
  assert.equal((await runScheduler(db, new Date('2026-06-19T12:00:00Z'))).length, 1);
  assert.equal(iso((await getCampaign(db, org.id, parent.id))?.nextRunAt), '2026-06-20T07:00:00Z');
});

test('a scheduled launch that cannot go (no balance) returns to draft with the reason', async () => {
  const org = await api.addOrg('Без денег', 0);
  await contact(org.id, { phone: '+79120004001' });
  const c = await insertCampaign(
    db,
    org.id,
    {
      name: 'Долг',
      channel: 'sms',
      textTemplate: 'Текст',
      audience: { kind: 'all' },
      schedule: { at: '2026-06-15T09:00:00Z' },
    },
    'test',
  );
  assert.ok(
    (await launchCampaign(db, org.id, c.id, 'test', undefined, { now: new Date('2026-06-15T08:00:00Z') })).ok,
  );
  assert.deepEqual(await runScheduler(db, new Date('2026-06-15T09:00:00Z')), []);
  const back = await getCampaign(db, org.id, c.id);
  assert.equal(back?.state, 'draft');
  assert.match(back?.scheduleError ?? '', /available balance is 0,00/);
});

test('through the API: delivery settings, an automation with its runs, and why a message waits', async () => {
  const org = await api.addOrg('API часов');
  const call = (method: string, url: string, body?: unknown) => api.call(method, url, body, { key: org.key });
  const got = await call('GET', '/api/v1/org/delivery');
  assert.equal(got.status, 200);
  assert.equal(got.body.messengerWaitSeconds, 90);
  const bad = await call('PATCH', '/api/v1/org/delivery', { windowStart: '23:00', windowEnd: '10:00' });
  assert.equal(bad.status, 400);
  assert.match(bad.text, /must be before/);
  const set = await call('PATCH', '/api/v1/org/delivery', {
    windowStart: '09:00',
    windowEnd: '21:00',
    dailyCapPerRecipient: 3,
  });
  assert.equal(set.status, 200, set.text);
  assert.equal(set.body.windowEnd, '21:00');

  const made = await call('POST', '/api/v1/automations', {
    name: 'Дни рождения',
    automation: { kind: 'birthday' },
    at: '09:30',
  });
  assert.equal(made.status, 201, made.text);
  assert.equal(made.body.state, 'scheduled');
  assert.deepEqual(made.body.recurrence, { every: 'day', at: '09:30' });
  assert.equal(made.body.dedupKey, 'birthday');
  const runs = await call('GET', `/api/v1/campaigns/${made.body.id}/runs`);
  assert.deepEqual(runs.body, { items: [] });

  const wrong = await call('POST', '/api/v1/campaigns', {
    name: 'x',
    channel: 'email',
    textTemplate: '<p>x</p>',
    subject: 'x',
    audience: { kind: 'all' },
    mode: 'urgent',
    recurrence: { cron: '0 25 * * *' },
  });
  assert.equal(wrong.status, 400);
  assert.match(wrong.text, /urgent mode sends SMS/);
  assert.match(wrong.text, /recurrence/);

  // A message that waits for the window says so, with the due time on the recipient's clock.
  const id = await contact(org.id, { phone: '+79120005001', timeZone: 'Asia/Yekaterinburg' });
  const c = await insertCampaign(
    db,
    org.id,
    { name: 'Ночь', channel: 'sms', textTemplate: 'Текст', audience: { kind: 'contacts', contactIds: [id] } },
    'test',
  );
  assert.ok(
    (await launchCampaign(db, org.id, c.id, 'test', undefined, { now: new Date('2026-06-15T18:00:00Z') })).ok,
  );
  const { rows } = await db.query<{ id: number }>('SELECT id FROM messages WHERE campaign_id = $1', [c.id]);
  const why = await call('GET', `/api/v1/messages/${rows[0]!.id}/timing`);
  assert.equal(why.status, 200, why.text);
  assert.equal(why.body.explanation, 'window: 09:00–21:00 in Asia/Yekaterinburg');
  assert.equal(why.body.dueLocal, '2026-06-16 09:00:00 +05:00');
  const other = await api.call('GET', `/api/v1/messages/${rows[0]!.id}/timing`);
  assert.equal(other.status, 404, 'another organisation cannot read it');
});
