/**
 * The HTTP server: Fastify with TypeBox-validated routes under /api/v1, the OpenAPI document built
 * from the same schemas at /api/openapi.json and its reference page at /api/docs.
 */
import cookie from '@fastify/cookie';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import type { Config } from '../config.ts';
import { FilterSchema } from '../core/audience/filter.ts';
import type { Dispatcher } from '../dispatch/dispatcher.ts';
import type { GatewayPool } from '../dispatch/gatewayPool.ts';
import type { Db } from '../store/db.ts';
import { registerAuth } from './auth.ts';
import { ApiError } from './errors.ts';
import { audienceRoutes } from './routes/audience.ts';
import { authRoutes } from './routes/auth.ts';
import { billingRoutes } from './routes/billing.ts';
import { campaignRoutes } from './routes/campaigns.ts';
import { consentRoutes } from './routes/consent.ts';
import { contactRoutes } from './routes/contacts.ts';
import { controlRoutes } from './routes/control.ts';
import { documentRoutes } from './routes/documents.ts';
import { gatewayRoutes } from './routes/gateways.ts';
import { importRoutes } from './routes/imports.ts';
import { internalRoutes } from './routes/internal.ts';
import { internalFileRoutes } from './routes/internalFiles.ts';
import { publicLinkRoutes } from './routes/links.ts';
import { listRoutes } from './routes/lists.ts';
import { messageRoutes } from './routes/messages.ts';
import { moderationRoutes } from './routes/moderation.ts';
import { moderationQueueRoutes } from './routes/moderationQueue.ts';
import { progressRoutes } from './routes/progress.ts';
import { receiptRoutes } from './routes/receipts.ts';
import { replyRoutes } from './routes/replies.ts';
import { systemRoutes } from './routes/system.ts';
import { templateRoutes } from './routes/templates.ts';
import { timingRoutes } from './routes/timing.ts';
import { userRoutes } from './routes/users.ts';
import { ErrorBody } from './schemas.ts';
import { registerWebApp, serveWebFallback } from './webApp.ts';

export interface ServerDeps {
  db: Db;
  config: Config;
  gateways: GatewayPool;
  dispatcher?: Dispatcher;
  /** Token for the command line's calls through the server (embedded database). */
  localToken?: string;
  logger?: FastifyBaseLogger | boolean;
  version: string;
}

export type App = FastifyInstance<
  import('node:http').Server,
  import('node:http').IncomingMessage,
  import('node:http').ServerResponse,
  FastifyBaseLogger,
  TypeBoxTypeProvider
>;

declare module 'fastify' {
  interface FastifyRequest {
    rawBody?: string;
  }
}

export async function buildServer(deps: ServerDeps): Promise<App> {
  const app = Fastify({
    logger: deps.logger ?? false,
    bodyLimit: 10 * 1024 * 1024,
    // Signed link tokens are path parameters (/d/:token, /u/:token); an unsubscribe token with
    // large ids and an expiry is longer than Fastify's default 100 characters.
    routerOptions: { maxParamLength: 1100 },
    ajv: { customOptions: { removeAdditional: false, coerceTypes: 'array', allErrors: true } },
  }).withTypeProvider<TypeBoxTypeProvider>() as unknown as App;

  // JSON bodies keep their raw text: gateway callbacks are signed over the exact bytes.
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (req, body, done) => {
    const text = body as string;
    req.rawBody = text;
    if (text.trim() === '') return done(null, {});
    try {
      done(null, JSON.parse(text));
    } catch (err) {
      done(new ApiError(400, 'bad_json', `the body is not valid JSON: ${(err as Error).message}`), undefined);
    }
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (req, body, done) => {
    req.rawBody = body as string;
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  app.setErrorHandler((err, req, reply) => {
    if (err instanceof ApiError) {
      return reply
        .status(err.status)
        .send({ error: { code: err.code, message: err.message, details: err.details } });
    }
    const e = err as {
      validation?: { instancePath: string; message?: string; params?: unknown }[];
      validationContext?: string;
      statusCode?: number;
      message: string;
    };
    if (e.validation) {
      const details = e.validation.map((v) => {
        // An unknown property is reported on its parent; name the property itself.
        const extra = (v.params as { additionalProperty?: string } | undefined)?.additionalProperty;
        return {
          field: `${e.validationContext ?? 'body'}${v.instancePath.replaceAll('/', '.')}${extra === undefined ? '' : `.${extra}`}`,
          message: v.message ?? 'is invalid',
          params: v.params,
        };
      });
      return reply.status(400).send({
        error: {
          code: 'validation_failed',
          message: details.map((d) => `${d.field} ${d.message}`).join('; '),
          details,
        },
      });
    }
    if (e.statusCode && e.statusCode < 500) {
      return reply.status(e.statusCode).send({ error: { code: 'bad_request', message: e.message } });
    }
    req.log.error(err);
    return reply
      .status(500)
      .send({ error: { code: 'internal', message: 'internal error; the server log has the details' } });
  });
  app.setNotFoundHandler((req, reply) => {
    if (serveWebFallback(req, reply)) return;
    reply
      .status(404)
      .send({ error: { code: 'not_found', message: `no route ${req.method} ${req.url.split('?')[0]}` } });
  });

  await app.register(cookie);
  app.addSchema(ErrorBody);
  app.addSchema(FilterSchema);
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'Vestnik API',
        version: deps.version,
        description:
          'Mass and transactional messaging by SMS, messengers and e-mail. Authenticate with `Authorization: Bearer <key>` ' +
          '(create a key with `vestnik key create`). Money is in kopecks; phones are E.164. Errors are ' +
          '`{"error": {"code", "message", "details"}}`.',
      },
      components: { securitySchemes: { apiKey: { type: 'http', scheme: 'bearer' } } },
      security: [{ apiKey: [] }],
    },
    refResolver: { buildLocalReference: (json, _base, _frag, i) => (json.$id as string) ?? `def-${i}` },
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs' });
  registerAuth(app, deps.db);

  await app.register(systemRoutes(deps));
  await app.register(authRoutes(deps));
  await app.register(userRoutes(deps));
  await app.register(contactRoutes(deps));
  await app.register(campaignRoutes(deps));
  await app.register(messageRoutes(deps));
  await app.register(receiptRoutes(deps));
  await app.register(gatewayRoutes(deps));
  await app.register(billingRoutes(deps));
  await app.register(audienceRoutes(deps));
  await app.register(listRoutes(deps));
  await app.register(consentRoutes(deps));
  await app.register(controlRoutes(deps));
  await app.register(templateRoutes(deps));
  await app.register(moderationRoutes(deps));
  await app.register(moderationQueueRoutes(deps));
  await app.register(importRoutes(deps));
  await app.register(documentRoutes(deps));
  await app.register(timingRoutes(deps));
  await app.register(progressRoutes(deps));
  await app.register(replyRoutes(deps));
  await app.register(publicLinkRoutes(deps));
  await registerWebApp(app);
  if (deps.localToken) await app.register(internalRoutes(deps));
  if (deps.localToken) await app.register(internalFileRoutes(deps));
  return app;
}
