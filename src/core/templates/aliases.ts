/**
 * The seeds' placeholders («прагмы»), translated into Liquid when a template is saved (CT-1), so
 * that what is stored, validated, previewed and rendered is one language with positions that match.
 *
 * | alias      | Liquid                                   | meaning (seed)                                   |
 * | ---------- | ---------------------------------------- | ------------------------------------------------ |
 * | `%name`    | `{{ contact.name }}`                     | name and patronymic (000)                        |
 * | `%kvit`    | `{{ objects \| links }}`                 | one receipt link per plot, `, ` between (000)    |
 * | `%total`   | `{{ total }}`                            | charges over all plots, `0.00` if none (000)     |
 * | `%debt`    | `{{ debt }}`                             | overdue debt over all plots, `0.00` if none (000)|
 * | `#FAM#`    | `{{ contact.last_name }}`                | surname (004)                                    |
 * | `#IM#`     | `{{ contact.first_name }}`               | first name (004)                                 |
 * | `#OT#`     | `{{ contact.middle_name }}`              | patronymic (004)                                 |
 * | `#DATE_P#` | `{{ payment.date \| date_ru: "short" }}` | date of the (planned) payment, 12.06.2026 (004)  |
 * | `#SUM_P#`  | `{{ payment.amount }}`                   | sum of that payment (004)                        |
 * | `#SUM_Z#`  | `{{ loan.amount }}`                      | «Сумма займа», the loan amount (004)             |
 * | `#DATE_D#` | `{{ loan.date \| date_ru: "short" }}`    | date of the loan contract (004)                  |
 * | `#NOM_D#`  | `{{ loan.number }}`                      | number of the loan contract (004)                |
 *
 * Rules, each so that ordinary text survives: names are case-sensitive, as the seeds print them; a
 * `%` alias must not run on into a letter or digit (`%names`, `%total2` stay); nothing is translated
 * inside Liquid markup, `{% raw %}` or `{% comment %}`, a URL or an e-mail address (`?q=%name`,
 * `page#IM#` stay — a link is the user's own text). Translating twice is translating once.
 */
import { defaultOptions, Tokenizer, TokenKind } from 'liquidjs';

export const ALIASES: Readonly<Record<string, string>> = {
  '%name': '{{ contact.name }}',
  '%kvit': '{{ objects | links }}',
  '%total': '{{ total }}',
  '%debt': '{{ debt }}',
  '#FAM#': '{{ contact.last_name }}',
  '#IM#': '{{ contact.first_name }}',
  '#OT#': '{{ contact.middle_name }}',
  '#DATE_P#': '{{ payment.date | date_ru: "short" }}',
  '#SUM_P#': '{{ payment.amount }}',
  '#SUM_Z#': '{{ loan.amount }}',
  '#DATE_D#': '{{ loan.date | date_ru: "short" }}',
  '#NOM_D#': '{{ loan.number }}',
};

const ALIAS = /%(?:name|kvit|total|debt)(?![\p{L}\p{N}_])|#(?:FAM|IM|OT|DATE_P|SUM_P|SUM_Z|DATE_D|NOM_D)#/gu;

/** URLs (with a scheme or `www.`) and e-mail addresses: spans the translator leaves alone. */
// Bounded runs before `://` and `@` keep the scan linear on a long unbroken word.
const VERBATIM =
  /\b(?:[a-z][a-z0-9+.-]{0,31}:\/\/|www\.|mailto:)[^\s<>"`]*|[\p{L}\p{N}.!#$%&'*+/=?^_`|~-]{1,64}@[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)+/giu;

/** Translates the aliases of one stretch of plain text (outside markup). */
function translateText(text: string, out: string[], found: string[]): void {
  let last = 0;
  // Empty pieces are never pushed, so the last piece is always the text just before.
  const push = (piece: string) => {
    if (piece !== '') out.push(piece);
  };
  const emit = (plain: string) => {
    ALIAS.lastIndex = 0;
    let from = 0;
    for (let m = ALIAS.exec(plain); m !== null; m = ALIAS.exec(plain)) {
      push(plain.slice(from, m.index));
      // A literal `{` just before would make `{{{`, which Liquid reads as one broken output.
      if (out.length > 0 && out[out.length - 1]!.endsWith('{')) {
        out[out.length - 1] = `${out[out.length - 1]!.slice(0, -1)}{{ "{" }}`;
      }
      out.push(ALIASES[m[0]]!);
      found.push(m[0]);
      from = m.index + m[0].length;
    }
    push(plain.slice(from));
  };
  VERBATIM.lastIndex = 0;
  for (let m = VERBATIM.exec(text); m !== null; m = VERBATIM.exec(text)) {
    emit(text.slice(last, m.index));
    push(m[0]);
    last = m.index + m[0].length;
  }
  emit(text.slice(last));
}

interface Token {
  kind: number;
  begin: number;
  end: number;
  name?: string;
}

/** Liquid's own split of the source into plain text and markup; up to `end` when the rest is broken. */
function tokenize(source: string): { tokens: Token[]; end: number } {
  const tokenizer = new Tokenizer(source);
  const tokens: Token[] = [];
  try {
    while (tokenizer.p < tokenizer.N)
      tokens.push(tokenizer.readTopLevelToken(defaultOptions) as unknown as Token);
    return { tokens, end: source.length };
  } catch {
    // An unclosed `{{` or `{%`: the text up to it is tokenised; the rest stays as written (and
    // validation reports the syntax error where it is).
    return { tokens, end: tokens.length > 0 ? tokens[tokens.length - 1]!.end : 0 };
  }
}

/**
 * The source with every alias replaced by its Liquid; anything else byte for byte as it was.
 * `found`, when given, receives the aliases translated, in order.
 */
export function translateAliases(source: string, found: string[] = []): string {
  if (!source.includes('%') && !source.includes('#')) return source;
  const { tokens, end } = tokenize(source);
  const out: string[] = [];
  let at = 0;
  let skipUntil: string | null = null;
  let depth = 0;
  for (const token of tokens) {
    const text = source.slice(token.begin, token.end);
    at = token.end;
    if (token.kind === TokenKind.Tag) {
      out.push(text);
      const name = token.name;
      if (skipUntil === null && (name === 'raw' || name === 'comment')) {
        skipUntil = `end${name}`;
        depth = 1;
      } else if (skipUntil !== null && name === skipUntil.slice(3)) depth++;
      else if (skipUntil !== null && name === skipUntil && --depth === 0) skipUntil = null;
      continue;
    }
    if (token.kind === TokenKind.HTML && skipUntil === null) translateText(text, out, found);
    else out.push(text);
  }
  out.push(source.slice(Math.max(at, end)));
  return out.join('');
}

/** The aliases a text uses and that are translated, in order (for showing what a saved template became). */
export function aliasesIn(source: string): string[] {
  const found: string[] = [];
  translateAliases(source, found);
  return found;
}
