/**
 * Live gateway instances by gateway id, built from their rows on first use and kept while their
 * configuration is unchanged, so a worker does not reconnect (SMPP binds, SMTP pools) for every
 * batch; the row is read again every `ttlMs`, so settings edited in the database take effect within
 * that time (the instance is then rebuilt and the old one closed).
 *
 * Reports a gateway receives on its own connection (`Gateway.onReports`, SMPP receipts) are written
 * here, by whichever pool holds the instance: the SMSC may send them on any bind, at any time, also
 * long after the last message went out — so not from the worker's send or poll rounds.
 */

import { gatewaySecretContext, SecretBox } from '../core/secrets.ts';
import type { Gateway, GatewayContext, GatewayFactory, StatusReport } from '../providers/provider.ts';
import { GATEWAY_KINDS } from '../providers/registry.ts';
import { receiveInbound } from '../services/inbound.ts';
import { completeFinishedCampaigns } from '../store/campaigns.ts';
import type { Db } from '../store/db.ts';
import {
  enabledGatewaysOfKinds,
  fallbackGateways,
  type GatewayRow,
  getGatewayById,
} from '../store/gateways.ts';
import { applyStatusUpdates } from '../store/queue.ts';
import { ReportBatcher } from './reportBatcher.ts';

/** Kinds whose delivery reports arrive on their own connection (Gateway.onReports). */
const LISTENING_KINDS = ['smpp'];

interface Entry {
  gateway: Gateway;
  ratePerSecond: number | null;
  /** The organisation's other gateways for the channel, by priority: where to fail over. */
  fallbacks: number[];
  loadedAt: number;
  /** What the instance was built from: the same again keeps it. */
  built: string;
}

export class GatewayPool {
  private readonly entries = new Map<number, Entry>();

  constructor(
    private readonly db: Db,
    private readonly publicUrl: string,
    private readonly ttlMs = 30_000,
    /** Opens the gateways' sealed credentials; the configured key (SecretBox.fromKey(config.secretKey)). */
    private readonly secrets: SecretBox = SecretBox.fromKey(undefined),
  ) {}

  /** A pool on the configuration's public address and secret key. */
  static forConfig(db: Db, config: { publicUrl: string; secretKey: Buffer | undefined }): GatewayPool {
    return new GatewayPool(db, config.publicUrl, undefined, SecretBox.fromKey(config.secretKey));
  }

  async get(gatewayId: number): Promise<Gateway> {
    return (await this.entry(gatewayId)).gateway;
  }

  /** Other enabled gateways of the same organisation and channel, by priority (SD-8 fail-over). */
  async fallbacksOf(gatewayId: number): Promise<number[]> {
    return (await this.entry(gatewayId)).fallbacks;
  }

  /** The gateway's shared rate limit (messages per second), or null. */
  async rateOf(gatewayId: number): Promise<number | null> {
    return (await this.entry(gatewayId)).ratePerSecond;
  }

  private async entry(gatewayId: number): Promise<Entry> {
    const cached = this.entries.get(gatewayId);
    if (cached && Date.now() - cached.loadedAt < this.ttlMs) return cached;
    const row = await getGatewayById(this.db, gatewayId);
    if (!row) throw new Error(`gateway ${gatewayId} does not exist`);
    const factory = GATEWAY_KINDS[row.kind];
    if (!factory)
      throw new Error(`gateway ${row.name} has kind \`${row.kind}\`, which this version does not know`);
    const ctx: GatewayContext = {
      gatewayId: row.id,
      channel: row.channel,
      settings: row.settings,
      callbackUrl: `${this.publicUrl}/api/v1/callbacks/${row.id}`,
      callbackSecret: row.callbackSecret,
    };
    // The sealed credentials are compared, and opened only to build: into the factory's settings,
    // never logged, never kept beside the row.
    const built = JSON.stringify([row.kind, ctx, row.secrets]);
    const fallbacks = await fallbackGateways(this.db, gatewayId);
    const keep = cached && cached.built === built ? cached.gateway : null;
    const gateway = keep ?? this.build(row, ctx, factory);
    if (!keep) {
      gateway.onReports?.((reports) => this.applyReports(row.id, reports));
      gateway.onInbound?.((messages) => receiveInbound(this.db, row.id, messages).then(() => undefined));
      if (cached) await cached.gateway.close?.();
    }
    const entry = { gateway, ratePerSecond: row.ratePerSecond, fallbacks, loadedAt: Date.now(), built };
    this.entries.set(gatewayId, entry);
    return entry;
  }

  /**
   * Builds every enabled gateway whose reports come on its own connection, so that it listens from
   * the process's start — not only from its next send, which after a restart may be hours away
   * while the SMSC holds the receipts of messages sent before. One that cannot be built is skipped:
   * sending through it says why.
   */
  async openListening(): Promise<void> {
    for (const id of await enabledGatewaysOfKinds(this.db, LISTENING_KINDS))
      await this.get(id).catch(() => undefined);
  }

  /**
   * A gateway from its row. Credentials that do not open (this process has another key than the one
   * that sealed them) give a gateway whose every send is retryable with the reason, rather than an
   * error that would reject the messages for good: its breaker opens, the messages fail over or wait,
   * and they go once the key is right or the credentials are set again.
   */
  private build(row: GatewayRow, ctx: GatewayContext, factory: GatewayFactory): Gateway {
    if (!row.secrets) return factory(ctx);
    let secrets: Record<string, string>;
    try {
      secrets = this.secrets.open(row.secrets, gatewaySecretContext(row.id));
    } catch (err) {
      const reason =
        `the credentials of gateway «${row.name}» do not open: ${(err as Error).message}; start Vestnik ` +
        'with the VESTNIK_SECRET_KEY that sealed them, or set them again (vestnik gateway set)';
      return {
        kind: row.kind,
        channel: row.channel,
        capabilities: { batchSize: 500, callbacks: false, polling: false, statusDeadlineSeconds: 86_400 },
        send: async (batch) =>
          batch.map((m) => ({ id: m.id, kind: 'retryable', rawStatus: 'CREDENTIALS', reason })),
      };
    }
    return factory({ ...ctx, settings: { ...ctx.settings, ...secrets } });
  }

  /**
   * Writes reports pushed by a gateway, those arriving together in one write (ReportBatcher); a
   * rejection makes the gateway ask for them again later.
   */
  private applyReports(gatewayId: number, reports: StatusReport[]): Promise<void> {
    return this.reports.receive(gatewayId, reports);
  }

  private readonly reports = new ReportBatcher(async (gatewayId, reports) => {
    const applied = await applyStatusUpdates(this.db, gatewayId, reports);
    if (applied.campaigns.length) await completeFinishedCampaigns(this.db, applied.campaigns);
  });

  async close(): Promise<void> {
    for (const e of this.entries.values()) await e.gateway.close?.();
    this.entries.clear();
  }
}
