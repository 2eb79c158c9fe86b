/**
 * A launched SMS campaign to `n` generated contacts, sent through the emulated HTTP provider at
 * `providerUrl` (a `sandbox-http` gateway made the organisation's primary one), with the balance to
 * pay for it: the common start of the fault, limit, crash and restart tests.
 */
import { type LaunchResult, launchCampaign } from '../../src/dispatch/launch.ts';
import { insertCampaign } from '../../src/store/campaigns.ts';
import type { Db } from '../../src/store/db.ts';
import { insertGateway } from '../../src/store/gateways.ts';
import { topUp } from '../../src/store/ledger.ts';
import { createOrg } from '../../src/store/orgs.ts';

export interface ProviderCampaign {
  orgId: number;
  campaignId: number;
  launch: LaunchResult;
}

export async function launchThroughProvider(
  db: Db,
  o: {
    n: number;
    providerUrl: string;
    /** An existing organisation (with its own balance); otherwise a new one named so, paid for. */
    orgId?: number;
    orgName?: string;
    gatewaySettings?: Record<string, unknown>;
    ratePerSecond?: number;
  },
): Promise<ProviderCampaign> {
  let orgId = o.orgId;
  if (orgId === undefined) {
    orgId = (await createOrg(db, o.orgName ?? 'Провайдер')).id;
    await db.transaction((tx) => topUp(tx, orgId!, o.n * 30, 'test', 'test'));
  }
  const gw = await insertGateway(db, orgId, {
    name: 'provider',
    kind: 'sandbox-http',
    channel: 'sms',
    priority: -1,
    settings: { url: o.providerUrl, ...o.gatewaySettings },
    ratePerSecond: o.ratePerSecond ?? null,
  });
  if (gw === 'name_taken') throw new Error('the organisation has a gateway named provider already');
  await db.query(
    `INSERT INTO contacts (org_id, first_name, phone)
     SELECT $1, 'C', '+7912' || lpad(g::text, 7, '0') FROM generate_series(1, $2) g`,
    [orgId, o.n],
  );
  const campaign = await insertCampaign(
    db,
    orgId,
    {
      name: 'through the provider',
      channel: 'sms',
      textTemplate: 'Water off tomorrow 10-14',
      audience: { kind: 'all' },
    },
    'test',
  );
  return { orgId, campaignId: campaign.id, launch: await launchCampaign(db, orgId, campaign.id, 'test') };
}
