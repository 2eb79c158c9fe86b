/**
 * Checks on a campaign's content before it is saved, shared by the API and the command line (CT-1,
 * CT-2): the seeds' placeholders (`%name`, `#FAM#`, …) are translated to Liquid on save, and the
 * stored template is checked statically — syntax, unknown variables and filters — with the line and
 * column of each problem in the template as stored.
 */
import type { CampaignTexts } from '../core/content.ts';
import type { FieldProblem } from '../core/result.ts';
import type { Channel } from '../core/states.ts';
import { translateAliases } from '../core/templates/aliases.ts';
import { validateTemplate } from '../core/templates/validate.ts';

export interface TemplateProblem extends FieldProblem {
  code: string;
  line?: number;
  column?: number;
}

/** The template as it will be stored: the seeds' placeholders as Liquid. */
export function storedTemplate(source: string): string {
  return translateAliases(source);
}

export function checkTemplate(source: string, field: string, channel?: Channel): TemplateProblem[] {
  if (source.trim() === '') return [{ field, value: source, message: 'is empty', code: 'empty' }];
  return validateTemplate(storedTemplate(source), channel ? { channel } : {}).map((i) => ({
    field,
    value: source,
    code: i.code,
    line: i.line,
    column: i.column,
    message: `line ${i.line}, column ${i.column}: ${i.message}`,
  }));
}

export interface ContentInput {
  /** The primary channel's text (its HTML for e-mail); may be given in `texts` instead. */
  textTemplate?: string;
  subject?: string | null;
  texts?: CampaignTexts;
}

export interface StoredContent {
  textTemplate: string;
  subject: string | null;
  texts: CampaignTexts;
}

type ContentProblem = FieldProblem & { code?: string; line?: number; column?: number };
type Checked = { ok: true; value: StoredContent } | { ok: false; problems: ContentProblem[] };

/**
 * A campaign's texts as they will be stored (CH-6): every channel's text checked against that
 * channel's variables, the seeds' placeholders translated, and the primary channel's text kept in
 * `textTemplate`/`subject` as well, where older clients read it. `textTemplate` and `subject` are
 * shorthands for the primary channel's entry of `texts`; problems name the field the caller used.
 */
export function campaignContent(channel: Channel, input: ContentInput): Checked {
  const problems: ContentProblem[] = [];
  const t = input.texts ?? {};
  const given = channel === 'email' ? t.email?.html : t[channel];
  if (input.textTemplate !== undefined && given !== undefined && given !== input.textTemplate)
    problems.push({
      field: 'textTemplate',
      value: input.textTemplate,
      code: 'conflict',
      message: `differs from texts.${channel === 'email' ? 'email.html' : channel}: give the ${channel} text once`,
    });
  /** A text checked under the name the caller gave it, then stored with the placeholders translated. */
  const take = (source: string, field: string, ch: Channel): string => {
    problems.push(...checkTemplate(source, field, ch));
    return storedTemplate(source);
  };
  const out: CampaignTexts = {};
  const sms = channel === 'sms' && input.textTemplate !== undefined ? input.textTemplate : t.sms;
  const smsField = channel === 'sms' && input.textTemplate !== undefined ? 'textTemplate' : 'texts.sms';
  if (sms !== undefined) out.sms = take(sms, smsField, 'sms');
  const msg = channel === 'messenger' && input.textTemplate !== undefined ? input.textTemplate : t.messenger;
  const msgField =
    channel === 'messenger' && input.textTemplate !== undefined ? 'textTemplate' : 'texts.messenger';
  if (msg !== undefined) out.messenger = take(msg, msgField, 'messenger');

  const viaShorthand = channel === 'email' && input.textTemplate !== undefined;
  const html = viaShorthand ? input.textTemplate : t.email?.html;
  const subject = typeof input.subject === 'string' && channel === 'email' ? input.subject : t.email?.subject;
  const subjectField = typeof input.subject === 'string' || viaShorthand ? 'subject' : 'texts.email.subject';
  if (html !== undefined) {
    const h = take(html, viaShorthand ? 'textTemplate' : 'texts.email.html', 'email');
    let subj = '';
    if (subject === undefined)
      problems.push({ field: subjectField, value: null, message: 'an e-mail campaign needs a subject' });
    else subj = take(subject, subjectField, 'email');
    const text = t.email?.text?.trim() ? t.email.text : null;
    out.email = {
      subject: subj,
      html: h,
      text: text === null ? null : take(text, 'texts.email.text', 'email'),
    };
  } else if (subject !== undefined && channel === 'email') take(subject, subjectField, 'email');

  const primary = channel === 'email' ? out.email?.html : out[channel];
  if (primary === undefined)
    problems.push({
      field: channel === 'email' ? 'texts.email.html' : `texts.${channel}`,
      value: null,
      code: 'required',
      message: `a ${channel} campaign needs its ${channel === 'email' ? 'e-mail HTML' : channel} text (textTemplate)`,
    });
  if (problems.length > 0 || primary === undefined) return { ok: false, problems };
  return {
    ok: true,
    value: {
      textTemplate: primary,
      subject: channel === 'email' ? (out.email?.subject ?? null) : null,
      texts: out,
    },
  };
}

/**
 * An edit's content over the draft's (PATCH): the texts not mentioned are kept; a new
 * `textTemplate` or `subject` replaces the primary channel's.
 */
export function mergeContent(
  existing: { channel: Channel; texts: CampaignTexts },
  edit: ContentInput,
): ContentInput {
  const texts: CampaignTexts = { ...existing.texts, ...edit.texts };
  if (edit.textTemplate !== undefined && !(edit.texts && existing.channel in edit.texts)) {
    if (existing.channel === 'email' && texts.email)
      texts.email = { ...texts.email, html: edit.textTemplate };
    else if (existing.channel !== 'email') texts[existing.channel] = edit.textTemplate;
  }
  return { ...edit, texts };
}
