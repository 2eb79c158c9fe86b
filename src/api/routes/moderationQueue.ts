/**
 * Moderation's queue (issue 18, MD-3, MD-4): what waits, approve, reject with a reason; and the
 * organisations' modes, which only instance staff change — an organisation's own admin cannot lower
 * its own moderation.
 */
import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import { can, moderationScope } from '../../core/roles.ts';
import { decide, queueView } from '../../services/moderation.ts';
import type { Db } from '../../store/db.ts';
import { insertAudit, isStaff, setOrgModeration } from '../../store/moderation.ts';
import { getOrg, MODERATION_MODES } from '../../store/orgs.ts';
import { type Principal, who } from '../auth.ts';
import { ApiError, notFound } from '../errors.ts';
import { errorResponses, Id, Nullable, StringEnum } from '../schemas.ts';
import type { App, ServerDeps } from '../server.ts';

const KINDS = ['campaign', 'message'] as const;
const OrgModeration = Type.Object({
  orgId: Id,
  mode: StringEnum(MODERATION_MODES, 'none: straight out; automatic: a stop-word waits; manual: all waits'),
  selfModeration: Type.Boolean({ description: 'its own moderators decide its queue' }),
});
const Decided = Type.Object({
  kind: StringEnum(KINDS),
  id: Id,
  decision: StringEnum(['approve', 'reject'] as const),
});

const Match = Type.Object({
  word: Type.String(),
  found: Type.String(),
  group: Type.String(),
  field: Type.String(),
  start: Type.Integer(),
  end: Type.Integer(),
});
const Queue = Type.Object({
  oldestSeconds: Type.Integer({ description: 'how long the oldest item has waited' }),
  slaMinutes: Type.Integer({ description: 'the instance’s SLA: past it the initiator is told' }),
  items: Type.Array(
    Type.Object({
      kind: StringEnum(KINDS),
      id: Id,
      org: Type.Object({ id: Id, name: Type.String() }),
      texts: Type.Unknown({ description: 'every channel’s text (a message: its body and subject)' }),
      sender: Nullable(Type.String()),
      audienceSize: Type.Integer({ description: 'messages written for it' }),
      matches: Type.Array(Match),
      ageSeconds: Type.Integer(),
      overdue: Type.Boolean(),
      initiator: Type.String(),
      preview: Nullable(
        Type.Object({ address: Type.String(), subject: Nullable(Type.String()), body: Type.String() }),
      ),
    }),
  ),
});

/** The organisation whose queue the caller decides, or null for every one (instance staff). */
async function scopeOf(db: Db, p: Principal): Promise<number | null> {
  const org = await getOrg(db, p.orgId);
  const scope = moderationScope({
    staff: await isStaff(db, p.userId),
    role: p.role,
    selfModeration: org?.selfModeration ?? false,
  });
  if (scope === 'all') return null;
  if (scope === 'own') return p.orgId;
  throw new ApiError(
    403,
    'not_moderator',
    can(p.role, 'moderate') && !org?.selfModeration
      ? `organisation ${p.orgId} is moderated by the instance's staff, not by its own moderators`
      : 'only instance staff and the organisation’s own moderators see the moderation queue',
  );
}

export const moderationQueueRoutes =
  (deps: ServerDeps): FastifyPluginAsync =>
  async (fastify) => {
    const app = fastify as unknown as App;
    const { db } = deps;

    app.get(
      '/api/v1/moderation/queue',
      {
        schema: {
          tags: ['moderation'],
          summary: 'What waits for a moderator, oldest first (staff: every organisation; else its own)',
          response: { 200: Queue, ...errorResponses },
        },
      },
      async (req) => queueView(db, await scopeOf(db, who(req))),
    );

    const decideRoute = (kind: 'campaign' | 'message', action: 'approve' | 'reject') =>
      app.post(
        `/api/v1/moderation/queue/${kind}s/:id/${action}`,
        {
          schema: {
            tags: ['moderation'],
            summary:
              action === 'approve'
                ? 'Approve: it goes on (the daytime window and schedule still apply)'
                : 'Reject with a reason: the reservation is released, the initiator sees why',
            params: Type.Object({ id: Id }),
            ...(action === 'reject'
              ? {
                  body: Type.Object(
                    { reason: Type.String({ maxLength: 1000 }) },
                    { additionalProperties: false },
                  ),
                }
              : {}),
            response: { 200: Decided, ...errorResponses },
          },
        },
        async (req) => {
          const p = who(req);
          const scope = await scopeOf(db, p);
          const { id } = req.params as { id: number };
          const reason = ((req.body as { reason?: string } | undefined)?.reason ?? '').trim();
          if (action === 'reject' && reason === '')
            throw new ApiError(
              400,
              'reason_required',
              'reason: a rejection needs a reason the sender will see',
            );
          const r = await decide(
            db,
            kind,
            id,
            action === 'approve' ? { action } : { action, reason },
            p.initiator,
            scope,
          );
          // Another organisation's item is as absent as a missing one to an organisation's moderator.
          if (r !== 'ok') throw notFound(`${kind} ${id} in the moderation queue`);
          if (action === 'approve') deps.dispatcher?.wake();
          return { kind, id, decision: action };
        },
      );
    for (const kind of KINDS) {
      decideRoute(kind, 'approve');
      decideRoute(kind, 'reject');
    }

    app.get(
      '/api/v1/moderation/mode',
      {
        schema: {
          tags: ['moderation'],
          summary: 'An organisation’s moderation mode (default: the caller’s; staff: any)',
          querystring: Type.Object({ orgId: Type.Optional(Id) }),
          response: { 200: OrgModeration, ...errorResponses },
        },
      },
      async (req) => {
        const p = who(req);
        const id = req.query.orgId ?? p.orgId;
        if (id !== p.orgId && !(await isStaff(db, p.userId))) throw notFound(`organisation ${id}`);
        const org = await getOrg(db, id);
        if (!org) throw notFound(`organisation ${id}`);
        return { orgId: org.id, mode: org.moderationMode, selfModeration: org.selfModeration };
      },
    );

    app.put(
      '/api/v1/moderation/mode',
      {
        schema: {
          tags: ['moderation'],
          summary: 'Set an organisation’s moderation mode (instance staff only)',
          body: Type.Object(
            {
              orgId: Id,
              mode: Type.Optional(StringEnum(MODERATION_MODES)),
              selfModeration: Type.Optional(Type.Boolean()),
            },
            { additionalProperties: false },
          ),
          response: { 200: OrgModeration, ...errorResponses },
        },
      },
      async (req) => {
        const p = who(req);
        const { orgId: id, ...change } = req.body;
        if (!(await isStaff(db, p.userId)))
          throw new ApiError(
            403,
            'staff_only',
            'only the instance’s staff change an organisation’s moderation; its own admins cannot',
          );
        const changed = await db.transaction(async (tx) => {
          if (!(await setOrgModeration(tx, id, change))) return false;
          await insertAudit(tx, {
            orgId: id,
            kind: 'org',
            refId: id,
            action: 'mode',
            reason: null,
            decidedBy: p.initiator,
            texts: change,
          });
          return true;
        });
        if (!changed) throw notFound(`organisation ${id}`);
        const org = (await getOrg(db, id))!;
        return { orgId: org.id, mode: org.moderationMode, selfModeration: org.selfModeration };
      },
    );
  };
