#!/usr/bin/env node
// `npm test`: lint and format check (Biome), strict type check, then the whole suite on PGlite and on
// PostgreSQL (VESTNIK_TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/test).
// Ends with one line `N passed, N failed[, N skipped]` summed over both runs.
//
//   npm test                      everything
//   npm test -- test/unit         only files under these paths
//   VESTNIK_TEST_DB=pglite npm test   one engine only (pglite | postgres)
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const args = process.argv.slice(2);
const pgUrl = process.env.VESTNIK_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

function run(cmd, cmdArgs, env = {}) {
  const r = spawnSync(cmd, cmdArgs, {
    cwd: root,
    stdio: ['ignore', 'pipe', 'inherit'],
    // Organisations the tests create send around the clock; the window's own tests set theirs.
    env: {
      VESTNIK_DEFAULT_WINDOW: '00:00-24:00',
      VESTNIK_MODERATION_DEFAULT: 'none',
      // The test servers (sandbox-http, SMPP, SMTP, Kannel) listen on loopback; gateways may reach them.
      VESTNIK_GATEWAY_PRIVATE_HOSTS: '127.0.0.0/8,::1',
      ...process.env,
      ...env,
    },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  process.stdout.write(r.stdout ?? '');
  return r;
}

function testFiles(roots) {
  const out = [];
  const walk = (p) => {
    const st = fs.statSync(p);
    if (st.isDirectory()) for (const f of fs.readdirSync(p).sort()) walk(path.join(p, f));
    else if (/\.test\.ts$/.test(p)) out.push(path.relative(root, p));
  };
  for (const r of roots) walk(path.resolve(root, r));
  return out;
}

async function postgresReachable() {
  const c = new pg.Client({ connectionString: pgUrl, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.end();
    return true;
  } catch (err) {
    return err.message;
  }
}

let ok = true;
if (args.length === 0) {
  console.log('── biome check (lint + format)');
  ok = run('npx', ['biome', 'check', '.']).status === 0 && ok;
  console.log('── tsc --noEmit (strict)');
  ok = run('npx', ['tsc', '--noEmit']).status === 0 && ok;
  console.log('── tsc --noEmit -p web (strict, the web interface)');
  ok = run('npx', ['tsc', '--noEmit', '-p', 'web']).status === 0 && ok;
}
// The browser tests drive the interface `vestnik serve` serves: build it from the sources first.
console.log('── vite build (the web interface)');
ok = run('npx', ['vite', 'build', '--config', 'web/vite.config.ts', '--logLevel', 'warn']).status === 0 && ok;
// Processes the tests start (`vestnik serve`, `vestnik worker`, the CLI) run what users run: the bundle.
console.log('── esbuild (the server, dist/)');
ok = run(process.execPath, ['scripts/build.js']).status === 0 && ok;

const files = testFiles(args.length ? args : ['test']);
const engines = process.env.VESTNIK_TEST_DB ? [process.env.VESTNIK_TEST_DB] : ['pglite', 'postgres'];
const total = { passed: 0, failed: 0, skipped: 0 };
for (const engine of engines) {
  if (engine === 'postgres') {
    const reachable = await postgresReachable();
    if (reachable !== true) {
      console.log(`── PostgreSQL at ${pgUrl} is not reachable (${reachable})`);
      ok = false;
      total.failed++;
      continue;
    }
  }
  // Files named *.serial.test.ts disturb the machine (they restart PostgreSQL): they run after the
  // others, one at a time.
  const phases = [
    { files: files.filter((f) => !f.endsWith('.serial.test.ts')), concurrency: 2 },
    { files: files.filter((f) => f.endsWith('.serial.test.ts')), concurrency: 1 },
  ];
  for (const phase of phases) {
    if (phase.files.length === 0) continue;
    console.log(
      `── ${phase.files.length} test files on ${engine}${phase.concurrency === 1 ? ', one at a time' : ''}`,
    );
    const r = run(
      process.execPath,
      [
        '--import',
        'tsx',
        '--test',
        `--test-concurrency=${phase.concurrency}`,
        '--test-reporter=spec',
        ...phase.files,
      ],
      { VESTNIK_TEST_DB: engine, VESTNIK_TEST_DATABASE_URL: pgUrl },
    );
    const count = (label) => Number(new RegExp(`^ℹ ${label} (\\d+)$`, 'm').exec(r.stdout ?? '')?.[1] ?? 0);
    const passed = count('pass');
    const failed = count('fail') + count('cancelled');
    const skipped = count('skipped') + count('todo');
    total.passed += passed;
    total.failed += failed;
    total.skipped += skipped;
    if (r.status !== 0 || failed > 0) ok = false;
    if (r.status !== 0 && failed === 0) total.failed++; // the runner itself failed: count it
  }
}
const skipped = total.skipped ? `, ${total.skipped} skipped` : '';
console.log(`${total.passed} passed, ${total.failed} failed${skipped}`);
process.exit(ok && total.failed === 0 ? 0 : 1);
