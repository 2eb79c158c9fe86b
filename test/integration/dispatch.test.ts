import assert from 'node:assert/strict';
import { test } from 'node:test';
import { startDispatcher } from '../../src/dispatch/dispatcher.ts';
import { GatewayPool } from '../../src/dispatch/gatewayPool.ts';
import { launchCampaign } from '../../src/dispatch/launch.ts';
import { countMessagesByState, getCampaign, insertCampaign } from '../../src/store/campaigns.ts';
import { insertContact } from '../../src/store/contacts.ts';
import { listGateways, updateGatewaySettings } from '../../src/store/gateways.ts';
import { topUp } from '../../src/store/ledger.ts';
import { listCampaignMessages } from '../../src/store/messages.ts';
import { insertObject } from '../../src/store/objects.ts';
import { createOrg } from '../../src/store/orgs.ts';
import { openTestDb, waitFor } from '../helpers/db.ts';

test('a campaign goes from launch to completed through the sandbox, by polling', async () => {
  const { db } = await openTestDb();
  const org = await createOrg(db, 'СНТ «Тест»');
  await db.transaction((tx) => topUp(tx, org.id, 100_00, 'test', 'test'));
  const sms = (await listGateways(db, org.id)).find((g) => g.channel === 'sms')!;
  await updateGatewaySettings(db, org.id, sms.id, { deliveryDelayMs: 50, undeliveredRate: 0 });
  for (let i = 0; i < 25; i++) {
    const c = await insertContact(db, org.id, {
      firstName: 'Иван',
      middleName: 'Петрович',
      phone: `+7912345${String(6000 + i)}`,
    });
    assert.ok(typeof c === 'object');
    await insertObject(db, org.id, c.id, {
      kind: 'plot',
      number: String(i + 1),
      chargesKopecks: 123450 + i,
      debtKopecks: i * 100,
    });
  }
  await insertContact(db, org.id, { firstName: 'Без', lastName: 'Телефона' });
  const campaign = await insertCampaign(
    db,
    org.id,
    {
      name: 'Собрание',
      channel: 'sms',
      textTemplate: 'Уважаемый {{ contact.name }}! Начислено {{ total }} руб., долг {{ debt }} руб.',
      audience: { kind: 'all' },
    },
    'user:1',
  );
  const launched = await launchCampaign(db, org.id, campaign.id, 'user:1');
  assert.deepEqual(launched, { ok: true, queued: 25, excluded: 1, costKopecks: 25 * 30, completed: false });
  const again = await launchCampaign(db, org.id, campaign.id, 'user:1');
  assert.equal(again.ok, false);

  const dispatcher = await startDispatcher(db, {
    workers: 2,
    gateways: new GatewayPool(db, 'http://127.0.0.1:1'),
    idlePollMs: 50,
    worker: { statusPollSeconds: 0.05 },
  });
  try {
    await waitFor(
      async () => (await getCampaign(db, org.id, campaign.id))?.state === 'completed',
      20_000,
      'completion',
    );
  } finally {
    await dispatcher.stop();
  }
  const counts = await countMessagesByState(db, org.id, campaign.id);
  assert.deepEqual(counts, { delivered: 25, excluded: 1 });
  const msgs = await listCampaignMessages(db, org.id, campaign.id, { afterId: 0, limit: 100 });
  assert.equal(msgs[0]!.body, 'Уважаемый Иван Петрович! Начислено 1234.50 руб., долг 0.00 руб.');
  assert.ok(
    msgs.every(
      (m) => m.state === 'excluded' || (m.providerMessageId?.startsWith('sbx-') && m.attempts === 1),
    ),
  );
});
