/**
 * The server's side of commands that carry a file (cli/remoteFiles.ts): the body is the file the
 * command line read, spooled under the data directory and handed to the command as its FILE; an
 * output file and the progress go back as JSON lines while the command runs. Local only, with the
 * server token, like /internal/cli.
 */
import fs from 'node:fs';
import { PassThrough, type Readable, Writable } from 'node:stream';
import type { FastifyPluginAsync } from 'fastify';
import type { CliIO } from '../../cli/io.ts';
import { runProgram } from '../../cli/program.ts';
import { fileCommand } from '../../cli/remoteFiles.ts';
import { spoolPath, spoolUpload } from '../../services/imports.ts';
import { ApiError } from '../errors.ts';
import type { App, ServerDeps } from '../server.ts';
import { assertLocalCaller } from './internal.ts';

export const internalFileRoutes =
  (deps: ServerDeps): FastifyPluginAsync =>
  async (fastify) => {
    const app = fastify as unknown as App;
    const expected = Buffer.from(deps.localToken!);
    app.addContentTypeParser('application/octet-stream', (_req, payload, done) => done(null, payload));
    app.post(
      '/internal/cli/files',
      { config: { permission: 'public' }, schema: { hide: true } },
      async (req, reply) => {
        assertLocalCaller(req, expected);
        let argv: string[];
        try {
          argv = JSON.parse(
            Buffer.from(String(req.headers['x-vestnik-argv'] ?? ''), 'base64').toString('utf8'),
          );
          if (!Array.isArray(argv) || argv.some((a) => typeof a !== 'string')) throw new Error('not a list');
        } catch {
          throw new ApiError(400, 'bad_request', 'x-vestnik-argv must be base64 of a JSON list of strings');
        }
        if (!fileCommand(argv))
          throw new ApiError(400, 'bad_request', 'only contacts import and export carry files');
        const body = req.body as Readable | undefined;
        const spooled =
          body && typeof body.pipe === 'function'
            ? spoolPath(deps.config.dataDir, (await spoolUpload(deps.config.dataDir, body)).name)
            : null;

        const stream = new PassThrough();
        const send = (event: object, done?: () => void) => {
          if (stream.write(`${JSON.stringify(event)}\n`) || !done) done?.();
          else stream.once('drain', done);
        };
        const io: CliIO = {
          interactive: false,
          out: (t) => send({ out: t.endsWith('\n') ? t : `${t}\n` }),
          err: (t) => send({ err: t.endsWith('\n') ? t : `${t}\n` }),
        };
        const run = runProgram(
          {
            config: deps.config,
            io,
            serverDb: deps.db,
            wake: () => deps.dispatcher?.wake(),
            ...(spooled ? { inputFile: () => spooled } : {}),
            outputFile: () =>
              new Writable({
                write(chunk: Buffer, _enc, done) {
                  send({ data: chunk.toString('base64') }, () => done());
                },
              }),
            progress: { tty: req.headers['x-vestnik-tty'] === '1', write: (t) => send({ progress: t }) },
          },
          argv,
        );
        run
          .then((exit) => send({ exit }))
          .catch((err) => send({ err: `error: ${(err as Error).message}\n`, exit: 1 }))
          .finally(() => {
            stream.end();
            if (spooled) fs.rmSync(spooled, { force: true });
          });
        return reply.type('application/x-ndjson').send(stream);
      },
    );
  };
