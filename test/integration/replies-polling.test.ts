/**
 * Replies that are fetched, and replies that arrive on a gateway's own connection (issue 19).
 * Polling: Telegram's getUpdates from a local Bot API server, the cursor kept in the database so a
 * restart (a new gateway pool) neither loses nor repeats, a crash between storing and moving the
 * cursor stores nothing twice, and one process at a time polls a gateway. A connection: a gateway
 * with `onInbound` (as SMPP's deliver_sm) gets the pool's listener, which stores what it is given.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { GatewayPool } from '../../src/dispatch/gatewayPool.ts';
import type { Gateway, InboundListener } from '../../src/providers/provider.ts';
import { GATEWAY_KINDS } from '../../src/providers/registry.ts';
import { pollInboxes } from '../../src/services/inbound.ts';
import { type GatewayRow, insertGateway } from '../../src/store/gateways.ts';
import { leaseInboundCursor, listReplies } from '../../src/store/inbound.ts';
import { createOrg } from '../../src/store/orgs.ts';
import { openTestDb } from '../helpers/db.ts';
import { type FakeProvider, startFakeProvider } from '../helpers/fakeHttp.ts';

// As the suite runs them (scripts/test.js): the providers here listen on loopback, and campaigns go without moderation.
process.env.VESTNIK_GATEWAY_PRIVATE_HOSTS ??= '127.0.0.0/8,::1';
process.env.VESTNIK_MODERATION_DEFAULT ??= 'none';

const { db } = await openTestDb();
const TOKEN = '123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw';
let bot: FakeProvider;
const pools: GatewayPool[] = [];
const newPool = () => {
  const p = new GatewayPool(db, 'http://127.0.0.1:1');
  pools.push(p);
  return p;
};
before(async () => {
  bot = await startFakeProvider({ status: 200, body: '{"ok":true,"result":[]}' });
});
after(async () => {
  for (const p of pools) await p.close();
  await bot.close();
});

const update = (id: number, chat: number, text: string) => ({
  update_id: id,
  message: { message_id: id * 10, chat: { id: chat, type: 'private' }, date: 1765150000 + id, text },
});
const updates = (...u: object[]) => ({ status: 200, body: JSON.stringify({ ok: true, result: u }) });
const offsets = () => bot.requests.map((r) => (JSON.parse(r.body) as { offset?: number }).offset ?? null);

test('Telegram: polled from the stored cursor; a restart neither loses nor repeats; a stop from the bot unsubscribes the chat', async () => {
  const org = await createOrg(db, 'Турагентство');
  const gw = (await insertGateway(db, org.id, {
    name: 'bot',
    kind: 'telegram',
    channel: 'messenger',
    priority: -1,
    settings: { token: TOKEN, url: bot.url, timeoutMs: 1000 },
  })) as GatewayRow;
  const { rows } = await db.query<{ id: number }>(
    "INSERT INTO contacts (org_id, first_name, telegram_chat_id) VALUES ($1, 'Олег', '4242') RETURNING id",
    [org.id],
  );
  const oleg = rows[0]!.id;
  const errors: unknown[] = [];
  const onError = (e: unknown) => errors.push(e);

  bot.replies.push(updates(update(100, 4242, 'Когда вылет?'), update(101, 4242, 'Стоп')));
  const pool = newPool();
  assert.equal(await pollInboxes(db, pool, onError), 2);
  assert.equal(await pollInboxes(db, pool, onError), 0);
  // A restart: a new pool asks from where the database says.
  bot.replies.push(updates(update(102, 777, 'Привет')));
  assert.equal(await pollInboxes(db, newPool(), onError), 1);
  assert.deepEqual(offsets(), [null, 102, 102]);

  // A crash after the messages were stored and before the cursor moved: asked again, stored once.
  await db.query("UPDATE inbound_cursors SET cursor = '101' WHERE gateway_id = $1", [gw.id]);
  bot.replies.push(updates(update(101, 4242, 'Стоп'), update(102, 777, 'Привет')));
  assert.equal(await pollInboxes(db, newPool(), onError), 0);
  const { rows: cursor } = await db.query<{ cursor: string }>(
    'SELECT cursor FROM inbound_cursors WHERE gateway_id = $1',
    [gw.id],
  );
  assert.equal(cursor[0]!.cursor, '103');
  assert.deepEqual(errors, []);

  const replies = await listReplies(db, org.id, {}, { beforeId: Number.MAX_SAFE_INTEGER, limit: 10 });
  assert.deepEqual(
    replies.map((r) => [r.fromAddress, r.text, r.isStop, r.contactId]),
    [
      ['777', 'Привет', false, null],
      ['4242', 'Стоп', true, oleg],
      ['4242', 'Когда вылет?', false, oleg],
    ],
  );
  const { rows: sup } = await db.query(
    'SELECT channel, address, reason FROM suppressions WHERE org_id = $1',
    [org.id],
  );
  assert.deepEqual(sup, [{ channel: 'messenger', address: '4242', reason: 'unsubscribed' }]);

  // Another process polling this gateway now: this one leaves it alone.
  const before = bot.requests.length;
  assert.ok(await leaseInboundCursor(db, gw.id, 60));
  assert.equal(await pollInboxes(db, newPool(), onError), 0);
  assert.equal(bot.requests.length, before);

  // A failing inbox is reported and its cursor stays.
  await db.query('UPDATE inbound_cursors SET leased_until = NULL WHERE gateway_id = $1', [gw.id]);
  bot.replies.push({
    status: 409,
    body: '{"ok":false,"error_code":409,"description":"Conflict: webhook is active"}',
  });
  assert.equal(await pollInboxes(db, newPool(), onError), 0);
  assert.equal(errors.length, 1);
  assert.match(String(errors[0]), /409: Conflict/);
  const { rows: kept } = await db.query<{ cursor: string; leased_until: Date | null }>(
    'SELECT cursor, leased_until FROM inbound_cursors WHERE gateway_id = $1',
    [gw.id],
  );
  assert.deepEqual(kept[0], { cursor: '103', leased_until: null });
});

test("a gateway's own connection: what it passes to onInbound is stored, and the listener's promise says when", async () => {
  let listener: InboundListener | undefined;
  GATEWAY_KINDS['test-inbound'] = (ctx) =>
    ({
      kind: 'test-inbound',
      channel: ctx.channel,
      capabilities: { batchSize: 1, callbacks: false, polling: false, statusDeadlineSeconds: 60 },
      send: async () => [],
      onInbound(l: InboundListener) {
        listener = l;
      },
    }) satisfies Gateway;
  after(() => {
    delete GATEWAY_KINDS['test-inbound'];
  });
  const org = await createOrg(db, 'СНТ «Ромашка»');
  const gw = (await insertGateway(db, org.id, {
    name: 'smsc-connection',
    kind: 'test-inbound',
    channel: 'sms',
    priority: 5,
    settings: {},
  })) as GatewayRow;
  await newPool().get(gw.id);
  assert.ok(listener, 'the pool registered its listener');
  await listener([{ from: '79123450000', text: 'СТОП', providerId: 'mo-1', to: '1234' }]);
  await listener([{ from: '79123450000', text: 'СТОП', providerId: 'mo-1', to: '1234' }]);
  const replies = await listReplies(db, org.id, {}, { beforeId: Number.MAX_SAFE_INTEGER, limit: 10 });
  assert.deepEqual(
    replies.map((r) => [r.gatewayId, r.fromAddress, r.isStop, r.excludedMessages]),
    [[gw.id, '+79123450000', true, 0]],
  );
});
