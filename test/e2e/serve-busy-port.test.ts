/**
 * `vestnik serve` on a port another program holds: it says which address and why, exits non-zero
 * within a bounded time, and leaves nothing running or locked — the same data starts at once on a
 * free port (with the secret key the embedded database made for itself on the first start).
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { test } from 'node:test';
import { listenFailure } from '../../src/app.ts';
import { TEST_ENGINE } from '../helpers/db.ts';
import { runVestnik, startServer, vestnikEnv } from '../helpers/process.ts';

async function occupy(): Promise<{ port: number; close(): Promise<void> }> {
  const srv = net.createServer((s) => s.destroy());
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', resolve);
  });
  const { port } = srv.address() as net.AddressInfo;
  return { port, close: () => new Promise<void>((r) => srv.close(() => r())) };
}

test('a server whose port is taken says so, exits non-zero and releases the data', async () => {
  const env = await vestnikEnv({ VESTNIK_DEMO: '0', VESTNIK_WORKERS: '2' });
  const busy = await occupy();
  try {
    const started = Date.now();
    // runVestnik fails the test if the process is still running after 60 s.
    const r = await runVestnik(['serve'], { ...env, HOST: '127.0.0.1', PORT: String(busy.port) }, 60_000);
    assert.notEqual(r.code, 0, `exit code ${r.code}\n${r.stdout}\n${r.stderr}`);
    assert.match(r.stderr, new RegExp(`error: port ${busy.port} on 127\\.0\\.0\\.1 is in use`));
    assert.doesNotMatch(r.stderr, /dispatch:/, 'no worker ran on after the failure');
    assert.doesNotMatch(r.stdout, /Vestnik is listening/);
    assert.ok(Date.now() - started < 60_000);
  } finally {
    await busy.close();
  }
  if (TEST_ENGINE === 'pglite') {
    assert.equal(
      fs.existsSync(path.join(env.VESTNIK_DATA_DIR!, 'vestnik.lock')),
      false,
      'the lock is released',
    );
  }
  const server = await startServer(env);
  if (TEST_ENGINE === 'pglite') {
    // The embedded database's own secret key, made on first start (decision 0020).
    const keyFile = path.join(env.VESTNIK_DATA_DIR!, 'secret.key');
    assert.equal(fs.statSync(keyFile).mode & 0o777, 0o600);
    assert.match(fs.readFileSync(keyFile, 'utf8'), /^[0-9a-f]{64}\n$/);
    assert.doesNotMatch(server.output(), /development key/);
  }
  const health = await fetch(`${server.url}/healthz`).then((res) => res.json());
  assert.equal((health as { status: string }).status, 'ok');
  assert.equal(await server.stop(), 0);
});

test('a host that is not an address of this machine is named with the port', async () => {
  // 192.0.2.1 is TEST-NET-1: never an address of this machine; the error is the one listen gives.
  const srv = net.createServer();
  const err = await new Promise<Error>((resolve) => {
    srv.once('error', resolve);
    srv.listen(8080, '192.0.2.1', () => resolve(new Error('listened')));
  });
  srv.close();
  assert.equal(
    listenFailure('192.0.2.1', 8080, err).message,
    'port 8080 on 192.0.2.1 cannot be taken: 192.0.2.1 is not an address of this machine (HOST)',
  );
});
