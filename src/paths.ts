/**
 * The project's root directory, found from wherever this code runs: the sources (`src/…`) or the
 * compiled bundle (`dist/cli/…`, scripts/build.js), which sit at different depths. Files shipped
 * beside the code — package.json, the migrations, the built web interface — are found from here.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

function findRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'src', 'store')))
      return dir;
    if (path.dirname(dir) === dir) throw new Error(`the Vestnik project directory is not above ${from}`);
  }
}

export const ROOT = findRoot(path.dirname(fileURLToPath(import.meta.url)));
