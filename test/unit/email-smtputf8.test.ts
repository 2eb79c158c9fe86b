/**
 * Which addresses need SMTPUTF8 (a non-ASCII local part; a non-ASCII domain alone does not), how an
 * EHLO answer offers it, normalizeEmail refusing such an address with field and value, and the
 * import reason it is counted under (non_ascii_email, not invalid_email).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { normalizeEmail } from '../../src/core/address.ts';
import { ehloOffersSmtpUtf8, localPart, needsSmtpUtf8 } from '../../src/core/email/smtputf8.ts';
import { reasonOf } from '../../src/core/import/reasons.ts';

test('needsSmtpUtf8: the local part decides, the domain does not', () => {
  const cases: [string, boolean][] = [
    ['ivan@example.ru', false],
    ['ivan@пример.рф', false],
    ['ivan@xn--e1afmkfd.xn--p1ai', false],
    ['иван@пример.рф', true],
    ['иван@example.ru', true],
    ['jörg@example.de', true],
    ['vasilьev.i5@example.ru', true],
    ['a\u00a0b@example.ru', true],
    ['"a@b"@example.ru', false],
    ['"пётр@x"@example.ru', true],
  ];
  for (const [address, needs] of cases) assert.equal(needsSmtpUtf8(address), needs, address);
  assert.equal(localPart('"a@b"@example.ru'), '"a@b"');
});

test('ehloOffersSmtpUtf8: the keyword on a 250 line of its own', () => {
  assert.equal(ehloOffersSmtpUtf8('250-mx.example.ru\n250-PIPELINING\n250-SMTPUTF8\n250 HELP'), true);
  assert.equal(ehloOffersSmtpUtf8('250-mx.example.ru\r\n250 smtputf8'), true);
  assert.equal(ehloOffersSmtpUtf8('250-mx.example.ru\n250-8BITMIME\n250 STARTTLS'), false);
  assert.equal(ehloOffersSmtpUtf8('250-mx.example.ru\n250-XSMTPUTF8X\n250 HELP'), false);
  assert.equal(ehloOffersSmtpUtf8('250 mx.example.ru says SMTPUTF8 is nice'), false);
});

test('normalizeEmail: a non-ASCII local part is refused naming the field, the value and the part', () => {
  const r = normalizeEmail(' иван@Пример.РФ ', 'to');
  assert.equal(r.ok, false);
  assert.ok(!r.ok);
  assert.equal(r.problem.field, 'to');
  assert.equal(r.problem.value, ' иван@Пример.РФ ');
  assert.match(r.problem.message, /^`иван@Пример\.РФ` has non-Latin characters before the @ \(«иван»\)/);
  assert.match(r.problem.message, /SMTPUTF8/);
  assert.deepEqual(normalizeEmail('Ivan@Пример.РФ'), { ok: true, value: 'Ivan@пример.рф' });
  // Malformed stays malformed: the syntax is checked first.
  const malformed = normalizeEmail('иван@');
  assert.ok(!malformed.ok && /is not an e-mail address/.test(malformed.problem.message));
});

test('import reasons: SMTPUTF8 in an e-mail problem is non_ascii_email, anything else invalid_email', () => {
  const refused = normalizeEmail('иван@пример.рф');
  assert.ok(!refused.ok);
  assert.equal(
    reasonOf({ column: 'email', header: 'E-mail', message: refused.problem.message }),
    'non_ascii_email',
  );
  const malformed = normalizeEmail('ivan@');
  assert.ok(!malformed.ok);
  assert.equal(
    reasonOf({ column: 'email', header: 'E-mail', message: malformed.problem.message }),
    'invalid_email',
  );
});
