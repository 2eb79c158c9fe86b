/**
 * The daytime window in the recipient's zone (issue 7 item 1): all eleven Russian time zones, and
 * zones with daylight saving at their spring gap and autumn overlap.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkWindow, inWindow, nextInWindow } from '../../src/core/schedule/window.ts';
import { recipientZone, zoneOfPhone } from '../../src/core/schedule/zones.ts';

/** The eleven zones of Russia, UTC+2 … UTC+12, by a city in each. */
const RUSSIA: [string, number][] = [
  ['Europe/Kaliningrad', 2],
  ['Europe/Moscow', 3],
  ['Europe/Samara', 4],
  ['Asia/Yekaterinburg', 5],
  ['Asia/Omsk', 6],
  ['Asia/Novosibirsk', 7],
  ['Asia/Irkutsk', 8],
  ['Asia/Yakutsk', 9],
  ['Asia/Vladivostok', 10],
  ['Asia/Magadan', 11],
  ['Asia/Kamchatka', 12],
];

const iso = (d: Date) => d.toISOString().replace('.000Z', 'Z');

test('each Russian zone: inside the window it goes now; before, at 10:00 local; after 23:00, at 10:00 next day', () => {
  for (const [zone, offset] of RUSSIA) {
    // 2026-06-12 12:00 local, 09:59 local, 23:00 local, expressed in UTC.
    const at = (h: number, m: number, day = 12) => new Date(Date.UTC(2026, 5, day, h - offset, m));
    assert.equal(iso(nextInWindow(at(12, 0), zone)), iso(at(12, 0)), zone);
    assert.equal(iso(nextInWindow(at(9, 59), zone)), iso(at(10, 0)), zone);
    assert.equal(iso(nextInWindow(at(23, 0), zone)), iso(at(10, 0, 13)), zone);
    assert.equal(iso(nextInWindow(at(22, 59), zone)), iso(at(22, 59)), zone);
    assert.equal(inWindow(at(3, 0), zone), false, zone);
  }
  // One instant, eleven answers: 07:00 UTC is 09:00 in Kaliningrad (wait) and 19:00 in Kamchatka (go).
  const seven = new Date('2026-06-12T07:00:00Z');
  assert.deepEqual(
    RUSSIA.map(([zone]) => inWindow(seven, zone)),
    [false, true, true, true, true, true, true, true, true, true, true],
  );
});

test('a spring gap: a window opening inside it opens at the first instant after the gap', () => {
  // New York, 2026-03-08: 02:00 EST jumps to 03:00 EDT (07:00 UTC).
  const w = { start: '02:30', end: '23:00' };
  assert.equal(
    iso(nextInWindow(new Date('2026-03-08T06:00:00Z'), 'America/New_York', w)),
    '2026-03-08T07:00:00Z',
  );
  // With the usual window the gap changes nothing: 10:00 EDT is 14:00 UTC.
  assert.equal(
    iso(nextInWindow(new Date('2026-03-08T06:00:00Z'), 'America/New_York')),
    '2026-03-08T14:00:00Z',
  );
  // Berlin, 2026-03-29: 02:00 CET → 03:00 CEST (01:00 UTC).
  assert.equal(
    iso(nextInWindow(new Date('2026-03-29T00:30:00Z'), 'Europe/Berlin', w)),
    '2026-03-29T01:00:00Z',
  );
});

test('an autumn overlap: the repeated hour is inside the window on both passes, after the end on neither', () => {
  // Berlin, 2026-10-25: 03:00 CEST goes back to 02:00 CET; 02:30 local happens at 00:30 and 01:30 UTC.
  const w = { start: '02:00', end: '02:59' };
  assert.equal(inWindow(new Date('2026-10-25T00:30:00Z'), 'Europe/Berlin', w), true);
  assert.equal(inWindow(new Date('2026-10-25T01:30:00Z'), 'Europe/Berlin', w), true);
  // 03:00 CET (02:00 UTC) is past the end: next day at 02:00 CET, 01:00 UTC.
  assert.equal(
    iso(nextInWindow(new Date('2026-10-25T02:00:00Z'), 'Europe/Berlin', w)),
    '2026-10-26T01:00:00Z',
  );
  // The usual window on that day: 10:00 CET is 09:00 UTC.
  assert.equal(iso(nextInWindow(new Date('2026-10-25T03:00:00Z'), 'Europe/Berlin')), '2026-10-25T09:00:00Z');
});

test('a window is checked: times of day, start before end; an unknown zone is an error', () => {
  assert.equal(checkWindow({ start: '10:00', end: '23:00' }), null);
  assert.match(checkWindow({ start: '23:00', end: '10:00' })!, /must be before/);
  assert.match(checkWindow({ start: '25:00', end: '26:00' })!, /not a time of day/);
  assert.throws(() => nextInWindow(new Date(), 'Mars/Olympus'), /not a time zone/);
});

test('the recipient’s zone: their own, else the landline’s area code, else the organisation’s', () => {
  assert.equal(zoneOfPhone('+73432123456'), 'Asia/Yekaterinburg');
  assert.equal(zoneOfPhone('+74232123456'), 'Asia/Vladivostok');
  assert.equal(zoneOfPhone('+74012123456'), 'Europe/Kaliningrad');
  assert.equal(zoneOfPhone('+74952123456'), 'Europe/Moscow');
  assert.equal(zoneOfPhone('+78122123456'), 'Europe/Moscow');
  assert.equal(zoneOfPhone('+79123456789'), null, 'a mobile number does not tell');
  assert.equal(zoneOfPhone('+77172123456'), null, 'Kazakhstan shares +7');
  assert.equal(zoneOfPhone(null), null);
  assert.equal(recipientZone('Asia/Omsk', '+73432123456', 'Europe/Moscow'), 'Asia/Omsk');
  assert.equal(recipientZone(null, '+73432123456', 'Europe/Moscow'), 'Asia/Yekaterinburg');
  assert.equal(recipientZone(null, '+79123456789', 'Asia/Novosibirsk'), 'Asia/Novosibirsk');
  // Every zone in the table is a real one.
  for (const code of ['301', '302', '382', '384', '385', '424', '427', '842', '844', '845', '851', '869'])
    assert.equal(nextInWindow(new Date(), zoneOfPhone(`+7${code}1234567`)!) instanceof Date, true, code);
});
