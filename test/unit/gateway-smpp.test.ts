/**
 * The SMPP gateway against a real SMPP server (the `smpp` package's server side) on 127.0.0.1:
 * bind, submit with its data coding, concatenated parts, throttling, a dropped connection, receipts.
 * Every wait is a bounded poll of a few milliseconds.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import fc from 'fast-check';
import type { DecodedMessage, Pdu } from 'smpp';
import { GSM_BASIC, GSM_EXTENSION } from '../../src/core/sms/gsm.ts';
import type {
  GatewaySettingsError,
  OutgoingMessage,
  SendOutcome,
  StatusReport,
} from '../../src/providers/provider.ts';
import { createSmppGateway, type SmppGateway } from '../../src/providers/smpp.ts';
import {
  classifyStatus,
  normaliseId,
  parseReceiptText,
  splitForSubmit,
} from '../../src/providers/smppPdu.ts';
import { FakeSmsc } from '../helpers/smppServer.ts';

const servers: FakeSmsc[] = [];
const gateways: SmppGateway[] = [];
after(async () => {
  for (const g of gateways) await g.close?.();
  for (const s of servers) await s.stop();
});

async function setup(settings: Record<string, unknown> = {}): Promise<{ smsc: FakeSmsc; gw: SmppGateway }> {
  const smsc = new FakeSmsc();
  servers.push(smsc);
  const port = await smsc.start();
  const gw = createSmppGateway({
    gatewayId: 1,
    channel: 'sms',
    settings: {
      host: '127.0.0.1',
      port,
      system_id: 'vestnik',
      password: 'secret',
      sender: 'Vestnik',
      responseSeconds: 2,
      reconnectSeconds: 0.05,
      throttleSeconds: 0.2,
      ...settings,
    },
    callbackUrl: 'http://127.0.0.1:1/unused',
    callbackSecret: 'unused',
  });
  gateways.push(gw);
  return { smsc, gw };
}

const sms = (id: number, body: string, extra: Partial<OutgoingMessage> = {}): OutgoingMessage => ({
  id,
  channel: 'sms',
  address: '+79161234567',
  subject: null,
  body,
  sender: null,
  ...extra,
});

async function until(what: string, check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const text = (pdu: Pdu) => (pdu.short_message as DecodedMessage).message;
const raw = (o: SendOutcome | undefined) => (o && o.kind !== 'accepted' ? o.rawStatus : undefined);
const reason = (o: SendOutcome | undefined) => (o && o.kind !== 'accepted' ? o.reason : '');
const retryAfter = (o: SendOutcome | undefined) => (o?.kind === 'rate_limited' ? o.retryAfterMs : undefined);

test('settings: each missing or wrong setting is named', () => {
  const make = (settings: Record<string, unknown>) => () =>
    createSmppGateway({ gatewayId: 1, channel: 'sms', settings, callbackUrl: '', callbackSecret: '' });
  const base = { host: 'smsc.example', system_id: 'login', password: 'pw' };
  assert.throws(make({ ...base, host: undefined }), (e: GatewaySettingsError) => e.setting === 'host');
  assert.throws(
    make({ ...base, password: undefined }),
    (e: GatewaySettingsError) => e.setting === 'password',
  );
  assert.throws(
    make({ ...base, password: 'x'.repeat(65) }),
    (e: GatewaySettingsError) => e.setting === 'password',
  );
  assert.throws(make({ ...base, window: 0 }), (e: GatewaySettingsError) => e.setting === 'window');
  assert.throws(
    make({ ...base, submitIdForm: 'octal' }),
    (e: GatewaySettingsError) => e.setting === 'submitIdForm',
  );
  assert.doesNotThrow(make(base));
});

test('binds as a transceiver with the right password and submits a GSM text with data_coding 0', async () => {
  const { smsc, gw } = await setup();
  const [out] = await gw.send([sms(1, 'Hello @ 100€')]);
  assert.deepEqual(out, {
    id: 1,
    kind: 'accepted',
    providerId: normaliseId('3E9', 'hex'),
    rawStatus: 'ESME_ROK',
  });
  const bind = smsc.binds[0]!;
  assert.equal(bind.command, 'bind_transceiver');
  assert.equal(bind.system_id, 'vestnik');
  assert.equal(bind.interface_version, 0x34);
  const pdu = smsc.submits[0]!;
  assert.equal(pdu.data_coding, 0);
  assert.equal(text(pdu), 'Hello @ 100€');
  assert.equal(pdu.destination_addr, '79161234567');
  assert.deepEqual([pdu.dest_addr_ton, pdu.dest_addr_npi], [1, 1]);
  assert.deepEqual([pdu.source_addr, pdu.source_addr_ton, pdu.source_addr_npi], ['Vestnik', 5, 0]);
  assert.equal(pdu.registered_delivery, 1);
  assert.equal(Number(pdu.esm_class) & 0x40, 0, 'no UDH on a single SMS');
});

test('every character of the GSM alphabet and its extension reaches the SMSC as written', async () => {
  const { smsc, gw } = await setup();
  const all = GSM_BASIC + GSM_EXTENSION;
  const [out] = await gw.send([sms(26, all)]);
  assert.equal(out?.kind, 'accepted');
  assert.equal(smsc.submits[0]!.data_coding, 0);
  assert.equal(text(smsc.submits[0]!), all);
  // The octets themselves, from GSM 03.38's tables: a basic character is its index (ESC, 0x1B, is not
  // a character), an extension character ESC and its code.
  const EXT: Record<string, number> = { '\f': 0x0a, '^': 0x14, '{': 0x28, '}': 0x29, '\\': 0x2f };
  Object.assign(EXT, { '[': 0x3c, '~': 0x3d, ']': 0x3e, '|': 0x40, '€': 0x65 });
  const expected = Buffer.from([
    ...[...GSM_BASIC].map((_, i) => (i < 27 ? i : i + 1)),
    ...[...GSM_EXTENSION].flatMap((c) => [0x1b, EXT[c]!]),
  ]);
  assert.equal(expected.length, 127 + 20);
  assert.ok(Buffer.concat(smsc.octets).includes(expected), 'the short_message octets are GSM 03.38');
});

test('a Cyrillic text goes as UCS-2 (data_coding 8); a numeric sender as an international number', async () => {
  const { smsc, gw } = await setup();
  const [out] = await gw.send([sms(2, 'Привет, ваш долг 100 ₽', { sender: '+79001112233' })]);
  assert.equal(out!.kind, 'accepted');
  const pdu = smsc.submits[0]!;
  assert.equal(pdu.data_coding, 8);
  assert.equal(text(pdu), 'Привет, ваш долг 100 ₽');
  const utf16be = Buffer.from('Привет, ваш долг 100 ₽', 'utf16le').swap16();
  assert.ok(Buffer.concat(smsc.octets).includes(utf16be), 'the short_message octets are UTF-16BE');
  assert.deepEqual([pdu.source_addr, pdu.source_addr_ton, pdu.source_addr_npi], ['79001112233', 1, 1]);
});

test('verify: binds with the right password; the wrong one is named', async () => {
  const good = await setup();
  assert.match(await good.gw.verify(), /^bound to 127\.0\.0\.1:\d+ as vestnik/);
  const bad = await setup({ password: 'wrong' });
  await assert.rejects(bad.gw.verify(), /wrong password \(setting `password`\)/);
  assert.equal(bad.smsc.binds.length, 1);
});

test('a wrong password: retryable, naming the setting; nothing submitted', async () => {
  const { smsc, gw } = await setup({ password: 'wrong' });
  const [out] = await gw.send([sms(3, 'Hello')]);
  assert.equal(out!.kind, 'retryable');
  assert.equal(raw(out), 'ESME_RINVPASWD');
  assert.match(reason(out), /password/);
  assert.equal(smsc.submits.length, 0);
});

for (const [name, body, coding, parts] of [
  ['GSM-7', 'Lorem ipsum dolor sit amet, {consectetur} adipiscing elit. '.repeat(6), 0, 3],
  ['UCS-2', 'Съешь же ещё этих мягких французских булок, да выпей чаю. '.repeat(3), 8, 3],
] as const) {
  test(`a long ${name} text: ${parts} submit_sm with one 8-bit UDH reference, reassembled exactly`, async () => {
    const { smsc, gw } = await setup();
    const [out] = await gw.send([sms(4, body)]);
    assert.equal(smsc.submits.length, parts);
    const udhs = smsc.submits.map((p) => (p.short_message as DecodedMessage).udh?.[0]);
    const ref = udhs[0]![2];
    smsc.submits.forEach((p, i) => {
      assert.equal(p.data_coding, coding);
      assert.equal(Number(p.esm_class) & 0x40, 0x40, 'UDHI set');
      assert.deepEqual([...udhs[i]!], [0x00, 0x03, ref, parts, i + 1]);
    });
    assert.equal(smsc.submits.map(text).join(''), body);
    const wire = Buffer.concat(smsc.octets);
    for (let i = 1; i <= parts; i++)
      assert.ok(
        wire.includes(Buffer.from([0x05, 0x00, 0x03, ref!, parts, i])),
        `UDH of part ${i} on the wire`,
      );
    // Accepted when all parts are; the first part's id stands for the message, every part's listed.
    assert.deepEqual(out, {
      id: 4,
      kind: 'accepted',
      providerId: normaliseId('3E9', 'hex'),
      rawStatus: 'ESME_ROK',
      partIds: ['3E9', '3EA', '3EB'].map((h) => normaliseId(h, 'hex')),
    });
    // The next long message takes the next reference.
    await gw.send([sms(5, body)]);
    assert.equal((smsc.submits[parts]!.short_message as DecodedMessage).udh?.[0]?.[2], (ref! + 1) & 0xff);
  });
}

test('throttling: rate_limited, the bind pauses new submits, then sends again', async () => {
  const { smsc, gw } = await setup();
  smsc.next = (_p, n) => (n === 1 ? { status: 0x58 } : n === 2 ? { status: 0x14 } : { id: String(n) });
  const [first] = await gw.send([sms(6, 'one')]);
  assert.equal(first!.kind, 'rate_limited');
  assert.equal(raw(first), 'ESME_RTHROTTLED');
  assert.equal(retryAfter(first), 200);
  // Within the pause nothing reaches the SMSC: the messages come back rate_limited at once.
  const paused = await gw.send([sms(7, 'two'), sms(8, 'three')]);
  assert.deepEqual(
    paused.map((o) => o.kind),
    ['rate_limited', 'rate_limited'],
  );
  assert.equal(smsc.submits.length, 1);
  await new Promise((r) => setTimeout(r, 210));
  const [queueFull] = await gw.send([sms(9, 'four')]);
  assert.equal(raw(queueFull), 'ESME_RMSGQFUL');
  // The second pause is twice the first.
  assert.equal(retryAfter(queueFull), 400);
  await new Promise((r) => setTimeout(r, 410));
  const [ok] = await gw.send([sms(10, 'five')]);
  assert.deepEqual(ok, { id: 10, kind: 'accepted', providerId: '3', rawStatus: 'ESME_ROK' });
});

test('throttled while others wait for the window: every waiting message comes back, none hangs', async () => {
  const { smsc, gw } = await setup({ window: 2 });
  smsc.next = () => 'hold';
  const sending = gw.send([1, 2, 3, 4, 5].map((i) => sms(60 + i, `w${i}`)));
  await until('a full window', () => smsc.held.length === 2);
  smsc.release({ command_status: 0x58 });
  smsc.release({ message_id: '77' });
  const outcomes = await sending;
  assert.deepEqual(
    outcomes.map((o) => [o.kind, raw(o) ?? (o.kind === 'accepted' && o.providerId)]),
    [
      ['rate_limited', 'ESME_RTHROTTLED'],
      ['accepted', '77'],
      ['rate_limited', 'THROTTLED'],
      ['rate_limited', 'THROTTLED'],
      ['rate_limited', 'THROTTLED'],
    ],
  );
  assert.equal(smsc.submits.length, 2, 'nothing more reached the SMSC during the pause');
});

test('command_status: a bad address is permanent, a system error retryable, raw code kept', async () => {
  const { smsc, gw } = await setup();
  smsc.next = (_p, n) => ({ status: n === 1 ? 0x0b : 0x08 });
  const [bad] = await gw.send([sms(11, 'x')]);
  const [sys] = await gw.send([sms(12, 'y')]);
  assert.deepEqual([bad!.kind, raw(bad)], ['permanent', 'ESME_RINVDSTADR']);
  assert.deepEqual([sys!.kind, raw(sys)], ['retryable', 'ESME_RSYSERR']);
  assert.equal(classifyStatus(0x401), 'retryable', 'vendor-specific codes are not lost for good');
});

test('a dropped connection mid-window: unanswered submits retryable; the bind comes back; sends succeed', async () => {
  const { smsc, gw } = await setup({ window: 3 });
  smsc.next = () => 'hold';
  const sending = gw.send([1, 2, 3, 4, 5].map((i) => sms(100 + i, `m${i}`)));
  await until('a full window', () => smsc.held.length === 3);
  await new Promise((r) => setTimeout(r, 30));
  assert.equal(smsc.maxUnanswered, 3, 'never more than the window unanswered');
  smsc.held[0]!.session.destroy();
  const outcomes: SendOutcome[] = await sending;
  assert.deepEqual(
    outcomes.map((o) => o.kind),
    ['retryable', 'retryable', 'retryable', 'retryable', 'retryable'],
  );
  assert.equal(raw(outcomes[0]), 'CONNECTION_LOST');
  smsc.next = (_p, n) => ({ id: String(n) });
  await until('a new bind', () => smsc.binds.length === 2 && smsc.sessions.length === 1);
  const [ok] = await gw.send([sms(106, 'after')]);
  assert.equal(ok!.kind, 'accepted');
});

test('enquire_link keeps the bind alive', async () => {
  const { smsc, gw } = await setup({ enquireSeconds: 0.05 });
  await gw.send([sms(20, 'x')]);
  await until('two enquire_link', () => smsc.enquires.length >= 2);
  assert.equal(smsc.binds.length, 1);
});

test('an SMSC that stops answering enquire_link: the bind is dropped and made again', async () => {
  const { smsc, gw } = await setup({ enquireSeconds: 0.05, responseSeconds: 0.2 });
  await gw.send([sms(21, 'x')]);
  smsc.answerEnquire = false;
  await until('a second bind', () => smsc.binds.length === 2 && smsc.sessions.length === 1);
  smsc.answerEnquire = true;
  const [out] = await gw.send([sms(22, 'y')]);
  assert.equal(out?.kind, 'accepted');
});

test('an unbind from the SMSC is answered, and the gateway binds again', async () => {
  const { smsc, gw } = await setup();
  await gw.send([sms(23, 'x')]);
  assert.equal(await smsc.unbind(), 0);
  await until('a second bind', () => smsc.binds.length === 2 && smsc.sessions.length === 1);
  const [out] = await gw.send([sms(24, 'y')]);
  assert.equal(out?.kind, 'accepted');
});

test('a long text whose second part is refused: that outcome, naming the part; the rest not sent', async () => {
  const { smsc, gw } = await setup();
  smsc.next = (_p, n) => (n === 2 ? { status: 0x0b } : { id: String(n) });
  const [out] = await gw.send([sms(25, 'z'.repeat(400))]);
  assert.equal(out?.kind, 'permanent');
  assert.equal(raw(out), 'ESME_RINVDSTADR');
  assert.match(reason(out), /\(part 2 of 3\)$/);
  assert.equal(smsc.submits.length, 2);
});

test('receipts: hex, decimal and padded ids match the submit id; states and raw codes', async () => {
  const { smsc, gw } = await setup();
  const got: StatusReport[] = [];
  gw.onReports!(async (reports) => {
    got.push(...reports);
  });
  smsc.next = (_p, n) => ({ id: ['1A2B', '12345', 'ff', '777'][n - 1]! });
  const outs = await gw.send([sms(30, 'a'), sms(31, 'b'), sms(32, 'c'), sms(33, 'd')]);
  const ids = outs.map((o) => (o.kind === 'accepted' ? o.providerId : ''));
  const receipt = (id: string, stat: string, err = '000') =>
    `id:${id} sub:001 dlvrd:001 submit date:2611230800 done date:2611230801 stat:${stat} err:${err} text:a`;
  // 1A2B (hex) reported in decimal; 12345 reported zero-padded; ff reported as 000000FF.
  assert.equal(await smsc.deliver({ esm_class: 4, short_message: receipt('6699', 'DELIVRD') }), 0);
  assert.equal(
    await smsc.deliver({ esm_class: 4, short_message: receipt('0000012345', 'UNDELIV', '012') }),
    0,
  );
  assert.equal(await smsc.deliver({ esm_class: 4, short_message: receipt('000000FF', 'EXPIRED') }), 0);
  // The receipted_message_id and message_state TLVs, without a text.
  assert.equal(await smsc.deliver({ esm_class: 4, receipted_message_id: '777', message_state: 8 }), 0);
  // A reply from a subscriber (no receipt bit) is not a report; with no inbound listener it waits.
  assert.equal(await smsc.deliver({ esm_class: 0, short_message: 'STOP' }), 0x64);
  assert.deepEqual(got, [
    { providerId: ids[0], state: 'delivered', rawStatus: 'DELIVRD err:000' },
    { providerId: ids[1], state: 'undelivered', rawStatus: 'UNDELIV err:012' },
    { providerId: ids[2], state: 'expired', rawStatus: 'EXPIRED err:000' },
    { providerId: ids[3], state: 'rejected', rawStatus: 'REJECTD' },
  ]);
});

test('receipts: not acknowledged until written; every part of a long message reported', async () => {
  const { smsc, gw } = await setup();
  smsc.next = (_p, n) => ({ id: String(500 + n) });
  const [long] = await gw.send([sms(40, 'x'.repeat(200))]);
  assert.deepEqual(long?.kind === 'accepted' && [long.providerId, long.partIds], ['501', ['501', '502']]);
  const receipt = (id: string) => `id:${id} stat:DELIVRD err:000`;
  // No listener yet: «try later» (ESME_RX_T_APPN) so the SMSC delivers it again.
  assert.equal(await smsc.deliver({ esm_class: 4, short_message: receipt('501') }), 0x64);
  let fail = true;
  const got: StatusReport[] = [];
  gw.onReports!(async (reports) => {
    if (fail) throw new Error('database down');
    got.push(...reports);
  });
  assert.equal(await smsc.deliver({ esm_class: 4, short_message: receipt('501') }), 0x64);
  fail = false;
  const from = { source_addr_ton: 1, source_addr_npi: 1, source_addr: '79161234567' };
  assert.equal(await smsc.deliver({ ...from, esm_class: 4, short_message: receipt('502') }), 0);
  assert.equal(await smsc.deliver({ esm_class: 4, short_message: receipt('501') }), 0);
  assert.deepEqual(got, [
    { providerId: '502', state: 'delivered', rawStatus: 'DELIVRD err:000', destination: '+79161234567' },
    { providerId: '501', state: 'delivered', rawStatus: 'DELIVRD err:000' },
  ]);
});

test("a later part's receipt before the message's last part is answered: reported with its own id", async () => {
  const { smsc, gw } = await setup();
  const got: StatusReport[] = [];
  gw.onReports!(async (reports) => {
    got.push(...reports);
  });
  smsc.next = (_p, n) => (n === 3 ? 'hold' : { id: String(700 + n) });
  const sending = gw.send([sms(41, 'y'.repeat(400))]);
  await until('the third part', () => smsc.held.length === 1);
  assert.equal(await smsc.deliver({ esm_class: 4, short_message: 'id:702 stat:UNDELIV err:001' }), 0);
  smsc.release({ message_id: '703' });
  const [out] = await sending;
  assert.deepEqual(out?.kind === 'accepted' && out.partIds, ['701', '702', '703']);
  assert.deepEqual(got, [{ providerId: '702', state: 'undelivered', rawStatus: 'UNDELIV err:001' }]);
});

test('a listener binds at once: receipts for messages sent before a restart arrive without a send', async () => {
  const { smsc, gw } = await setup();
  const got: StatusReport[] = [];
  gw.onReports!(async (reports) => {
    got.push(...reports);
  });
  await until('the bind', () => smsc.sessions.length === 1);
  assert.equal(await smsc.deliver({ esm_class: 4, short_message: 'id:0A stat:DELIVRD err:000' }), 0);
  assert.deepEqual(got, [{ providerId: '10', state: 'delivered', rawStatus: 'DELIVRD err:000' }]);
  assert.equal(smsc.submits.length, 0);
});

test('message ids and receipt texts', () => {
  assert.equal(normaliseId('0000001A2B', 'auto'), '6699');
  assert.equal(normaliseId('6699', 'auto'), '6699');
  assert.equal(normaliseId('1234', 'hex'), '4660');
  assert.equal(normaliseId('000123', 'decimal'), '123');
  assert.equal(normaliseId('abc-DEF', 'auto'), 'abc-DEF');
  assert.equal(normaliseId('007', 'text'), '007');
  assert.deepEqual(parseReceiptText('ID:42 SUB:001 STAT:delivrd ERR:0'), {
    id: '42',
    stat: 'DELIVRD',
    err: '0',
  });
  assert.equal(parseReceiptText('hello'), null);
});

test('property: an id written hex, decimal or zero-padded normalises to one form', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: 2n ** 64n }), fc.nat(12), (n, pad) => {
      const dec = n.toString(10).padStart(pad, '0');
      const hex = n.toString(16).padStart(pad, '0');
      const want = n.toString(10);
      assert.equal(normaliseId(dec, 'decimal'), want);
      assert.equal(normaliseId(hex, 'hex'), want);
      assert.equal(normaliseId(hex.toUpperCase(), 'hex'), want);
      assert.equal(normaliseId(dec, 'auto'), want);
      if (/[a-f]/.test(hex)) assert.equal(normaliseId(hex, 'auto'), want);
    }),
  );
});

test('property: the parts of any text carry one reference, count themselves, and join to the text', () => {
  const piece = fc.oneof(
    fc.constantFrom(...'abc XYZ 0123.,!?@£$_\n'.split('')),
    fc.constantFrom(...'абвгдеёжзЯ'.split('')),
    fc.constantFrom(...'€{}[]~\\|^'.split('')),
    fc.constant('😀'),
  );
  fc.assert(
    fc.property(fc.array(piece, { minLength: 1, maxLength: 700 }), fc.nat(255), (chars, ref) => {
      const text = chars.join('');
      const { dataCoding, parts } = splitForSubmit(text, ref);
      assert.equal(parts.map((p) => p.message).join(''), text);
      // Everything but the Cyrillic letters and the emoji is in the GSM alphabet.
      assert.equal(dataCoding, /[\u0400-\u04ff]|😀/.test(text) ? 8 : 0);
      if (parts.length === 1) assert.equal(parts[0]!.udh, null);
      else
        parts.forEach((p, i) => {
          assert.deepEqual([...p.udh!], [0x05, 0x00, 0x03, ref, parts.length, i + 1]);
        });
    }),
  );
});
