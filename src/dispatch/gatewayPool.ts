/**
 * Live gateway instances by gateway id, built from their rows on first use and kept for a while,
 * so a worker does not reconnect (SMPP binds, SMTP pools) for every batch, and settings edited in
 * the database take effect within `ttlMs`.
 */

import type { Gateway } from '../providers/provider.ts';
import { GATEWAY_KINDS } from '../providers/registry.ts';
import type { Db } from '../store/db.ts';
import { fallbackGateways, getGatewayById } from '../store/gateways.ts';

interface Entry {
  gateway: Gateway;
  ratePerSecond: number | null;
  /** The organisation's other gateways for the channel, by priority: where to fail over. */
  fallbacks: number[];
  loadedAt: number;
}

export class GatewayPool {
  private readonly entries = new Map<number, Entry>();

  constructor(
    private readonly db: Db,
    private readonly publicUrl: string,
    private readonly ttlMs = 30_000,
  ) {}

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
    const gateway = factory({
      gatewayId: row.id,
      channel: row.channel,
      settings: row.settings,
      callbackUrl: `${this.publicUrl}/api/v1/callbacks/${row.id}`,
      callbackSecret: row.callbackSecret,
    });
    if (cached) await cached.gateway.close?.();
    const fallbacks = await fallbackGateways(this.db, gatewayId);
    const entry = { gateway, ratePerSecond: row.ratePerSecond, fallbacks, loadedAt: Date.now() };
    this.entries.set(gatewayId, entry);
    return entry;
  }

  async close(): Promise<void> {
    for (const e of this.entries.values()) await e.gateway.close?.();
    this.entries.clear();
  }
}
