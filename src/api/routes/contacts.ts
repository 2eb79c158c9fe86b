/** Contacts, their objects and their message history (AU-1, AU-2, RP-3). */

import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import { type ContactInput, validateContact } from '../../core/contact.ts';
import {
  deleteContact,
  getContact,
  insertContact,
  listContacts,
  updateContact,
} from '../../store/contacts.ts';
import { listContactMessages } from '../../store/messages.ts';
import {
  deleteObject,
  insertObject,
  listObjectsOfContact,
  OBJECT_KINDS,
  updateObject,
} from '../../store/objects.ts';
import { who } from '../auth.ts';
import { ApiError, invalid, notFound } from '../errors.ts';
import {
  Contact,
  ContactObject,
  errorResponses,
  Id,
  IdParams,
  Message,
  Nullable,
  Page,
  StringEnum,
} from '../schemas.ts';
import type { App, ServerDeps } from '../server.ts';

const ContactBody = Type.Object(
  {
    externalId: Type.Optional(Nullable(Type.String({ maxLength: 200 }))),
    lastName: Type.Optional(Type.String({ maxLength: 100 })),
    firstName: Type.Optional(Type.String({ maxLength: 100 })),
    middleName: Type.Optional(Type.String({ maxLength: 100 })),
    phone: Type.Optional(
      Nullable(Type.String({ maxLength: 40, description: 'any usual form: 8 (912) 345-67-89, +7 912 …' })),
    ),
    email: Type.Optional(Nullable(Type.String({ maxLength: 254 }))),
    telegramChatId: Type.Optional(Nullable(Type.String({ maxLength: 30 }))),
    timeZone: Type.Optional(
      Nullable(Type.String({ maxLength: 64, description: 'IANA zone, e.g. Asia/Yekaterinburg' })),
    ),
    gender: Type.Optional(Nullable(StringEnum(['male', 'female'] as const))),
    birthDate: Type.Optional(Nullable(Type.String({ maxLength: 10, description: 'YYYY-MM-DD' }))),
    attributes: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    doNotMessage: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

const ObjectBody = Type.Object(
  {
    kind: StringEnum(OBJECT_KINDS),
    number: Type.String({ minLength: 1, maxLength: 100 }),
    chargesKopecks: Type.Optional(Type.Integer({ minimum: -1e12, maximum: 1e12 })),
    debtKopecks: Type.Optional(Type.Integer({ minimum: -1e12, maximum: 1e12 })),
    attributes: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
  },
  { additionalProperties: false },
);

const today = () => new Date().toISOString().slice(0, 10);

function validated(body: ContactInput): ContactInput {
  const r = validateContact(body, today());
  if (!r.ok) throw invalid(r.problems);
  return r.value;
}

const externalIdTaken = (value: unknown) =>
  new ApiError(409, 'conflict', 'another contact has this externalId', [
    { field: 'externalId', value, message: 'is taken' },
  ]);

export const contactRoutes =
  (deps: ServerDeps): FastifyPluginAsync =>
  async (fastify) => {
    const app = fastify as unknown as App;
    const { db } = deps;
    const tags = ['contacts'];

    app.get(
      '/api/v1/contacts',
      {
        schema: {
          tags,
          summary: 'List contacts in id order, a page at a time',
          querystring: Type.Object({
            after: Type.Optional(Type.Integer({ minimum: 0 })),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 1000 })),
            q: Type.Optional(
              Type.String({ maxLength: 200, description: 'search in names, phone, e-mail, external id' }),
            ),
          }),
          response: { 200: Page(Contact), ...errorResponses },
        },
      },
      async (req) => {
        const limit = req.query.limit ?? 100;
        const items = await listContacts(db, who(req).orgId, {
          afterId: req.query.after ?? 0,
          limit,
          search: req.query.q,
        });
        return { items, nextCursor: items.length === limit ? items[items.length - 1]!.id : null };
      },
    );

    app.post(
      '/api/v1/contacts',
      {
        config: { permission: 'contacts.write' },
        schema: {
          tags,
          summary: 'Add a contact',
          body: ContactBody,
          response: { 201: Contact, ...errorResponses, 409: errorResponses[400] },
        },
      },
      async (req, reply) => {
        const c = await insertContact(db, who(req).orgId, validated(req.body));
        if (c === 'external_id_taken') throw externalIdTaken(req.body.externalId);
        return reply.status(201).send(c);
      },
    );

    app.get(
      '/api/v1/contacts/:id',
      {
        schema: {
          tags,
          summary: 'One contact',
          params: IdParams,
          response: { 200: Contact, ...errorResponses },
        },
      },
      async (req) => {
        const c = await getContact(db, who(req).orgId, req.params.id);
        if (!c) throw notFound(`contact ${req.params.id}`);
        return c;
      },
    );

    app.patch(
      '/api/v1/contacts/:id',
      {
        config: { permission: 'contacts.write' },
        schema: {
          tags,
          summary: 'Change fields of a contact',
          params: IdParams,
          body: ContactBody,
          response: { 200: Contact, ...errorResponses, 409: errorResponses[400] },
        },
      },
      async (req) => {
        const r = await updateContact(db, who(req).orgId, req.params.id, validated(req.body));
        if (r === 'not_found') throw notFound(`contact ${req.params.id}`);
        if (r === 'external_id_taken') throw externalIdTaken(req.body.externalId);
        return r;
      },
    );

    app.delete(
      '/api/v1/contacts/:id',
      {
        config: { permission: 'contacts.write' },
        schema: {
          tags,
          summary: 'Delete a contact and its objects',
          params: IdParams,
          response: { 204: Type.Null(), ...errorResponses },
        },
      },
      async (req, reply) => {
        if (!(await deleteContact(db, who(req).orgId, req.params.id)))
          throw notFound(`contact ${req.params.id}`);
        return reply.status(204).send(null);
      },
    );

    app.get(
      '/api/v1/contacts/:id/messages',
      {
        schema: {
          tags,
          summary: "The contact's messages on every channel, newest first",
          params: IdParams,
          querystring: Type.Object({
            before: Type.Optional(Id),
            limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500 })),
          }),
          response: { 200: Page(Message), ...errorResponses },
        },
      },
      async (req) => {
        const orgId = who(req).orgId;
        if (!(await getContact(db, orgId, req.params.id))) throw notFound(`contact ${req.params.id}`);
        const limit = req.query.limit ?? 100;
        const items = await listContactMessages(db, orgId, req.params.id, {
          beforeId: req.query.before ?? Number.MAX_SAFE_INTEGER,
          limit,
        });
        return { items, nextCursor: items.length === limit ? items[items.length - 1]!.id : null };
      },
    );

    app.get(
      '/api/v1/contacts/:id/objects',
      {
        schema: {
          tags: ['objects'],
          summary: "The contact's plots, accounts, orders and loans",
          params: IdParams,
          response: { 200: Type.Object({ items: Type.Array(ContactObject) }), ...errorResponses },
        },
      },
      async (req) => {
        const orgId = who(req).orgId;
        if (!(await getContact(db, orgId, req.params.id))) throw notFound(`contact ${req.params.id}`);
        return { items: await listObjectsOfContact(db, orgId, req.params.id) };
      },
    );

    app.post(
      '/api/v1/contacts/:id/objects',
      {
        config: { permission: 'contacts.write' },
        schema: {
          tags: ['objects'],
          summary: 'Link an object to the contact',
          params: IdParams,
          body: ObjectBody,
          response: { 201: ContactObject, ...errorResponses, 409: errorResponses[400] },
        },
      },
      async (req, reply) => {
        const r = await insertObject(db, who(req).orgId, req.params.id, req.body);
        if (r === 'contact_not_found') throw notFound(`contact ${req.params.id}`);
        if (r === 'number_taken')
          throw new ApiError(
            409,
            'conflict',
            `a ${req.body.kind} numbered ${req.body.number} exists already`,
          );
        return reply.status(201).send(r);
      },
    );

    app.patch(
      '/api/v1/objects/:id',
      {
        config: { permission: 'contacts.write' },
        schema: {
          tags: ['objects'],
          summary: 'Change an object (number, amounts, attributes)',
          params: IdParams,
          // Partial and Omit drop `additionalProperties: false`; an unknown field must still be refused.
          body: Type.Partial(Type.Omit(ObjectBody, ['kind']), { additionalProperties: false }),
          response: { 200: ContactObject, ...errorResponses, 409: errorResponses[400] },
        },
      },
      async (req) => {
        const o = await updateObject(db, who(req).orgId, req.params.id, req.body);
        if (!o) throw notFound(`object ${req.params.id}`);
        if (o === 'number_taken')
          throw new ApiError(
            409,
            'conflict',
            `an object of this kind numbered ${req.body.number} exists already`,
          );
        return o;
      },
    );

    app.delete(
      '/api/v1/objects/:id',
      {
        config: { permission: 'contacts.write' },
        schema: {
          tags: ['objects'],
          summary: 'Delete an object',
          params: IdParams,
          response: { 204: Type.Null(), ...errorResponses },
        },
      },
      async (req, reply) => {
        if (!(await deleteObject(db, who(req).orgId, req.params.id)))
          throw notFound(`object ${req.params.id}`);
        return reply.status(204).send(null);
      },
    );
  };
