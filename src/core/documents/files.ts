/**
 * What a stored document is called and how it is served: a safe file name, its content type, and
 * the Content-Disposition that keeps its Russian name in every browser (RFC 6266 with RFC 8187's
 * `filename*`, an ASCII transliteration as the fallback).
 */
import { fail, ok, type Result } from '../result.ts';
import { transliterate } from '../sms/translit.ts';

/** 20 MB: a receipt is ~100 KB; this bounds what one upload may put into the database. */
export const MAX_DOCUMENT_BYTES = 20 * 1024 * 1024;

export const DOCUMENT_KIND = /^[a-z][a-z0-9_]{0,31}$/;

/** The last path segment, without control characters; at most 255 characters. */
export function safeFileName(input: string, field = 'fileName'): Result<string> {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing them is the point
  const name = (input.split(/[\\/]/).pop() ?? '').replace(/[\u0000-\u001f\u007f]/g, '').trim();
  if (name === '' || name === '.' || name === '..') return fail(field, input, 'is not a file name');
  if ([...name].length > 255) return fail(field, input, 'is longer than 255 characters');
  return ok(name);
}

const BY_EXTENSION: Record<string, string> = {
  pdf: 'application/pdf',
  png: 'image/png',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  gif: 'image/gif',
  webp: 'image/webp',
  txt: 'text/plain; charset=utf-8',
  csv: 'text/csv',
  html: 'text/html',
  htm: 'text/html',
  xml: 'application/xml',
  doc: 'application/msword',
  docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  xls: 'application/vnd.ms-excel',
  xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  zip: 'application/zip',
};

const MIME =
  /^[a-z0-9][a-z0-9!#$&^_.+-]{0,126}\/[a-z0-9][a-z0-9!#$&^_.+-]{0,126}(; *charset=[a-z0-9_-]{1,40})?$/i;

/**
 * The type the uploader said, unless it said nothing useful (absent, octet-stream, malformed); then
 * the file's first bytes, then its extension.
 */
export function contentTypeOf(given: string | undefined, fileName: string, head: Uint8Array): string {
  const g = given?.trim().toLowerCase();
  if (g && g !== 'application/octet-stream' && MIME.test(g)) return g;
  const magic = Buffer.from(head.subarray(0, 8));
  if (magic.subarray(0, 5).toString('latin1') === '%PDF-') return 'application/pdf';
  if (magic.equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]))) return 'image/png';
  if (magic[0] === 0xff && magic[1] === 0xd8 && magic[2] === 0xff) return 'image/jpeg';
  const ext = /\.([A-Za-z0-9]{1,5})$/.exec(fileName)?.[1]?.toLowerCase();
  return (ext && BY_EXTENSION[ext]) || 'application/octet-stream';
}

/** Shown in the browser: PDF and pictures. Anything else (HTML above all) is only ever downloaded. */
export function opensInline(contentType: string): boolean {
  return /^(application\/pdf|image\/(png|jpeg|gif|webp))$/.test(contentType.split(';')[0]!.trim());
}

const rfc8187 = (s: string) =>
  encodeURIComponent(s).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

export function contentDisposition(fileName: string, inline: boolean): string {
  const ascii = transliterate(fileName)
    .replace(/[^A-Za-z0-9._ -]/g, '_')
    .replace(/^[ .]+/, '')
    .slice(0, 200);
  return `${inline ? 'inline' : 'attachment'}; filename="${ascii || 'document'}"; filename*=UTF-8''${rfc8187(fileName)}`;
}
