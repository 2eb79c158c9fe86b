/**
 * An emulated SMS provider on HTTP, run as its own process (`vestnik sandbox`) or inside a test: what
 * the `sandbox-http` gateway talks to. It behaves like a real aggregator — latency, 5xx, throttling,
 * answers lost after the message was accepted, permanent rejections, delivery reports after a delay —
 * and it counts every submission by the client's reference, so tests and benchmarks can see exactly
 * what reached "the operator": lost messages and duplicates.
 *
 *   POST /v1/send     {"messages": [{"ref": "42", "to": "+7…", "text": "…", "sender": null}]}
 *                     → 200 {"results": [{"ref": "42", "id": "p-1"} | {"ref", "error", "permanent"}]}
 *                     → 429 {"error": "throttled", "retryAfterMs": N} · 503 on an injected failure
 *   GET  /v1/status?id=p-1&id=p-2 → {"statuses": [{"id", "status": "submitted|delivered|undelivered|unknown"}]}
 *   GET  /v1/stats    → {"requests", "received", "unique", "duplicates"}
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ProviderBehaviour {
  latencyMs: number;
  deliveryDelayMs: number;
  /** Share of send requests answered 503 before anything is accepted. */
  failRate: number;
  /** Share of send requests answered 429 (nothing accepted). */
  throttleRate: number;
  /** Share of send requests whose messages are accepted but whose answer never comes (a timeout). */
  lostAnswerRate: number;
  /** Share of messages rejected for good (a bad number). */
  rejectRate: number;
  undeliveredRate: number;
}

export const DEFAULT_BEHAVIOUR: ProviderBehaviour = {
  latencyMs: 0,
  deliveryDelayMs: 200,
  failRate: 0,
  throttleRate: 0,
  lostAnswerRate: 0,
  rejectRate: 0,
  undeliveredRate: 0,
};

type Outcome = 'accepted' | 'rejected' | 'lost';

interface Record_ {
  final: 'delivered' | 'undelivered';
  at: number;
}

export interface SandboxProvider {
  url: string;
  behaviour: ProviderBehaviour;
  stats(): { requests: number; received: number; unique: number; duplicates: number };
  /** How many times each reference was received. */
  receivedByRef(): Map<string, number>;
  /**
   * What the client was told about each reference, in order: 'accepted' or 'rejected', or 'lost'
   * when the provider acted on it but the answer never reached the client.
   */
  outcomesByRef(): Map<string, Outcome[]>;
  /** When each message arrived (ms since the epoch), in arrival order. */
  arrivals(): number[];
  close(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// Events rather than `for await`: the async iterator costs several times the CPU per request, and
// this process shares the machine with the workers it is measured against.
function readJson(req: http.IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      text += c;
    });
    req.on('end', () => {
      try {
        resolve(JSON.parse(text || '{}'));
      } catch (err) {
        reject(err);
      }
    });
    req.on('error', reject);
  });
}

export async function startSandboxProvider(
  behaviour: Partial<ProviderBehaviour> = {},
  listen: { host?: string; port?: number } = {},
  random: () => number = Math.random,
): Promise<SandboxProvider> {
  const b: ProviderBehaviour = { ...DEFAULT_BEHAVIOUR, ...behaviour };
  // Provider ids are `p-N`: record N lives at index N − 1 (compact for millions of messages).
  const records: Record_[] = [];
  const byRef = new Map<string, number>();
  const outcomes = new Map<string, Outcome[]>();
  const note = (ref: string, o: Outcome) => {
    const seen = outcomes.get(ref);
    if (seen) seen.push(o);
    else outcomes.set(ref, [o]);
  };
  let requests = 0;
  let received = 0;
  const arrivals: number[] = [];
  let nextId = 1;

  const server = http.createServer(async (req, res) => {
    const reply = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    try {
      const [pathname, query] = (req.url ?? '/').split('?', 2) as [string, string | undefined];
      if (req.method === 'POST' && pathname === '/v1/send') {
        requests++;
        const body = (await readJson(req)) as { messages?: { ref: string; to: string; text: string }[] };
        if (!Array.isArray(body.messages)) return reply(400, { error: 'messages must be an array' });
        if (b.latencyMs) await sleep(b.latencyMs);
        if (random() < b.failRate) return reply(503, { error: 'temporarily unavailable' });
        if (random() < b.throttleRate) return reply(429, { error: 'throttled', retryAfterMs: 200 });
        const results = body.messages.map((m) => {
          received++;
          arrivals.push(Date.now());
          byRef.set(m.ref, (byRef.get(m.ref) ?? 0) + 1);
          if (random() < b.rejectRate) {
            return { ref: m.ref, error: 'invalid number', permanent: true };
          }
          const id = `p-${nextId++}`;
          records.push({
            final: random() < b.undeliveredRate ? 'undelivered' : 'delivered',
            at: Date.now() + b.deliveryDelayMs,
          });
          return { ref: m.ref, id };
        });
        // Accepted, but the answer is lost on the way back: the client times out.
        const lost = random() < b.lostAnswerRate;
        for (const r of results) note(r.ref, lost ? 'lost' : 'id' in r ? 'accepted' : 'rejected');
        if (lost) {
          req.socket.destroy();
          return;
        }
        return reply(200, { results });
      }
      if (req.method === 'GET' && pathname === '/v1/status') {
        const now = Date.now();
        const statuses = new URLSearchParams(query ?? '').getAll('id').map((id) => {
          const r = /^p-\d+$/.test(id) ? records[Number(id.slice(2)) - 1] : undefined;
          return { id, status: !r ? 'unknown' : now >= r.at ? r.final : 'submitted' };
        });
        return reply(200, { statuses });
      }
      if (req.method === 'GET' && pathname === '/v1/stats') {
        let duplicates = 0;
        for (const n of byRef.values()) duplicates += n - 1;
        return reply(200, { requests, received, unique: byRef.size, duplicates });
      }
      reply(404, { error: 'no such endpoint' });
    } catch (err) {
      reply(400, { error: (err as Error).message });
    }
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(listen.port ?? 0, listen.host ?? '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${listen.host ?? '127.0.0.1'}:${port}`,
    behaviour: b,
    stats() {
      let duplicates = 0;
      for (const n of byRef.values()) duplicates += n - 1;
      return { requests, received, unique: byRef.size, duplicates };
    },
    receivedByRef: () => byRef,
    outcomesByRef: () => outcomes,
    arrivals: () => arrivals,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
