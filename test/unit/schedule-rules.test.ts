/**
 * The pure rules of issue 7 on a given clock: debt-collection caps and hours (230-FZ art. 7) in the
 * debtor's zone, the general cap, urgent spacing, economy plans, recurrences and the natural keys of
 * automations.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { naturalKey, preset } from '../../src/core/schedule/automations.ts';
import { collectionHours, isDayOff, Recipient } from '../../src/core/schedule/caps.ts';
import {
  checkRecurrence,
  economyDue,
  economyPlan,
  nextRun,
  urgentDue,
} from '../../src/core/schedule/plan.ts';

const iso = (d: Date) => d.toISOString().replace('.000Z', 'Z');
const MSK = 'Europe/Moscow';
const collection = { window: null, collection: true, generalPerDay: null };

test('working days, weekends and holidays have their own collection hours', () => {
  assert.deepEqual(collectionHours({ date: '2026-06-15', weekday: 1 }), { start: '08:00', end: '22:00' });
  assert.deepEqual(collectionHours({ date: '2026-06-13', weekday: 6 }), { start: '09:00', end: '20:00' });
  // 12 June (Russia Day) is a Friday in 2026: a holiday.
  assert.equal(isDayOff({ date: '2026-06-12', weekday: 5 }), true);
  assert.equal(isDayOff({ date: '2026-01-05', weekday: 1 }), true);
  assert.equal(isDayOff({ date: '2026-06-11', weekday: 4 }), false);
});

test('collection: never at night — 22:00–08:00 on working days, 20:00–09:00 on days off, local time', () => {
  const none = new Recipient(MSK, collection, []);
  // Monday 15 June 2026, 07:30 Moscow (04:30Z): waits for 08:00.
  const early = none.decide(new Date('2026-06-15T04:30:00Z'));
  assert.equal(early.go, false);
  assert.equal(!early.go && iso(early.at), '2026-06-15T05:00:00Z');
  assert.deepEqual(none.decide(new Date('2026-06-15T05:00:00Z')), { go: true });
  // Friday 19 June, 22:00 Moscow: the next day is Saturday, open from 09:00.
  const late = none.decide(new Date('2026-06-19T19:00:00Z'));
  assert.equal(!late.go && iso(late.at), '2026-06-20T06:00:00Z');
  assert.match(!late.go ? late.reason : '', /debt-collection hours/);
  // Saturday 20:30 Moscow → Sunday 09:00; Sunday 20:00 → Monday 08:00.
  const sat = none.decide(new Date('2026-06-20T17:30:00Z'));
  assert.equal(!sat.go && iso(sat.at), '2026-06-21T06:00:00Z');
  const sun = none.decide(new Date('2026-06-21T17:00:00Z'));
  assert.equal(!sun.go && iso(sun.at), '2026-06-22T05:00:00Z');
  // The same instant is 06:00 in Kaliningrad (wait) and 14:00 in Kamchatka (go).
  const at = new Date('2026-06-15T04:00:00Z');
  assert.equal(new Recipient('Europe/Kaliningrad', collection, []).decide(at).go, false);
  assert.equal(new Recipient('Asia/Kamchatka', collection, []).decide(at).go, true);
});

test('collection: at most 2 a day, 4 a week, 16 a month, counted on the local calendar', () => {
  const monday = new Date('2026-06-15T09:00:00Z'); // 12:00 Moscow
  const p = new Recipient(MSK, collection, []);
  assert.equal(p.decide(monday).go, true);
  p.approve(monday);
  assert.equal(p.decide(monday).go, true);
  p.approve(monday);
  const third = p.decide(monday);
  assert.equal(!third.go && iso(third.at), '2026-06-16T05:00:00Z'); // Tuesday 08:00 Moscow
  assert.match(!third.go ? third.reason : '', /cap: 2 a day/);
  // Two on Tuesday make four this week: Wednesday waits for next Monday 08:00.
  const tuesday = new Date('2026-06-16T09:00:00Z');
  p.approve(tuesday);
  p.approve(tuesday);
  const wed = p.decide(new Date('2026-06-17T09:00:00Z'));
  assert.equal(!wed.go && iso(wed.at), '2026-06-22T05:00:00Z');
  assert.match(!wed.go ? wed.reason : '', /4 a week/);
  // Sixteen in a month, four a week (Wednesday 1 July to Tuesday 21 July): Monday 27 July's week is
  // empty, but the month is full — the next is Saturday 1 August, a day off, from 09:00.
  const sent: Date[] = [];
  for (const day of ['01', '02', '06', '07', '13', '14', '20', '21'])
    sent.push(new Date(`2026-07-${day}T09:00:00Z`), new Date(`2026-07-${day}T10:00:00Z`));
  const july = new Recipient(MSK, collection, sent);
  const d = july.decide(new Date('2026-07-27T09:00:00Z'));
  assert.equal(!d.go && iso(d.at), '2026-08-01T06:00:00Z');
  assert.match(!d.go ? d.reason : '', /16 a month/);
});

test('the general cap counts everything a recipient gets in their local day, within the window', () => {
  const rules = { window: { start: '10:00', end: '23:00' }, collection: false, generalPerDay: 1 };
  const at = new Date('2026-06-15T12:00:00Z'); // 15:00 Moscow, one sent at 11:00 already
  const p = new Recipient(MSK, rules, [new Date('2026-06-15T08:00:00Z')]);
  const d = p.decide(at);
  assert.equal(!d.go && iso(d.at), '2026-06-16T07:00:00Z');
});

test('urgent mode spaces messages at the fixed rate', () => {
  const t0 = new Date('2026-06-15T00:00:00Z');
  assert.deepEqual(
    [0, 1, 2, 20].map((k) => iso(urgentDue(t0, k, 20))),
    ['2026-06-15T00:00:00Z', '2026-06-15T00:00:03Z', '2026-06-15T00:00:06Z', '2026-06-15T00:01:00Z'],
  );
});

test('economy: each day takes what its capacity has left, spread over the window, the rest moves on', () => {
  const used: Record<string, number> = { '2026-06-16': 2 };
  const plan = economyPlan(
    7,
    new Date('2026-06-15T17:00:00Z'), // 20:00 Moscow
    MSK,
    { start: '10:00', end: '23:00' },
    (date) => 3 - (used[date] ?? 0),
  );
  assert.deepEqual(
    plan.map((d) => [d.date, d.count]),
    [
      ['2026-06-15', 3],
      ['2026-06-16', 1],
      ['2026-06-17', 3],
    ],
  );
  assert.equal(iso(plan[0]!.from), '2026-06-15T17:00:00Z');
  assert.equal(iso(plan[1]!.from), '2026-06-16T07:00:00Z');
  // The first day's three are spread over 20:00–23:00: an hour apart.
  assert.deepEqual(
    [0, 1, 2, 3].map((k) => iso(economyDue(plan, k).at)),
    ['2026-06-15T17:00:00Z', '2026-06-15T18:00:00Z', '2026-06-15T19:00:00Z', '2026-06-16T07:00:00Z'],
  );
  assert.throws(
    () => economyPlan(5, new Date(), MSK, { start: '10:00', end: '23:00' }, () => 0, 3),
    /do not fit/,
  );
});

test('recurrences: every day, week and month (and its last day), cron, in the organisation’s zone', () => {
  const after = new Date('2026-02-03T08:00:00Z'); // Tuesday 11:00 Moscow
  assert.equal(iso(nextRun({ every: 'day', at: '10:00' }, after, MSK)), '2026-02-04T07:00:00Z');
  assert.equal(iso(nextRun({ every: 'day', at: '12:00' }, after, MSK)), '2026-02-03T09:00:00Z');
  assert.equal(iso(nextRun({ every: 'week', at: '09:30', weekday: 7 }, after, MSK)), '2026-02-08T06:30:00Z');
  assert.equal(iso(nextRun({ every: 'month', at: '10:00', day: -1 }, after, MSK)), '2026-02-28T07:00:00Z');
  assert.equal(iso(nextRun({ every: 'month', at: '10:00', day: 1 }, after, MSK)), '2026-03-01T07:00:00Z');
  assert.equal(iso(nextRun({ cron: '0 9 * * 1-5' }, after, 'Asia/Yekaterinburg')), '2026-02-04T04:00:00Z');
  assert.match(checkRecurrence({ cron: '0 25 * * *' }, MSK) ?? '', /hour/);
  assert.match(checkRecurrence({ every: 'month', at: '10:00', day: 31 }, MSK) ?? '', /1–28/);
  assert.match(checkRecurrence({ every: 'day', at: '7:00' }, MSK) ?? '', /HH:MM/);
});

test('automations: ready filters, texts and keys; a payment is keyed by office, loan and payment', () => {
  assert.deepEqual(preset({ kind: 'payment_due', days: 5 }).audience, {
    kind: 'filter',
    filter: { type: 'payment', state: 'planned', days: 5 },
  });
  assert.equal(preset({ kind: 'debt' }).collection, true);
  const loan = {
    number: 'Z-17',
    contract_date: '2026-01-10',
    amount_kopecks: 5_000_00,
    schedule: [
      { number: 1, date: '2026-05-10', amount_kopecks: 100_00, paid: true },
      { number: 2, date: '2026-06-10', amount_kopecks: 100_00 },
      { number: 3, date: '2026-07-10', amount_kopecks: 100_00 },
    ],
  };
  const base = { contactId: 7, office: 'Тула', loan, today: '2026-06-15', birthday: null, overdue: false };
  assert.equal(naturalKey('payment', base), 'payment:Тула:Z-17:3:2026-07-10');
  assert.equal(naturalKey('payment', { ...base, overdue: true }), 'payment:Тула:Z-17:2:2026-06-10');
  assert.equal(naturalKey('loan', base), 'loan:Тула:Z-17');
  assert.equal(naturalKey('payment', { ...base, loan: null }), null);
  assert.equal(naturalKey('birthday', { ...base, birthday: '2026-06-20' }), 'birthday:7:2026');
});
