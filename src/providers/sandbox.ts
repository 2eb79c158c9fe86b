/**
 * The sandbox gateway (PR-1), the default for every channel: it behaves like a provider without
 * sending anything. It accepts, assigns ids, and after `deliveryDelayMs` reports each message
 * delivered or, for a configured share, undelivered; a configured share is rejected at once.
 * Reports come by polling (`status`) or, with `callbacks: true`, by a signed HTTP callback instead;
 * with `reportBeforeAnswer` too, the callback is made and answered before the send returns — the
 * fast operator whose receipt overtakes the answer to the submit (issue 19's race, on purpose).
 *
 * The provider's side lives in this process (`SANDBOX_STATE`), as a real provider's would live on
 * its servers: a restart forgets it, and polls of forgotten ids answer «unknown».
 */
import crypto from 'node:crypto';
import type { MessageState } from '../core/states.ts';
import {
  type CallbackRequest,
  type CallbackResult,
  type Gateway,
  type GatewayContext,
  GatewaySettingsError,
  type OutgoingMessage,
  type SendOutcome,
  type StatusReport,
} from './provider.ts';

export interface SandboxSettings {
  /** Delay before the delivery report, ms. */
  deliveryDelayMs: number;
  /** Time a send call takes, ms. */
  latencyMs: number;
  /** Share rejected at submit, permanently (0..1). */
  rejectRate: number;
  /** Share of accepted messages reported undelivered (0..1). */
  undeliveredRate: number;
  /** Share of sends failing with a retryable error (0..1). */
  failRate: number;
  /** Send delivery reports to the callback URL as well. */
  callbacks: boolean;
  /** With callbacks: post each report, and wait for its answer, before answering the send. */
  reportBeforeAnswer: boolean;
  statusDeadlineSeconds: number;
  /** Report this cost per accepted message, in kopecks, as gateways that bill per message do (-1: none). */
  costKopecks: number;
}

const DEFAULTS: SandboxSettings = {
  deliveryDelayMs: 1000,
  latencyMs: 0,
  rejectRate: 0,
  undeliveredRate: 0,
  failRate: 0,
  callbacks: false,
  reportBeforeAnswer: false,
  statusDeadlineSeconds: 3600,
  costKopecks: -1,
};

export function sandboxSettings(raw: Record<string, unknown>): SandboxSettings {
  const out = { ...DEFAULTS };
  for (const [key, value] of Object.entries(raw)) {
    if (!Object.hasOwn(DEFAULTS, key))
      throw new GatewaySettingsError(key, `unknown sandbox setting \`${key}\``);
    const k = key as keyof SandboxSettings;
    if (k === 'callbacks' || k === 'reportBeforeAnswer') {
      if (typeof value !== 'boolean') throw new GatewaySettingsError(key, `${key} must be true or false`);
      out[k] = value;
      continue;
    }
    if (k === 'costKopecks') {
      if (!Number.isInteger(value) || (value as number) < -1)
        throw new GatewaySettingsError(key, 'costKopecks must be a whole number ≥ 0 (or -1 for none)');
      out.costKopecks = value as number;
      continue;
    }
    const isRate = k.endsWith('Rate');
    if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || (isRate && value > 1)) {
      throw new GatewaySettingsError(key, `${key} must be a number ${isRate ? 'from 0 to 1' : '≥ 0'}`);
    }
    out[k] = value;
  }
  return out;
}

interface SandboxRecord {
  state: MessageState;
  final: MessageState;
  reportAt: number;
}

/** The simulated provider's memory, per gateway id. */
const SANDBOX_STATE = new Map<number, Map<string, SandboxRecord>>();

const SIGNATURE_HEADER = 'x-sandbox-signature';

export function signSandboxBody(secret: string, body: string): string {
  return crypto.createHmac('sha256', secret).update(body).digest('hex');
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createSandboxGateway(ctx: GatewayContext): Gateway {
  const s = sandboxSettings(ctx.settings);
  const records = SANDBOX_STATE.get(ctx.gatewayId) ?? new Map<string, SandboxRecord>();
  SANDBOX_STATE.set(ctx.gatewayId, records);
  const timers = new Set<NodeJS.Timeout>();

  const postReport = (providerId: string, rec: SandboxRecord): Promise<unknown> => {
    const body = JSON.stringify({ id: providerId, status: rec.final, at: new Date().toISOString() });
    return fetch(ctx.callbackUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        [SIGNATURE_HEADER]: signSandboxBody(ctx.callbackSecret, body),
      },
      body,
    }).catch(() => {
      // A provider whose callback fails does not retry here; polling is the fallback.
    });
  };

  return {
    kind: 'sandbox',
    channel: ctx.channel,
    capabilities: {
      batchSize: 100,
      callbacks: s.callbacks,
      polling: !s.callbacks,
      statusDeadlineSeconds: s.statusDeadlineSeconds,
    },

    async send(batch: OutgoingMessage[]): Promise<SendOutcome[]> {
      if (s.latencyMs > 0) await sleep(s.latencyMs);
      const early: Promise<unknown>[] = [];
      const outcomes = batch.map((m): SendOutcome => {
        if (Math.random() < s.failRate)
          return { id: m.id, kind: 'retryable', rawStatus: '503', reason: 'sandbox: temporary failure' };
        if (Math.random() < s.rejectRate)
          return { id: m.id, kind: 'permanent', rawStatus: 'REJECTED', reason: 'sandbox: rejected' };
        const providerId = `sbx-${crypto.randomUUID()}`;
        const final: MessageState = Math.random() < s.undeliveredRate ? 'undelivered' : 'delivered';
        const rec: SandboxRecord = { state: 'submitted', final, reportAt: Date.now() + s.deliveryDelayMs };
        records.set(providerId, rec);
        if (s.callbacks && s.reportBeforeAnswer) early.push(postReport(providerId, rec));
        else if (s.callbacks) {
          const t = setTimeout(() => {
            timers.delete(t);
            postReport(providerId, rec);
          }, s.deliveryDelayMs);
          t.unref();
          timers.add(t);
        }
        return {
          id: m.id,
          kind: 'accepted',
          providerId,
          rawStatus: 'ACCEPTED',
          ...(s.costKopecks >= 0 ? { costKopecks: s.costKopecks } : {}),
        };
      });
      await Promise.all(early);
      return outcomes;
    },

    async status(providerIds: string[]): Promise<StatusReport[]> {
      const now = Date.now();
      return providerIds.map((providerId) => {
        const rec = records.get(providerId);
        if (!rec) return { providerId, state: 'unknown', rawStatus: 'NOT_FOUND' };
        const state = now >= rec.reportAt ? rec.final : rec.state;
        return { providerId, state, rawStatus: state.toUpperCase() };
      });
    },

    parseCallback(req: CallbackRequest): CallbackResult {
      const signature = req.headers[SIGNATURE_HEADER];
      const expected = Buffer.from(signSandboxBody(ctx.callbackSecret, req.rawBody));
      // Compare byte lengths: a non-ASCII header of the right character count made timingSafeEqual throw.
      const given = typeof signature === 'string' ? Buffer.from(signature) : undefined;
      if (!given || given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) {
        return { ok: false, reason: 'bad or missing signature' };
      }
      const body = req.body as { id?: unknown; status?: unknown };
      if (typeof body?.id !== 'string' || (body.status !== 'delivered' && body.status !== 'undelivered')) {
        return { ok: false, reason: 'body must be {"id": string, "status": "delivered" | "undelivered"}' };
      }
      return {
        ok: true,
        reports: [{ providerId: body.id, state: body.status, rawStatus: body.status.toUpperCase() }],
      };
    },

    async close() {
      for (const t of timers) clearTimeout(t);
      timers.clear();
    },
  };
}
