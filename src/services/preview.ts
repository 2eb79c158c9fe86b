/**
 * A template rendered for one chosen recipient (CT-2): what they would receive, its length and SMS
 * segments, or why they would not receive it. The same scope as a launch builds: the contact, their
 * objects and the organisation.
 */
import { compileEmail, renderEmail } from '../core/email/render.ts';
import { makePricer } from '../core/price.ts';
import type { Channel } from '../core/states.ts';
import { renderForRecipient } from '../core/templates/recipient.ts';
import { compileTemplate } from '../core/templates/render.ts';
import { getContact } from '../store/contacts.ts';
import type { Queryable } from '../store/db.ts';
import { getOrg } from '../store/orgs.ts';
import { listTariffs } from '../store/tariffs.ts';
import { checkTemplate, storedTemplate, type TemplateProblem } from './campaigns.ts';
import { type LinkSettings, receiptLinks } from './documents.ts';
import { loadRecipientData, localDate, recipientScope } from './recipientScope.ts';

export interface PreviewInput {
  channel: Channel;
  text: string;
  subject?: string;
  contactId: number;
  /** `block` refuses a recipient with an empty value; `default` puts this text instead. */
  empty?: { mode: 'allow' } | { mode: 'block' } | { mode: 'default'; text: string };
}

export interface Preview {
  contactId: number;
  address: string | null;
  subject: string | null;
  text: string;
  html: string | null;
  characters: number;
  sms: { encoding: string; segments: number } | null;
  priceKopecks: number;
}

export type PreviewResult =
  | { ok: true; preview: Preview }
  | { ok: false; problems: TemplateProblem[] }
  | { ok: false; notFound: true };

/**
 * `links` (the configuration: VESTNIK_PUBLIC_URL, VESTNIK_LINK_DAYS) signs each object's receipt
 * link, as the launch does, so `%kvit` shows real links; without it objects have none.
 */
export async function previewForContact(
  db: Queryable,
  orgId: number,
  p: PreviewInput,
  links?: LinkSettings,
): Promise<PreviewResult> {
  const problems = [
    ...checkTemplate(p.text, 'text', p.channel),
    ...(p.subject !== undefined ? checkTemplate(p.subject, 'subject', p.channel) : []),
  ];
  if (problems.length) return { ok: false, problems };
  const contact = await getContact(db, orgId, p.contactId);
  if (!contact) return { ok: false, notFound: true };
  // The same scope as the launch builds (services/recipientScope.ts): objects, links, the loan.
  const org = (await getOrg(db, orgId))!;
  const now = new Date();
  const today = localDate(now, org.timeZone);
  const data = (await loadRecipientData(db, orgId, [contact.id], today)).get(contact.id);
  const objectIds = (data?.objects ?? []).map((o) => o.id);
  const signed = links ? await receiptLinks(db, { id: orgId }, objectIds, now, links) : undefined;
  const scope = recipientScope(
    {
      id: contact.id,
      last_name: contact.lastName,
      first_name: contact.firstName,
      middle_name: contact.middleName,
      phone: contact.phone,
      email: contact.email,
      attributes: contact.attributes,
      gender: contact.gender,
      birth_date: contact.birthDate,
    },
    data,
    org,
    today,
    signed,
  );
  const address =
    p.channel === 'sms' ? contact.phone : p.channel === 'email' ? contact.email : contact.telegramChatId;
  if (p.channel === 'email') {
    const compiled = compileEmail({ subject: storedTemplate(p.subject ?? ''), html: storedTemplate(p.text) });
    if (!compiled.ok) return { ok: false, problems: [{ ...compiled.problem, code: 'syntax' }] };
    const r = renderEmail(compiled.value, scope, p.empty ? { empty: p.empty } : {});
    if (!r.ok)
      return {
        ok: false,
        problems: r.problems.map((x) => ({ field: x.field, value: null, message: x.message, code: x.code })),
      };
    return {
      ok: true,
      preview: {
        contactId: contact.id,
        address,
        subject: r.value.subject,
        text: r.value.text,
        html: r.value.html,
        characters: r.value.text.length,
        sms: null,
        priceKopecks: 0,
      },
    };
  }
  const compiled = compileTemplate(storedTemplate(p.text), 'text');
  if (!compiled.ok) return { ok: false, problems: [{ ...compiled.problem, code: 'syntax' }] };
  const r = renderForRecipient(compiled.value, scope, {
    channel: p.channel,
    ...(p.empty ? { empty: p.empty } : {}),
  });
  if (!r.ok)
    return {
      ok: false,
      problems: r.problems.map((x) => ({
        field: x.field,
        value: null,
        message: x.message,
        code: x.code,
        ...(x.line ? { line: x.line, column: x.column } : {}),
      })),
    };
  const priced = address ? makePricer(await listTariffs(db, orgId))(p.channel, address, r.value.text) : null;
  return {
    ok: true,
    preview: {
      contactId: contact.id,
      address,
      subject: null,
      text: r.value.text,
      html: null,
      characters: r.value.characters,
      sms: r.value.sms,
      priceKopecks: priced?.priceKopecks ?? 0,
    },
  };
}
