/** Static lists and groups of contacts or objects (AU-3). */
import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import {
  addListMembers,
  deleteList,
  getList,
  insertList,
  listLists,
  listMemberIds,
  removeListMembers,
} from '../../store/lists.ts';
import { who } from '../auth.ts';
import { ApiError, notFound } from '../errors.ts';
import { DateTime, errorResponses, Id, IdParams, Nullable, StringEnum } from '../schemas.ts';
import type { App, ServerDeps } from '../server.ts';

const List = Type.Object(
  {
    id: Id,
    name: Type.String(),
    kind: StringEnum(['contacts', 'objects'] as const),
    size: Type.Integer({ description: 'members' }),
    createdAt: DateTime,
  },
  { $id: 'List' },
);

const Members = Type.Object(
  { ids: Type.Array(Id, { minItems: 1, maxItems: 100_000, description: 'contact or object ids' }) },
  { additionalProperties: false },
);

export const listRoutes =
  (deps: ServerDeps): FastifyPluginAsync =>
  async (fastify) => {
    const app = fastify as unknown as App;
    const { db } = deps;
    const tags = ['lists'];
    app.addSchema(List);
    const ListRef = Type.Unsafe<Type.Static<typeof List>>(Type.Ref('List'));

    const owned = async (orgId: number, id: number) => {
      const l = await getList(db, orgId, id);
      if (!l) throw notFound(`list ${id}`);
      return l;
    };

    app.get(
      '/api/v1/lists',
      {
        schema: {
          tags,
          summary: 'Lists and groups with their sizes',
          response: { 200: Type.Object({ items: Type.Array(ListRef) }), ...errorResponses },
        },
      },
      async (req) => ({ items: await listLists(db, who(req).orgId) }),
    );

    app.post(
      '/api/v1/lists',
      {
        config: { permission: 'contacts.write' },
        schema: {
          tags,
          summary: 'Create a list of contacts or of objects',
          body: Type.Object(
            {
              name: Type.String({ minLength: 1, maxLength: 200 }),
              kind: Type.Optional(StringEnum(['contacts', 'objects'] as const)),
            },
            { additionalProperties: false },
          ),
          response: { 201: ListRef, ...errorResponses, 409: errorResponses[400] },
        },
      },
      async (req, reply) => {
        const l = await insertList(db, who(req).orgId, {
          name: req.body.name,
          kind: req.body.kind ?? 'contacts',
        });
        if (l === 'name_taken')
          throw new ApiError(409, 'conflict', `a list named «${req.body.name}» exists already`, [
            { field: 'name', value: req.body.name, message: 'is taken' },
          ]);
        return reply.status(201).send(l);
      },
    );

    app.get(
      '/api/v1/lists/:id',
      {
        schema: {
          tags,
          summary: 'A list and a page of its member ids',
          params: IdParams,
          querystring: Type.Object({
            after: Type.Optional(Type.Integer({ minimum: 0 })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 10_000 })),
          }),
          response: {
            200: Type.Object({
              list: ListRef,
              members: Type.Array(Id),
              nextCursor: Nullable(Type.Integer()),
            }),
            ...errorResponses,
          },
        },
      },
      async (req) => {
        const orgId = who(req).orgId;
        const list = await owned(orgId, req.params.id);
        const limit = req.query.limit ?? 1000;
        const members = await listMemberIds(db, orgId, list, { after: req.query.after ?? 0, limit });
        return { list, members, nextCursor: members.length === limit ? members[members.length - 1]! : null };
      },
    );

    app.delete(
      '/api/v1/lists/:id',
      {
        config: { permission: 'contacts.write' },
        schema: {
          tags,
          summary: 'Delete a list (its members stay)',
          params: IdParams,
          response: { 204: Type.Null(), ...errorResponses },
        },
      },
      async (req, reply) => {
        if (!(await deleteList(db, who(req).orgId, req.params.id))) throw notFound(`list ${req.params.id}`);
        return reply.status(204).send(null);
      },
    );

    app.post(
      '/api/v1/lists/:id/members',
      {
        config: { permission: 'contacts.write' },
        schema: {
          tags,
          summary: 'Add contacts (or objects) to the list; ids that are not yours are named back',
          params: IdParams,
          body: Members,
          response: {
            200: Type.Object({ added: Type.Integer(), missing: Type.Array(Id), size: Type.Integer() }),
            ...errorResponses,
          },
        },
      },
      async (req) => {
        const orgId = who(req).orgId;
        const list = await owned(orgId, req.params.id);
        const r = await addListMembers(db, orgId, list, req.body.ids);
        return { ...r, size: (await getList(db, orgId, list.id))!.size };
      },
    );

    app.post(
      '/api/v1/lists/:id/members/remove',
      {
        config: { permission: 'contacts.write' },
        schema: {
          tags,
          summary: 'Remove members from the list',
          params: IdParams,
          body: Members,
          response: {
            200: Type.Object({ removed: Type.Integer(), size: Type.Integer() }),
            ...errorResponses,
          },
        },
      },
      async (req) => {
        const orgId = who(req).orgId;
        const list = await owned(orgId, req.params.id);
        const removed = await removeListMembers(db, orgId, list, req.body.ids);
        return { removed, size: (await getList(db, orgId, list.id))!.size };
      },
    );
  };
