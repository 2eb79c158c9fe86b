/**
 * A whole API server in the test's process, on a fresh database (see db.ts), with one organisation
 * and an owner key; `call` sends a request with that key (or another) through Fastify's inject.
 */
import assert from 'node:assert/strict';
import { after } from 'node:test';
import { buildServer } from '../../src/api/server.ts';
import { type Config, loadConfig } from '../../src/config.ts';
import { GatewayPool } from '../../src/dispatch/gatewayPool.ts';
import { createApiKey } from '../../src/services/accounts.ts';
import type { Db } from '../../src/store/db.ts';
import { topUp } from '../../src/store/ledger.ts';
import { createOrg } from '../../src/store/orgs.ts';
import { openTestDb } from './db.ts';

export interface TestOrg {
  id: number;
  /** An owner's API key. */
  key: string;
}

export interface Response<T = any> {
  status: number;
  body: T;
  text: string;
  headers: Record<string, unknown>;
}

export interface TestApi {
  db: Db;
  config: Config;
  org: TestOrg;
  app: Awaited<ReturnType<typeof buildServer>>;
  gateways: GatewayPool;
  /** Another organisation with its own owner key and (unless 0) a balance of 1,000,000 roubles. */
  addOrg(name: string, balanceKopecks?: number): Promise<TestOrg>;
  /** Signs in with a password: the session cookie (as a Cookie header) and the CSRF token. */
  signIn(email: string, password: string): Promise<{ cookie: string; csrf: string }>;
  call<T = any>(
    method: string,
    url: string,
    body?: unknown,
    opts?: { key?: string | null; headers?: Record<string, string> },
  ): Promise<Response<T>>;
}

export async function createTestApi(): Promise<TestApi> {
  const { db } = await openTestDb();
  const config = loadConfig({ VESTNIK_DEMO: '0', PORT: '0' });
  const gateways = new GatewayPool(db, config.publicUrl);
  const app = await buildServer({ db, config, gateways, version: 'test' });
  await app.ready();
  after(async () => {
    await app.close();
    await gateways.close();
  });
  const addOrg = async (name: string, balanceKopecks = 1_000_000_00): Promise<TestOrg> => {
    const org = await createOrg(db, name);
    if (balanceKopecks > 0) await db.transaction((tx) => topUp(tx, org.id, balanceKopecks, 'test', 'test'));
    const k = await createApiKey(db, { orgId: org.id, name: 'test', role: 'owner', createdBy: null });
    if (!k.ok) throw new Error(k.problem.message);
    return { id: org.id, key: k.value.secret };
  };
  const org = await addOrg('Тестовая организация');
  const testApi: TestApi = {
    db,
    config,
    org,
    app,
    gateways,
    addOrg,
    async signIn(email, password) {
      const r = await testApi.call('POST', '/api/v1/auth/login', { email, password }, { key: null });
      assert.equal(r.status, 200, r.text);
      const h = r.headers['set-cookie'];
      const cookies = h === undefined ? [] : Array.isArray(h) ? h.map(String) : [String(h)];
      const session = cookies.find((c) => c.startsWith('vestnik_session='));
      assert.ok(session, 'a vestnik_session cookie is set');
      return { cookie: session.split(';')[0]!, csrf: r.body.csrfToken };
    },
    async call(method, url, body, opts = {}) {
      const key = opts.key === undefined ? org.key : opts.key;
      const res = await app.inject({
        method: method as 'GET',
        url,
        headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...(opts.headers ?? {}) },
        ...(body !== undefined ? { payload: body as object } : {}),
      });
      let parsed: unknown;
      try {
        parsed = res.body ? JSON.parse(res.body) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: res.statusCode, body: parsed as any, text: res.body, headers: res.headers };
    },
  };
  return testApi;
}
