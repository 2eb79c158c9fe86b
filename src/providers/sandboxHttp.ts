/**
 * The `sandbox-http` gateway: talks over HTTP to the emulated provider of src/sandbox/provider.ts,
 * running as a separate process. Unlike the in-process sandbox it goes through a real network round
 * trip, keep-alive connections and real failures (timeouts, 5xx, 429), and the provider counts every
 * submission — what the fault tests and the dispatch benchmark need.
 *
 * Settings: `url` (required), `timeoutMs` (default 5000), `batch` (true: 100 messages a request;
 * false: one request per message), `statusDeadlineSeconds` (default 3600).
 */
import { type HttpAnswer, HttpClient, HttpTimeoutError } from './http.ts';
import {
  type Gateway,
  type GatewayContext,
  GatewaySettingsError,
  type OutgoingMessage,
  type SendOutcome,
  type StatusReport,
} from './provider.ts';

interface Settings {
  url: string;
  timeoutMs: number;
  batch: boolean;
  statusDeadlineSeconds: number;
}

function settings(raw: Record<string, unknown>): Settings {
  const url = raw.url;
  if (typeof url !== 'string' || !/^https?:\/\//.test(url))
    throw new GatewaySettingsError('url', 'url must be the provider address, http://host:port');
  const timeoutMs = raw.timeoutMs ?? 5000;
  if (typeof timeoutMs !== 'number' || !(timeoutMs > 0))
    throw new GatewaySettingsError('timeoutMs', 'timeoutMs must be a positive number');
  const deadline = raw.statusDeadlineSeconds ?? 3600;
  if (typeof deadline !== 'number' || !(deadline > 0))
    throw new GatewaySettingsError('statusDeadlineSeconds', 'statusDeadlineSeconds must be positive');
  return {
    url: url.replace(/\/+$/, ''),
    timeoutMs,
    batch: raw.batch !== false,
    statusDeadlineSeconds: deadline,
  };
}

type SendAnswer = {
  results: ({ ref: string; id: string } | { ref: string; error: string; permanent?: boolean })[];
};

/** A request's answer: the status and the whole body as text. */
export function createSandboxHttpGateway(ctx: GatewayContext): Gateway {
  const s = settings(ctx.settings);
  const client = new HttpClient(64);
  const request = (path: string, body?: string) =>
    client.request({
      method: body === undefined ? 'GET' : 'POST',
      url: `${s.url}${path}`,
      ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body }),
      timeoutMs: s.timeoutMs,
    });

  return {
    kind: 'sandbox-http',
    channel: ctx.channel,
    capabilities: {
      batchSize: s.batch ? 100 : 1,
      callbacks: false,
      polling: true,
      statusDeadlineSeconds: s.statusDeadlineSeconds,
    },

    async send(batch: OutgoingMessage[]): Promise<SendOutcome[]> {
      let res: HttpAnswer;
      try {
        res = await request(
          '/v1/send',
          JSON.stringify({
            messages: batch.map((m) => ({
              ref: String(m.id),
              to: m.address,
              text: m.body,
              sender: m.sender,
            })),
          }),
        );
      } catch (err) {
        // Sent but not answered: it may have been accepted. Retried as at-least-once allows.
        const reason = err instanceof HttpTimeoutError ? 'no answer in time' : (err as Error).message;
        return batch.map((m) => ({ id: m.id, kind: 'retryable', rawStatus: 'TIMEOUT', reason }));
      }
      const text = res.text;
      if (res.status === 429) {
        const retryAfterMs =
          Number((JSON.parse(text || '{}') as { retryAfterMs?: number }).retryAfterMs) || 1000;
        return batch.map((m) => ({
          id: m.id,
          kind: 'rate_limited',
          rawStatus: '429',
          reason: 'throttled by the provider',
          retryAfterMs,
        }));
      }
      if (res.status >= 500)
        return batch.map((m) => ({
          id: m.id,
          kind: 'retryable',
          rawStatus: String(res.status),
          reason: text.slice(0, 200),
        }));
      if (res.status !== 200)
        return batch.map((m) => ({
          id: m.id,
          kind: 'permanent',
          rawStatus: String(res.status),
          reason: text.slice(0, 200),
        }));
      let answer: SendAnswer;
      try {
        answer = JSON.parse(text) as SendAnswer;
      } catch {
        return batch.map((m) => ({
          id: m.id,
          kind: 'retryable',
          rawStatus: 'BAD_JSON',
          reason: 'the provider answered with malformed JSON',
        }));
      }
      const byRef = new Map(answer.results.map((r) => [r.ref, r]));
      return batch.map((m): SendOutcome => {
        const r = byRef.get(String(m.id));
        if (!r)
          return { id: m.id, kind: 'retryable', rawStatus: 'MISSING', reason: 'no result for this message' };
        if ('id' in r) return { id: m.id, kind: 'accepted', providerId: r.id, rawStatus: 'ACCEPTED' };
        return r.permanent
          ? { id: m.id, kind: 'permanent', rawStatus: 'REJECTED', reason: r.error }
          : { id: m.id, kind: 'retryable', rawStatus: 'ERROR', reason: r.error };
      });
    },

    // Only idle connections: a worker may still be sending through this instance when the pool
    // replaces it with one built from edited settings.
    async close() {
      client.close();
    },

    async status(providerIds: string[]): Promise<StatusReport[]> {
      const out: StatusReport[] = [];
      for (let i = 0; i < providerIds.length; i += 100) {
        const query = providerIds
          .slice(i, i + 100)
          .map((id) => `id=${encodeURIComponent(id)}`)
          .join('&');
        const res = await request(`/v1/status?${query}`);
        if (res.status !== 200) throw new Error(`status: HTTP ${res.status}`);
        const { statuses } = JSON.parse(res.text) as { statuses: { id: string; status: string }[] };
        for (const st of statuses) {
          const state =
            st.status === 'delivered' || st.status === 'undelivered' || st.status === 'unknown'
              ? st.status
              : 'submitted';
          out.push({ providerId: st.id, state, rawStatus: st.status.toUpperCase() });
        }
      }
      return out;
    },
  };
}
