/**
 * Launch (SD-1): resolve the audience, render every message and write one row per recipient, in one
 * transaction with the campaign's change to «sending». Recipients stream through in keyset batches,
 * so memory stays flat whatever the audience; the unique key (campaign, contact, channel) makes a
 * relaunch unable to duplicate.
 */

import type { Channel } from '../core/states.ts';
import { compileTemplate, renderTemplate } from '../core/templates/render.ts';
import { buildScope } from '../core/templates/scope.ts';
import {
  type Audience,
  completeFinishedCampaigns,
  lockCampaign,
  setCampaignState,
} from '../store/campaigns.ts';
import type { ContactRow } from '../store/contacts.ts';
import type { Db, Queryable } from '../store/db.ts';
import { primaryGateway } from '../store/gateways.ts';
import { DUE_CHANNEL, insertCampaignMessages, type NewMessage } from '../store/messages.ts';
import { listObjectsOfContacts } from '../store/objects.ts';
import { getOrg } from '../store/orgs.ts';

const BATCH = 1000;

export type LaunchResult =
  | { ok: true; queued: number; excluded: number; completed: boolean }
  | { ok: false; code: 'not_found' | 'not_draft' | 'no_gateway' | 'bad_template'; message: string };

async function* audienceBatches(
  tx: Queryable,
  orgId: number,
  audience: Audience,
): AsyncGenerator<ContactRow[]> {
  let after = 0;
  for (;;) {
    const { rows } = await tx.query<ContactRow>(
      `SELECT * FROM contacts WHERE org_id = $1 AND id > $2 AND ($4::bigint[] IS NULL OR id = ANY($4::bigint[]))
       ORDER BY id LIMIT $3`,
      [orgId, after, BATCH, audience.kind === 'contacts' ? audience.contactIds : null],
    );
    if (rows.length === 0) return;
    yield rows;
    after = rows[rows.length - 1]!.id;
  }
}

export function addressFor(
  channel: Channel,
  c: Pick<ContactRow, 'phone' | 'email' | 'telegram_chat_id'>,
): string | null {
  if (channel === 'sms') return c.phone;
  if (channel === 'email') return c.email;
  return c.telegram_chat_id;
}

export async function launchCampaign(
  db: Db,
  orgId: number,
  campaignId: number,
  initiator: string,
): Promise<LaunchResult> {
  const result = await db.transaction(async (tx): Promise<LaunchResult> => {
    const campaign = await lockCampaign(tx, orgId, campaignId);
    if (!campaign) return { ok: false, code: 'not_found', message: `campaign ${campaignId} not found` };
    if (campaign.state !== 'draft') {
      return {
        ok: false,
        code: 'not_draft',
        message: `campaign ${campaignId} is ${campaign.state}; only a draft can be launched`,
      };
    }
    const gateway = await primaryGateway(tx, orgId, campaign.channel);
    if (!gateway)
      return { ok: false, code: 'no_gateway', message: `no enabled gateway for channel ${campaign.channel}` };
    const body = compileTemplate(campaign.textTemplate, 'textTemplate');
    if (!body.ok) return { ok: false, code: 'bad_template', message: body.problem.message };
    const subject = campaign.subject ? compileTemplate(campaign.subject, 'subject') : null;
    if (subject && !subject.ok) return { ok: false, code: 'bad_template', message: subject.problem.message };
    const org = (await getOrg(tx, orgId))!;

    let queued = 0;
    let excluded = 0;
    for await (const contacts of audienceBatches(tx, orgId, campaign.audience)) {
      const objects = await listObjectsOfContacts(
        tx,
        orgId,
        contacts.map((c) => c.id),
      );
      const byContact = new Map<number, typeof objects>();
      for (const o of objects) byContact.set(o.contactId, [...(byContact.get(o.contactId) ?? []), o]);
      const batch: NewMessage[] = contacts.map((c) => {
        const address = addressFor(campaign.channel, c);
        const base = { contactId: c.id, address: address ?? '', subject: null as string | null };
        if (c.do_not_message) return { ...base, body: '', state: 'excluded', reason: 'do_not_message' };
        if (!address)
          return {
            ...base,
            body: '',
            state: 'excluded',
            reason: `no_address: the contact has no ${campaign.channel} address`,
          };
        const scope = buildScope(
          c,
          (byContact.get(c.id) ?? []).map((o) => ({
            kind: o.kind,
            number: o.number,
            charges_kopecks: o.chargesKopecks,
            debt_kopecks: o.debtKopecks,
          })),
          org,
        );
        const text = renderTemplate(body.value, scope);
        if (!text.ok)
          return { ...base, body: '', state: 'excluded', reason: `template: ${text.problem.message}` };
        const subj = subject?.ok ? renderTemplate(subject.value, scope, 'subject') : null;
        if (subj && !subj.ok)
          return {
            ...base,
            body: text.value,
            state: 'excluded',
            reason: `template: ${subj.problem.message}`,
          };
        return {
          ...base,
          body: text.value,
          subject: subj?.ok ? subj.value : null,
          state: 'queued',
          reason: null,
        };
      });
      await insertCampaignMessages(
        tx,
        { orgId, campaignId, channel: campaign.channel, gatewayId: gateway.id, initiator },
        batch,
      );
      for (const m of batch) m.state === 'queued' ? queued++ : excluded++;
    }
    await setCampaignState(tx, orgId, campaignId, 'sending', initiator);
    // Delivered at commit: idle workers wake as soon as the rows are visible.
    await tx.query('SELECT pg_notify($1, $2)', [DUE_CHANNEL, `campaign:${campaignId}`]);
    return { ok: true, queued, excluded, completed: false };
  });
  if (!result.ok) return result;
  // An audience with nothing to send (everyone excluded) is complete at once.
  const done = await completeFinishedCampaigns(db, [campaignId]);
  return { ...result, completed: done.includes(campaignId) };
}
