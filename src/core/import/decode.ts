/**
 * Bytes of an uploaded file → text (AU-8). People send what their spreadsheet saved: UTF-8 with or
 * without a BOM (Excel, LibreOffice), UTF-16 with a BOM (Excel's «Unicode text»), or Windows-1251
 * (Excel's «CSV (разделители — запятые)» on a Russian Windows). There is no header saying which.
 *
 * The rule: a BOM decides; otherwise the first run of non-ASCII bytes decides — valid UTF-8 means
 * UTF-8, anything else means Windows-1251. Until a non-ASCII byte arrives nothing needs deciding,
 * because ASCII reads the same in both, so the ASCII prefix is passed on at once and only the
 * deciding window (at most DECIDE_WINDOW bytes from the first non-ASCII byte) is held back. That
 * keeps memory bounded on a file of any size and makes the decision independent of how the bytes
 * were chunked: a whole buffer and the same bytes in one-byte chunks decode to the same text.
 */
import iconv from 'iconv-lite';

/** `ascii`: only ASCII so far (or in the whole file), which UTF-8 and Windows-1251 read alike. */
export type TextEncoding = 'ascii' | 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1251';

/** How many bytes after the first non-ASCII byte are checked before UTF-8 is believed. */
export const DECIDE_WINDOW = 4096;

export interface IncrementalDecoder {
  /** Decodes the next chunk; returns the text that is complete so far (possibly ''). */
  write(chunk: Uint8Array): string;
  /** Flushes what was held back; an incomplete trailing character becomes U+FFFD. */
  end(): string;
  /** The encoding decided so far: final once a BOM or a non-ASCII byte has been seen. */
  readonly encoding: TextEncoding;
  /** Whether the input began with a byte order mark (which is not part of the text). */
  readonly bom: boolean;
}

type Sink = { write(b: Uint8Array): string; end(): string };

const utf8Sink = (): Sink => {
  // Non-fatal: bytes that turn out broken after the decision become U+FFFD, which the row parser
  // rejects with a reason instead of importing mojibake.
  const d = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
  return { write: (b) => d.decode(b, { stream: true }), end: () => d.decode() };
};

const iconvSink = (encoding: 'utf-16le' | 'utf-16be' | 'windows-1251'): Sink => {
  const d = iconv.getDecoder(encoding, { stripBOM: false });
  return {
    write: (b) => d.write(Buffer.from(b.buffer, b.byteOffset, b.byteLength)),
    end: () => d.end() ?? '',
  };
};

/** True when `bytes` is valid UTF-8, allowing a character cut off at the end unless `final`. */
function isUtf8(bytes: Uint8Array, final: boolean): boolean {
  try {
    new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(bytes, { stream: !final });
    return true;
  } catch {
    return false;
  }
}

const concat = (a: Uint8Array, b: Uint8Array): Uint8Array => {
  if (a.length === 0) return b;
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
};

const firstNonAscii = (bytes: Uint8Array): number => {
  for (let i = 0; i < bytes.length; i++) if (bytes[i]! >= 0x80) return i;
  return -1;
};

const asciiText = (bytes: Uint8Array): string =>
  Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('latin1');

/** A decoder that decides the encoding as the bytes arrive (see the top of this file). */
export function createDecoder(): IncrementalDecoder {
  let encoding: TextEncoding = 'ascii';
  let bom = false;
  let sink: Sink | null = null;
  let bomChecked = false;
  // Bytes not yet decodable: up to 3 at the start (a BOM may be cut), then the deciding window.
  let held: Uint8Array = new Uint8Array(0);
  // A high surrogate at the end of a piece of output waits for its low half, so no emitted string
  // ends in half a character (iconv-lite's UTF-16 decoders would split a pair across chunks).
  let surrogate = '';

  const out = (text: string, final: boolean): string => {
    let s = surrogate + text;
    surrogate = '';
    const last = s.charCodeAt(s.length - 1);
    if (!final && last >= 0xd800 && last <= 0xdbff) {
      surrogate = s.slice(-1);
      s = s.slice(0, -1);
    }
    return s;
  };

  const decide = (enc: 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1251') => {
    encoding = enc;
    sink = enc === 'utf-8' ? utf8Sink() : iconvSink(enc);
  };

  // Consumes `held` as far as the information allows; `final` when no more bytes will come.
  const pump = (final: boolean): string => {
    if (!bomChecked) {
      if (held.length < 3 && !final) return '';
      bomChecked = true;
      const [a, b, c] = held;
      if (a === 0xef && b === 0xbb && c === 0xbf) {
        bom = true;
        decide('utf-8');
        held = held.subarray(3);
      } else if (a === 0xff && b === 0xfe) {
        bom = true;
        decide('utf-16le');
        held = held.subarray(2);
      } else if (a === 0xfe && b === 0xff) {
        bom = true;
        decide('utf-16be');
        held = held.subarray(2);
      }
    }
    if (sink) {
      const text = sink.write(held);
      held = new Uint8Array(0);
      return text;
    }
    const at = firstNonAscii(held);
    if (at < 0) {
      const text = asciiText(held);
      held = new Uint8Array(0);
      return text;
    }
    let prefix = '';
    if (at > 0) {
      prefix = asciiText(held.subarray(0, at));
      held = held.subarray(at);
    }
    if (held.length < DECIDE_WINDOW && !final) return prefix;
    // Exactly the window, whatever the chunking: a shorter one only when the input ended first.
    const window = held.subarray(0, DECIDE_WINDOW);
    decide(isUtf8(window, window.length < DECIDE_WINDOW) ? 'utf-8' : 'windows-1251');
    const text = sink!.write(held);
    held = new Uint8Array(0);
    return prefix + text;
  };

  return {
    write(chunk) {
      if (!(chunk instanceof Uint8Array))
        throw new TypeError('decoder.write expects bytes (Buffer or Uint8Array)');
      if (chunk.length === 0) return '';
      // concat copies only while something is held back; otherwise the chunk is used as it is.
      held = concat(held, chunk);
      return out(pump(false), false);
    },
    end() {
      const text = pump(true) + (sink ? sink.end() : '');
      return out(text, true);
    },
    get encoding() {
      return encoding;
    },
    get bom() {
      return bom;
    },
  };
}

/** Decodes a whole buffer: the text without its BOM, and the encoding that was used. */
export function decodeBytes(bytes: Uint8Array): { text: string; encoding: TextEncoding; bom: boolean } {
  const decoder = createDecoder();
  const text = decoder.write(bytes) + decoder.end();
  return { text, encoding: decoder.encoding, bom: decoder.bom };
}

/**
 * Decodes a stream of byte chunks (a Node Readable is one) into text chunks. Pass your own
 * `decoder` to read its `encoding` while or after iterating. No chunk ends in half a character.
 */
export async function* decodeStream(
  source: AsyncIterable<Uint8Array>,
  decoder: IncrementalDecoder = createDecoder(),
): AsyncGenerator<string, void, undefined> {
  for await (const chunk of source) {
    const text = decoder.write(chunk);
    if (text) yield text;
  }
  const rest = decoder.end();
  if (rest) yield rest;
}
