/**
 * What Kannel 1.4.5 calls, parsed as the server parses it: the query strings below are the ones a
 * real smsbox produced (captured from its `sms-service` get-url and a `dlr-url`), put through
 * Fastify's query parser — the one the callback route uses — and then `parseCallback`. Incoming
 * texts arrive intact whether the smsbox recodes UCS-2 to UTF-8 (`mo-recode = true`) or passes the
 * UTF-16BE bytes through (`mo-recode = false`), including bytes that are not valid UTF-8.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import Fastify from 'fastify';
import {
  createKannelGateway,
  decodeKannelText,
  kannelInboundToken,
  kannelInboundUrl,
  kannelReportToken,
} from '../../src/providers/kannel.ts';

const SECRET = 'callback-secret';
const CALLBACK = 'https://vestnik.example/api/v1/callbacks/7';
const gateway = createKannelGateway({
  gatewayId: 7,
  channel: 'sms',
  settings: { url: 'http://127.0.0.1:1', username: 'vestnik', password: 'p' },
  callbackUrl: CALLBACK,
  callbackSecret: SECRET,
});

const app = Fastify();
app.get('/cb', async (req) => req.query);
after(() => app.close());

/** The query as the callback route receives it, then parsed by the gateway. */
async function kannelCalls(query: string) {
  const res = await app.inject({ url: `/cb?${query}` });
  const parsed = res.json() as Record<string, string>;
  return gateway.parseCallback!({ headers: {}, query: parsed, body: undefined, rawBody: '' });
}

const K = kannelInboundToken(SECRET);
const TAIL = 'id=1c018215-54e3-4763-9f3f-8b18703c7da6&ts=1796693453';

test('the get-url an operator is given: mo=1, the token and the escapes for sender, receiver, bytes, coding, charset, id, time', () => {
  assert.equal(
    kannelInboundUrl(CALLBACK, SECRET),
    `${CALLBACK}?mo=1&k=${K}&from=%p&to=%P&text=%b&coding=%c&charset=%C&id=%I&ts=%T`,
  );
  assert.notEqual(K, kannelReportToken(SECRET, '1'), 'not a report token');
  assert.notEqual(K, kannelInboundToken('another secret'));
});

test('an incoming Cyrillic text recoded by the smsbox to UTF-8 (mo-recode = true)', async () => {
  const r = await kannelCalls(
    `mo=1&k=${K}&from=79001112233&to=1234&text=%D0%A1%D0%A2%D0%9E%D0%9F+%D0%BF%D0%BE%D0%B6%D0%B0%D0%BB%D1%83%D0%B9%D1%81%D1%82%D0%B0&coding=0&charset=UTF-8&${TAIL}`,
  );
  assert.deepEqual(r, {
    ok: true,
    reports: [],
    inbound: [
      {
        from: '79001112233',
        to: '1234',
        text: 'СТОП пожалуйста',
        providerId: '1c018215-54e3-4763-9f3f-8b18703c7da6',
        receivedAt: new Date(1796693453 * 1000),
      },
    ],
  });
});

test('incoming texts as Kannel writes them: UTF-8 with + and %, UTF-16BE bytes valid and not valid as UTF-8', async () => {
  const texts: string[] = [];
  for (const q of [
    'text=Stop+now%2B50%25&coding=0&charset=UTF-8',
    'text=Stop+%C3%A9+%C3%BC%2B%25&coding=0&charset=UTF-8',
    // mo-recode = false: the UCS-2 bytes as they came; every byte below 0x80 (valid UTF-8 as it is)…
    'text=%04!%04%22%04%1E%04%1F%00%2C%00+%04Q%046&coding=2&charset=UTF-16BE',
    // …and bytes that are not UTF-8 (é, ü), which the query parser leaves percent-encoded.
    'text=%00S%00t%00o%00p%00+%00%E9%00+%00%FC%00%2B%00%25&coding=2&charset=UTF-16BE',
  ]) {
    const r = await kannelCalls(`mo=1&k=${K}&from=79001112233&to=1234&${q}&${TAIL}`);
    assert.ok(r.ok && r.inbound?.length === 1, JSON.stringify(r));
    texts.push(r.inbound[0]!.text);
  }
  assert.deepEqual(texts, ['Stop now+50%', 'Stop é ü+%', 'СТОП, ёж', 'Stop é ü+%']);
});

test('an incoming message with a wrong or missing token, or without sender or text, is refused', async () => {
  const base = `mo=1&from=79001112233&to=1234&text=STOP&coding=0&charset=UTF-8&${TAIL}`;
  for (const [q, reason] of [
    [base, /bad or missing k/],
    [`${base}&k=${kannelInboundToken('other')}`, /bad or missing k/],
    [`${base.replace('from=79001112233&', '')}&k=${K}`, /without from/],
    [`${base.replace('text=STOP&', '')}&k=${K}`, /without text/],
  ] as const) {
    const r = await kannelCalls(q);
    assert.equal(r.ok, false, q);
    assert.match(!r.ok ? r.reason : '', reason);
  }
});

test('a delivery report carries its destination (%p) and no inbound messages', async () => {
  const t = kannelReportToken(SECRET, '501');
  assert.deepEqual(await kannelCalls(`m=501&t=${t}&type=1&answer=&ts=1796693505&to=79123456780`), {
    ok: true,
    reports: [{ providerId: '501', state: 'delivered', rawStatus: '1', destination: '79123456780' }],
  });
  // A dlr-url whose %p Kannel left alone (none to fill in) names no destination.
  const r = await kannelCalls(`m=501&t=${t}&type=8&answer=ACK%2F&ts=1&to=%25p`);
  assert.deepEqual(r, { ok: true, reports: [{ providerId: '501', state: 'submitted', rawStatus: '8' }] });
});

test('decodeKannelText: by coding and charset, a charset it does not know read as UTF-8', () => {
  assert.equal(decodeKannelText('%E9t%E9', '0', 'ISO-8859-1'), 'été');
  assert.equal(decodeKannelText('\u0004\u0012\u0004>', '2', 'UCS-2'), 'Во');
  assert.equal(decodeKannelText('Вода', undefined, 'x-unknown'), 'Вода');
});
