/**
 * Launch (SD-1, BL-2): resolve the audience, render and price every message, write one row per
 * recipient and reserve the total on the balance — all in one transaction with the campaign's change
 * to «sending». If the balance does not cover the cost, the transaction rolls back and nothing is
 * written. The unique key (campaign, contact, channel) makes a relaunch unable to duplicate.
 */

import { formatRoubles } from '../core/pricing.ts';
import type { EconomyDay } from '../core/schedule/plan.ts';
import { holdCampaignAtLaunch } from '../services/moderation.ts';
import {
  type Campaign,
  completeFinishedCampaigns,
  lockCampaign,
  setCampaignState,
} from '../store/campaigns.ts';
import type { Db, Queryable, SnapshotReader } from '../store/db.ts';
import { primaryGateway } from '../store/gateways.ts';
import { reserve } from '../store/ledger.ts';
import {
  allocateMessageIds,
  DUE_CHANNEL,
  insertCampaignMessages,
  type NewMessage,
} from '../store/messages.ts';
import { getOrg } from '../store/orgs.ts';
import { findSender } from '../store/senders.ts';
import type { LinkSettings } from './extras.ts';
import { type PreparedMessage, prepareMessages } from './prepare.ts';
import { armSchedule } from './scheduler.ts';
import {
  applyEconomyPlan,
  type Due,
  economyCapacity,
  fallbackDue,
  makeTimer,
  messengerWait,
} from './timing.ts';

export { addressFor } from './prepare.ts';

export type LaunchFailure = {
  ok: false;
  code:
    | 'not_found'
    | 'not_draft'
    | 'no_gateway'
    | 'bad_template'
    | 'sender_not_approved'
    | 'insufficient_balance'
    | 'bad_audience'
    | 'bad_schedule'
    | 'bad_mode';
  message: string;
  details?: Record<string, unknown>;
};

export type LaunchResult =
  | {
      ok: true;
      queued: number;
      excluded: number;
      costKopecks: number;
      completed: boolean;
      /** Economy mode: how many go each day (CH-3). */
      plan?: EconomyDay[];
      /** A scheduled or recurring campaign was armed, not sent: when it runs (SD-4). */
      scheduledFor?: Date;
      /** It waits for a moderator (state «moderation», issue 18). */
      moderation?: boolean;
    }
  | LaunchFailure;

export interface LaunchOptions {
  /** The clock (tests control it). */
  now?: Date;
  /** The scheduler runs a campaign it armed: a «scheduled» one is launched, not armed again. */
  byScheduler?: boolean;
}

/** Thrown inside the transaction to roll it back with a result for the caller. */
class Abort extends Error {
  constructor(readonly failure: LaunchFailure) {
    super(failure.message);
  }
}

export async function launchCampaign(
  db: Db,
  orgId: number,
  campaignId: number,
  initiator: string,
  /** Where receipt and unsubscribe links point (the configuration); without it they stay empty. */
  links?: LinkSettings,
  opts: LaunchOptions = {},
): Promise<LaunchResult> {
  const now = opts.now ?? new Date();
  let result: LaunchResult;
  const readers: SnapshotReader[] = [];
  try {
    result = await db.transaction(async (tx): Promise<LaunchResult> => {
      const campaign = await lockCampaign(tx, orgId, campaignId);
      if (!campaign) return { ok: false, code: 'not_found', message: `campaign ${campaignId} not found` };
      const org = (await getOrg(tx, orgId))!;
      const runnable = campaign.state === 'draft' || (opts.byScheduler && campaign.state === 'scheduled');
      if (runnable && !opts.byScheduler && (campaign.schedule || campaign.recurrence)) {
        const armed = await armSchedule(tx, org, campaign, now, initiator);
        if (!armed.ok) return { ok: false, code: 'bad_schedule', message: armed.message };
        if (armed.at)
          return {
            ok: true,
            queued: 0,
            excluded: 0,
            costKopecks: 0,
            completed: false,
            scheduledFor: armed.at,
          };
      }
      if (!runnable) {
        return {
          ok: false,
          code: 'not_draft',
          message: `campaign ${campaignId} is ${campaign.state}; only a draft can be launched`,
        };
      }
      const gateway = await primaryGateway(tx, orgId, campaign.channel);
      if (!gateway)
        return {
          ok: false,
          code: 'no_gateway',
          message: `no enabled gateway for channel ${campaign.channel}`,
        };
      if (campaign.mode === 'urgent' && campaign.channel !== 'sms')
        return {
          ok: false,
          code: 'bad_mode',
          message: 'urgent mode sends SMS: the campaign must be an SMS campaign',
        };
      const messengerGateway = await cascadeGateway(tx, orgId, campaign);
      if (campaign.sender) {
        const sender = await findSender(tx, gateway.id, campaign.sender);
        if (sender?.state !== 'approved') {
          const state = sender ? `is ${sender.state}` : 'is not registered';
          return {
            ok: false,
            code: 'sender_not_approved',
            message: `sender name ${campaign.sender} ${state} with gateway ${gateway.name}`,
          };
        }
      }
      const dedup = campaign.dedupKey
        ? {
            key: campaign.dedupKey,
            rootId: campaign.parentId ?? campaign.id,
            overdue: campaign.automation?.kind === 'payment_overdue',
          }
        : undefined;
      // On PostgreSQL the recipients and their objects are read on a second connection at this
      // transaction's snapshot, so the server reads the next batches while it writes this one instead
      // of the two and this process's rendering taking turns on one connection. Those reads never need
      // the launch's own writes (which the reader does not see): what does — the automation keys
      // recorded by earlier batches, ids, links — is read on `tx`.
      const reader = db.readAt ? await db.readAt(await exportSnapshot(tx)) : undefined;
      if (reader) readers.push(reader);
      const prepared = await prepareMessages(tx, org, campaign, links, now, {
        cascade: Boolean(messengerGateway),
        ...(dedup ? { dedup } : {}),
        ...(reader ? { reader } : {}),
      });
      if (!prepared.ok) return { ok: false, ...prepared.error };
      const timer = makeTimer(org, campaign, now);
      const wait = messengerWait(org, campaign);

      let queued = 0;
      let excluded = 0;
      let cost = 0;
      const common = { orgId, campaignId, initiator, sender: campaign.sender };
      let written: Promise<void> = Promise.resolve();
      for await (const batch of prepared.batches) {
        const cascaded = await cascadedIn(tx, orgId, campaign, batch);
        const firstIds = messengerGateway ? await allocateMessageIds(tx, cascaded.length) : [];
        const first = new Map(cascaded.map((m, i) => [m, firstIds[i]!]));
        const tries: NewMessage[] = [];
        for (const m of batch) {
          if (m.state !== 'queued') {
            excluded++;
            continue;
          }
          queued++;
          cost += m.priceKopecks;
          const due: Due = timer(m.zone!);
          const firstId = first.get(m);
          Object.assign(m, due, { collection: campaign.collection, cascadeOf: firstId ?? null });
          if (firstId !== undefined) {
            const msg = m.messenger!;
            tries.push({
              id: firstId,
              contactId: m.contactId,
              subject: null,
              state: 'queued',
              reason: null,
              ...msg,
              ...due,
              zone: m.zone ?? null,
              collection: campaign.collection,
            });
            Object.assign(m, fallbackDue(due, wait));
            cost += msg.priceKopecks;
            queued++;
          }
        }
        // Written while the next batch is rendered: the previous batch's writes are awaited first,
        // so at most one is in flight and a failure stops the loop at the next batch. The three
        // statements are queued on the connection now, in this order, so the next batch's look-up of
        // used keys (on `tx` too) comes after this one's keys are recorded.
        await written;
        written = Promise.all([
          tries.length
            ? insertCampaignMessages(
                tx,
                { ...common, channel: 'messenger', gatewayId: messengerGateway!.id },
                tries,
              )
            : 0,
          insertCampaignMessages(tx, { ...common, channel: campaign.channel, gatewayId: gateway.id }, batch),
          recordKeys(tx, campaign.parentId ?? campaignId, campaignId, batch),
        ]).then(() => {});
        // Awaited above or below; meanwhile a failure must not count as unhandled.
        written.catch(() => {});
      }
      await written;
      const plan =
        campaign.mode === 'economy'
          ? await applyEconomyPlan(tx, org, campaign, await economyCapacity(tx, org, gateway.id), now)
          : undefined;
      const reserved = await reserve(tx, {
        orgId,
        amountKopecks: cost,
        campaignId,
        comment: `launch of campaign ${campaignId}`,
        initiator,
      });
      if (!reserved.ok) {
        const available = reserved.balance.availableKopecks;
        throw new Abort({
          ok: false,
          code: 'insufficient_balance',
          message: `the campaign costs ${formatRoubles(cost)} but the available balance is ${formatRoubles(available)}`,
          details: { costKopecks: cost, availableKopecks: available },
        });
      }
      await tx.query('UPDATE campaigns SET reserved_kopecks = $2 WHERE id = $1', [campaignId, cost]);
      // Moderation (issue 18): written and reserved as any launch, parked until a moderator decides.
      if (await holdCampaignAtLaunch(tx, org, campaign, initiator)) {
        await setCampaignState(tx, orgId, campaignId, 'moderation', initiator);
        return { ok: true, queued, excluded, costKopecks: cost, completed: false, moderation: true };
      }
      await setCampaignState(tx, orgId, campaignId, 'sending', initiator);
      // Delivered at commit: idle workers wake as soon as the rows are visible.
      await tx.query('SELECT pg_notify($1, $2)', [DUE_CHANNEL, `campaign:${campaignId}`]);
      return { ok: true, queued, excluded, costKopecks: cost, completed: false, ...(plan ? { plan } : {}) };
    });
  } catch (err) {
    if (err instanceof Abort) return err.failure;
    throw err;
  } finally {
    for (const r of readers) await r.close();
  }
  if (!result.ok) return result;
  // An audience with nothing to send (everyone excluded) is complete at once.
  const done = await completeFinishedCampaigns(db, [campaignId]);
  return { ...result, completed: done.includes(campaignId) };
}

/**
 * The cascade (CH-2): an SMS campaign in standard or economy mode tries the messenger first wherever
 * the organisation has a messenger gateway and the recipient a messenger address.
 */
export async function cascadeGateway(tx: Queryable, orgId: number, campaign: Campaign) {
  if (campaign.channel !== 'sms' || campaign.mode === 'urgent') return undefined;
  return primaryGateway(tx, orgId, 'messenger');
}

/**
 * The queued messages of a batch that go by messenger first. Advertising by messenger needs its own
 * consent (38-FZ): without it, SMS only.
 */
export async function cascadedIn(
  tx: Queryable,
  orgId: number,
  campaign: Campaign,
  batch: PreparedMessage[],
): Promise<PreparedMessage[]> {
  const candidates = batch.filter((m) => m.state === 'queued' && m.messenger);
  if (candidates.length === 0 || campaign.category !== 'advertising') return candidates;
  const { rows } = await tx.query<{ contact_id: number }>(
    `SELECT contact_id FROM consents WHERE org_id = $1 AND contact_id = ANY($2::bigint[])
       AND channel = 'messenger' AND category = 'advertising' AND withdrawn_at IS NULL`,
    [orgId, candidates.map((m) => m.contactId!)],
  );
  const allowed = new Set(rows.map((r) => r.contact_id));
  return candidates.filter((m) => allowed.has(m.contactId!));
}

/** The transaction's snapshot, for a reader on another connection to import (store/db.ts, readAt). */
async function exportSnapshot(tx: Queryable): Promise<string> {
  const { rows } = await tx.query<{ id: string }>('SELECT pg_export_snapshot() AS id');
  return rows[0]!.id;
}

/** The natural keys of an automation run's queued messages, so later runs skip them (SD-5). */
async function recordKeys(tx: Queryable, rootId: number, campaignId: number, batch: PreparedMessage[]) {
  const keys = batch.filter((m) => m.state === 'queued' && m.key).map((m) => m.key!);
  if (keys.length === 0) return;
  await tx.query(
    `INSERT INTO campaign_keys (root_id, key, campaign_id) SELECT $1, k, $2 FROM unnest($3::text[]) AS k
     ON CONFLICT DO NOTHING`,
    [rootId, campaignId, keys],
  );
}
