/**
 * The audience through the API: a union of selections, the exclusion report with every reason, the
 * de-duplication rule, unticked recipients honoured by the launch, consent for advertising, and an
 * unsubscribe that excludes the queued messages; lists and groups.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createTestApi } from '../helpers/api.ts';

test('the exclusion report counts every reason and the launch writes the same rows', async () => {
  const api = await createTestApi();
  const add = async (body: Record<string, unknown>) => {
    const r = await api.call('POST', '/api/v1/contacts', body);
    assert.equal(r.status, 201, r.text);
    return r.body.id as number;
  };
  const ok = await add({ firstName: 'Ок', phone: '+79000000001' });
  const dupe = await add({ firstName: 'Дубль', phone: '+79000000001' });
  const dnm = await add({ firstName: 'Нет', phone: '+79000000002', doNotMessage: true });
  const none = await add({ firstName: 'Безномера', email: 'a@b.ru' });
  const bad = await add({ firstName: 'Плохой' });
  await api.db.query("UPDATE contacts SET phone = '12345' WHERE id = $1", [bad]);
  const unsub = await add({ firstName: 'Отписан', phone: '+79000000003' });
  const supp = await add({ firstName: 'Блок', phone: '+79000000004' });
  const unticked = await add({ firstName: 'Снят', phone: '+79000000005' });
  const consented = await add({ firstName: 'Согласен', phone: '+79000000006' });
  assert.equal(
    (await api.call('POST', '/api/v1/unsubscribe', { channel: 'sms', address: '8 900 000-00-03' })).status,
    200,
  );
  const s = await api.call('POST', '/api/v1/suppressions', {
    channel: 'sms',
    address: '+79000000004',
    reason: 'complaint',
  });
  assert.equal(s.status, 201, s.text);
  const consent = await api.call('POST', `/api/v1/contacts/${consented}/consents`, {
    channel: 'sms',
    category: 'advertising',
    source: 'форма на сайте',
    wording: 'Согласен получать рекламу',
  });
  assert.equal(consent.status, 201, consent.text);

  const list = await api.call('POST', '/api/v1/lists', { name: 'Все наши' });
  assert.equal(list.status, 201);
  const members = await api.call('POST', `/api/v1/lists/${list.body.id}/members`, {
    ids: [ok, dupe, dnm, 999999],
  });
  assert.deepEqual([members.body.added, members.body.missing, members.body.size], [3, [999999], 3]);
  const audience = {
    kind: 'union',
    selections: [
      { kind: 'list', listId: list.body.id },
      { kind: 'contacts', contactIds: [none, bad, unsub, supp, unticked, consented, ok] },
    ],
  };
  const campaign = await api.call('POST', '/api/v1/campaigns', {
    name: 'Акция',
    channel: 'sms',
    category: 'informational',
    textTemplate: 'Привет',
    audience,
  });
  assert.equal(campaign.status, 201, campaign.text);
  const id = campaign.body.id;
  const u = await api.call('POST', `/api/v1/campaigns/${id}/untick`, { contactIds: [unticked] });
  assert.deepEqual(u.body.unticked, [unticked]);

  const report = await api.call('GET', `/api/v1/campaigns/${id}/recipients?limit=100`);
  assert.equal(report.status, 200, report.text);
  assert.equal(report.body.selected, 9);
  assert.equal(report.body.recipients, 2);
  assert.deepEqual(report.body.excluded, {
    duplicate: 1,
    do_not_message: 1,
    no_address: 1,
    invalid_address: 1,
    unsubscribed: 1,
    suppressed: 1,
    unticked: 1,
  });
  const dupes = await api.call('GET', `/api/v1/campaigns/${id}/recipients?reason=duplicate`);
  assert.deepEqual(
    dupes.body.items.map((i: { contactId: number }) => i.contactId),
    [dupe],
    'the lowest id keeps the number',
  );

  // Advertising: only the consenting contact is left.
  const ad = await api.call('POST', '/api/v1/audience/preview', {
    audience,
    channel: 'sms',
    category: 'advertising',
  });
  assert.equal(ad.status, 200, ad.text);
  assert.equal(ad.body.recipients, 1);
  assert.equal(ad.body.excluded.no_consent, 3, 'ok, its duplicate and the one unticked only on the campaign');
  assert.equal(ad.body.items.find((i: { reason: null }) => i.reason === null).contactId, consented);

  const launched = await api.call('POST', `/api/v1/campaigns/${id}/launch`);
  assert.equal(launched.status, 200, launched.text);
  assert.equal(launched.body.queued, 2);
  assert.equal(launched.body.excluded, 7);
  const rows = await api.db.query<{ contact_id: number; state: string; reason: string | null }>(
    'SELECT contact_id, state, reason FROM messages WHERE campaign_id = $1 ORDER BY contact_id',
    [id],
  );
  const by = Object.fromEntries(
    rows.rows.map((r) => [r.contact_id, `${r.state} ${r.reason ?? ''}`.split(':')[0]]),
  );
  assert.deepEqual(by, {
    [ok]: 'queued ',
    [dupe]: 'excluded duplicate',
    [dnm]: 'excluded do_not_message',
    [none]: 'excluded no_address',
    [bad]: 'invalid_address invalid_address',
    [unsub]: 'excluded unsubscribed',
    [supp]: 'excluded suppressed',
    [unticked]: 'excluded unticked',
    [consented]: 'queued ',
  });

  // Unsubscribing now excludes the queued message to that number at once.
  const off = await api.call('POST', '/api/v1/unsubscribe', { channel: 'sms', address: '+79000000006' });
  assert.equal(off.body.excludedMessages, 1, off.text);
  const after = await api.db.query<{ state: string; reason: string }>(
    'SELECT state, reason FROM messages WHERE campaign_id = $1 AND contact_id = $2',
    [id, consented],
  );
  assert.deepEqual(after.rows[0], { state: 'excluded', reason: 'unsubscribed' });

  // Withdrawn consent: no longer counted for advertising.
  const w = await api.call('POST', `/api/v1/contacts/${consented}/consents/withdraw`, {
    channel: 'sms',
    category: 'advertising',
  });
  assert.ok(w.body.withdrawnAt, w.text);
  const rm = await api.call('POST', '/api/v1/suppressions/remove', {
    channel: 'sms',
    address: '+79000000006',
  });
  assert.equal(rm.body.removed, true);
  const ad2 = await api.call('POST', '/api/v1/audience/preview', {
    audience,
    channel: 'sms',
    category: 'advertising',
  });
  assert.equal(ad2.body.recipients, 0);
});

test('bad audiences and lists are refused with the field and the value', async () => {
  const api = await createTestApi();
  const r = await api.call('POST', '/api/v1/campaigns', {
    name: 'x',
    channel: 'sms',
    textTemplate: 'x',
    audience: {
      kind: 'union',
      selections: [
        { kind: 'list', listId: 77 },
        { kind: 'filter', filter: { type: 'field', field: 'nmae', op: 'filled' } },
      ],
    },
  });
  assert.equal(r.status, 400, r.text);
  assert.deepEqual(
    r.body.error.details.map((d: { field: string }) => d.field),
    ['audience.selections[0].listId', 'audience.selections[1].filter.field'],
  );
  const dup = await api.call('POST', '/api/v1/lists', { name: 'A' });
  assert.equal(dup.status, 201);
  assert.equal((await api.call('POST', '/api/v1/lists', { name: 'A' })).status, 409);
  assert.equal((await api.call('DELETE', `/api/v1/lists/${dup.body.id}`)).status, 204);
  assert.equal((await api.call('GET', `/api/v1/lists/${dup.body.id}`)).status, 404);
  const badPhone = await api.call('POST', '/api/v1/unsubscribe', { channel: 'sms', address: '7.91E+10' });
  assert.equal(badPhone.status, 400);
  assert.equal(badPhone.body.error.details[0].field, 'address');
});
