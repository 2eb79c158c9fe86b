#!/usr/bin/env node
// `npm run bench [-- NAME …]`: runs bench/NAME.ts (all of them when no name is given), each in its
// own process. Each benchmark prints figures for people and ends with one JSON line per figure:
// {"figure": "…", "value": N, "unit": "…"}.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const all = fs
  .readdirSync(path.join(root, 'bench'))
  .filter((f) => f.endsWith('.ts') && !f.startsWith('_'))
  .map((f) => f.slice(0, -3))
  .sort();
const wanted = process.argv.slice(2);
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length) {
  console.error(`no such benchmark: ${unknown.join(', ')} (there are: ${all.join(', ')})`);
  process.exit(2);
}
// The worker and provider processes a benchmark starts run the compiled server, as `npm start` does.
if (spawnSync(process.execPath, ['scripts/build.js'], { cwd: root, stdio: 'inherit' }).status !== 0)
  process.exit(1);
let failed = false;
for (const name of wanted.length ? wanted : all) {
  console.log(`── bench/${name}.ts`);
  const r = spawnSync(
    process.execPath,
    ['--import', 'tsx', '--expose-gc', path.join('bench', `${name}.ts`)],
    { cwd: root, stdio: 'inherit' },
  );
  if (r.status !== 0) failed = true;
}
process.exit(failed ? 1 : 0);
