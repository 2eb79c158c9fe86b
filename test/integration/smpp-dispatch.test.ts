/**
 * A campaign through a real SMPP bind, end to end: launch, the worker submits each two-part text,
 * and delivery receipts arriving on the bind — in another form of the id than the submit answer's —
 * reach the database through the gateway pool's listener and complete the campaign. Each part's
 * receipt counts (delivered when both parts are, undelivered as soon as one is), and one receipt
 * even overtakes its submit_sm_resp (SD-3): it is kept and applied when the submit is recorded.
 */
import assert from 'node:assert/strict';
import { after, test } from 'node:test';
import type { DecodedMessage } from 'smpp';
import { startDispatcher } from '../../src/dispatch/dispatcher.ts';
import { GatewayPool } from '../../src/dispatch/gatewayPool.ts';
import { launchCampaign } from '../../src/dispatch/launch.ts';
import { countMessagesByState, getCampaign, insertCampaign } from '../../src/store/campaigns.ts';
import { insertContact } from '../../src/store/contacts.ts';
import { insertGateway } from '../../src/store/gateways.ts';
import { topUp } from '../../src/store/ledger.ts';
import { createOrg } from '../../src/store/orgs.ts';
import { openTestDb, waitFor } from '../helpers/db.ts';
import { FakeSmsc } from '../helpers/smppServer.ts';

const smsc = new FakeSmsc();
const smsc2 = new FakeSmsc();
after(async () => {
  await smsc.stop();
  await smsc2.stop();
});

test('a campaign through an SMPP bind: parts submitted, receipts on the bind make the messages final', async () => {
  const port = await smsc.start();
  const { db } = await openTestDb();
  const org = await createOrg(db, 'СНТ «Шлюз SMPP»');
  await db.transaction((tx) => topUp(tx, org.id, 100_00, 'test', 'test'));
  const gw = await insertGateway(db, org.id, {
    name: 'smpp',
    kind: 'smpp',
    channel: 'sms',
    priority: -1,
    settings: { host: '127.0.0.1', port, system_id: 'vestnik', password: 'secret', sender: 'SNT' },
  });
  assert.ok(gw !== 'name_taken');
  const phones = ['+79120000001', '+79120000002', '+79120000003'];
  for (const [i, phone] of phones.entries())
    assert.equal(typeof (await insertContact(db, org.id, { firstName: `Житель${i}`, phone })), 'object');
  const campaign = await insertCampaign(
    db,
    org.id,
    {
      name: 'Собрание',
      channel: 'sms',
      textTemplate:
        '{{ contact.first_name }}, собрание садоводов в субботу в 10:00 у правления. Повестка: взносы, дороги, вода.',
      audience: { kind: 'all' },
    },
    'user:1',
  );
  const launched = await launchCampaign(db, org.id, campaign.id, 'user:1');
  assert.equal(launched.ok && launched.queued, 3);

  // Each part gets its own id; the third contact's first part is held to let its receipt go first.
  const partIds = new Map<string, string[]>();
  let n = 0;
  smsc.next = (pdu) => {
    const udh = (pdu.short_message as DecodedMessage).udh?.[0];
    const to = String(pdu.destination_addr);
    if (udh?.[4] === 1 && to === '79120000003') {
      partIds.set(to, ['FFFF']);
      return 'hold';
    }
    const id = (0xa000 + ++n).toString(16).toUpperCase();
    partIds.set(to, [...(partIds.get(to) ?? []), id]);
    return { id };
  };
  const gateways = new GatewayPool(db, 'http://127.0.0.1:1');
  const dispatcher = await startDispatcher(db, {
    workers: 1,
    gateways,
    idlePollMs: 50,
    worker: { statusPollSeconds: 0.05 },
  });
  const receipt = (id: string, stat: string, err = '000') =>
    smsc.deliver({
      esm_class: 4,
      short_message: `id:${id} sub:001 dlvrd:001 stat:${stat} err:${err} text:x`,
    });
  try {
    await waitFor(async () => smsc.held.length === 1, 10_000, 'the held submit');
    // The receipt for id FFFF (hex, given as decimal) before its submit_sm_resp: kept as early.
    assert.equal(await receipt('65535', 'DELIVRD'), 0);
    smsc.release({ message_id: 'FFFF' });
    await waitFor(async () => smsc.submits.length === 6, 10_000, 'all parts');
    // The early receipt made the third message's first part delivered, not the message: its second
    // part has not reported.
    await waitFor(
      async () =>
        (
          await db.query(`SELECT 1 FROM messages WHERE campaign_id = $1 AND state = 'submitted'`, [
            campaign.id,
          ])
        ).rows.length === 3,
      10_000,
      'three submitted messages',
    );
    // Decimal and zero-padded forms of the hex ids.
    const [a, b, c] = ['79120000001', '79120000002', '79120000003'].map((to) => partIds.get(to)!);
    assert.equal(await receipt(String(Number.parseInt(a![1]!, 16)), 'DELIVRD'), 0);
    assert.equal(await receipt(String(Number.parseInt(a![0]!, 16)).padStart(10, '0'), 'DELIVRD'), 0);
    assert.equal(await receipt(`000${b![1]}`, 'UNDELIV', '001'), 0);
    assert.equal(await receipt(c![1]!, 'DELIVRD'), 0);
    await waitFor(
      async () => (await getCampaign(db, org.id, campaign.id))?.state === 'completed',
      10_000,
      'completion',
    );
  } finally {
    await dispatcher.stop();
    await gateways.close();
  }
  assert.deepEqual(await countMessagesByState(db, org.id, campaign.id), { delivered: 2, undelivered: 1 });
  const { rows } = await db.query<{
    address: string;
    state: string;
    raw_status: string;
    provider_message_id: string;
  }>(
    'SELECT address, state, raw_status, provider_message_id FROM messages WHERE campaign_id = $1 ORDER BY address',
    [campaign.id],
  );
  assert.deepEqual(
    rows.map((r) => [r.address, r.state, r.raw_status]),
    [
      ['+79120000001', 'delivered', 'part 1/2: DELIVRD err:000'],
      ['+79120000002', 'undelivered', 'part 2/2: UNDELIV err:001'],
      ['+79120000003', 'delivered', 'part 1/2: DELIVRD err:000'],
    ],
  );
  assert.equal(rows[2]!.provider_message_id, '65535');
  assert.ok(smsc.submits.every((p) => p.data_coding === 8));
});

test('after a restart the worker binds at once, and a receipt for a message sent before it is applied', async () => {
  const port = await smsc2.start();
  const { db } = await openTestDb();
  const org = await createOrg(db, 'СНТ «Перезапуск»');
  await db.transaction((tx) => topUp(tx, org.id, 100_00, 'test', 'test'));
  const gw = await insertGateway(db, org.id, {
    name: 'smpp',
    kind: 'smpp',
    channel: 'sms',
    priority: -1,
    settings: { host: '127.0.0.1', port, system_id: 'vestnik', password: 'secret' },
  });
  assert.ok(gw !== 'name_taken');
  assert.equal(
    typeof (await insertContact(db, org.id, { firstName: 'Пётр', phone: '+79120000009' })),
    'object',
  );
  const campaign = await insertCampaign(
    db,
    org.id,
    { name: 'До', channel: 'sms', textTemplate: 'Hello', audience: { kind: 'all' } },
    'user:1',
  );
  assert.ok((await launchCampaign(db, org.id, campaign.id, 'user:1')).ok);
  smsc2.next = () => ({ id: '00BEEF' });
  const state = async () =>
    (await db.query<{ state: string }>('SELECT state FROM messages WHERE campaign_id = $1', [campaign.id]))
      .rows[0]?.state;
  const oldPool = new GatewayPool(db, 'http://127.0.0.1:1');
  let dispatcher = await startDispatcher(db, { workers: 1, gateways: oldPool, idlePollMs: 50 });
  await waitFor(async () => (await state()) === 'submitted', 10_000, 'the submit');
  await dispatcher.stop();
  await oldPool.close();
  await waitFor(async () => smsc2.sessions.length === 0, 5000, 'the unbind');

  // The new process has nothing to send, yet binds: the SMSC can hand over what it kept.
  const newPool = new GatewayPool(db, 'http://127.0.0.1:1');
  dispatcher = await startDispatcher(db, { workers: 1, gateways: newPool, idlePollMs: 50 });
  try {
    await waitFor(async () => smsc2.sessions.length === 1, 5000, 'a bind without a send');
    assert.equal(await smsc2.deliver({ esm_class: 4, short_message: 'id:48879 stat:DELIVRD err:0' }), 0);
    await waitFor(async () => (await state()) === 'delivered', 5000, 'the receipt applied');
  } finally {
    await dispatcher.stop();
    await newPool.close();
  }
  assert.equal(smsc2.submits.length, 1);
  assert.equal(smsc2.binds.length, 2);
});
