#!/usr/bin/env node
// Runs the compiled server (dist/, scripts/build.js) when it is newer than every source file, and the
// TypeScript sources through tsx otherwise, so an edit is never run stale
// (docs/decisions/0002-run-typescript-with-tsx.md, 0014-compiled-server.md).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

/** The newest modification time under `dir` (ms), or Infinity if it cannot be read. */
function newest(dir) {
  let latest = 0;
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    latest = Math.max(latest, e.isDirectory() ? newest(p) : fs.statSync(p).mtimeMs);
  }
  return latest;
}

function bundleIsFresh() {
  if (process.env.VESTNIK_FROM_SOURCE === '1') return false;
  try {
    return fs.statSync(path.join(root, 'dist', 'BUILT')).mtimeMs > newest(path.join(root, 'src'));
  } catch {
    return false;
  }
}

if (bundleIsFresh()) {
  await import('../dist/cli/main.js');
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
