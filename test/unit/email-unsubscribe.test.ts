/**
 * Signed one-click unsubscribe links (CT-4, RFC 8058): genuine tokens verify, anything altered,
 * re-signed with another secret, or expired does not.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import fc from 'fast-check';
import {
  signUnsubscribe,
  unsubscribeHeaders,
  unsubscribeUrl,
  verifyUnsubscribe,
} from '../../src/core/email/unsubscribe.ts';

const SECRET = 'org-secret-0123456789abcdef';
const CLAIMS = { orgId: 1, contactId: 42, messageId: '9007199254740993' };

test('a token is base64url payload and MAC, and verifies to what was signed', () => {
  const token = signUnsubscribe(SECRET, CLAIMS);
  assert.match(token, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
  assert.equal(
    Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8'),
    '{"o":1,"c":42,"m":"9007199254740993"}',
  );
  // The MAC is HMAC-SHA256 over a fixed label and the payload: recomputable, documented.
  const expected = createHmac('sha256', SECRET)
    .update('vestnik/unsubscribe/v1\n{"o":1,"c":42,"m":"9007199254740993"}')
    .digest('base64url');
  assert.equal(token.split('.')[1], expected);
  assert.deepEqual(verifyUnsubscribe(SECRET, token), {
    ok: true,
    claims: { orgId: 1, contactId: 42, messageId: '9007199254740993', expiresAt: null },
  });
  // Deterministic: the same claims give the same link (a resend does not change it).
  assert.equal(signUnsubscribe(SECRET, CLAIMS), token);
});

test('another secret, an altered payload or MAC, or garbage: refused with the reason', () => {
  const token = signUnsubscribe(SECRET, CLAIMS);
  const [body, mac] = token.split('.') as [string, string];
  assert.deepEqual(verifyUnsubscribe('other-secret', token), { ok: false, reason: 'bad_signature' });
  const forged = Buffer.from('{"o":1,"c":43,"m":"9007199254740993"}').toString('base64url');
  assert.deepEqual(verifyUnsubscribe(SECRET, `${forged}.${mac}`), { ok: false, reason: 'bad_signature' });
  const flipped = mac.slice(0, -1) + (mac.endsWith('A') ? 'B' : 'A');
  assert.deepEqual(verifyUnsubscribe(SECRET, `${body}.${flipped}`), { ok: false, reason: 'bad_signature' });
  for (const bad of [
    '',
    '.',
    body,
    `${body}.`,
    `${body}.${mac}.x`,
    `${body}.${mac.slice(1)}`,
    `${body}!.${mac}`,
    'x'.repeat(2000),
  ]) {
    assert.deepEqual(verifyUnsubscribe(SECRET, bad), { ok: false, reason: 'malformed' }, bad.slice(0, 40));
  }
  // A MAC made with the same secret over a payload that is not ours verifies but is refused.
  const notOurs = Buffer.from('[1,2,3]').toString('base64url');
  const m2 = createHmac('sha256', SECRET).update('vestnik/unsubscribe/v1\n[1,2,3]').digest('base64url');
  assert.deepEqual(verifyUnsubscribe(SECRET, `${notOurs}.${m2}`), { ok: false, reason: 'malformed' });
  // A webhook-style HMAC of the bare payload with the same secret is not a token.
  const bare = createHmac('sha256', SECRET)
    .update('{"o":1,"c":42,"m":"9007199254740993"}')
    .digest('base64url');
  assert.deepEqual(verifyUnsubscribe(SECRET, `${body}.${bare}`), { ok: false, reason: 'bad_signature' });
});

test('an expiry is part of what is signed and is enforced', () => {
  const expiresAt = new Date('2026-07-01T00:00:00Z');
  const token = signUnsubscribe(SECRET, CLAIMS, { expiresAt });
  const exp = expiresAt.getTime() / 1000;
  assert.deepEqual(verifyUnsubscribe(SECRET, token, exp - 1), {
    ok: true,
    claims: { ...CLAIMS, expiresAt: exp },
  });
  assert.deepEqual(verifyUnsubscribe(SECRET, token, exp), { ok: false, reason: 'expired' });
  assert.deepEqual(verifyUnsubscribe(SECRET, token, exp + 86400), { ok: false, reason: 'expired' });
  // Seconds work as well as a Date.
  assert.equal(signUnsubscribe(SECRET, CLAIMS, { expiresAt: exp }), token);
});

test('bad input to sign is refused loudly', () => {
  assert.throws(() => signUnsubscribe('', CLAIMS), /empty secret/);
  assert.throws(() => signUnsubscribe(SECRET, { ...CLAIMS, orgId: 1.5 }), /orgId is not an id/);
  assert.throws(() => signUnsubscribe(SECRET, { ...CLAIMS, contactId: '' }), /contactId is not an id/);
  assert.deepEqual(verifyUnsubscribe('', signUnsubscribe(SECRET, CLAIMS)), {
    ok: false,
    reason: 'malformed',
  });
});

test('the link and the RFC 8058 headers', () => {
  const token = signUnsubscribe(SECRET, CLAIMS);
  const url = unsubscribeUrl('https://vestnik.example/unsubscribe/', token);
  assert.equal(url, `https://vestnik.example/unsubscribe/${token}`);
  assert.deepEqual(unsubscribeHeaders(url), {
    'List-Unsubscribe': `<${url}>`,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  });
  assert.deepEqual(unsubscribeHeaders(url, 'unsubscribe@snt.example'), {
    'List-Unsubscribe': `<${url}>, <mailto:unsubscribe@snt.example>`,
    'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
  });
  assert.throws(() => unsubscribeHeaders('javascript:alert(1)'), /http\(s\) URL/);
  assert.throws(() => unsubscribeHeaders('https://x.example/a b'), /http\(s\) URL/);
  assert.throws(() => unsubscribeHeaders('https://x.example/>, <https://evil'), /http\(s\) URL/);
  assert.throws(() => unsubscribeHeaders(url, 'a@b>, <https://evil'), /bare address/);
});

test('property: every token verifies to its claims; any single-character change is refused', () => {
  const id = fc.oneof(
    fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
    fc.stringMatching(/^[0-9a-f-]{1,36}$/),
  );
  fc.assert(
    fc.property(
      fc.record({ orgId: id, contactId: id, messageId: id }),
      fc.string({ minLength: 1, maxLength: 40 }),
      fc.nat(),
      fc.integer({ min: 1, max: 63 }),
      (claims, secret, at, delta) => {
        const token = signUnsubscribe(secret, claims);
        assert.deepEqual(verifyUnsubscribe(secret, token), {
          ok: true,
          claims: { ...claims, expiresAt: null },
        });
        const i = at % token.length;
        const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
        const c = token[i]!;
        const swapped = c === '.' ? 'A' : alphabet[(alphabet.indexOf(c) + delta) % 64]!;
        const altered = token.slice(0, i) + swapped + token.slice(i + 1);
        const r = verifyUnsubscribe(secret, altered);
        // base64url's last character may carry unused bits: a change there can decode the same.
        if (r.ok) assert.deepEqual(r.claims, { ...claims, expiresAt: null });
        else assert.ok(['bad_signature', 'malformed'].includes(r.reason));
      },
    ),
    { numRuns: 500 },
  );
});
