/**
 * The per-recipient half of CT-2 and CH-6: render one channel's text for one recipient and decide
 * whether it may go — an empty substitution blocks the recipient or reads a stated default (the
 * campaign's empty-value policy), a messenger text is at most 700 characters, an SMS is counted in
 * segments after substitution (CT-3). A launch calls this per recipient; a preview shows its result.
 */
import { countSegments, type SmsEncoding } from '../sms/segments.ts';
import type { Channel } from '../states.ts';
import {
  type CompiledTemplate,
  type EmptyPolicy,
  type Hole,
  renderDetailed,
  type TemplateScope,
} from './render.ts';
import type { Position } from './tree.ts';

/** CH-6: «a longer messenger text (up to 700 characters)». */
export const MESSENGER_MAX_CHARS = 700;

export interface RecipientProblem extends Partial<Position> {
  code: 'empty_value' | 'too_long' | 'render_error';
  field: string;
  message: string;
}

export interface RecipientText {
  text: string;
  /** In code points: what a person counts as characters (an emoji is one, not two). */
  characters: number;
  /** Outputs that were empty and read the default text (policy `default`). */
  defaulted: Hole[];
  /** SMS only: the encoding and segments of this very text. */
  sms: { encoding: SmsEncoding; segments: number } | null;
}

export type RecipientRender =
  | { ok: true; value: RecipientText }
  | { ok: false; problems: RecipientProblem[] };

export interface RecipientOptions {
  channel: Channel;
  /** What to do with an output that comes out empty; `allow` when not given. */
  empty?: EmptyPolicy;
  /** Which field of the campaign, for the problems (`smsText`, `messengerText`, `subject`…). */
  field?: string;
  /** Overrides the channel's limit in characters (the messenger's 700 by default; none otherwise). */
  maxCharacters?: number;
}

/** Code points: UTF-16 length less one per surrogate pair (the common text has none: one test). */
const countCodePoints = (s: string): number =>
  /[\ud800-\udfff]/.test(s) ? s.length - (s.match(/[\ud800-\udbff][\udc00-\udfff]/g)?.length ?? 0) : s.length;

export function renderForRecipient(
  compiled: CompiledTemplate,
  scope: TemplateScope,
  options: RecipientOptions,
): RecipientRender {
  const field = options.field ?? 'text';
  const policy = options.empty ?? { mode: 'allow' };
  const r = renderDetailed(compiled, scope, policy);
  if (!r.ok) {
    return {
      ok: false,
      problems: [{ code: 'render_error', field, message: r.message, ...(r.position ?? {}) }],
    };
  }
  const problems: RecipientProblem[] = [];
  if (policy.mode === 'block') {
    for (const hole of r.holes) {
      problems.push({
        code: 'empty_value',
        field,
        message: `«${hole.expression}» is empty for this recipient`,
        line: hole.line,
        column: hole.column,
      });
    }
  }
  const characters = countCodePoints(r.text);
  const limit = options.maxCharacters ?? (options.channel === 'messenger' ? MESSENGER_MAX_CHARS : null);
  if (limit !== null && characters > limit) {
    problems.push({
      code: 'too_long',
      field,
      message: `is ${characters} characters, more than the ${limit} allowed`,
    });
  }
  if (problems.length > 0) return { ok: false, problems };
  const sms = options.channel === 'sms' ? countSegments(r.text) : null;
  return {
    ok: true,
    value: {
      text: r.text,
      characters,
      defaulted: policy.mode === 'default' ? r.holes : [],
      sms: sms ? { encoding: sms.encoding, segments: sms.segments } : null,
    },
  };
}
