/**
 * How an SMS text is encoded and billed (CT-3). The rules, which decide what people pay:
 *  - GSM-7 when every character is in the GSM 03.38 alphabet or its extension; otherwise UCS-2:
 *    a single emoji, Cyrillic letter or typographic quote `’` turns a whole Latin text into UCS-2.
 *  - GSM-7: 160 septets alone, 153 per part when concatenated; an extension character counts two
 *    and is never split across parts.
 *  - UCS-2: 70 UTF-16 units alone, 67 per part; a surrogate pair (an emoji) is never split.
 * `characters` is the count as billed: septets for GSM-7, UTF-16 units for UCS-2.
 */
import { GSM_PART, GSM_SEPTETS, GSM_SINGLE, UCS2_PART, UCS2_SINGLE } from './gsm.ts';

export type SmsEncoding = 'GSM-7' | 'UCS-2';

export interface SmsInfo {
  encoding: SmsEncoding;
  characters: number;
  segments: number;
  parts: string[];
}

/** Septets of `text` in GSM-7, or -1 when a character is outside the alphabet. */
export function gsmSeptets(text: string): number {
  let septets = 0;
  for (let i = 0; i < text.length; i++) {
    const n = GSM_SEPTETS[text.charCodeAt(i)]!;
    if (n === 0) return -1;
    septets += n;
  }
  return septets;
}

/** Encoding, billed characters and segment count, without building the parts (the hot path). */
export function countSegments(text: string): { encoding: SmsEncoding; characters: number; segments: number } {
  if (text.length === 0) return { encoding: 'GSM-7', characters: 0, segments: 0 };
  const septets = gsmSeptets(text);
  if (septets >= 0) {
    if (septets <= GSM_SINGLE) return { encoding: 'GSM-7', characters: septets, segments: 1 };
    return { encoding: 'GSM-7', characters: septets, segments: splitGsm(text, null) };
  }
  if (text.length <= UCS2_SINGLE) return { encoding: 'UCS-2', characters: text.length, segments: 1 };
  return { encoding: 'UCS-2', characters: text.length, segments: splitUcs2(text, null) };
}

/** The same, with the parts as they will be sent. */
export function inspectSms(text: string): SmsInfo {
  const c = countSegments(text);
  if (c.segments <= 1) return { ...c, parts: c.segments === 0 ? [] : [text] };
  const parts: string[] = [];
  if (c.encoding === 'GSM-7') splitGsm(text, parts);
  else splitUcs2(text, parts);
  return { ...c, parts };
}

/** Greedy split into parts of at most 153 septets; an extension character moves whole. */
function splitGsm(text: string, parts: string[] | null): number {
  let count = 0;
  let start = 0;
  let used = 0;
  for (let i = 0; i < text.length; i++) {
    const n = GSM_SEPTETS[text.charCodeAt(i)]!;
    if (used + n > GSM_PART) {
      parts?.push(text.slice(start, i));
      count++;
      start = i;
      used = 0;
    }
    used += n;
  }
  parts?.push(text.slice(start));
  return count + 1;
}

/** Greedy split into parts of at most 67 UTF-16 units; a surrogate pair moves whole. */
function splitUcs2(text: string, parts: string[] | null): number {
  let count = 0;
  let start = 0;
  let i = 0;
  while (i < text.length) {
    const code = text.charCodeAt(i);
    const width =
      code >= 0xd800 && code <= 0xdbff && i + 1 < text.length && isLow(text.charCodeAt(i + 1)) ? 2 : 1;
    if (i + width - start > UCS2_PART) {
      parts?.push(text.slice(start, i));
      count++;
      start = i;
    }
    i += width;
  }
  parts?.push(text.slice(start));
  return count + 1;
}

const isLow = (code: number) => code >= 0xdc00 && code <= 0xdfff;
