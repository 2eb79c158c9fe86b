/**
 * The SMPP gateway's options as operators set them, each against the SMPP server of the test suite
 * (the `smpp` package's server side, test/helpers/smppServer.ts) on 127.0.0.1: bind types, the data
 * coding of GSM texts, the four ways of concatenating, TON/NPI, the window, the concatenation
 * reference across a restart, the account's bind limit, every part's receipt with its number, and
 * messages from people (joined from their parts, acknowledged once their listener has them).
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { DecodedMessage, Pdu } from 'smpp';
import type {
  InboundMessage,
  OutgoingMessage,
  SendOutcome,
  StatusReport,
} from '../../src/providers/provider.ts';
import { createSmppGateway, type SmppGateway } from '../../src/providers/smpp.ts';
import { setSmppLeaseDatabase } from '../../src/providers/smppLeases.ts';
import { ReferenceCounter } from '../../src/providers/smppPdu.ts';
import { FakeSmsc } from '../helpers/smppServer.ts';

// This process alone (the PostgreSQL leases have a test of their own: smpp-leases.test.ts).
setSmppLeaseDatabase(null);

const servers: FakeSmsc[] = [];
const gateways: SmppGateway[] = [];
after(async () => {
  for (const g of gateways) await g.close?.();
  for (const s of servers) await s.stop();
});

async function server(): Promise<{ smsc: FakeSmsc; port: number }> {
  const smsc = new FakeSmsc();
  servers.push(smsc);
  return { smsc, port: await smsc.start() };
}

function gateway(port: number, settings: Record<string, unknown> = {}): SmppGateway {
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
      ...settings,
    },
    callbackUrl: 'http://127.0.0.1:1/unused',
    callbackSecret: 'unused',
  });
  gateways.push(gw);
  return gw;
}

async function setup(settings: Record<string, unknown> = {}) {
  const { smsc, port } = await server();
  return { smsc, port, gw: gateway(port, settings) };
}

const sms = (id: number, body: string, address = '+79161234567'): OutgoingMessage => ({
  id,
  channel: 'sms',
  address,
  subject: null,
  body,
  sender: null,
});

async function until(what: string, check: () => boolean, ms = 3000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

const udh = (pdu: Pdu) => (pdu.short_message as DecodedMessage).udh?.[0];
const accepted = (o: SendOutcome | undefined) =>
  o?.kind === 'accepted' ? o : assert.fail(JSON.stringify(o));

test('settings: the new options refuse what they do not know, naming the setting', () => {
  for (const [key, value] of [
    ['bindType', 'both'],
    ['gsmDataCoding', 2],
    ['concatenation', 'udh'],
    ['destTon', 300],
    ['maxBinds', 0],
  ] as const)
    assert.throws(
      () => gateway(1, { [key]: value }),
      (e: Error & { setting?: string }) => e.setting === key,
      key,
    );
});

test('bindType transmitter+receiver: two binds; submits on the transmitter, receipts and replies on the receiver', async () => {
  const { smsc, gw } = await setup({ bindType: 'transmitter+receiver' });
  const reports: StatusReport[] = [];
  const inbound: InboundMessage[] = [];
  gw.onReports!(async (r) => void reports.push(...r));
  gw.onInbound!(async (m) => void inbound.push(...m));
  await until('both binds', () => smsc.sessions.length === 2);
  assert.deepEqual(smsc.binds.map((b) => b.command).sort(), ['bind_receiver', 'bind_transmitter']);
  const [out] = await gw.send([sms(1, 'Hello')]);
  assert.equal(out?.kind, 'accepted');
  assert.deepEqual(smsc.submittedOn, ['transmitter']);
  assert.equal(await smsc.deliver({ esm_class: 4, short_message: 'id:3E9 stat:DELIVRD err:000' }), 0);
  assert.equal(
    await smsc.deliver({ source_addr: '79161234567', destination_addr: 'Vestnik', short_message: 'Ok' }),
    0,
  );
  assert.equal(reports[0]?.providerId, '1001');
  assert.deepEqual(
    inbound.map((m) => [m.from, m.to, m.text]),
    [['+79161234567', 'Vestnik', 'Ok']],
  );
  assert.match(await gw.verify(), /\(transmitter and receiver, SMPP 3\.4\)$/);
});

test('bindType transmitter: one bind_transmitter; receiver: one bind_receiver, and a send is refused naming the setting', async () => {
  const t = await setup({ bindType: 'transmitter' });
  assert.equal(accepted((await t.gw.send([sms(2, 'Hi')]))[0]).providerId, '1001');
  assert.deepEqual(
    t.smsc.binds.map((b) => b.command),
    ['bind_transmitter'],
  );
  const r = await setup({ bindType: 'receiver' });
  const [out] = await r.gw.send([sms(3, 'Hi')]);
  assert.equal(out?.kind, 'permanent');
  assert.match(out?.kind === 'permanent' ? out.reason : '', /bindType/);
  assert.match(await r.gw.verify(), /\(receiver, SMPP 3\.4\)/);
  assert.deepEqual(
    r.smsc.binds.map((b) => b.command),
    ['bind_receiver'],
  );
  assert.equal(r.smsc.submits.length, 0);
});

test('gsmDataCoding 0, 1 and 3: the octets of each; what the coding cannot write goes UCS-2', async () => {
  const cases: [number, string, number, Buffer][] = [
    [0, 'Hi @_$', 0, Buffer.from([0x48, 0x69, 0x20, 0x00, 0x11, 0x02])],
    [1, 'Hi @_$', 1, Buffer.from('Hi @_$', 'ascii')],
    [1, 'Cost 5£', 8, Buffer.from('Cost 5£', 'utf16le').swap16()],
    [3, 'Café 5£ ¿?', 3, Buffer.from('Café 5£ ¿?', 'latin1')],
    [3, 'Δ 5€', 8, Buffer.from('Δ 5€', 'utf16le').swap16()],
  ];
  for (const [setting, text, coding, wire] of cases) {
    const { smsc, gw } = await setup({ gsmDataCoding: setting });
    assert.equal((await gw.send([sms(4, text)]))[0]?.kind, 'accepted');
    const pdu = smsc.submits[0]!;
    assert.equal(pdu.data_coding, coding, `${setting}: ${text}`);
    assert.ok(
      Buffer.concat(smsc.octets).includes(Buffer.concat([Buffer.from([wire.length]), wire])),
      `${setting}: ${text} octets`,
    );
  }
});

const LONG = 'Lorem ipsum dolor sit amet, consectetur adipiscing elit. '.repeat(6); // 342 septets

test('concatenation udh16: a 16-bit reference (06 08 04 ref ref total seq), 152 septets a part', async () => {
  const { smsc, gw } = await setup({ concatenation: 'udh16' });
  const out = accepted((await gw.send([sms(5, LONG)]))[0]);
  assert.equal(smsc.submits.length, 3);
  assert.equal(out.partIds?.length, 3);
  const refs = smsc.submits.map((p) => udh(p)!);
  smsc.submits.forEach((p, i) => {
    assert.equal(Number(p.esm_class) & 0x40, 0x40);
    assert.deepEqual([...refs[i]!].slice(0, 2), [0x08, 0x04]);
    assert.deepEqual([...refs[i]!].slice(2, 4), [...refs[0]!].slice(2, 4), 'one reference');
    assert.deepEqual([...refs[i]!].slice(4), [3, i + 1]);
  });
  const texts = smsc.submits.map((p) => (p.short_message as DecodedMessage).message as string);
  assert.equal(texts.join(''), LONG);
  assert.deepEqual(
    texts.map((t) => t.length),
    [152, 152, 38],
  );
});

test('concatenation sar: the parts as priced, no UDH, sar_msg_ref_num / total / seqnum on each', async () => {
  const { smsc, gw } = await setup({ concatenation: 'sar' });
  const out = accepted((await gw.send([sms(6, LONG)]))[0]);
  assert.deepEqual(out.partIds, ['1001', '1002', '1003']);
  const ref = smsc.submits[0]!.sar_msg_ref_num;
  assert.equal(typeof ref, 'number');
  smsc.submits.forEach((p, i) => {
    assert.equal(Number(p.esm_class) & 0x40, 0, 'no UDHI');
    assert.deepEqual([p.sar_msg_ref_num, p.sar_total_segments, p.sar_segment_seqnum], [ref, 3, i + 1]);
  });
  const texts = smsc.submits.map((p) => (p.short_message as DecodedMessage).message as string);
  assert.deepEqual(
    texts.map((t) => t.length),
    [153, 153, 36],
  );
  assert.equal(texts.join(''), LONG);
});

test('concatenation payload: one submit_sm, the whole text in message_payload, short_message empty', async () => {
  const { smsc, gw } = await setup({ concatenation: 'payload' });
  const body = 'Съешь же ещё этих мягких французских булок, да выпей чаю. '.repeat(3);
  const out = accepted((await gw.send([sms(7, body)]))[0]);
  assert.equal(out.partIds, undefined);
  assert.equal(smsc.submits.length, 1);
  const pdu = smsc.submits[0]!;
  assert.equal(pdu.data_coding, 8);
  const sm = pdu.short_message as DecodedMessage | Buffer;
  assert.equal(Buffer.isBuffer(sm) ? sm.length : sm.message.length, 0);
  assert.equal((pdu.message_payload as DecodedMessage).message, body);
  assert.ok(Buffer.concat(smsc.octets).includes(Buffer.from(body, 'utf16le').swap16()));
});

test('source and destination TON/NPI as set; the defaults without them', async () => {
  const { smsc, gw } = await setup({ sourceTon: 0, sourceNpi: 1, destTon: 0, destNpi: 0 });
  await gw.send([sms(8, 'Hi')]);
  const p = smsc.submits[0]!;
  assert.deepEqual(
    [p.source_addr_ton, p.source_addr_npi, p.dest_addr_ton, p.dest_addr_npi, p.destination_addr],
    [0, 1, 0, 0, '79161234567'],
  );
  const d = await setup();
  await d.gw.send([sms(9, 'Hi')]);
  const q = d.smsc.submits[0]!;
  assert.deepEqual([q.source_addr_ton, q.source_addr_npi, q.dest_addr_ton, q.dest_addr_npi], [5, 0, 1, 1]);
});

test('window: at most `window` submit_sm unanswered; the rest go as answers come', async () => {
  const { smsc, gw } = await setup({ window: 3 });
  smsc.next = () => 'hold';
  const sending = gw.send(Array.from({ length: 8 }, (_, i) => sms(100 + i, `m${i}`)));
  await until('three held', () => smsc.held.length === 3);
  await new Promise((r) => setTimeout(r, 50));
  assert.equal(smsc.submits.length, 3, 'no fourth before an answer');
  for (let n = 0; n < 8; n++) {
    await until(`submit ${n + 1}`, () => smsc.held.length > 0);
    smsc.release({ message_id: `A${n}` });
  }
  const outs = await sending;
  assert.ok(outs.every((o) => o.kind === 'accepted'));
  assert.equal(smsc.maxUnanswered, 3);
  assert.equal(smsc.submits.length, 8);
});

test('the concatenation reference: 16 bits from the clock, so a restarted bind starts past the last one used', async () => {
  // Pure: a counter started 1 s after another that took 99 references starts past all of them.
  const t0 = 1_765_150_000_000;
  const before = new ReferenceCounter(t0);
  const used = Array.from({ length: 99 }, () => before.next());
  const after1s = new ReferenceCounter(t0 + 1000).next();
  assert.ok(!used.includes(after1s));
  assert.equal(after1s, (used[0]! + 100) & 0xffff);
  // No repeat within 65,536 references.
  const c = new ReferenceCounter(t0);
  const seen = new Set(Array.from({ length: 65_536 }, () => c.next()));
  assert.equal(seen.size, 65_536);
  // Two binds, one after the other, as a restart: the second's first reference is not the first's.
  const { smsc, port } = await server();
  const first = gateway(port, { concatenation: 'sar' });
  for (let i = 0; i < 3; i++) await first.send([sms(20 + i, LONG)]);
  await first.close?.();
  await new Promise((r) => setTimeout(r, 60));
  const second = gateway(port, { concatenation: 'sar' });
  await second.send([sms(30, LONG)]);
  const refs = [...new Set(smsc.submits.map((p) => p.sar_msg_ref_num as number))];
  assert.equal(refs.length, 4);
  const [a, b, c2, d] = refs as [number, number, number, number];
  assert.deepEqual([b - a, c2 - b], [1, 1]);
  assert.ok(((d - c2) & 0xffff) > 1 && ((d - c2) & 0xffff) < 1000, `restart moved on: ${c2} → ${d}`);
});

test('maxBinds 1: a second instance on the account does not bind; its sends wait unpunished; gateway test reports the bind', async () => {
  const { smsc, port } = await server();
  const first = gateway(port);
  first.onReports!(async () => {});
  await until('the first bind', () => smsc.sessions.length === 1);
  const second = gateway(port);
  second.onReports!(async () => {});
  const [out] = await second.send([sms(40, 'Hi')]);
  assert.equal(out?.kind, 'rate_limited');
  assert.equal(out?.kind === 'rate_limited' && out.rawStatus, 'BINDS_IN_USE');
  assert.match(out?.kind === 'rate_limited' ? out.reason : '', /maxBinds/);
  // `vestnik gateway test` builds a third: it reports the first's bind and binds nothing.
  const check = gateway(port);
  assert.match(
    await check.verify(),
    /transceiver bound by this process \(pid \d+\): the bind is up since .* not bound again/,
  );
  await check.close?.();
  assert.equal(smsc.binds.length, 1);
  // The first lets go (a settings change, a stop): the second binds at once.
  await first.close?.();
  await until('the second bind', () => smsc.sessions.length === 1 && smsc.binds.length === 2, 2000);
  assert.equal((await second.send([sms(41, 'Hi')]))[0]?.kind, 'accepted');
  assert.equal(smsc.mostBound.get('transceiver'), 1);
});

test('maxBinds 1 with a bind that is down: gateway test says so, naming the last error', async () => {
  const { smsc, port } = await server();
  smsc.password = 'other';
  const first = gateway(port);
  first.onReports!(async () => {});
  await until('the refused bind', () => smsc.binds.length >= 1);
  await new Promise((r) => setTimeout(r, 20));
  await assert.rejects(gateway(port).verify(), /bound by this process .*down since .*ESME_RINVPASWD/);
});

test('maxBinds 2: two instances bind; a third waits', async () => {
  const { smsc, port } = await server();
  const gws = [1, 2, 3].map(() => gateway(port, { maxBinds: 2 }));
  for (const g of gws) g.onReports!(async () => {});
  await until('two binds', () => smsc.sessions.length === 2);
  await new Promise((r) => setTimeout(r, 100));
  assert.equal(smsc.binds.length, 2);
  assert.equal((await gws[2]!.send([sms(50, 'Hi')]))[0]?.kind, 'rate_limited');
});

test('every part of a long message: its own receipt with its own id and the number it went to', async () => {
  const { smsc, gw } = await setup();
  const reports: StatusReport[] = [];
  gw.onReports!(async (r) => void reports.push(...r));
  const out = accepted((await gw.send([sms(60, LONG, '+79160000001')]))[0]);
  assert.deepEqual(out.partIds, ['1001', '1002', '1003']);
  for (const id of ['3EA', '3E9', '3EB'])
    assert.equal(
      await smsc.deliver({
        source_addr_ton: 1,
        source_addr_npi: 1,
        source_addr: '79160000001',
        esm_class: 4,
        short_message: `id:${id} sub:001 dlvrd:001 submit date:2612080100 done date:2612080101 stat:DELIVRD err:000 text:Lorem`,
      }),
      0,
    );
  assert.deepEqual(
    reports.map((r) => [r.providerId, r.state, r.destination]),
    [
      ['1002', 'delivered', '+79160000001'],
      ['1001', 'delivered', '+79160000001'],
      ['1003', 'delivered', '+79160000001'],
    ],
  );
});

test('messages from people: each data coding decoded; parts joined by UDH (8- and 16-bit) and sar_*', async () => {
  const { smsc, gw } = await setup();
  const got: InboundMessage[] = [];
  gw.onInbound!(async (m) => void got.push(...m));
  await until('the bind', () => smsc.sessions.length === 1);
  const from = {
    source_addr_ton: 1,
    source_addr_npi: 1,
    source_addr: '79161112233',
    destination_addr: '4444',
  };
  const mo = (f: Record<string, unknown>) => smsc.deliver({ ...from, ...f });
  assert.equal(
    await mo({
      data_coding: 0,
      short_message: Buffer.from([0x53, 0x54, 0x4f, 0x50, 0x20, 0x00, 0x1b, 0x65]),
    }),
    0,
  );
  assert.equal(await mo({ data_coding: 1, short_message: Buffer.from('stop @ $', 'ascii') }), 0);
  assert.equal(await mo({ data_coding: 3, short_message: Buffer.from('Ça va ¿', 'latin1') }), 0);
  assert.equal(await mo({ data_coding: 8, short_message: Buffer.from('СТОП', 'utf16le').swap16() }), 0);
  assert.deepEqual(
    got.map((m) => [m.from, m.to, m.text]),
    [
      ['+79161112233', '4444', 'STOP @€'],
      ['+79161112233', '4444', 'stop @ $'],
      ['+79161112233', '4444', 'Ça va ¿'],
      ['+79161112233', '4444', 'СТОП'],
    ],
  );
  got.length = 0;
  const ucs = (t: string) => Buffer.from(t, 'utf16le').swap16();
  // 8-bit UDH, parts out of order: nothing reaches the listener, nor is answered, before the last.
  const second = mo({
    esm_class: 0x40,
    data_coding: 8,
    short_message: Buffer.concat([Buffer.from([5, 0, 3, 7, 2, 2]), ucs('ПИСАТЬСЯ')]),
  });
  let answered = false;
  void second.then(() => (answered = true));
  await new Promise((r) => setTimeout(r, 60));
  assert.equal(answered, false, 'a part is not acknowledged before its message is whole');
  assert.equal(
    await mo({
      esm_class: 0x40,
      data_coding: 8,
      short_message: Buffer.concat([Buffer.from([5, 0, 3, 7, 2, 1]), ucs('ОТ')]),
    }),
    0,
  );
  assert.equal(await second, 0);
  // 16-bit UDH.
  for (const [seq, t] of [
    [1, 'Hel'],
    [2, 'lo'],
  ] as const)
    void mo({
      esm_class: 0x40,
      short_message: Buffer.concat([Buffer.from([6, 8, 4, 0x12, 0x34, 2, seq]), Buffer.from(t)]),
    });
  // sar_* TLVs.
  const sar = (seq: number, t: string) =>
    mo({
      short_message: Buffer.from(t),
      sar_msg_ref_num: 0x0102,
      sar_total_segments: 2,
      sar_segment_seqnum: seq,
    });
  await Promise.all([sar(2, ' two'), sar(1, 'one')]);
  await until('three messages', () => got.length === 3);
  assert.deepEqual(got.map((m) => m.text).sort(), ['Hello', 'one two', 'ОТПИСАТЬСЯ']);
});

test('messages from people: «try later» while the listener fails or is missing; OK once it has them', async () => {
  const { smsc, gw } = await setup();
  gw.onReports!(async () => {});
  await until('the bind', () => smsc.sessions.length === 1);
  const reply = { source_addr: '79161112233', short_message: 'STOP' };
  assert.equal(await smsc.deliver(reply), 0x64, 'no listener');
  let fail = true;
  const got: InboundMessage[] = [];
  gw.onInbound!(async (m) => {
    if (fail) throw new Error('database down');
    got.push(...m);
  });
  assert.equal(await smsc.deliver(reply), 0x64, 'the listener failed');
  fail = false;
  assert.equal(await smsc.deliver(reply), 0);
  assert.equal(got.length, 1);
});

test('a part of a message from a person whose other parts never come: answered «try later» after responseSeconds', async () => {
  const { smsc, gw } = await setup({ responseSeconds: 0.2 });
  const got: InboundMessage[] = [];
  gw.onInbound!(async (m) => void got.push(...m));
  await until('the bind', () => smsc.sessions.length === 1);
  const started = Date.now();
  const status = await smsc.deliver({
    source_addr: '79161112233',
    esm_class: 0x40,
    short_message: Buffer.concat([Buffer.from([5, 0, 3, 9, 3, 1]), Buffer.from('first of three')]),
  });
  assert.equal(status, 0x64);
  assert.ok(Date.now() - started < 1500);
  assert.deepEqual(got, []);
});
