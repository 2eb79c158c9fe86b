/** Health and the OpenAPI document. */
import type { FastifyPluginAsync } from 'fastify';
import type { App, ServerDeps } from '../server.ts';

export const systemRoutes =
  (deps: ServerDeps): FastifyPluginAsync =>
  async (fastify) => {
    const app = fastify as unknown as App;
    app.get('/healthz', { config: { permission: 'public' }, schema: { hide: true } }, async (_req, reply) => {
      try {
        await deps.db.query('SELECT 1');
        return { status: 'ok', database: deps.db.kind, version: deps.version };
      } catch (err) {
        return reply
          .status(503)
          .send({ status: 'unavailable', database: deps.db.kind, error: (err as Error).message });
      }
    });
    app.get('/api/openapi.json', { config: { permission: 'public' }, schema: { hide: true } }, async () =>
      app.swagger(),
    );
  };
