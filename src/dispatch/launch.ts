/**
 * Launch (SD-1, BL-2): resolve the audience, render and price every message, write one row per
 * recipient and reserve the total on the balance — all in one transaction with the campaign's change
 * to «sending». If the balance does not cover the cost, the transaction rolls back and nothing is
 * written. The unique key (campaign, contact, channel) makes a relaunch unable to duplicate.
 */

import { formatRoubles } from '../core/pricing.ts';
import { completeFinishedCampaigns, lockCampaign, setCampaignState } from '../store/campaigns.ts';
import type { Db } from '../store/db.ts';
import { primaryGateway } from '../store/gateways.ts';
import { reserve } from '../store/ledger.ts';
import { DUE_CHANNEL, insertCampaignMessages } from '../store/messages.ts';
import { getOrg } from '../store/orgs.ts';
import { findSender } from '../store/senders.ts';
import type { LinkSettings } from './extras.ts';
import { prepareMessages } from './prepare.ts';

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
    | 'bad_audience';
  message: string;
  details?: Record<string, unknown>;
};

export type LaunchResult =
  | { ok: true; queued: number; excluded: number; costKopecks: number; completed: boolean }
  | LaunchFailure;

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
): Promise<LaunchResult> {
  let result: LaunchResult;
  try {
    result = await db.transaction(async (tx): Promise<LaunchResult> => {
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
        return {
          ok: false,
          code: 'no_gateway',
          message: `no enabled gateway for channel ${campaign.channel}`,
        };
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
      const prepared = await prepareMessages(tx, (await getOrg(tx, orgId))!, campaign, links);
      if (!prepared.ok) return { ok: false, ...prepared.error };

      let queued = 0;
      let excluded = 0;
      let cost = 0;
      for await (const batch of prepared.batches) {
        await insertCampaignMessages(
          tx,
          {
            orgId,
            campaignId,
            channel: campaign.channel,
            gatewayId: gateway.id,
            initiator,
            sender: campaign.sender,
          },
          batch,
        );
        for (const m of batch) {
          if (m.state === 'queued') {
            queued++;
            cost += m.priceKopecks;
          } else excluded++;
        }
      }
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
      await setCampaignState(tx, orgId, campaignId, 'sending', initiator);
      // Delivered at commit: idle workers wake as soon as the rows are visible.
      await tx.query('SELECT pg_notify($1, $2)', [DUE_CHANNEL, `campaign:${campaignId}`]);
      return { ok: true, queued, excluded, costKopecks: cost, completed: false };
    });
  } catch (err) {
    if (err instanceof Abort) return err.failure;
    throw err;
  }
  if (!result.ok) return result;
  // An audience with nothing to send (everyone excluded) is complete at once.
  const done = await completeFinishedCampaigns(db, [campaignId]);
  return { ...result, completed: done.includes(campaignId) };
}
