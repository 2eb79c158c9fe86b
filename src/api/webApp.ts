/**
 * The web interface: the static files Vite built into web/dist, served at /, and index.html for any
 * other GET a browser makes outside /api (the interface routes itself: /campaigns/7, /contacts).
 * When the files were never built, such a request gets a page that says how to build them.
 */
import fs from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ROOT } from '../paths.ts';
import { sendPage } from './pages.ts';
import type { App } from './server.ts';

export const WEB_DIST = path.join(ROOT, 'web', 'dist');

// Everything the interface loads is its own; the API is called on the same origin.
const CSP =
  "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; connect-src 'self'; " +
  "frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

// Whether the files were there when the server started (sendFile exists only then).
let built = false;

export async function registerWebApp(app: App, dist = WEB_DIST): Promise<void> {
  built = fs.existsSync(path.join(dist, 'index.html'));
  if (built) {
    await app.register(fastifyStatic, {
      root: dist,
      prefix: '/',
      // Files are looked up per request: a rebuild while the server runs is served at once.
      wildcard: true,
      index: false,
      cacheControl: false,
      setHeaders: (res, file) => {
        res.raw.setHeader('content-security-policy', CSP);
        res.raw.setHeader('x-content-type-options', 'nosniff');
        // Hashed asset names never change content; index.html must be fetched fresh after an upgrade.
        res.raw.setHeader(
          'cache-control',
          file.includes(`${path.sep}assets${path.sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache',
        );
      },
    });
  }
  app.get('/', { config: { permission: 'public' }, schema: { hide: true } }, (_req, reply) =>
    sendIndex(reply),
  );
}

/** For the not-found handler: true when it answered with the interface. */
export function serveWebFallback(req: FastifyRequest, reply: FastifyReply): boolean {
  const url = req.url.split('?')[0] ?? '';
  if (req.method !== 'GET' || url.startsWith('/api') || !/text\/html/.test(req.headers.accept ?? ''))
    return false;
  void sendIndex(reply);
  return true;
}

function sendIndex(reply: FastifyReply) {
  if (!built) {
    return sendPage(
      reply,
      503,
      'Веб-интерфейс не собран',
      '<p>Соберите его командой <code>npm run build:web</code> (её выполняет <code>npm start</code>) и обновите страницу. API работает: <a href="/api/docs">/api/docs</a>.</p>',
    );
  }
  return reply
    .header('content-security-policy', CSP)
    .header('x-content-type-options', 'nosniff')
    .header('cache-control', 'no-cache')
    .sendFile('index.html');
}
