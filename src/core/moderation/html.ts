/**
 * The visible text of an e-mail's HTML, of the same length as the HTML, so a match's offsets are
 * offsets in the HTML the operator edits. Markup becomes characters the tokenizer skips:
 * - a tag that breaks a line or a block (p, br, div, li, td, h1…) becomes a space and zero-width
 *   spaces, so words on either side stay apart;
 * - any other tag (b, span, a…) becomes zero-width spaces only: «кре<b></b>дит» reads «кредит», as a
 *   mail client shows it;
 * - comments and the content of head, script, style and template become spaces;
 * - an entity becomes its character and zero-width spaces (&shy; is then dropped like a soft hyphen).
 */

const ZW = '\u200b';
const HIDDEN = /^(?:head|script|style|template|title|noscript)$/i;
const INLINE =
  /^(?:a|abbr|b|bdi|bdo|big|cite|code|em|font|i|img|kbd|mark|q|s|samp|small|span|strike|strong|sub|sup|u|var|wbr)$/i;

const NAMED: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: '\u00a0',
  shy: '\u00ad',
  zwj: '\u200d',
  zwnj: '\u200c',
  laquo: '«',
  raquo: '»',
  mdash: '—',
  ndash: '–',
  hellip: '…',
  thinsp: '\u2009',
  ensp: '\u2002',
  emsp: '\u2003',
  bull: '•',
  middot: '·',
  numero: '№',
};

function pad(text: string, length: number): string {
  return text.length >= length ? text.slice(0, length) : text + ZW.repeat(length - text.length);
}

function decodeEntity(entity: string): string | null {
  const body = entity.slice(1, -1);
  if (body.startsWith('#')) {
    const code =
      body[1] === 'x' || body[1] === 'X'
        ? Number.parseInt(body.slice(2), 16)
        : Number.parseInt(body.slice(1), 10);
    if (!Number.isFinite(code) || code <= 0 || code > 0x10ffff) return null;
    return String.fromCodePoint(code);
  }
  return NAMED[body.toLowerCase()] ?? null;
}

const MARKUP =
  /<!--[\s\S]*?(?:-->|$)|<\/?([a-zA-Z][a-zA-Z0-9-]*)\b[^>]*>?|&(?:#[0-9]{1,7}|#[xX][0-9a-fA-F]{1,6}|[a-zA-Z]{2,8});/g;

/** The visible text of `html`, character for character at the same offsets. Linear. */
export function visibleText(html: string): string {
  let out = '';
  let last = 0;
  let hiddenUntil = -1;
  MARKUP.lastIndex = 0;
  for (let m = MARKUP.exec(html); m; m = MARKUP.exec(html)) {
    const at = m.index;
    const token = m[0];
    if (at < hiddenUntil) continue;
    out += html.slice(last, at);
    last = at + token.length;
    if (token.startsWith('&')) {
      const ch = decodeEntity(token);
      out += ch === null ? token : pad(ch, token.length);
      continue;
    }
    if (token.startsWith('<!--')) {
      out += ' '.repeat(token.length);
      continue;
    }
    const name = m[1] ?? '';
    if (HIDDEN.test(name) && !token.startsWith('</')) {
      // Everything to the closing tag is invisible.
      const closing = new RegExp(`</${name}`, 'gi');
      closing.lastIndex = last;
      const end = closing.exec(html)?.index ?? html.length;
      out += ' '.repeat(end - at);
      last = end;
      hiddenUntil = end;
      continue;
    }
    out += INLINE.test(name) ? ZW.repeat(token.length) : pad(' ', token.length);
  }
  return out + html.slice(last);
}
