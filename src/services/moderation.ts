/**
 * Moderation in the sending path (issue 18 items 1, 4, 5; decision 0021). A launch writes and
 * reserves its messages as always; when the organisation's mode asks for a look, the messages are
 * parked and the campaign waits in state «moderation». Approve is a resume (the daytime window still
 * holds at the worker's gate); reject is a cancel with the reservation released and the reason
 * recorded on the campaign. A single send waits the same way, parked, and is approved or rejected.
 */
import crypto from 'node:crypto';
import { type CheckResult, type ContentToCheck, checkContent } from '../core/moderation/check.ts';
import { defaultModerationDictionary } from '../core/moderation/edit.ts';
import { type Campaign, completeFinishedCampaigns } from '../store/campaigns.ts';
import type { Db, Queryable } from '../store/db.ts';
import { releaseCampaigns, releaseMessages } from '../store/ledger.ts';
import {
  countCampaignMessages,
  deleteQueueItem,
  firstMessage,
  getApprovedHash,
  type ItemKind,
  insertAudit,
  insertQueueItem,
  listQueue,
  lockQueueItem,
  moderationSlaMinutes,
  parkCampaignMessages,
  parkMessage,
  rejectMessage,
  setApprovedHash,
  setCampaignModeration,
  unparkMessages,
} from '../store/moderation.ts';
import type { Org } from '../store/orgs.ts';

/** A waiting single message's reason, for its sender to see. */
export const WAITING_REASON = 'waiting for moderation';

/** What moderation says of content in this organisation's mode: held, with the matches found. */
export function verdictFor(org: Org, content: ContentToCheck): { hold: boolean; check: CheckResult } {
  if (org.moderationMode === 'none') return { hold: false, check: { verdict: 'pass', matches: [] } };
  let check: CheckResult;
  try {
    check = checkContent(defaultModerationDictionary(), content);
  } catch {
    // A text too long to check is not let through unseen: it waits for a person.
    check = { verdict: 'review', matches: [] };
  }
  return { hold: org.moderationMode === 'manual' || check.verdict === 'review', check };
}

export const campaignContent = (c: Campaign): ContentToCheck => ({ texts: c.texts, sender: c.sender });

/** The hash of what a moderator approved: the texts of every channel and the sender. */
export function contentHash(content: ContentToCheck): string {
  return crypto
    .createHash('sha256')
    .update(JSON.stringify([content.texts ?? null, content.text ?? null, content.sender ?? null]))
    .digest('hex');
}

/**
 * Called by the launch inside its transaction, after the messages are written and reserved: parks
 * them and queues the campaign when it needs a look. A run of a recurring campaign or automation
 * whose texts and sender match what was approved before goes straight out.
 */
export async function holdCampaignAtLaunch(
  tx: Queryable,
  org: Org,
  campaign: Campaign,
  initiator: string,
): Promise<boolean> {
  const content = campaignContent(campaign);
  const { hold, check } = verdictFor(org, content);
  if (!hold) return false;
  const approved = await getApprovedHash(tx, campaign.parentId ?? campaign.id);
  if (approved !== null && approved === contentHash(content)) return false;
  await parkCampaignMessages(tx, campaign.id);
  await insertQueueItem(tx, {
    orgId: org.id,
    kind: 'campaign',
    refId: campaign.id,
    matches: check.matches,
    initiator,
  });
  await setCampaignModeration(tx, campaign.id, {
    state: 'waiting',
    decidedBy: null,
    decidedAt: null,
    reason: null,
  });
  return true;
}

/** A single message just written (same transaction): parked and queued when it needs a look. */
export async function holdSingleMessage(
  tx: Queryable,
  org: Org,
  m: { id: number; body: string; subject: string | null; sender: string | null; channel: string },
  initiator: string,
): Promise<boolean> {
  const content: ContentToCheck = {
    texts:
      m.channel === 'email'
        ? { email: { subject: m.subject, html: m.body } }
        : { [m.channel === 'messenger' ? 'messenger' : 'sms']: m.body },
    sender: m.sender,
  };
  const { hold, check } = verdictFor(org, content);
  if (!hold) return false;
  await parkMessage(tx, m.id, WAITING_REASON);
  await insertQueueItem(tx, {
    orgId: org.id,
    kind: 'message',
    refId: m.id,
    matches: check.matches,
    initiator,
  });
  return true;
}

export type Decision = { action: 'approve' } | { action: 'reject'; reason: string };

export type DecideResult = 'ok' | 'not_found' | { wrongOrg: number };

/**
 * Approves or rejects a waiting item. `orgId` limits an organisation's own moderator to its own
 * queue (null for instance staff). Audited with the texts as they stood.
 */
export async function decide(
  db: Db,
  kind: ItemKind,
  refId: number,
  decision: Decision,
  by: string,
  orgId: number | null,
  /** The clock (tests control it): when approved messages become due. */
  now: Date = new Date(),
): Promise<DecideResult> {
  const result = await db.transaction(async (tx): Promise<DecideResult> => {
    const item = await lockQueueItem(tx, kind, refId);
    if (!item) return 'not_found';
    if (orgId !== null && item.orgId !== orgId) return { wrongOrg: item.orgId };
    const reason = decision.action === 'reject' ? decision.reason : null;
    const texts = await textsOf(tx, kind, refId);
    if (kind === 'campaign') {
      if (decision.action === 'approve') {
        await tx.query(
          `UPDATE campaigns SET state = 'sending', launched_at = now(), launched_by = $2
           WHERE id = $1 AND state = 'moderation'`,
          [refId, item.initiator],
        );
        await unparkMessages(tx, { campaignId: refId }, now);
        const { rows } = await tx.query<{ parent_id: number | null }>(
          'SELECT parent_id FROM campaigns WHERE id = $1',
          [refId],
        );
        const parent = rows[0]?.parent_id;
        await setApprovedHash(tx, parent ? [refId, parent] : [refId], contentHash(texts as ContentToCheck));
      } else {
        await tx.query(
          `UPDATE campaigns SET state = 'cancelled', finished_at = now() WHERE id = $1 AND state = 'moderation'`,
          [refId],
        );
        await tx.query(
          `UPDATE messages SET state = 'excluded', reason = $2, final_at = now(), due_at = NULL
           WHERE campaign_id = $1 AND state IN ('prepared', 'queued')`,
          [refId, `rejected by moderation: ${reason}`],
        );
        await releaseCampaigns(tx, [refId], `campaign rejected by moderation: ${reason}`);
      }
      await setCampaignModeration(tx, refId, {
        state: decision.action === 'approve' ? 'approved' : 'rejected',
        decidedBy: by,
        decidedAt: now.toISOString(),
        reason,
      });
    } else if (decision.action === 'approve') {
      await unparkMessages(tx, { messageId: refId }, now);
    } else {
      await rejectMessage(tx, refId, reason!);
      await releaseMessages(tx, [refId], `rejected by moderation: ${reason}`);
    }
    await insertAudit(tx, {
      orgId: item.orgId,
      kind,
      refId,
      action: decision.action,
      reason,
      decidedBy: by,
      texts,
    });
    await deleteQueueItem(tx, item.id);
    return 'ok';
  });
  if (result === 'ok' && kind === 'campaign' && decision.action === 'approve')
    await completeFinishedCampaigns(db, [refId]);
  return result;
}

/** The texts and sender as they stand now (what the audit keeps). */
async function textsOf(tx: Queryable, kind: ItemKind, refId: number): Promise<ContentToCheck> {
  if (kind === 'campaign') {
    const { rows } = await tx.query<{ texts: ContentToCheck['texts']; sender: string | null }>(
      'SELECT texts, sender FROM campaigns WHERE id = $1',
      [refId],
    );
    return { texts: rows[0]?.texts ?? null, sender: rows[0]?.sender ?? null };
  }
  const m = await firstMessage(tx, { messageId: refId });
  return {
    text: m?.body ?? null,
    texts: m?.subject ? { email: { subject: m.subject } } : null,
    sender: m?.sender ?? null,
  };
}

export interface QueueView {
  oldestSeconds: number;
  slaMinutes: number;
  items: {
    kind: ItemKind;
    id: number;
    org: { id: number; name: string };
    texts: ContentToCheck;
    sender: string | null;
    audienceSize: number;
    matches: CheckResult['matches'];
    ageSeconds: number;
    overdue: boolean;
    initiator: string;
    preview: { address: string; subject: string | null; body: string } | null;
  }[];
}

export async function queueView(db: Db, orgId: number | null, now = new Date()): Promise<QueueView> {
  const sla = moderationSlaMinutes();
  const items = await listQueue(db, orgId);
  const out: QueueView['items'] = [];
  for (const i of items) {
    const texts = await textsOf(db, i.kind, i.refId);
    const by = i.kind === 'campaign' ? { campaignId: i.refId } : { messageId: i.refId };
    const preview = await firstMessage(db, by);
    const ageSeconds = Math.max(0, Math.floor((now.getTime() - i.createdAt.getTime()) / 1000));
    out.push({
      kind: i.kind,
      id: i.refId,
      org: { id: i.orgId, name: i.orgName },
      texts,
      sender: texts.sender ?? null,
      audienceSize: i.kind === 'campaign' ? await countCampaignMessages(db, i.refId) : 1,
      matches: i.matches,
      ageSeconds,
      overdue: i.overdueAt !== null || ageSeconds > sla * 60,
      initiator: i.initiator,
      preview: preview ? { address: preview.address, subject: preview.subject, body: preview.body } : null,
    });
  }
  return { oldestSeconds: out.reduce((m, i) => Math.max(m, i.ageSeconds), 0), slaMinutes: sla, items: out };
}
