/**
 * The import's phone fast path (src/core/import/phone.ts) answers exactly as normalizePhone does:
 * the same E.164 number for every number it takes, and nothing (normalizePhone decides) for every
 * number normalizePhone refuses — on random numbers of every shape, many per prefix, so that the
 * remembered answer of a prefix is checked against numbers it was not computed from.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { normalizePhone } from '../../src/core/address.ts';
import { fastPhone, PREFIX_DIGITS } from '../../src/core/import/phone.ts';

const shapes: ((lead: string, n: string) => string)[] = [
  (lead, n) => `${lead}${n}`,
  (lead, n) => `${lead} (${n.slice(0, 3)}) ${n.slice(3, 6)}-${n.slice(6, 8)}-${n.slice(8)}`,
  (lead, n) => `${lead}(${n.slice(0, 3)})${n.slice(3, 6)}${n.slice(6, 8)}${n.slice(8)}`,
  (lead, n) => `${lead} ${n.slice(0, 3)} ${n.slice(3, 6)} ${n.slice(6, 8)} ${n.slice(8)}`,
  (lead, n) => `${lead}${n.slice(0, 3)}-${n.slice(3, 6)}-${n.slice(6, 8)}-${n.slice(8)}`,
  (lead, n) => `${lead} ${n.slice(0, 3)} ${n.slice(3)}`,
];

function same(text: string): void {
  const fast = fastPhone(text);
  const slow = normalizePhone(text);
  if (fast === null) return; // normalizePhone decides, as before
  assert.ok(slow.ok, `fast path took \`${text}\`, which normalizePhone refuses`);
  assert.equal(fast, slow.value, `\`${text}\``);
}

const digits = (n: number) => fc.array(fc.integer({ min: 0, max: 9 }), { minLength: n, maxLength: n });

test('the fast path agrees with normalizePhone on random numbers, many per prefix', () => {
  fc.assert(
    fc.property(
      digits(PREFIX_DIGITS),
      fc.array(digits(10 - PREFIX_DIGITS), { minLength: 20, maxLength: 20 }),
      fc.constantFrom('+7', '8'),
      fc.nat(shapes.length - 1),
      (prefix, suffixes, lead, shape) => {
        for (const suffix of suffixes) same(shapes[shape]!(lead, [...prefix, ...suffix].join('')));
      },
    ),
    { numRuns: 3000 },
  );
});

test('the fast path agrees on the prefixes real numbers use (mobile 9xx, cities 3xx/4xx/8xx, Kazakhstan 7xx)', () => {
  fc.assert(
    fc.property(
      fc.constantFrom('9', '3', '4', '8', '7'),
      digits(9),
      fc.constantFrom('+7', '8'),
      fc.nat(shapes.length - 1),
      (first, rest, lead, shape) => same(shapes[shape]!(lead, first + rest.join(''))),
    ),
    { numRuns: 30_000 },
  );
});

test('known answers: valid numbers taken, invalid and other shapes left to normalizePhone', () => {
  assert.equal(fastPhone('8 (912) 345-67-89'), '+79123456789');
  assert.equal(fastPhone('+7 912 345 67 89'), '+79123456789');
  assert.equal(fastPhone('+77012345678'), '+77012345678'); // Kazakhstan shares +7
  assert.equal(fastPhone('8 (912) 34'), null);
  assert.equal(fastPhone('+7 (000) 000-00-00'), null);
  assert.equal(fastPhone('7.91E+10'), null);
  assert.equal(fastPhone('+44 20 7946 0958'), null);
  assert.equal(fastPhone('8 (912 345-67-89'), null);
});
