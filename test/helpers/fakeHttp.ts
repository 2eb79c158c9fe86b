/**
 * A provider's HTTP server for gateway tests: listens on 127.0.0.1 at a free port, records every
 * request exactly (method, path, query, body, headers) and answers with whatever the test sets next —
 * a status and body, or silence (to test a timeout after the request went out).
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Recorded {
  method: string;
  /** The request target exactly as sent (path and raw query). */
  rawUrl: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The body as a form (application/x-www-form-urlencoded). */
  form: URLSearchParams;
}

export type Reply = { status: number; body: string; headers?: Record<string, string> } | 'silence';

export interface FakeProvider {
  url: string;
  requests: Recorded[];
  /** Answers the next requests in order; then `fallback`. */
  replies: Reply[];
  fallback: Reply | ((r: Recorded) => Reply);
  close(): Promise<void>;
}

export async function startFakeProvider(fallback: FakeProvider['fallback']): Promise<FakeProvider> {
  const hanging = new Set<http.ServerResponse>();
  const fake: FakeProvider = {
    url: '',
    requests: [],
    replies: [],
    fallback,
    close: async () => {
      for (const res of hanging) res.destroy();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const u = new URL(req.url ?? '/', 'http://x');
      const body = Buffer.concat(chunks).toString('utf8');
      const rec: Recorded = {
        method: req.method ?? '',
        rawUrl: req.url ?? '',
        path: u.pathname,
        query: u.searchParams,
        headers: req.headers,
        body,
        form: new URLSearchParams(body),
      };
      fake.requests.push(rec);
      const next = fake.replies.shift() ?? fake.fallback;
      const reply = typeof next === 'function' ? next(rec) : next;
      if (reply === 'silence') {
        hanging.add(res);
        return;
      }
      res.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
      res.end(reply.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return fake;
}
