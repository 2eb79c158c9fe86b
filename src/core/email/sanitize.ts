/**
 * What may be in an e-mail body (CT-4): the HTML people lay letters out with — tables, inline
 * styles, links, images, headings, lists — and nothing that runs or submits: no `<script>`, no
 * `on…` handlers, no `javascript:`/`vbscript:`/`data:` URLs (a `data:` image is allowed, raster
 * only: an SVG can carry script), no `<iframe>`, `<object>`, `<embed>`, forms or `<base>`/`<meta>`.
 *
 * Only absolute URLs are kept (a letter has no base address), and `#anchors` within it.
 * An allow-list (sanitize-html): anything not listed is dropped, so a vector nobody thought of is
 * dropped too. `<style>` is not kept: its rules are inlined first (render.ts), then removed — an
 * inline style is the one form every mail client honours. Style attributes are filtered per
 * declaration: `expression()`, `behavior`, `-moz-binding`, `@import` and `url()` other than https/http
 * are removed, after CSS escapes and comments are undone so `\65xpression(` is caught too.
 */
import sanitizeHtml from 'sanitize-html';

const ATTRIBUTES_ANY = [
  'style',
  'class',
  'id',
  'align',
  'valign',
  'width',
  'height',
  'bgcolor',
  'border',
  'dir',
  'lang',
  'title',
  'role',
];

const TABLE = ['cellpadding', 'cellspacing', 'colspan', 'rowspan', 'summary', 'background'];

/** `data:` is for pictures people paste; raster formats only. */
const DATA_IMAGE = /^data:image\/(?:png|jpe?g|gif|webp|bmp);base64,[a-z0-9+/=\s]+$/i;

/** CSS with escapes (`\65 `, `\e`) and comments undone, lower-cased: what a browser would read. */
function plainCss(value: string): string {
  return value
    .replace(/\/\*[\s\S]*?\*\//g, '')
    .replace(/\\([0-9a-f]{1,6})\s?/gi, (_, hex: string) => {
      const code = Number.parseInt(hex, 16);
      return code > 0 && code <= 0x10ffff ? String.fromCodePoint(code) : '';
    })
    .replace(/\\(.)/g, '$1')
    .toLowerCase();
}

/** A URL read the way sanitize-html reads schemes: control characters, spaces and comments do not count. */
function asRead(url: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  return url.replace(/<!--[\s\S]*?-->/g, '').replace(/[\x00-\x20]+/g, '');
}

const DANGEROUS_CSS = /expression\s*\(|javascript:|vbscript:|behavior\s*:|-moz-binding|@import|[<>]/;

/** Keeps each declaration of a style attribute that cannot run anything or fetch from odd places. */
export function sanitizeStyle(style: string): string {
  const kept: string[] = [];
  for (const declaration of style.split(';')) {
    const plain = plainCss(declaration);
    if (plain.trim() === '' || DANGEROUS_CSS.test(plain)) continue;
    const urls = [...plain.matchAll(/url\s*\(\s*(['"]?)(.*?)\1\s*\)/g)];
    if (
      /url\s*\(/.test(plain) &&
      (urls.length === 0 || urls.some((u) => !/^https?:\/\//.test(u[2]!.trim())))
    ) {
      continue;
    }
    kept.push(declaration.trim());
  }
  return kept.join('; ');
}

const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: [
    ...sanitizeHtml.defaults.allowedTags,
    'img',
    'center',
    'font',
    'span',
    'div',
    'u',
    's',
    'strike',
    'small',
    'big',
  ].filter((tag) => tag !== 'style'),
  // Gone with their content: text inside them is not meant to be read.
  nonTextTags: ['script', 'style', 'textarea', 'option', 'noscript', 'title', 'iframe', 'object', 'template'],
  disallowedTagsMode: 'discard',
  allowedAttributes: {
    '*': ATTRIBUTES_ANY,
    a: ['href', 'name', 'target', 'rel'],
    img: ['src', 'alt', 'width', 'height', 'border'],
    font: ['color', 'face', 'size'],
    table: TABLE,
    td: TABLE,
    th: TABLE,
    tr: TABLE,
  },
  allowedSchemes: ['http', 'https', 'mailto', 'tel'],
  allowedSchemesByTag: { img: ['http', 'https', 'cid', 'data'] },
  allowedSchemesAppliedToAttributes: ['href', 'src', 'cite', 'background'],
  allowProtocolRelative: false,
  parseStyleAttributes: false,
  transformTags: {
    '*': (tagName, attribs) => {
      const out = { ...attribs };
      if (typeof out.style === 'string') {
        const style = sanitizeStyle(out.style);
        if (style === '') delete out.style;
        else out.style = style;
      }
      // A letter has no base address: a relative URL leads nowhere, so only absolute ones (and
      // in-letter `#anchors`) are kept; which schemes, sanitize-html decides next.
      for (const attr of ['href', 'src', 'background']) {
        const value = out[attr];
        if (typeof value !== 'string') continue;
        const url = asRead(value);
        if (!(attr === 'href' && url.startsWith('#')) && !/^[a-z][a-z0-9+.-]*:/i.test(url)) delete out[attr];
      }
      if (tagName === 'img' && typeof out.src === 'string') {
        const src = asRead(out.src);
        if (/^data:/i.test(src)) {
          if (DATA_IMAGE.test(src)) out.src = src;
          else delete out.src;
        }
      }
      // A link that opens a new window must not hand the letter's window to the page it opens.
      if (tagName === 'a' && out.target) out.rel = 'noopener noreferrer';
      return { tagName, attribs: out };
    },
  },
};

/** The body as it may be sent: an HTML fragment with only what the allow-list keeps. */
export function sanitizeEmailHtml(html: string): string {
  return sanitizeHtml(html, OPTIONS);
}
