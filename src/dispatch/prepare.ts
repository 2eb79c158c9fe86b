/**
 * Turning a campaign into its messages, shared by the estimate (BL-2) and the launch: the audience
 * streamed in keyset batches, each recipient's text rendered (and transliterated if asked), its
 * address checked, its segments counted and its price found. Memory stays flat whatever the size.
 */
import { makePricer, type Pricer } from '../core/price.ts';
import type { SmsEncoding } from '../core/sms/segments.ts';
import { transliterate } from '../core/sms/translit.ts';
import type { Channel } from '../core/states.ts';
import { compileTemplate, renderTemplate } from '../core/templates/render.ts';
import { buildScope } from '../core/templates/scope.ts';
import type { Audience, Campaign } from '../store/campaigns.ts';
import type { ContactRow } from '../store/contacts.ts';
import type { Queryable } from '../store/db.ts';
import type { NewMessage } from '../store/messages.ts';
import { listObjectsOfContacts } from '../store/objects.ts';
import type { Org } from '../store/orgs.ts';
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

export type PrepareError = { code: 'bad_template'; message: string };

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

  async function* batches(): AsyncGenerator<PreparedMessage[]> {
    for await (const contacts of audienceBatches(tx, org.id, campaign.audience)) {
      const objects = await listObjectsOfContacts(
        tx,
        org.id,
        contacts.map((c) => c.id),
      );
      const byContact = new Map<number, typeof objects>();
      for (const o of objects) byContact.set(o.contactId, [...(byContact.get(o.contactId) ?? []), o]);
      yield contacts.map((c): PreparedMessage => {
        const address = addressFor(channel, c);
        const none = {
          contactId: c.id,
          address: address ?? '',
          subject: null,
          body: '',
          segments: 0,
          priceKopecks: 0,
          encoding: null,
        };
        if (c.do_not_message) return { ...none, state: 'excluded', reason: 'do_not_message' };
        if (!address)
          return { ...none, state: 'excluded', reason: `no_address: the contact has no ${channel} address` };
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
