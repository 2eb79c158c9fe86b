/**
 * Documents per object (issue 5 item 6) through the API: upload a file as the raw request body,
 * list an object's documents, fetch one's bytes or its signed public link, delete one; and the
 * helper of seed 003's bulk upload — which object each file is for, by the number in its name.
 */
import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import { contentDisposition, DOCUMENT_KIND, MAX_DOCUMENT_BYTES } from '../../core/documents/files.ts';
import { matchFilesToObjects, RECEIPT, signedDocumentUrl, uploadDocument } from '../../services/documents.ts';
import {
  deleteDocument,
  getDocument,
  getDocumentContent,
  listDocumentsOfObject,
  objectExists,
} from '../../store/documents.ts';
import { OBJECT_KINDS } from '../../store/objects.ts';
import { getLinkSecret } from '../../store/orgs.ts';
import { who } from '../auth.ts';
import { invalid, notFound } from '../errors.ts';
import { DateTime, errorResponses, Id, IdParams, Nullable, StringEnum } from '../schemas.ts';
import type { App, ServerDeps } from '../server.ts';

const Kind = Type.String({ pattern: DOCUMENT_KIND.source, description: 'e.g. receipt (the default)' });

const Document = Type.Object({
  id: Id,
  objectId: Id,
  kind: Type.String(),
  fileName: Type.String(),
  contentType: Type.String(),
  sizeBytes: Type.Integer(),
  sha256: Type.String(),
  createdBy: Type.String(),
  uploadedAt: DateTime,
});

const Match = Type.Object({
  file: Type.String(),
  objectId: Nullable(Id),
  number: Type.Optional(Type.String({ description: 'the number of the object it is for' })),
  reason: Type.Optional(
    StringEnum(
      ['no_number', 'ambiguous', 'duplicate'],
      'why it is for no object: no object number found in the name, several, or another file names the same object',
    ),
  ),
  numbers: Type.Optional(Type.Array(Type.String())),
});

export const documentRoutes =
  (deps: ServerDeps): FastifyPluginAsync =>
  async (fastify) => {
    const app = fastify as unknown as App;
    const { db, config } = deps;
    const tags = ['documents'];

    // The upload's body is the file itself, whatever its type: its own context keeps the raw bytes
    // without changing how the rest of the API parses JSON.
    await app.register(async (raw) => {
      raw.removeAllContentTypeParsers();
      raw.addContentTypeParser(
        '*',
        { parseAs: 'buffer', bodyLimit: MAX_DOCUMENT_BYTES },
        (_req, body, done) => done(null, body),
      );
      (raw as unknown as App).post(
        '/api/v1/objects/:id/documents',
        {
          config: { permission: 'contacts.write' },
          bodyLimit: MAX_DOCUMENT_BYTES,
          schema: {
            tags,
            summary:
              'Upload a document of the object: the file as the request body (any Content-Type), its name and kind in the query. ' +
              'A new version; the same bytes again are the same document',
            params: IdParams,
            querystring: Type.Object({
              fileName: Type.String({ minLength: 1, maxLength: 255, description: 'e.g. Квитанция 17.pdf' }),
              kind: Type.Optional(Kind),
            }),
            response: {
              201: Type.Object({ document: Document, created: Type.Boolean() }),
              200: Type.Object({ document: Document, created: Type.Boolean() }),
              ...errorResponses,
            },
          },
        },
        async (req, reply) => {
          const p = who(req);
          // The object first: another organisation's id is 404 whatever the body.
          if (!(await objectExists(db, p.orgId, req.params.id))) throw notFound(`object ${req.params.id}`);
          const body = req.body;
          const content = Buffer.isBuffer(body) ? body : Buffer.alloc(0);
          const r = await uploadDocument(db, p.orgId, {
            objectId: req.params.id,
            kind: req.query.kind ?? RECEIPT,
            fileName: req.query.fileName,
            contentType: req.headers['content-type'],
            content,
            by: p.initiator,
          });
          if (!r.ok) {
            if ('notFound' in r) throw notFound(`object ${req.params.id}`);
            throw invalid([r.problem]);
          }
          return reply.status(r.created ? 201 : 200).send({ document: r.document, created: r.created });
        },
      );
    });

    app.get(
      '/api/v1/objects/:id/documents',
      {
        schema: {
          tags,
          summary: "The object's documents, newest first",
          params: IdParams,
          querystring: Type.Object({ kind: Type.Optional(Kind) }),
          response: { 200: Type.Object({ items: Type.Array(Document) }), ...errorResponses },
        },
      },
      async (req) => {
        const orgId = who(req).orgId;
        if (!(await objectExists(db, orgId, req.params.id))) throw notFound(`object ${req.params.id}`);
        return { items: await listDocumentsOfObject(db, orgId, req.params.id, req.query.kind) };
      },
    );

    app.get(
      '/api/v1/documents/:id',
      {
        schema: {
          tags,
          summary: `A document, with a signed public link to it (valid ${config.linkDays} days, VESTNIK_LINK_DAYS)`,
          params: IdParams,
          response: {
            200: Type.Object({
              ...Document.properties,
              url: Type.String({ description: 'the public link' }),
            }),
            ...errorResponses,
          },
        },
      },
      async (req) => {
        const orgId = who(req).orgId;
        const d = await getDocument(db, orgId, req.params.id);
        if (!d) throw notFound(`document ${req.params.id}`);
        const secret = (await getLinkSecret(db, orgId))!;
        return { ...d, url: signedDocumentUrl(secret, config, orgId, d.id, new Date()) };
      },
    );

    app.get(
      '/api/v1/documents/:id/content',
      {
        schema: {
          tags,
          summary: "The document's bytes, with its content type and file name",
          params: IdParams,
          response: errorResponses,
        },
      },
      async (req, reply) => {
        const found = await getDocumentContent(db, who(req).orgId, req.params.id);
        if (!found) throw notFound(`document ${req.params.id}`);
        return (
          reply
            .header('content-type', found.document.contentType)
            .header('content-disposition', contentDisposition(found.document.fileName, false))
            .header('x-content-type-options', 'nosniff')
            // The schema names only the error bodies; the 200 is the file itself.
            .send(found.content as never)
        );
      },
    );

    app.delete(
      '/api/v1/documents/:id',
      {
        config: { permission: 'contacts.write' },
        schema: {
          tags,
          summary: 'Delete a document (its links answer 410 from then on)',
          params: IdParams,
          response: { 204: Type.Null(), ...errorResponses },
        },
      },
      async (req, reply) => {
        if (!(await deleteDocument(db, who(req).orgId, req.params.id)))
          throw notFound(`document ${req.params.id}`);
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/api/v1/documents/match',
      {
        schema: {
          tags,
          summary:
            'Which object each file is for, by the object number in its name (seed 003: one receipt per account); ' +
            'then upload each matched file to /objects/{objectId}/documents',
          body: Type.Object(
            {
              fileNames: Type.Array(Type.String({ minLength: 1, maxLength: 255 }), { maxItems: 10_000 }),
              objectKind: Type.Optional(StringEnum(OBJECT_KINDS, 'only objects of this kind')),
            },
            { additionalProperties: false },
          ),
          response: { 200: Type.Object({ items: Type.Array(Match) }), ...errorResponses },
        },
      },
      async (req) => ({
        items: await matchFilesToObjects(db, who(req).orgId, req.body.fileNames, req.body.objectKind),
      }),
    );
  };
