/**
 * The cost estimate before launch (BL-2): every recipient's message rendered and priced exactly as
 * the launch will do it, nothing written. Totals per channel, segments min/max/average, the balance
 * to compare with, and the first recipients in detail.
 */

import type { EconomyDay } from '../core/schedule/plan.ts';
import type { SmsEncoding } from '../core/sms/segments.ts';
import type { Channel } from '../core/states.ts';
import type { LinkSettings } from '../dispatch/extras.ts';
import { cascadedIn, cascadeGateway } from '../dispatch/launch.ts';
import { prepareMessages } from '../dispatch/prepare.ts';
import { economyCapacity, planEconomy } from '../dispatch/timing.ts';
import { getCampaign } from '../store/campaigns.ts';
import type { Db } from '../store/db.ts';
import { primaryGateway } from '../store/gateways.ts';
import { type Balance, getBalance } from '../store/ledger.ts';
import { getOrg } from '../store/orgs.ts';

export interface EstimateRecipient {
  contactId: number;
  address: string;
  state: 'queued' | 'excluded' | 'invalid_address';
  reason: string | null;
  encoding: SmsEncoding | null;
  segments: number;
  priceKopecks: number;
  text: string;
}

export interface Estimate {
  campaignId: number;
  channel: Channel;
  messages: number;
  excluded: number;
  segments: { total: number; min: number; max: number; average: number };
  costKopecks: number;
  balance: Balance;
  fits: boolean;
  excludedByReason: Record<string, number>;
  recipients: EstimateRecipient[];
  /** The cascade (CH-2): recipients tried by messenger first, and what those messages cost. */
  cascade: { messages: number; costKopecks: number };
  /** Economy mode (CH-3): how many go each day, if launched now. */
  plan: EconomyDay[] | null;
}

export type EstimateResult =
  | { ok: true; estimate: Estimate }
  | { ok: false; code: 'not_found' | 'bad_template' | 'bad_audience'; message: string; details?: unknown };

export async function estimateCampaign(
  db: Db,
  orgId: number,
  campaignId: number,
  detail = 100,
  /** Receipt links count in an SMS's length: estimated with the same links the launch will make. */
  links?: LinkSettings,
  now: Date = new Date(),
): Promise<EstimateResult> {
  const campaign = await getCampaign(db, orgId, campaignId);
  if (!campaign) return { ok: false, code: 'not_found', message: `campaign ${campaignId} not found` };
  const org = (await getOrg(db, orgId))!;
  const messenger = await cascadeGateway(db, orgId, campaign);
  const prepared = await prepareMessages(db, org, campaign, links, now, { cascade: Boolean(messenger) });
  if (!prepared.ok) return { ok: false, ...prepared.error };
  const cascade = { messages: 0, costKopecks: 0 };
  let messages = 0;
  let excluded = 0;
  let cost = 0;
  let total = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  const excludedByReason: Record<string, number> = {};
  const recipients: EstimateRecipient[] = [];
  for await (const batch of prepared.batches) {
    for (const m of messenger ? await cascadedIn(db, orgId, campaign, batch) : []) {
      cascade.messages++;
      cascade.costKopecks += m.messenger!.priceKopecks;
    }
    for (const m of batch) {
      if (recipients.length < detail) {
        recipients.push({
          contactId: m.contactId!,
          address: m.address,
          state: m.state,
          reason: m.reason,
          encoding: m.encoding,
          segments: m.segments,
          priceKopecks: m.priceKopecks,
          text: m.body,
        });
      }
      if (m.state !== 'queued') {
        excluded++;
        const reason = (m.reason ?? 'excluded').split(':')[0]!;
        excludedByReason[reason] = (excludedByReason[reason] ?? 0) + 1;
        continue;
      }
      messages++;
      cost += m.priceKopecks;
      total += m.segments;
      min = Math.min(min, m.segments);
      max = Math.max(max, m.segments);
    }
  }
  cost += cascade.costKopecks;
  const balance = await getBalance(db, orgId);
  const primary = campaign.mode === 'economy' ? await primaryGateway(db, orgId, campaign.channel) : undefined;
  const plan = primary
    ? await planEconomy(db, org, campaign, await economyCapacity(db, org, primary.id), messages, now)
    : null;
  return {
    ok: true,
    estimate: {
      campaignId,
      channel: campaign.channel,
      messages,
      excluded,
      segments: {
        total,
        min: messages ? min : 0,
        max,
        average: messages ? Math.round((total / messages) * 100) / 100 : 0,
      },
      costKopecks: cost,
      balance,
      fits: cost <= balance.availableKopecks,
      excludedByReason,
      recipients,
      cascade,
      plan,
    },
  };
}
