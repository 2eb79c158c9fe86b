/**
 * Signed document links (issue 5 item 6) and the shared signing scheme: genuine links verify to what
 * was signed and expire when they say; anything altered, re-signed or made for another purpose does
 * not; and seed 003's file names find their objects.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import { contentDisposition, contentTypeOf, safeFileName } from '../../src/core/documents/files.ts';
import {
  linkExpiry,
  peekDocumentOrg,
  signDocumentLink,
  verifyDocumentLink,
} from '../../src/core/documents/link.ts';
import { matchFiles } from '../../src/core/documents/match.ts';
import { signUnsubscribe } from '../../src/core/email/unsubscribe.ts';
import { openToken, readVarints, sealToken, writeVarints } from '../../src/core/signing.ts';

const SECRET = Buffer.alloc(32, 9);
const DAY = 86_400;

test('a link is short, verifies to its claims, and expires at the UTC midnight after its days', () => {
  const now = new Date('2026-03-10T15:30:00Z');
  const expiresAt = linkExpiry(now, 90);
  assert.equal(new Date(expiresAt * 1000).toISOString(), '2026-06-09T00:00:00.000Z');
  assert.ok(expiresAt - now.getTime() / 1000 >= 90 * DAY);
  const claims = { orgId: 3, documentId: 123_456, expiresAt };
  const token = signDocumentLink(SECRET, claims);
  assert.match(token, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{22}$/);
  assert.ok(token.length <= 36, token);
  assert.deepEqual(verifyDocumentLink(SECRET, token, now.getTime() / 1000), { ok: true, claims });
  assert.deepEqual(verifyDocumentLink(SECRET, token, expiresAt - 1), { ok: true, claims });
  assert.deepEqual(verifyDocumentLink(SECRET, token, expiresAt), { ok: false, reason: 'expired' });
  // The same day, the same link; the next day, another.
  assert.equal(
    signDocumentLink(SECRET, { ...claims, expiresAt: linkExpiry(new Date('2026-03-10T00:00:01Z'), 90) }),
    token,
  );
  assert.notEqual(
    signDocumentLink(SECRET, { ...claims, expiresAt: linkExpiry(new Date('2026-03-11T00:00:01Z'), 90) }),
    token,
  );
  assert.equal(peekDocumentOrg(token), 3);
  assert.throws(() => linkExpiry(now, 0), /whole number of days/);
});

test('another secret, another purpose, an altered token or garbage: refused', () => {
  const claims = { orgId: 1, documentId: 42, expiresAt: 4_000_000_000 - (4_000_000_000 % DAY) };
  const token = signDocumentLink(SECRET, claims);
  assert.deepEqual(verifyDocumentLink(Buffer.alloc(32, 8), token, 0), { ok: false, reason: 'bad_signature' });
  const [body, mac] = token.split('.') as [string, string];
  // Another document, same MAC: the MAC covers the payload.
  const other = writeVarints([1, 43, claims.expiresAt / DAY]).toString('base64url');
  assert.deepEqual(verifyDocumentLink(SECRET, `${other}.${mac}`, 0), { ok: false, reason: 'bad_signature' });
  // The full 32-byte MAC of the same payload is not accepted where 16 bytes are expected…
  const full = createHmac('sha256', SECRET)
    .update('vestnik/document/v1\n')
    .update(Buffer.from(body, 'base64url'))
    .digest('base64url');
  assert.deepEqual(verifyDocumentLink(SECRET, `${body}.${full}`, 0), { ok: false, reason: 'malformed' });
  // …and an unsubscribe token made with the same secret is never a document link, nor the reverse.
  const unsub = signUnsubscribe(SECRET, { orgId: 1, contactId: 42, messageId: 7 });
  assert.equal(verifyDocumentLink(SECRET, unsub, 0).ok, false);
  const sameBytes = sealToken(
    SECRET,
    { label: 'vestnik/unsubscribe/v1\n', macBytes: 16 },
    Buffer.from(body, 'base64url'),
  );
  assert.deepEqual(verifyDocumentLink(SECRET, sameBytes, 0), { ok: false, reason: 'bad_signature' });
  for (const bad of [
    '',
    '.',
    body,
    `${body}.`,
    `${body}.${mac}.x`,
    `${body}.${mac.slice(1)}`,
    'x'.repeat(2000),
  ]) {
    assert.deepEqual(
      verifyDocumentLink(SECRET, bad, 0),
      { ok: false, reason: 'malformed' },
      bad.slice(0, 30),
    );
  }
  // Genuine MAC over a payload that is not three varints.
  const junk = sealToken(SECRET, { label: 'vestnik/document/v1\n', macBytes: 16 }, Buffer.from([1, 2]));
  assert.deepEqual(verifyDocumentLink(SECRET, junk, 0), { ok: false, reason: 'malformed' });
  assert.deepEqual(openToken('', { label: 'x\n', macBytes: 16 }, token), { ok: false, reason: 'malformed' });
});

test('property: every link verifies to its claims; any single-character change is refused', () => {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 2 ** 40 }),
      fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
      fc.integer({ min: 1, max: 100_000 }),
      fc.uint8Array({ minLength: 1, maxLength: 64 }),
      fc.nat(),
      fc.integer({ min: 1, max: 63 }),
      (orgId, documentId, day, secret, at, delta) => {
        const claims = { orgId, documentId, expiresAt: day * DAY };
        const token = signDocumentLink(secret, claims);
        assert.deepEqual(verifyDocumentLink(secret, token, 0), { ok: true, claims });
        const i = at % token.length;
        const c = token[i]!;
        const swapped = c === '.' ? 'A' : alphabet[(alphabet.indexOf(c) + delta) % 64]!;
        const r = verifyDocumentLink(secret, token.slice(0, i) + swapped + token.slice(i + 1), 0);
        // base64url's last character of a part may carry unused bits: a change there can decode the same.
        if (r.ok) assert.deepEqual(r.claims, claims);
      },
    ),
    { numRuns: 1000 },
  );
});

test('varints: canonical only, nothing left over', () => {
  for (const v of [[0], [127], [128], [300, 1, Number.MAX_SAFE_INTEGER]]) {
    assert.deepEqual(readVarints(writeVarints(v), v.length), v);
  }
  assert.equal(readVarints(Buffer.from([0x80, 0x00]), 1), null, 'a second spelling of 0');
  assert.equal(readVarints(Buffer.from([1, 2]), 1), null, 'a byte left over');
  assert.equal(readVarints(Buffer.from([0x80]), 1), null, 'cut short');
  assert.throws(() => writeVarints([-1]), /not a whole number/);
});

test('seed 003: file names to objects by number, refusing anything uncertain', () => {
  const objects = [
    { id: 1, number: '123' },
    { id: 2, number: '1-15' },
    { id: 3, number: '1' },
    { id: 4, number: '15' },
    { id: 5, number: '12А' },
    { id: 6, number: '2025' },
  ];
  const r = matchFiles(
    [
      'ЛС 00123 март.pdf',
      'uch_1-15.pdf',
      'Участок 12а.pdf',
      'ЛС 15 за 2025.pdf',
      'readme.txt',
      'A.pdf',
      'a (15).pdf',
    ],
    objects,
  );
  assert.deepEqual(r, [
    { file: 'ЛС 00123 март.pdf', objectId: 1, number: '123' },
    { file: 'uch_1-15.pdf', objectId: 2, number: '1-15' },
    { file: 'Участок 12а.pdf', objectId: 5, number: '12А' },
    { file: 'ЛС 15 за 2025.pdf', objectId: null, reason: 'ambiguous', numbers: ['15', '2025'] },
    { file: 'readme.txt', objectId: null, reason: 'no_number', numbers: [] },
    { file: 'A.pdf', objectId: null, reason: 'no_number', numbers: [] },
    { file: 'a (15).pdf', objectId: 4, number: '15' },
  ]);
  const dup = matchFiles(['15.pdf', 'копия 15.pdf'], objects);
  assert.deepEqual(
    dup.map((m) => m.objectId === null && m.reason),
    ['duplicate', 'duplicate'],
  );
});

test('file names, types and the Content-Disposition of a Russian name', () => {
  assert.deepEqual(safeFileName('C:\\Users\\Иван\\Квитанция.pdf'), { ok: true, value: 'Квитанция.pdf' });
  assert.equal(safeFileName('../').ok, false);
  assert.deepEqual(safeFileName('a\u0000b\n.pdf'), { ok: true, value: 'ab.pdf' });
  assert.equal(safeFileName('я'.repeat(256)).ok, false);
  assert.equal(contentTypeOf(undefined, 'x.bin', Buffer.from('%PDF-1.7')), 'application/pdf');
  assert.equal(
    contentTypeOf('application/octet-stream', 'Квитанция.PDF', Buffer.from('??')),
    'application/pdf',
  );
  assert.equal(contentTypeOf('image/png', 'x', Buffer.alloc(0)), 'image/png');
  assert.equal(contentTypeOf('text/html\r\nX-Evil: 1', 'x', Buffer.alloc(0)), 'application/octet-stream');
  assert.equal(
    contentDisposition('Квитанция (март) 17.pdf', true),
    `inline; filename="Kvitantsiya _mart_ 17.pdf"; filename*=UTF-8''%D0%9A%D0%B2%D0%B8%D1%82%D0%B0%D0%BD%D1%86%D0%B8%D1%8F%20%28%D0%BC%D0%B0%D1%80%D1%82%29%2017.pdf`,
  );
  assert.match(contentDisposition('"; evil=1.pdf', false), /^attachment; filename="__ evil_1\.pdf"; /);
});
