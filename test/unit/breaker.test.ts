/** The circuit breaker's states with a controlled clock: opening, the probe, closing, backing off. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Breakers } from '../../src/dispatch/breaker.ts';

test('opens after consecutive failures, probes once after the pause, closes on an answer', () => {
  let now = 1_000;
  const b = new Breakers({ failures: 3, failingMs: 0, openMs: 10_000, maxOpenMs: 40_000 }, () => now);
  assert.equal(b.state(7), 'closed');
  assert.equal(b.failed(7), false);
  b.succeeded(7); // an answer in between resets the count
  assert.equal(b.failed(7), false);
  assert.equal(b.failed(7), false);
  assert.equal(b.failed(7), true);
  assert.equal(b.state(7), 'open');
  assert.equal(b.allow(7), false);
  assert.equal(b.waitMs(7), 10_000);
  assert.equal(b.allow(8), true, 'another gateway is not affected');

  now += 10_000;
  assert.equal(b.state(7), 'half_open');
  assert.equal(b.allow(7), true, 'one probe');
  assert.equal(b.allow(7), false, 'only one probe at a time');
  now += 9_000;
  assert.equal(b.allow(7), false);
  b.succeeded(7);
  assert.equal(b.state(7), 'closed');
  assert.equal(b.allow(7), true);
});

test('a failed probe opens it again for twice as long, up to the limit', () => {
  let now = 0;
  const b = new Breakers({ failures: 1, failingMs: 0, openMs: 10_000, maxOpenMs: 25_000 }, () => now);
  assert.equal(b.failed(1), true);
  const pauses: number[] = [];
  for (let i = 0; i < 4; i++) {
    now += b.waitMs(1);
    assert.equal(b.allow(1), true);
    assert.equal(b.failed(1), true);
    pauses.push(b.waitMs(1));
  }
  assert.deepEqual(pauses, [20_000, 25_000, 25_000, 25_000]);
  now += 25_000;
  assert.equal(b.allow(1), true);
  b.succeeded(1);
  assert.equal(b.failed(1), true, 'after closing, the pause starts again from the first');
  assert.equal(b.waitMs(1), 10_000);
});

test('failures in quick succession do not open it: a gateway that fails some sends is not down', () => {
  let now = 0;
  const b = new Breakers({ failures: 10, failingMs: 5_000, openMs: 30_000, maxOpenMs: 600_000 }, () => now);
  for (let i = 0; i < 50; i++) assert.equal(b.failed(3), false);
  assert.equal(b.state(3), 'closed');
  now += 5_000;
  assert.equal(b.failed(3), true, 'still failing five seconds later: down');
  // A probe that never reports back frees its slot after the pause.
  now += 30_000;
  assert.equal(b.allow(3), true);
  assert.equal(b.allow(3), false);
  now += 30_000;
  assert.equal(b.allow(3), true);
});
