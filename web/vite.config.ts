// The web interface is built into static files (web/dist) that `vestnik serve` serves at /.
// `npm start` builds it first; in development `npx vite --config web/vite.config.ts` serves the sources
// and proxies the API to VESTNIK_API (default http://127.0.0.1:8080, where `vestnik serve` listens).
import path from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

const here = path.dirname(new URL(import.meta.url).pathname);

export default defineConfig({
  root: here,
  plugins: [react()],
  build: { outDir: path.join(here, 'dist'), emptyOutDir: true, chunkSizeWarningLimit: 1000 },
  server: { proxy: { '/api': process.env.VESTNIK_API ?? 'http://127.0.0.1:8080' } },
});
