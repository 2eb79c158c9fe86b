/**
 * Message and campaign states (SD-1, SD-2). Reports arrive late and out of order, so the message machine
 * is monotonic by rank; the SQL twin `message_state_rank` (used by applyStatusUpdates) must agree.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  CAMPAIGN_STATES,
  CHANNELS,
  FINAL_STATES,
  isFinal,
  MESSAGE_STATES,
  type MessageState,
  mayAdvance,
} from '../../src/core/states.ts';

/** The ranks as the design fixes them: the table both implementations are checked against. */
const EXPECTED_RANK: Record<MessageState, number> = {
  prepared: 0,
  queued: 1,
  submitted: 2,
  unknown: 3,
  expired: 3,
  undelivered: 4,
  rejected: 4,
  delivered: 5,
  excluded: 9,
  invalid_address: 9,
};

const MIGRATIONS = new URL('../../src/store/migrations/', import.meta.url);
const migrationFiles = readdirSync(MIGRATIONS)
  .filter((f) => f.endsWith('.sql'))
  .sort();
const migrationsSql = migrationFiles.map((f) => readFileSync(new URL(f, MIGRATIONS), 'utf8')).join('\n');

/** The last definition of message_state_rank in the migrations, as { state → rank } plus its ELSE. */
function sqlRanks(): { when: Map<string, number>; otherwise: number | undefined } {
  const defs = [
    ...migrationsSql.matchAll(/FUNCTION\s+message_state_rank\s*\([^)]*\)[\s\S]*?\$\$([\s\S]*?)\$\$/gi),
  ];
  assert.ok(defs.length > 0, 'message_state_rank is defined in the migrations');
  const body = defs.at(-1)![1]!;
  const when = new Map<string, number>();
  for (const m of body.matchAll(/WHEN\s+'([a-z_]+)'\s+THEN\s+(-?\d+)/gi)) {
    assert.equal(when.has(m[1]!), false, `${m[1]} appears twice in message_state_rank`);
    when.set(m[1]!, Number(m[2]));
  }
  const otherwise = /ELSE\s+(-?\d+)/i.exec(body);
  return { when, otherwise: otherwise ? Number(otherwise[1]) : undefined };
}

function sqlRank(state: string): number | undefined {
  const { when, otherwise } = sqlRanks();
  return when.get(state) ?? otherwise;
}

/** The values of `CHECK (column IN (...))` in the CREATE TABLE of `table`. */
function sqlCheckList(table: string, column: string): string[] {
  // A later migration may replace the column's CHECK: the last definition is the one in force.
  const replaced = [
    ...migrationsSql.matchAll(
      new RegExp(`ADD CONSTRAINT ${table}_${column}_check\\s+CHECK \\(${column} IN \\(([^)]*)\\)\\)`, 'g'),
    ),
  ].at(-1);
  if (replaced) return [...replaced[1]!.matchAll(/'([^']*)'/g)].map((m) => m[1]!);
  const create = new RegExp(`CREATE TABLE ${table} \\(([\\s\\S]*?)\\n\\);`).exec(migrationsSql);
  assert.ok(create, `table ${table} found`);
  const check = new RegExp(`\\b${column}\\b[^\\n]*?[\\s\\S]*?CHECK \\(${column} IN \\(([^)]*)\\)\\)`).exec(
    create[1]!,
  );
  assert.ok(check, `CHECK on ${table}.${column} found`);
  return [...check[1]!.matchAll(/'([^']*)'/g)].map((m) => m[1]!);
}

test('the message states and the final ones are exactly those of SD-2', () => {
  assert.deepEqual(
    [...MESSAGE_STATES],
    [
      'prepared',
      'excluded',
      'invalid_address',
      'queued',
      'submitted',
      'delivered',
      'undelivered',
      'rejected',
      'expired',
      'unknown',
    ],
  );
  assert.deepEqual([...FINAL_STATES].sort(), [
    'delivered',
    'excluded',
    'expired',
    'invalid_address',
    'rejected',
    'undelivered',
    'unknown',
  ]);
  const notFinal = MESSAGE_STATES.filter((s) => !isFinal(s));
  assert.deepEqual(notFinal, ['prepared', 'queued', 'submitted']);
  assert.deepEqual(
    [...CAMPAIGN_STATES],
    ['draft', 'scheduled', 'moderation', 'sending', 'paused', 'completed', 'cancelled'],
  );
  assert.deepEqual([...CHANNELS], ['sms', 'messenger', 'email']);
});

test('mayAdvance: the normal life of a message moves forward', () => {
  assert.equal(mayAdvance('prepared', 'queued'), true);
  assert.equal(mayAdvance('queued', 'submitted'), true);
  assert.equal(mayAdvance('submitted', 'delivered'), true);
  assert.equal(mayAdvance('submitted', 'undelivered'), true);
  assert.equal(mayAdvance('submitted', 'expired'), true);
  assert.equal(mayAdvance('queued', 'rejected'), true);
  assert.equal(mayAdvance('prepared', 'excluded'), true);
  assert.equal(mayAdvance('prepared', 'invalid_address'), true);
});

test('mayAdvance: a late «submitted» never overwrites a final report', () => {
  assert.equal(mayAdvance('delivered', 'submitted'), false);
  assert.equal(mayAdvance('undelivered', 'submitted'), false);
  assert.equal(mayAdvance('rejected', 'submitted'), false);
  assert.equal(mayAdvance('delivered', 'queued'), false);
  assert.equal(mayAdvance('submitted', 'queued'), false);
  assert.equal(mayAdvance('delivered', 'undelivered'), false);
  assert.equal(mayAdvance('delivered', 'expired'), false);
  assert.equal(mayAdvance('undelivered', 'rejected'), false);
  assert.equal(mayAdvance('rejected', 'undelivered'), false);
  assert.equal(mayAdvance('expired', 'unknown'), false);
  assert.equal(mayAdvance('unknown', 'expired'), false);
});

test('mayAdvance: a real delivery report still wins over a deadline or an «unknown id» answer', () => {
  assert.equal(mayAdvance('expired', 'delivered'), true);
  assert.equal(mayAdvance('unknown', 'delivered'), true);
  assert.equal(mayAdvance('expired', 'undelivered'), true);
  assert.equal(mayAdvance('undelivered', 'delivered'), true);
});

test('mayAdvance: never-sent messages (excluded, invalid address) never change', () => {
  for (const s of ['excluded', 'invalid_address'] as const) {
    for (const next of MESSAGE_STATES) assert.equal(mayAdvance(s, next), false, `${s} → ${next}`);
  }
});

test('mayAdvance agrees with the rank table over every pair, and is a strict order', () => {
  for (const a of MESSAGE_STATES) {
    assert.equal(mayAdvance(a, a), false, `${a} → ${a} (a repeated report changes nothing)`);
    assert.equal(mayAdvance(a, 'prepared'), false, `nothing goes back to prepared (${a})`);
    for (const b of MESSAGE_STATES) {
      assert.equal(mayAdvance(a, b), EXPECTED_RANK[b] > EXPECTED_RANK[a], `${a} → ${b}`);
      if (mayAdvance(a, b)) assert.equal(mayAdvance(b, a), false, `${a} ⇄ ${b}`);
      if (isFinal(a) && !isFinal(b)) assert.equal(mayAdvance(a, b), false, `final ${a} → ${b}`);
      for (const c of MESSAGE_STATES) {
        if (mayAdvance(a, b) && mayAdvance(b, c)) assert.equal(mayAdvance(a, c), true, `${a} → ${b} → ${c}`);
      }
    }
  }
});

test('property: reports in any order end in a state of the highest rank among them', () => {
  fc.assert(
    fc.property(
      fc.array(fc.constantFrom(...MESSAGE_STATES), { minLength: 1, maxLength: 12 }),
      fc.constantFrom<MessageState>('prepared', 'queued', 'submitted'),
      (reports, start) => {
        let state: MessageState = start;
        const seen: MessageState[] = [start];
        for (const next of reports) {
          const before = state;
          if (mayAdvance(state, next)) state = next;
          assert.ok(EXPECTED_RANK[state] >= EXPECTED_RANK[before], 'rank never goes down');
          seen.push(next);
        }
        const top = Math.max(...seen.map((s) => EXPECTED_RANK[s]));
        assert.equal(EXPECTED_RANK[state], top);
        // The same reports in reverse give a state of the same rank (the winner among equals may differ).
        let reversed: MessageState = start;
        for (const next of [...reports].reverse()) if (mayAdvance(reversed, next)) reversed = next;
        assert.equal(EXPECTED_RANK[reversed], EXPECTED_RANK[state]);
      },
    ),
    { numRuns: 500 },
  );
});

test('SQL message_state_rank gives every state the same rank as the TypeScript machine', () => {
  const { when, otherwise } = sqlRanks();
  for (const name of when.keys()) {
    assert.ok((MESSAGE_STATES as readonly string[]).includes(name), `SQL ranks a state TS lacks: ${name}`);
  }
  for (const s of MESSAGE_STATES) {
    assert.equal(sqlRank(s), EXPECTED_RANK[s], `rank of ${s} in SQL`);
    if (!when.has(s)) assert.equal(otherwise, EXPECTED_RANK[s], `${s} falls to ELSE`);
  }
  // And directly: the SQL order and mayAdvance allow exactly the same transitions.
  for (const a of MESSAGE_STATES) {
    for (const b of MESSAGE_STATES) {
      assert.equal(sqlRank(b)! > sqlRank(a)!, mayAdvance(a, b), `${a} → ${b}: SQL and TS disagree`);
    }
  }
});

test('SQL CHECK constraints list exactly the TypeScript states and channels', () => {
  assert.deepEqual(sqlCheckList('messages', 'state').sort(), [...MESSAGE_STATES].sort());
  assert.deepEqual(sqlCheckList('campaigns', 'state').sort(), [...CAMPAIGN_STATES].sort());
  for (const table of ['messages', 'campaigns', 'gateways']) {
    assert.deepEqual(sqlCheckList(table, 'channel').sort(), [...CHANNELS].sort(), table);
  }
});
