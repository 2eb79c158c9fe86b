/**
 * The SMPP gateway against an SMSC this project did not write: a small one on Debian's Perl
 * Net::SMPP (test/fixtures/smpp/smsc.pl) on 127.0.0.1. It answers every submit_sm with a hex id,
 * sends each part's DELIVRD receipt with that id in zero-padded decimal — every second one before
 * its submit_sm_resp — and sends messages from people when told. Skipped, saying so, only where
 * Perl's Net::SMPP is not installed (CI installs it).
 */
import assert from 'node:assert/strict';
import { type ChildProcessWithoutNullStreams, spawn, spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, test } from 'node:test';
import type { InboundMessage, OutgoingMessage, StatusReport } from '../../src/providers/provider.ts';
import { createSmppGateway, type SmppGateway } from '../../src/providers/smpp.ts';
import { setSmppLeaseDatabase } from '../../src/providers/smppLeases.ts';

setSmppLeaseDatabase(null);
const SCRIPT = path.join(import.meta.dirname, '../fixtures/smpp/smsc.pl');
const missing =
  spawnSync('perl', ['-MNet::SMPP', '-e', '1']).status === 0
    ? false
    : "Perl's Net::SMPP is not installed (apt-get install libnet-smpp-perl)";

const children: ChildProcessWithoutNullStreams[] = [];
const gateways: SmppGateway[] = [];
after(async () => {
  for (const g of gateways) await g.close?.();
  for (const c of children) c.kill();
});

/** Starts the Perl SMSC; its stdout lines are collected as they come. */
async function perlSmsc(): Promise<{ port: number; lines: string[]; send(line: string): void }> {
  const child = spawn('perl', [SCRIPT]);
  children.push(child);
  const lines: string[] = [];
  let rest = '';
  child.stdout.on('data', (d: Buffer) => {
    const all = (rest + d.toString()).split('\n');
    rest = all.pop()!;
    lines.push(...all);
  });
  child.stderr.on('data', (d: Buffer) => process.stderr.write(`smsc.pl: ${d}`));
  await until('the Perl SMSC to listen', () => lines.some((l) => l.startsWith('listening ')), 5000);
  const port = Number(lines.find((l) => l.startsWith('listening '))!.split(' ')[1]);
  return { port, lines, send: (line) => child.stdin.write(`${line}\n`) };
}

async function until(what: string, check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) assert.fail(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 10));
  }
}

const sms = (id: number, body: string, address: string): OutgoingMessage => ({
  id,
  channel: 'sms',
  address,
  subject: null,
  body,
  sender: null,
});

for (const [bindType, concatenation] of [
  ['transceiver', 'udh8'],
  ['transmitter+receiver', 'sar'],
] as const)
  test(`Net::SMPP SMSC, ${bindType}, ${concatenation}: every part's receipt (early or late) reported with its number; replies joined and acknowledged`, {
    skip: missing,
  }, async () => {
    const smsc = await perlSmsc();
    const gw = createSmppGateway({
      gatewayId: 1,
      channel: 'sms',
      settings: {
        host: '127.0.0.1',
        port: smsc.port,
        system_id: 'vestnik',
        password: 'secret',
        sender: 'SNT',
        bindType,
        concatenation,
        responseSeconds: 3,
      },
      callbackUrl: 'http://127.0.0.1:1/unused',
      callbackSecret: 'unused',
    });
    gateways.push(gw);
    const reports: StatusReport[] = [];
    const inbound: InboundMessage[] = [];
    gw.onReports!(async (r) => void reports.push(...r));
    gw.onInbound!(async (m) => void inbound.push(...m));
    const texts = [
      'Hello',
      'Собрание в субботу в 10:00',
      'Long notice: '.padEnd(200, 'x'),
      'Длинное объявление: '.padEnd(150, 'я'),
      'Water off on Monday',
      'Взносы до 1 июня',
    ];
    const outs = await gw.send(texts.map((t, i) => sms(i + 1, t, `+7916000000${i}`)));
    const parts = new Map<string, string>(); // provider id → address
    for (const [i, o] of outs.entries()) {
      assert.equal(o.kind, 'accepted', JSON.stringify(o));
      if (o.kind !== 'accepted') continue;
      for (const id of o.partIds ?? [o.providerId]) parts.set(id, `+7916000000${i}`);
    }
    assert.deepEqual(
      outs.map((o) => (o.kind === 'accepted' ? (o.partIds?.length ?? 1) : 0)),
      [1, 1, 2, 3, 1, 1],
    );
    await until('every receipt', () => reports.length === parts.size);
    assert.ok(
      smsc.lines.some((l) => l.endsWith(' early')),
      'some receipts came before their submit_sm_resp',
    );
    assert.deepEqual(
      reports.map((r) => [r.providerId, r.state, r.destination]).sort(),
      [...parts].map(([id, address]) => [id, 'delivered', address]).sort(),
    );
    assert.ok(reports.every((r) => r.rawStatus === 'DELIVRD err:000'));
    // What the SMSC saw: TON/NPI, the data codings, and each concatenation's own marks.
    const submits = smsc.lines.filter((l) => l.startsWith('submit '));
    assert.equal(submits.length, parts.size);
    assert.ok(submits.every((l) => / ton 1 npi 1 from SNT /.test(l)));
    assert.deepEqual(submits.map((l) => Number(/ dc (\d+)/.exec(l)![1])).sort(), [0, 0, 0, 0, 8, 8, 8, 8, 8]);
    if (concatenation === 'udh8') assert.equal(submits.filter((l) => / udh 050003/.test(l)).length, 5);
    else assert.equal(submits.filter((l) => / sar/.test(l)).length, 5);

    // Replies: «СТОП» in UCS-2, and a two-part GSM reply with an 8-bit UDH.
    smsc.send(`mo 79160000001 4444 8 0 ${Buffer.from('СТОП', 'utf16le').swap16().toString('hex')}`);
    smsc.send(
      `mo 79160000002 4444 0 64 ${Buffer.from([5, 0, 3, 42, 2, 1, ...Buffer.from('Please call ')]).toString('hex')}`,
    );
    smsc.send(
      `mo 79160000002 4444 0 64 ${Buffer.from([5, 0, 3, 42, 2, 2, ...Buffer.from('me back')]).toString('hex')}`,
    );
    await until('the replies', () => inbound.length === 2);
    assert.deepEqual(
      inbound.map((m) => [m.from, m.to, m.text]),
      [
        ['+79160000001', '4444', 'СТОП'],
        ['+79160000002', '4444', 'Please call me back'],
      ],
    );
    await until(
      'every answer',
      () => smsc.lines.filter((l) => l.startsWith('ack ')).length === parts.size + 3,
    );
    assert.deepEqual(
      smsc.lines.filter((l) => l.startsWith('ack ') && !l.endsWith(' status 0')),
      [],
      'every deliver_sm acknowledged OK once its listener had it',
    );
    await gw.close?.();
    await until('the unbind', () => smsc.lines.includes('unbound'));
  });
