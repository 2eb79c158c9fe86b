/**
 * The few HTML pages people see without signing in (a document link that no longer works, the
 * unsubscribe confirmation): in Russian, self-contained, no scripts, nothing loaded from elsewhere.
 */
import type { FastifyReply } from 'fastify';

export const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** `body` is HTML the caller built with escapeHtml around anything not its own. */
export function sendPage(reply: FastifyReply, status: number, title: string, body: string) {
  return (
    reply
      .status(status)
      .header('content-type', 'text/html; charset=utf-8')
      .header(
        'content-security-policy',
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'",
      )
      // The token is in the address: never hand it on as a referrer, never index or cache the page.
      .header('referrer-policy', 'no-referrer')
      .header('x-robots-tag', 'noindex')
      .header('cache-control', 'no-store')
      .header('x-content-type-options', 'nosniff')
      .send(`<!doctype html>
<html lang="ru"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)}</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:36rem;margin:3rem auto;padding:0 1rem;color:#222}
h1{font-size:1.4rem}button{font:inherit;padding:.5rem 1.2rem;cursor:pointer}.muted{color:#666}</style>
</head><body><h1>${escapeHtml(title)}</h1>
${body}
</body></html>
`)
  );
}

/** «iv***@mail.ru», «+7912***89»: enough to recognise one's own address, not to harvest it. */
export function maskAddress(address: string): string {
  const at = address.indexOf('@');
  if (at > 0) return `${address.slice(0, Math.min(2, at))}***${address.slice(at)}`;
  return address.length > 6 ? `${address.slice(0, 5)}***${address.slice(-2)}` : '***';
}
