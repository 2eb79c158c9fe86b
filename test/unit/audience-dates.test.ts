/** The calendar arithmetic behind the date filters: leap years, year ends, time zones. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  addDays,
  birthdayKeys,
  fullYears,
  localDate,
  minusYears,
  nextMonth,
} from '../../src/core/audience/dates.ts';

test('29 February steps back to 28 February in a common year, as PostgreSQL subtracts years', () => {
  assert.equal(minusYears('2024-02-29', 1), '2023-02-28');
  assert.equal(minusYears('2024-02-29', 4), '2020-02-29');
  assert.equal(minusYears('2023-03-01', 25), '1998-03-01');
  assert.equal(fullYears('2000-02-29', '2023-02-28'), 22);
  assert.equal(fullYears('2000-02-29', '2023-03-01'), 23);
  assert.equal(fullYears('2000-02-29', '2024-02-29'), 24);
});

test('birthday keys: 29 February falls on 28 February only in common years; windows cross the year', () => {
  assert.deepEqual(birthdayKeys('2023-02-28', '2023-02-28'), [228, 229]);
  assert.deepEqual(birthdayKeys('2024-02-28', '2024-02-28'), [228]);
  assert.deepEqual(birthdayKeys('2024-02-29', '2024-03-01'), [229, 301]);
  assert.deepEqual(birthdayKeys('2024-12-30', addDays('2024-12-30', 3)), [101, 102, 1230, 1231]);
  assert.equal(birthdayKeys('2023-01-01', addDays('2023-01-01', 366)).length, 366);
  assert.equal(nextMonth('2024-12-15'), 1);
  assert.equal(nextMonth('2024-01-31'), 2);
});

test('today is the calendar date in the zone', () => {
  const now = new Date('2023-02-28T13:00:00Z');
  assert.equal(localDate(now, 'Europe/Moscow'), '2023-02-28');
  assert.equal(localDate(now, 'Asia/Kamchatka'), '2023-03-01');
  assert.equal(localDate(new Date('2023-03-01T03:00:00Z'), 'America/New_York'), '2023-02-28');
});
