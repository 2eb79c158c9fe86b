/**
 * One e-mail for one recipient (CT-4, CH-6): the subject, the HTML body and its plain-text part,
 * from Liquid templates compiled once per campaign.
 *
 * The HTML body goes: Liquid with every `{{ … }}` HTML-escaped (a contact named `<b>` reads as
 * text; `{{ x | raw }}` inserts markup, deliberately) → CSS of `<style>` inlined into `style`
 * attributes (juice) → sanitised (sanitize.ts; `raw` output included, so `raw` can never smuggle a
 * script in). The text part is its own template when given, else made from the sanitised HTML
 * (html-to-text), so both say the same. The subject is one line: a line break in a contact's field
 * must not become a header of its own.
 */
import { compile as compileHtmlToText } from 'html-to-text';
import juice from 'juice';
import { fail, ok, type Result } from '../result.ts';
import { type RecipientProblem, renderForRecipient } from '../templates/recipient.ts';
import {
  type CompiledTemplate,
  compileTemplate,
  type EmptyPolicy,
  type TemplateScope,
} from '../templates/render.ts';
import { sanitizeEmailHtml } from './sanitize.ts';
import { unsubscribeHeaders } from './unsubscribe.ts';

export interface EmailParts {
  subject: string;
  html: string;
  /** The plain-text part; generated from the HTML when absent or blank. */
  text?: string | null;
}

export interface CompiledEmail {
  subject: CompiledTemplate;
  html: CompiledTemplate;
  text: CompiledTemplate | null;
}

export interface RenderedEmail {
  subject: string;
  html: string;
  text: string;
  /** `List-Unsubscribe` and `List-Unsubscribe-Post` when an unsubscribe link was given. */
  headers: Record<string, string>;
}

export interface EmailRenderOptions {
  empty?: EmptyPolicy;
  /** This recipient's signed link (unsubscribe.ts); also `{{ unsubscribe_url }}` in the templates. */
  unsubscribeUrl?: string;
  unsubscribeMailto?: string;
}

export type EmailRender = { ok: true; value: RenderedEmail } | { ok: false; problems: RecipientProblem[] };

const toText = compileHtmlToText({
  // RFC 5322 recommends lines of at most 78 characters.
  wordwrap: 78,
  selectors: [
    { selector: 'img', format: 'skip' },
    { selector: 'a', options: { hideLinkHrefIfSameAsText: true } },
    ...['h1', 'h2', 'h3', 'h4', 'h5', 'h6'].map((selector) => ({ selector, options: { uppercase: false } })),
    { selector: 'table', format: 'dataTable', options: { uppercaseHeaderCells: false } },
  ],
});

export function compileEmail(parts: EmailParts): Result<CompiledEmail> {
  const subject = compileTemplate(parts.subject, 'subject');
  if (!subject.ok) return subject;
  const html = compileTemplate(parts.html, 'html', 'html');
  if (!html.ok) return html;
  if (parts.text === undefined || parts.text === null || parts.text.trim() === '') {
    return ok({ subject: subject.value, html: html.value, text: null });
  }
  const text = compileTemplate(parts.text, 'text');
  if (!text.ok) return fail('text', parts.text, text.problem.message);
  return ok({ subject: subject.value, html: html.value, text: text.value });
}

/** One line: controls and line breaks (CR, LF, U+2028…) become spaces; runs of spaces become one. */
export function oneLine(s: string): string {
  return (
    s
      // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
      .replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g, ' ')
      .replace(/ {2,}/g, ' ')
      .trim()
  );
}

/** `<style>` rules into `style` attributes; the rules themselves are dropped (sanitize.ts says why). */
export function inlineCss(html: string): string {
  try {
    return juice(html, {
      removeStyleTags: true,
      preserveMediaQueries: false,
      preserveFontFaces: false,
      preserveKeyFrames: false,
      preservePseudos: false,
      applyWidthAttributes: true,
      applyHeightAttributes: false,
    });
  } catch {
    // CSS juice cannot parse is CSS no client would apply either; the body goes without it.
    return html;
  }
}

const isCompiled = (x: EmailParts | CompiledEmail): x is CompiledEmail => typeof x.subject !== 'string';

export function renderEmail(
  email: EmailParts | CompiledEmail,
  scope: TemplateScope,
  options: EmailRenderOptions = {},
): EmailRender {
  let compiled: CompiledEmail;
  if (isCompiled(email)) compiled = email;
  else {
    const c = compileEmail(email);
    if (!c.ok)
      return { ok: false, problems: [{ code: 'render_error', ...c.problem, message: c.problem.message }] };
    compiled = c.value;
  }
  const full: TemplateScope = { ...scope, unsubscribe_url: options.unsubscribeUrl ?? '' };
  const empty = options.empty ?? { mode: 'allow' };
  const problems: RecipientProblem[] = [];
  const part = (template: CompiledTemplate, field: string): string => {
    const r = renderForRecipient(template, full, { channel: 'email', empty, field });
    if (r.ok) return r.value.text;
    problems.push(...r.problems);
    return '';
  };
  const subject = oneLine(part(compiled.subject, 'subject'));
  const rawHtml = part(compiled.html, 'html');
  const text = compiled.text ? part(compiled.text, 'text') : null;
  if (problems.length > 0) return { ok: false, problems };

  const html = sanitizeEmailHtml(inlineCss(rawHtml)).trim();
  let headers: Record<string, string> = {};
  if (options.unsubscribeUrl) {
    try {
      headers = unsubscribeHeaders(options.unsubscribeUrl, options.unsubscribeMailto);
    } catch (err) {
      return {
        ok: false,
        problems: [{ code: 'render_error', field: 'unsubscribeUrl', message: (err as Error).message }],
      };
    }
  }
  return { ok: true, value: { subject, html, text: text ?? toText(html), headers } };
}
