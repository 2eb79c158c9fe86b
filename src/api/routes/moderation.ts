/**
 * Moderation's check as a tool (issue 18 item 3): what a text and sender would get — «pass», or
 * «review» with every stop-word found. The dictionary is the shipped default: an organisation's and
 * the instance's edits apply once they are stored (the queue's work).
 */
import type { FastifyPluginAsync } from 'fastify';
import { Type } from 'typebox';
import { checkContent } from '../../core/moderation/check.ts';
import { GROUPS } from '../../core/moderation/dictionary.ts';
import { defaultModerationDictionary, ModerationError } from '../../core/moderation/edit.ts';
import { who } from '../auth.ts';
import { ApiError } from '../errors.ts';
import { CampaignTexts, errorResponses, StringEnum } from '../schemas.ts';
import type { App, ServerDeps } from '../server.ts';

const FIELDS = ['text', 'sms', 'messenger', 'email.subject', 'email.html', 'email.text', 'sender'] as const;

const CheckResult = Type.Object({
  verdict: StringEnum(
    ['pass', 'review'] as const,
    'review: a moderator looks before it goes (automatic mode)',
  ),
  matches: Type.Array(
    Type.Object({
      word: Type.String({ description: 'the dictionary entry' }),
      found: Type.String({ description: 'the text as written' }),
      group: StringEnum(GROUPS),
      field: StringEnum(FIELDS),
      start: Type.Integer({
        description: 'offset of `found` in the field (UTF-16; in the HTML for email.html)',
      }),
      end: Type.Integer(),
    }),
  ),
});

export const moderationRoutes =
  (_deps: ServerDeps): FastifyPluginAsync =>
  async (fastify) => {
    const app = fastify as unknown as App;

    app.post(
      '/api/v1/moderation/check',
      {
        schema: {
          tags: ['moderation'],
          summary: 'Check a text, a campaign’s texts and a sender name against the stop-word dictionary',
          body: Type.Object(
            {
              text: Type.Optional(
                Type.String({ maxLength: 100_000, description: 'one text (field «text»)' }),
              ),
              texts: Type.Optional(CampaignTexts),
              sender: Type.Optional(Type.String({ maxLength: 100 })),
            },
            { additionalProperties: false },
          ),
          response: { 200: CheckResult, ...errorResponses },
        },
      },
      async (req) => {
        who(req);
        const { text, texts, sender } = req.body;
        if (text === undefined && texts === undefined && sender === undefined)
          throw new ApiError(400, 'invalid_input', 'give text, texts or sender to check');
        try {
          return checkContent(defaultModerationDictionary(), { text, texts, sender });
        } catch (e) {
          if (e instanceof ModerationError) throw new ApiError(400, e.code, e.message);
          throw e;
        }
      },
    );
  };
