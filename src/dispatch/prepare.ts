/**
 * Turning a campaign into its messages, shared by the estimate (BL-2) and the launch: the audience
 * resolved (store/recipients.ts: selections, de-duplication, exclusions) and streamed in keyset batches, each recipient's text rendered (and transliterated if asked), its
 * address checked, its segments counted and its price found. Memory stays flat whatever the size.
 */

import type { ExclusionReason } from '../core/audience/audience.ts';
import type { MessageContent } from '../core/content.ts';
import { type CompiledEmail, compileEmail, renderEmail } from '../core/email/render.ts';
import { makePricer, type Pricer } from '../core/price.ts';
import { ok, type Result } from '../core/result.ts';
import { type DedupKey, naturalKey } from '../core/schedule/automations.ts';
import { recipientZone } from '../core/schedule/zones.ts';
import type { SmsEncoding } from '../core/sms/segments.ts';
import { transliterate } from '../core/sms/translit.ts';
import type { Channel } from '../core/states.ts';
import { type RecipientProblem, renderForRecipient } from '../core/templates/recipient.ts';
import { type CompiledTemplate, compileTemplate, type TemplateScope } from '../core/templates/render.ts';
import { buildAudienceQuery } from '../services/audience.ts';
import { loadRecipientData, localDate, recipientScope } from '../services/recipientScope.ts';
import type { Campaign } from '../store/campaigns.ts';
import type { ContactRow } from '../store/contacts.ts';
import type { Queryable } from '../store/db.ts';
import { allocateMessageIds, type NewMessage } from '../store/messages.ts';
import type { Org } from '../store/orgs.ts';
import { recipientBatches } from '../store/recipients.ts';
import { listTariffs } from '../store/tariffs.ts';
import { type LinkSettings, launchExtras } from './extras.ts';

const BATCH = 1000;
/** Batches read before they are needed. */
const READ_AHEAD = 2;

export interface PreparedMessage extends NewMessage {
  encoding: SmsEncoding | null;
  /** The cascade's first try (CH-2): the messenger message sent before this SMS, when there is one. */
  messenger?: { address: string; body: string; segments: number; priceKopecks: number };
  /** The natural key of an automation's message (SD-5), recorded so later runs skip it. */
  key?: string | null;
}

/** What a launch asks of the preparation beyond the campaign's own texts (issue 7). */
export interface PrepareOptions {
  /** Also render a messenger message for recipients with a messenger address (the cascade). */
  cascade?: boolean;
  /** Skip recipients whose natural key an earlier run of `rootId` used (SD-5). */
  dedup?: { key: DedupKey; rootId: number; overdue: boolean };
  /**
   * Where the recipients and their objects are read, when not on `tx`: a connection of its own at
   * `tx`'s snapshot (store/db.ts, readAt), so the reads run beside the launch's inserts.
   */
  reader?: Queryable;
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

/** A recipient's render problems as the reason on their excluded row (CT-2, CH-6). */
const problemReason = (problems: RecipientProblem[]): string =>
  problems
    .map((p) => `${p.code}: ${p.field} ${p.message}${p.line ? ` (line ${p.line}, column ${p.column})` : ''}`)
    .join('; ');

/** The campaign's texts for its channel, compiled once; an error if they are broken. */
function compileTexts(campaign: Campaign): Result<Renderer> {
  const texts = campaign.texts;
  if (campaign.channel === 'email') {
    const e = texts.email ?? { subject: campaign.subject ?? '', html: campaign.textTemplate };
    const c = compileEmail(e);
    if (!c.ok) return c;
    return ok({ kind: 'email', compiled: c.value });
  }
  const source = texts[campaign.channel] ?? campaign.textTemplate;
  const c = compileTemplate(source, `texts.${campaign.channel}`);
  if (!c.ok) return c;
  return ok({ kind: 'text', compiled: c.value });
}

type Renderer = { kind: 'email'; compiled: CompiledEmail } | { kind: 'text'; compiled: CompiledTemplate };

/** What a recipient receives, or why not: the text (and e-mail parts) after the empty-value policy. */
type Rendered =
  | { ok: true; body: string; subject: string | null; content: MessageContent | null }
  | { ok: false; reason: string };

function renderOne(
  renderer: Renderer,
  campaign: Campaign,
  scope: TemplateScope,
  extra: { unsubscribeUrl?: string; attachments: MessageContent['attachments'] },
): Rendered {
  const empty = campaign.emptyPolicy;
  if (renderer.kind === 'email') {
    const r = renderEmail(renderer.compiled, scope, {
      empty,
      ...(extra.unsubscribeUrl ? { unsubscribeUrl: extra.unsubscribeUrl } : {}),
    });
    if (!r.ok) return { ok: false, reason: problemReason(r.problems) };
    const content = { html: r.value.html, headers: r.value.headers, attachments: extra.attachments };
    return { ok: true, body: r.value.text, subject: r.value.subject, content };
  }
  const channel = campaign.channel;
  const r = renderForRecipient(renderer.compiled, scope, { channel, empty, field: `texts.${channel}` });
  if (!r.ok) return { ok: false, reason: problemReason(r.problems) };
  const body = campaign.transliterate && channel === 'sms' ? transliterate(r.value.text) : r.value.text;
  return { ok: true, body, subject: null, content: null };
}

/**
 * The campaign's messages, a batch at a time; an error before the first batch if its texts are
 * broken. `extras` signs the links and finds the attachments (documents, unsubscribe).
 */
export async function prepareMessages(
  tx: Queryable,
  org: Org,
  campaign: Campaign,
  links?: LinkSettings,
  now: Date = new Date(),
  opts: PrepareOptions = {},
): Promise<{ ok: true; batches: AsyncGenerator<PreparedMessage[]> } | { ok: false; error: PrepareError }> {
  const compiled = compileTexts(campaign);
  if (!compiled.ok) return { ok: false, error: { code: 'bad_template', message: compiled.problem.message } };
  const renderer = compiled.value;
  const cascade = opts.cascade ? compileTexts({ ...campaign, channel: 'messenger' }) : null;
  if (cascade && !cascade.ok)
    return { ok: false, error: { code: 'bad_template', message: cascade.problem.message } };
  const messengerRenderer = cascade?.value;
  const pricer: Pricer = makePricer(await listTariffs(tx, org.id));
  const channel = campaign.channel;
  const today = localDate(now, org.timeZone);
  // Resolved now, not when the campaign was written (AU-7): contacts added since are included.
  const built = await buildAudienceQuery(tx, org.id, {
    audience: campaign.audience,
    channel,
    category: campaign.category,
    campaignId: campaign.id,
    now,
  });
  if (!built.ok) {
    const message = built.problems.map((p) => `${p.field}: ${p.message}`).join('; ');
    return { ok: false, error: { code: 'bad_audience', message, details: { problems: built.problems } } };
  }
  const query = built.query;
  // Receipt links cost a documents query per batch: only when a text can print one.
  const usesLinks = /\blinks?\b/.test(`${campaign.textTemplate} ${JSON.stringify(campaign.texts)}`);
  const extras = await launchExtras(tx, org, campaign, now, links, usesLinks);
  if (!extras.ok) return { ok: false, error: { code: 'bad_template', message: extras.message } };
  const more = extras.value;

  // The reads of a batch (recipients, then their objects) depend only on the previous batch's last
  // id, not on what the launch writes: they run ahead of the rendering and the insert.
  const reader = opts.reader ?? tx;
  async function* reads() {
    for await (const contacts of recipientBatches(reader, query, BATCH)) {
      const ids = contacts.filter((c) => !c.reason && c.address).map((c) => c.id);
      yield { contacts, ids, data: await loadRecipientData(reader, org.id, ids, today) };
    }
  }

  async function* batches(): AsyncGenerator<PreparedMessage[]> {
    for await (const { contacts, ids, data } of readAhead(reads(), READ_AHEAD)) {
      const objectIds = [...data.values()].flatMap((d) => d.objects.map((o) => o.id));
      const perBatch = await more.forObjects(objectIds);
      // An e-mail's unsubscribe link names its message, so its id is taken before it is written.
      const taken = channel === 'email' ? await allocateMessageIds(tx, ids.length) : [];
      const idOf = new Map(ids.map((id, i) => [id, taken[i]]));
      const keyOf = new Map<number, string | null>();
      if (opts.dedup) {
        const d = opts.dedup;
        for (const c of contacts) {
          if (c.reason || !c.address) continue;
          const loan = data.get(c.id)?.loan ?? null;
          const office = String(c.attributes.office ?? '');
          const birthday = c.birth_date ? nextBirthday(c.birth_date, today) : null;
          keyOf.set(
            c.id,
            naturalKey(d.key, { contactId: c.id, office, loan, today, birthday, overdue: d.overdue }),
          );
        }
      }
      const used = opts.dedup
        ? await usedKeys(tx, opts.dedup.rootId, [...keyOf.values()])
        : new Set<string>();
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
        const key = keyOf.get(c.id) ?? null;
        if (opts.dedup && !key)
          return { ...none, state: 'excluded', reason: `no_key: nothing to remind of (${opts.dedup.key})` };
        if (key && used.has(key))
          return { ...none, state: 'excluded', reason: `duplicate_run: an earlier run sent ${key}` };
        const own = data.get(c.id);
        const attached = perBatch.attachmentsOf(own?.objects ?? []);
        if (!attached.ok) return { ...none, state: 'excluded', reason: attached.reason };
        const scope = recipientScope(c, own, org, today, perBatch.links);
        const id = idOf.get(c.id);
        const out = renderOne(renderer, campaign, scope, {
          attachments: attached.value,
          ...more.unsubscribe(c.id, id),
        });
        if (!out.ok) return { ...none, ...(id ? { id } : {}), state: 'excluded', reason: out.reason };
        const priced = pricer(channel, address, out.body);
        let messenger: PreparedMessage['messenger'];
        if (messengerRenderer && c.telegram_chat_id) {
          const m = renderOne(messengerRenderer, { ...campaign, channel: 'messenger' }, scope, {
            attachments: [],
          });
          if (m.ok) {
            const p = pricer('messenger', c.telegram_chat_id, m.body);
            messenger = { address: c.telegram_chat_id, body: m.body, ...p };
          }
        }
        return {
          ...(messenger ? { messenger } : {}),
          key,
          zone: recipientZone(c.time_zone, c.phone, org.timeZone),
          ...(id ? { id } : {}),
          contactId: c.id,
          address,
          body: out.body,
          subject: out.subject,
          content: out.content,
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

/**
 * The items of `source`, with up to `depth` of the next ones already asked for while the caller works
 * on the current one. On one connection this queues the next reads behind the caller's writes, so the
 * server always has work while JavaScript renders; memory grows by `depth` items, no more.
 */
async function* readAhead<T>(source: AsyncIterator<T>, depth: number): AsyncGenerator<T> {
  const pending: Promise<IteratorResult<T>>[] = [];
  const ask = () => {
    const next = source.next();
    // Awaited below in turn; a read the caller never reaches (it stopped early) must not go unhandled.
    next.catch(() => {});
    pending.push(next);
  };
  for (let i = 0; i < depth; i++) ask();
  for (;;) {
    const r = await pending.shift()!;
    if (r.done) return;
    ask();
    yield r.value;
  }
}

/** The birthday on or after `today` (`YYYY-MM-DD`) of someone born on `birth`; 29 February → 1 March. */
function nextBirthday(birth: string, today: string): string {
  const md = birth.slice(5);
  const year = Number(today.slice(0, 4));
  const thisYear = `${year}-${md}`;
  return thisYear >= today ? thisYear : `${year + 1}-${md}`;
}

/** The keys among `keys` an earlier run of the recurring campaign `rootId` used. */
async function usedKeys(tx: Queryable, rootId: number, keys: (string | null)[]): Promise<Set<string>> {
  const wanted = keys.filter((k): k is string => k !== null);
  if (wanted.length === 0) return new Set();
  const { rows } = await tx.query<{ key: string }>(
    'SELECT key FROM campaign_keys WHERE root_id = $1 AND key = ANY($2::text[])',
    [rootId, wanted],
  );
  return new Set(rows.map((r) => r.key));
}
