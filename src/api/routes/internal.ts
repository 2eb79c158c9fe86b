/**
 * The command line's way into a running server on the embedded database: a command sent here runs
 * inside the server against its database. Only from this machine, and only with the token the
 * server wrote into its lock file (readable by the user who runs it).
 */
import crypto from 'node:crypto';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { bufferIO } from '../../cli/io.ts';
import { LOCAL_ONLY, runProgram } from '../../cli/program.ts';
import { ApiError } from '../errors.ts';
import type { App, ServerDeps } from '../server.ts';

const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** Only this machine, and only with the server's token (compared in constant time). */
export function assertLocalCaller(req: FastifyRequest, expected: Buffer): void {
  const token = Buffer.from(String(req.headers['x-vestnik-local-token'] ?? ''));
  if (
    !LOOPBACK.has(req.socket.remoteAddress ?? '') ||
    token.length !== expected.length ||
    !crypto.timingSafeEqual(token, expected)
  ) {
    throw new ApiError(403, 'forbidden', 'local commands only, with the server token');
  }
}

export const internalRoutes =
  (deps: ServerDeps): FastifyPluginAsync =>
  async (fastify) => {
    const app = fastify as unknown as App;
    const expected = Buffer.from(deps.localToken!);
    app.post(
      '/internal/cli',
      {
        config: { permission: 'public' },
        // Room for the files a command carries (cli/files.ts MAX_SENT_BYTES, as base64, and the JSON around it).
        bodyLimit: 150 * 1024 * 1024,
        schema: {
          hide: true,
          body: Type.Object({
            argv: Type.Array(Type.String({ maxLength: 100_000 }), { maxItems: 200 }),
            files: Type.Optional(
              Type.Array(Type.Object({ path: Type.String({ maxLength: 4096 }), data: Type.String() }), {
                maxItems: 100_000,
              }),
            ),
          }),
        },
      },
      async (req) => {
        assertLocalCaller(req, expected);
        const command = req.body.argv.find((a) => !a.startsWith('-'));
        if (command && LOCAL_ONLY.has(command) && command !== 'migrate') {
          throw new ApiError(409, 'conflict', `\`vestnik ${command}\` cannot run inside the running server`);
        }
        const io = bufferIO();
        const exitCode = await runProgram(
          {
            config: deps.config,
            io,
            serverDb: deps.db,
            wake: () => deps.dispatcher?.wake(),
            ...(req.body.files ? { sentFiles: req.body.files } : {}),
          },
          req.body.argv,
        );
        return { exitCode, stdout: io.stdout, stderr: io.stderr };
      },
    );
  };
