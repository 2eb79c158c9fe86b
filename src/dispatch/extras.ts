/**
 * What a launch adds to the texts beyond the template scope: the receipt links `%kvit` inserts
 * (signed per object), the attachments of an e-mail — documents for everyone and each recipient's
 * own (CT-4: a recipient whose document is missing is reported and not sent without it) — and the
 * signed one-click unsubscribe link of each e-mail (RFC 8058). Looked up once per launch and once
 * per batch, never per recipient.
 */
import type { AttachmentSpec, MessageContent } from '../core/content.ts';
import { signUnsubscribe, unsubscribeUrl } from '../core/email/unsubscribe.ts';
import { documentsForObjects, type LinkSettings, receiptLinks } from '../services/documents.ts';
import type { Campaign } from '../store/campaigns.ts';
import type { Queryable } from '../store/db.ts';
import { getDocument } from '../store/documents.ts';
import type { ContactObject } from '../store/objects.ts';
import type { Org } from '../store/orgs.ts';
import { getLinkSecret } from '../store/orgs.ts';

export type { LinkSettings };

type Attached = { ok: true; value: MessageContent['attachments'] } | { ok: false; reason: string };

export interface BatchExtras {
  /** Signed receipt links by object id. */
  links: Map<number, string>;
  /** This recipient's attachments, or why they cannot be sent. */
  attachmentsOf(objects: readonly ContactObject[]): Attached;
}

export interface LaunchExtras {
  forObjects(objectIds: number[]): Promise<BatchExtras>;
  /** The unsubscribe link of an e-mail, for its own message (services/unsubscribe.ts resolves it). */
  unsubscribe(contactId: number, messageId: number | undefined): { unsubscribeUrl?: string };
}

const NONE: BatchExtras = { links: new Map(), attachmentsOf: () => ({ ok: true, value: [] }) };

export async function launchExtras(
  q: Queryable,
  org: Org,
  campaign: Campaign,
  now: Date,
  links: LinkSettings | undefined,
  /** Whether the texts insert receipt links (`links`, `.link`): otherwise no batch looks them up. */
  receipts: boolean,
): Promise<{ ok: true; value: LaunchExtras } | { ok: false; message: string }> {
  const spec: AttachmentSpec = campaign.attachments;
  const email = campaign.channel === 'email';
  if (!email && (spec.documentIds.length > 0 || spec.perRecipient))
    return { ok: false, message: `attachments: only an e-mail carries files, not ${campaign.channel}` };
  const shared: MessageContent['attachments'] = [];
  for (const id of spec.documentIds) {
    const d = await getDocument(q, org.id, id);
    if (!d) return { ok: false, message: `attachments.documentIds: document ${id} does not exist` };
    shared.push({ documentId: d.id, fileName: d.fileName });
  }
  const secret = links ? await getLinkSecret(q, org.id) : undefined;
  const own = spec.perRecipient?.kind ?? null;
  const objectKind = spec.perRecipient?.objectKind ?? null;
  return {
    ok: true,
    value: {
      async forObjects(objectIds) {
        if (objectIds.length === 0 && !own)
          return { ...NONE, attachmentsOf: () => ({ ok: true, value: shared }) };
        const signed =
          links && receipts ? await receiptLinks(q, org, objectIds, now, links) : new Map<number, string>();
        const docs = own ? await documentsForObjects(q, org.id, objectIds, own) : new Map();
        return {
          links: signed,
          attachmentsOf(all) {
            if (!own) return { ok: true, value: shared };
            const objects = objectKind ? all.filter((o) => o.kind === objectKind) : all;
            if (objects.length === 0)
              return {
                ok: false,
                reason: `attachment_missing: no ${objectKind ?? 'object'}, so no «${own}» document to attach`,
              };
            const mine: MessageContent['attachments'] = [];
            const missing: string[] = [];
            for (const o of objects) {
              const d = docs.get(o.id);
              if (d) mine.push({ documentId: d.id, fileName: d.fileName });
              else missing.push(o.number);
            }
            if (missing.length)
              return {
                ok: false,
                reason: `attachment_missing: no «${own}» document for ${missing.join(', ')}`,
              };
            return { ok: true, value: [...shared, ...mine] };
          },
        };
      },
      unsubscribe(contactId, messageId) {
        if (!email || !links || !secret || messageId === undefined) return {};
        const token = signUnsubscribe(secret, { orgId: org.id, contactId, messageId });
        return { unsubscribeUrl: unsubscribeUrl(`${links.publicUrl}/u`, token) };
      },
    },
  };
}
