/**
 * Turning a campaign into its messages, shared by the estimate (BL-2) and the launch: the audience
 * resolved (store/recipients.ts: selections, de-duplication, exclusions) and streamed in keyset batches, each recipient's text rendered (and transliterated if asked), its
 * address checked, its segments counted and its price found. Memory stays flat whatever the size.
 */

import type { ExclusionReason } from '../core/audience/audience.ts';
import { makePricer, type Pricer } from '../core/price.ts';
import type { SmsEncoding } from '../core/sms/segments.ts';
import { transliterate } from '../core/sms/translit.ts';
import type { Channel } from '../core/states.ts';
import { compileTemplate, renderTemplate } from '../core/templates/render.ts';
import { buildScope } from '../core/templates/scope.ts';
import { buildAudienceQuery } from '../services/audience.ts';
import type { Campaign } from '../store/campaigns.ts';
import type { ContactRow } from '../store/contacts.ts';
import type { Queryable } from '../store/db.ts';
import type { NewMessage } from '../store/messages.ts';
import { listObjectsOfContacts } from '../store/objects.ts';
import type { Org } from '../store/orgs.ts';
import { recipientBatches } from '../store/recipients.ts';
import { listTariffs } from '../store/tariffs.ts';

const BATCH = 1000;

export interface PreparedMessage extends NewMessage {
  encoding: SmsEncoding | null;
}

export function addressFor(
  channel: Channel,
  c: Pick<ContactRow, 'phone' | 'email' | 'telegram_chat_id'>,
): string | null {
  if (channel === 'sms') return c.phone;
  if (channel === 'email') return c.email;
  return c.telegram_chat_id;
}

/** The message row's state and reason for a recipient the audience excludes (AU-6). */
export function exclusionOf(
  reason: ExclusionReason,
  channel: Channel,
): { state: 'excluded' | 'invalid_address'; reason: string } {
  switch (reason) {
    case 'no_address':
      return { state: 'excluded', reason: `no_address: the contact has no ${channel} address` };
    case 'invalid_address':
      return { state: 'invalid_address', reason: `invalid_address: not a valid ${channel} address` };
    case 'no_consent':
      return { state: 'excluded', reason: `no_consent: no advertising consent recorded for ${channel}` };
    case 'duplicate':
      return { state: 'excluded', reason: 'duplicate: a recipient with a lower id has this address' };
    case 'suppressed':
      return { state: 'excluded', reason: 'suppressed: the address is on the suppression list' };
    case 'unticked':
      return { state: 'excluded', reason: 'unticked: excluded by the operator' };
    default:
      return { state: 'excluded', reason };
  }
}

export type PrepareError =
  | { code: 'bad_template'; message: string }
  | { code: 'bad_audience'; message: string; details?: Record<string, unknown> };

/** The campaign's messages, a batch at a time; an error before the first batch if its texts are broken. */
export async function prepareMessages(
  tx: Queryable,
  org: Org,
  campaign: Campaign,
): Promise<{ ok: true; batches: AsyncGenerator<PreparedMessage[]> } | { ok: false; error: PrepareError }> {
  const body = compileTemplate(campaign.textTemplate, 'textTemplate');
  if (!body.ok) return { ok: false, error: { code: 'bad_template', message: body.problem.message } };
  const subject = campaign.subject ? compileTemplate(campaign.subject, 'subject') : null;
  if (subject && !subject.ok)
    return { ok: false, error: { code: 'bad_template', message: subject.problem.message } };
  // Narrowed here: the generator below is a closure, where TypeScript forgets the checks above.
  const bodyTemplate = body.value;
  const subjectTemplate = subject?.ok ? subject.value : null;
  const pricer: Pricer = makePricer(await listTariffs(tx, org.id));
  const channel = campaign.channel;
  // Resolved now, not when the campaign was written (AU-7): contacts added since are included.
  const built = await buildAudienceQuery(tx, org.id, {
    audience: campaign.audience,
    channel,
    category: campaign.category,
    campaignId: campaign.id,
  });
  if (!built.ok) {
    const message = built.problems.map((p) => `${p.field}: ${p.message}`).join('; ');
    return { ok: false, error: { code: 'bad_audience', message, details: { problems: built.problems } } };
  }
  const query = built.query;

  async function* batches(): AsyncGenerator<PreparedMessage[]> {
    for await (const contacts of recipientBatches(tx, query, BATCH)) {
      const objects = await listObjectsOfContacts(
        tx,
        org.id,
        contacts.map((c) => c.id),
      );
      const byContact = new Map<number, typeof objects>();
      for (const o of objects) byContact.set(o.contactId, [...(byContact.get(o.contactId) ?? []), o]);
      yield contacts.map((c): PreparedMessage => {
        const address = c.address;
        const none = {
          contactId: c.id,
          address: address ?? '',
          subject: null,
          body: '',
          segments: 0,
          priceKopecks: 0,
          encoding: null,
        };
        if (c.reason || !address) return { ...none, ...exclusionOf(c.reason ?? 'no_address', channel) };
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
        const text = renderTemplate(bodyTemplate, scope);
        if (!text.ok) return { ...none, state: 'excluded', reason: `template: ${text.problem.message}` };
        const subj = subjectTemplate ? renderTemplate(subjectTemplate, scope, 'subject') : null;
        if (subj && !subj.ok)
          return { ...none, state: 'excluded', reason: `template: ${subj.problem.message}` };
        const finalText =
          campaign.transliterate && channel === 'sms' ? transliterate(text.value) : text.value;
        const priced = pricer(channel, address, finalText);
        return {
          contactId: c.id,
          address,
          body: finalText,
          subject: subj?.ok ? subj.value : null,
          state: 'queued',
          reason: null,
          segments: priced.segments,
          priceKopecks: priced.priceKopecks,
          encoding: priced.encoding,
        };
      });
    }
  }
  return { ok: true, batches: batches() };
}
