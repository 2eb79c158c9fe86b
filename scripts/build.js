#!/usr/bin/env node
// `npm run build:server`: compiles the server's TypeScript into dist/cli/ with esbuild, so a running
// process carries no TypeScript loader (measured: a `vestnik worker` at rest used 170 MB through tsx
// and 110 MB from the bundle). Dynamic imports stay separate chunks: a worker still loads only what
// sending needs. bin/vestnik.js runs the bundle when it is newer than every source file, else the
// sources through tsx (docs/decisions/0014-compiled-server.md).
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
const out = path.join(root, 'dist', 'cli');
fs.rmSync(path.join(root, 'dist'), { recursive: true, force: true });
await build({
  entryPoints: [path.join(root, 'src', 'cli', 'main.ts')],
  outdir: out,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  logLevel: 'warning',
});
// Written last: bin/vestnik.js trusts the bundle only when this stamp is newer than the sources.
fs.writeFileSync(path.join(root, 'dist', 'BUILT'), `${new Date().toISOString()}\n`);
