/**
 * The audience of a campaign or of a preview, resolved the one way the launch resolves it (AU-6,
 * AU-7): the filters compiled against the organisation's attributes, the exclusions counted per
 * reason, and the first recipients shown. Problems with the selection come back as values.
 */
import {
  type Audience,
  type Category,
  type ExclusionReason,
  selectionsOf,
} from '../core/audience/audience.ts';
import type { FieldProblem } from '../core/result.ts';
import type { Channel } from '../core/states.ts';
import { attributeTypes } from '../store/attributes.ts';
import { missingContactIds } from '../store/contacts.ts';
import type { Queryable } from '../store/db.ts';
import { getList } from '../store/lists.ts';
import { getOrg } from '../store/orgs.ts';
import { countRecipients, listRecipients, type RecipientQuery, recipientQuery } from '../store/recipients.ts';

export interface AudienceRequest {
  audience: Audience;
  channel: Channel;
  category: Category;
  campaignId?: number | null;
  now?: Date;
}

export async function buildAudienceQuery(
  db: Queryable,
  orgId: number,
  req: AudienceRequest,
): Promise<{ ok: true; query: RecipientQuery } | { ok: false; problems: FieldProblem[] }> {
  const org = await getOrg(db, orgId);
  if (!org) return { ok: false, problems: [{ field: 'org', value: orgId, message: 'no such organisation' }] };
  return recipientQuery({
    orgId,
    orgTimeZone: org.timeZone,
    channel: req.channel,
    category: req.category,
    audience: req.audience,
    attributes: await attributeTypes(db, orgId),
    campaignId: req.campaignId ?? null,
    now: req.now,
  });
}

export interface AudienceRecipient {
  contactId: number;
  name: string;
  address: string | null;
  reason: ExclusionReason | null;
}

export interface AudiencePreview {
  /** Contacts selected by the union, each counted once. */
  selected: number;
  /** Those who would get a message. */
  recipients: number;
  excluded: Partial<Record<ExclusionReason, number>>;
  /** The first `limit` selected contacts (or those excluded for `reason`), after `after`. */
  items: AudienceRecipient[];
}

export async function previewAudience(
  db: Queryable,
  orgId: number,
  req: AudienceRequest & { limit?: number; after?: number; reason?: ExclusionReason | 'included' },
): Promise<{ ok: true; preview: AudiencePreview } | { ok: false; problems: FieldProblem[] }> {
  const built = await buildAudienceQuery(db, orgId, req);
  if (!built.ok) return built;
  const counts = await countRecipients(db, built.query);
  const rows = await listRecipients(db, built.query, {
    after: req.after ?? 0,
    limit: req.limit ?? 20,
    reason: req.reason,
  });
  return {
    ok: true,
    preview: {
      ...counts,
      items: rows.map((r) => ({
        contactId: r.id,
        name: [r.last_name, r.first_name, r.middle_name].filter(Boolean).join(' '),
        address: r.address,
        reason: r.reason,
      })),
    },
  };
}

/** Everything wrong with an audience before it is stored: unknown contacts and lists, bad filters. */
export async function checkAudience(
  db: Queryable,
  orgId: number,
  audience: Audience,
): Promise<FieldProblem[]> {
  const problems: FieldProblem[] = [];
  const selections = selectionsOf(audience);
  for (const [i, s] of selections.entries()) {
    const where = audience.kind === 'union' ? `audience.selections[${i}]` : 'audience';
    if (s.kind === 'contacts') {
      const missing = await missingContactIds(db, orgId, s.contactIds);
      if (missing.length)
        problems.push({
          field: `${where}.contactIds`,
          value: missing,
          message: `no such contacts: ${missing.slice(0, 20).join(', ')}${missing.length > 20 ? ', …' : ''}`,
        });
    }
    if (s.kind === 'list' && !(await getList(db, orgId, s.listId)))
      problems.push({ field: `${where}.listId`, value: s.listId, message: `no list ${s.listId}` });
  }
  const built = await buildAudienceQuery(db, orgId, { audience, channel: 'sms', category: 'informational' });
  if (!built.ok) problems.push(...built.problems);
  return problems;
}
