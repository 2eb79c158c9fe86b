/**
 * Back-off for retryable failures (SD-8): exponential with equal jitter, bounded by maxSeconds.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { backoffSeconds, DEFAULT_RETRY, type RetryPolicy, shouldRetry } from '../../src/core/retry.ts';

test('the default policy: 5 attempts, 5 s base, 10 min ceiling', () => {
  assert.deepEqual(DEFAULT_RETRY, { maxAttempts: 5, baseSeconds: 5, maxSeconds: 600 });
});

test('backoffSeconds: exact values of the default policy', () => {
  const b = (attempt: number, random: number) => backoffSeconds(DEFAULT_RETRY, attempt, random);
  assert.equal(b(1, 0), 2.5);
  assert.equal(b(1, 0.5), 3.75);
  assert.equal(b(2, 0), 5);
  assert.equal(b(3, 0), 10);
  assert.equal(b(3, 0.5), 15);
  assert.equal(b(4, 0.25), 25);
  assert.equal(b(5, 0), 40);
  // 5 · 2^7 = 640 is capped at 600.
  assert.equal(b(8, 0), 300);
  assert.equal(b(8, 0.5), 450);
  assert.equal(b(50, 0), 300);
  assert.equal(b(5000, 0.999), 300 + 300 * 0.999);
  // Attempt numbers below 1 count as the first.
  assert.equal(b(0, 0), 2.5);
  assert.equal(b(-3, 0.5), 3.75);
});

const policy = fc
  .record({
    maxAttempts: fc.integer({ min: 1, max: 20 }),
    baseSeconds: fc.double({ min: 0.001, max: 120, noNaN: true }),
    maxSeconds: fc.double({ min: 0.001, max: 86_400, noNaN: true }),
  })
  .map((p): RetryPolicy => p);
const random = fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true });
const attempt = fc.integer({ min: 1, max: 2000 });

test('property: the wait lies between half the ceiling and the ceiling, never above maxSeconds', () => {
  fc.assert(
    fc.property(policy, attempt, random, (p, n, r) => {
      const ceiling = Math.min(p.maxSeconds, p.baseSeconds * 2 ** (n - 1));
      const s = backoffSeconds(p, n, r);
      assert.ok(Number.isFinite(s), `finite (${s})`);
      assert.ok(s >= ceiling / 2, `${s} ≥ ${ceiling / 2}`);
      assert.ok(s <= ceiling, `${s} ≤ ${ceiling}`);
      assert.ok(s <= p.maxSeconds, `${s} ≤ maxSeconds ${p.maxSeconds}`);
      assert.ok(s > 0);
    }),
    { numRuns: 500 },
  );
});

test('property: a later attempt never waits less, for the same random draw', () => {
  fc.assert(
    fc.property(policy, fc.integer({ min: 1, max: 200 }), random, (p, n, r) => {
      assert.ok(backoffSeconds(p, n + 1, r) >= backoffSeconds(p, n, r));
    }),
    { numRuns: 500 },
  );
});

test('property: jitter spreads waits; a larger draw never waits less', () => {
  fc.assert(
    fc.property(policy, attempt, random, random, (p, n, r1, r2) => {
      const [lo, hi] = r1 <= r2 ? [r1, r2] : [r2, r1];
      assert.ok(backoffSeconds(p, n, lo) <= backoffSeconds(p, n, hi));
    }),
    { numRuns: 500 },
  );
});

test('shouldRetry: attempts up to maxAttempts, then no more', () => {
  assert.deepEqual(
    [1, 2, 3, 4, 5, 6].map((n) => shouldRetry(DEFAULT_RETRY, n)),
    [true, true, true, true, false, false],
  );
  assert.equal(shouldRetry({ ...DEFAULT_RETRY, maxAttempts: 1 }, 1), false);
  fc.assert(
    fc.property(policy, fc.integer({ min: 0, max: 50 }), (p, n) => {
      assert.equal(shouldRetry(p, n), n < p.maxAttempts);
    }),
    { numRuns: 300 },
  );
});
