/**
 * ReportBatcher: reports arriving while a write is in flight go together in the next write; each
 * caller settles with its own write; a failed write rejects only its callers.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ReportBatcher } from '../../src/dispatch/reportBatcher.ts';
import type { StatusReport } from '../../src/providers/provider.ts';

const r = (id: string): StatusReport => ({ providerId: id, state: 'delivered', rawStatus: 'DELIVRD' });

test('one alone is written at once; those arriving during a write share the next; gateways apart', async () => {
  const writes: [number, string[]][] = [];
  let release: () => void = () => {};
  let gate = new Promise<void>((res) => (release = res));
  const b = new ReportBatcher(async (gw, reports) => {
    writes.push([gw, reports.map((x) => x.providerId)]);
    await gate;
  });
  const first = b.receive(1, [r('a')]);
  const rest = [b.receive(1, [r('b')]), b.receive(1, [r('c'), r('d')]), b.receive(2, [r('x')])];
  assert.deepEqual(writes, [
    [1, ['a']],
    [2, ['x']],
  ]);
  const done: string[] = [];
  void first.then(() => done.push('a'));
  release();
  gate = Promise.resolve();
  await Promise.all([first, ...rest]);
  assert.deepEqual(writes, [
    [1, ['a']],
    [2, ['x']],
    [1, ['b', 'c', 'd']],
  ]);
  assert.deepEqual(done, ['a']);
});

test('a failed write rejects its own callers only, and the next write goes on', async () => {
  let n = 0;
  let release: () => void = () => {};
  const gate = new Promise<void>((res) => (release = res));
  const b = new ReportBatcher(async () => {
    n++;
    await gate;
    if (n === 1) throw new Error('the database is away');
  });
  const failed = b.receive(7, [r('a')]);
  const later = b.receive(7, [r('b')]);
  release();
  await assert.rejects(failed, /away/);
  await later;
  assert.equal(n, 2);
});
