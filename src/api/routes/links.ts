/**
 * The public links (no sign-in; the signed token is the permission): GET /d/:token serves a
 * document (`%kvit`), GET /u/:token shows the unsubscribe confirmation, POST /u/:token unsubscribes
 * (RFC 8058 one-click: `List-Unsubscribe=One-Click`, form-encoded or multipart). Outside /api/v1 and
 * hidden from the API document: they are for people and mail clients, not programs.
 */
import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import { contentDisposition, opensInline } from '../../core/documents/files.ts';
import { MAX_TOKEN_LENGTH } from '../../core/signing.ts';
import { openDocumentLink } from '../../services/documents.ts';
import { resolveUnsubscribe, unsubscribeByToken } from '../../services/unsubscribe.ts';
import { escapeHtml, maskAddress, sendPage } from '../pages.ts';
import type { App, ServerDeps } from '../server.ts';

const TokenParams = Type.Object({ token: Type.String({ maxLength: MAX_TOKEN_LENGTH }) });

const CHANNEL_RU = { email: 'электронную почту', sms: 'телефон (SMS)', messenger: 'мессенджер' } as const;

const INVALID =
  '<p>Ссылка недействительна. Проверьте, что она скопирована полностью, или обратитесь в организацию, которая её прислала.</p>';

export const publicLinkRoutes =
  (deps: ServerDeps): FastifyPluginAsync =>
  async (fastify) => {
    const app = fastify as unknown as App;
    const { db } = deps;
    const config = { permission: 'public' as const };

    // RFC 8058 allows multipart/form-data too; only the one field matters, so the text is enough.
    app.addContentTypeParser(
      'multipart/form-data',
      { parseAs: 'string', bodyLimit: 64 * 1024 },
      (_req, body, done) => {
        const oneClick = /name="List-Unsubscribe"\r?\n\r?\n\s*One-Click\s*\r?\n/i.test(body as string);
        done(null, oneClick ? { 'List-Unsubscribe': 'One-Click' } : {});
      },
    );

    app.get('/d/:token', { config, schema: { hide: true, params: TokenParams } }, async (req, reply) => {
      const r = await openDocumentLink(db, req.params.token, new Date());
      if (!r.ok) {
        if (r.reason === 'invalid') return sendPage(reply, 404, 'Документ не найден', INVALID);
        return sendPage(
          reply,
          410,
          r.reason === 'expired' ? 'Срок действия ссылки истёк' : 'Документ больше не доступен',
          r.reason === 'expired'
            ? '<p>Эта ссылка на документ больше не действует. Запросите актуальную квитанцию в организации, которая её прислала.</p>'
            : '<p>Документ по этой ссылке удалён. Запросите актуальную квитанцию в организации, которая её прислала.</p>',
        );
      }
      const d = r.document;
      return (
        reply
          .header('content-type', d.contentType)
          .header('content-length', String(r.content.byteLength))
          .header('content-disposition', contentDisposition(d.fileName, opensInline(d.contentType)))
          // A stored file is never run in this site's origin, whatever it claims to be.
          .header(
            'content-security-policy',
            "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:",
          )
          .header('x-content-type-options', 'nosniff')
          .header('referrer-policy', 'no-referrer')
          .header('x-robots-tag', 'noindex')
          .header('cache-control', 'private, no-store')
          .header('etag', `"${d.sha256}"`)
          .send(r.content)
      );
    });

    app.get('/u/:token', { config, schema: { hide: true, params: TokenParams } }, async (req, reply) => {
      // Only a page: mail scanners open links, and they must not unsubscribe anyone.
      const r = await resolveUnsubscribe(db, req.params.token, new Date());
      if (!r.ok) return invalidUnsubscribe(reply, r.status);
      const t = r.target;
      return sendPage(
        reply,
        200,
        'Отписаться от рассылки',
        `<p>Вы больше не будете получать сообщения${t.orgName ? ` от «${escapeHtml(t.orgName)}»` : ''} на ${
          CHANNEL_RU[t.channel]
        } <b>${escapeHtml(maskAddress(t.address))}</b>.</p>
<form method="post" action="${escapeHtml(req.params.token)}">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">Отписаться</button>
</form>
<p class="muted">Если вы попали сюда случайно, просто закройте страницу — ничего не изменится.</p>`,
      );
    });

    app.post(
      '/u/:token',
      {
        config,
        schema: { hide: true, params: TokenParams },
      },
      async (req, reply) => {
        const body = req.body as Record<string, unknown> | undefined;
        if (body?.['List-Unsubscribe'] !== 'One-Click') {
          return sendPage(
            reply,
            400,
            'Запрос не понят',
            '<p>Для отписки отправьте форму со страницы отписки (поле <code>List-Unsubscribe=One-Click</code>).</p>',
          );
        }
        const r = await unsubscribeByToken(db, req.params.token, new Date());
        if (!r.ok) return invalidUnsubscribe(reply, r.status);
        const t = r.target;
        return sendPage(
          reply,
          200,
          'Вы отписаны',
          `<p>Адрес <b>${escapeHtml(maskAddress(t.address))}</b> исключён из рассылок${
            t.orgName ? ` «${escapeHtml(t.orgName)}»` : ''
          }. Сообщения, которые ещё не отправлены, на него не уйдут.</p>`,
        );
      },
    );
  };

function invalidUnsubscribe(reply: Parameters<typeof sendPage>[0], status: 404 | 410) {
  return status === 410
    ? sendPage(
        reply,
        410,
        'Срок действия ссылки истёк',
        '<p>Эта ссылка для отписки больше не действует. Воспользуйтесь ссылкой из более нового письма или обратитесь в организацию, которая его прислала.</p>',
      )
    : sendPage(reply, 404, 'Ссылка недействительна', INVALID);
}
