/**
 * The pure half of the SMPP 3.4 gateway (smpp.ts): what a text becomes as `submit_sm` parts, what a
 * `command_status` means for Vestnik, how a delivery receipt reads, and one form for message ids.
 *
 * Concatenation by default uses a user data header with an 8-bit reference (IE 0x00: 05 00 03 ref
 * total seq) rather than the sar_* TLVs: the segment counter of src/core/sms bills 153 septets / 67
 * UCS-2 units a part, which is exactly the room a 6-octet UDH leaves, so what is sent is what was
 * priced; and a UDH travels to the handset untouched through every SMSC, while sar_* TLVs must be
 * turned into a UDH by the SMSC — some Russian aggregators' SMPP front ends drop them and deliver
 * loose parts. Operators that want another form get it by the `concatenation` setting: `udh16`
 * (IE 0x08, a 7-octet UDH: one unit less a part, 152 / 66), `sar` (the same parts as `udh8`, the
 * reference and numbering in TLVs) or `payload` (the whole text in one submit_sm's message_payload;
 * the SMSC splits it).
 */

import { GSM_BASIC, GSM_EXTENSION, GSM_PART, GSM_SEPTETS, UCS2_PART } from '../core/sms/gsm.ts';
import { inspectSms } from '../core/sms/segments.ts';
import type { MessageState } from '../core/states.ts';
import type { Concatenation, GsmDataCoding } from './smppSettings.ts';

/** SMPP data_coding: 0 = the SMSC's default alphabet (GSM 03.38), 1 = IA5 (ASCII), 3 = Latin-1, 8 = UCS-2. */
export const DATA_CODING_GSM = 0;
export const DATA_CODING_IA5 = 1;
export const DATA_CODING_LATIN1 = 3;
export const DATA_CODING_UCS2 = 8;

/** GSM 03.38 code of each basic character (ESC, 0x1B, is not a character), and of the extension's. */
const GSM_CODE = new Map<string, number>([...GSM_BASIC].map((c, i) => [c, i < 27 ? i : i + 1]));
const GSM_EXT_CODE = new Map<string, number>(
  [...GSM_EXTENSION].map((c, i) => [c, [0x0a, 0x14, 0x28, 0x29, 0x2f, 0x3c, 0x3d, 0x3e, 0x40, 0x65][i]!]),
);
const GSM_CHAR = new Map([...GSM_CODE].map(([c, n]) => [n, c]));
const GSM_EXT_CHAR = new Map([...GSM_EXT_CODE].map(([c, n]) => [n, c]));

/** Octets of `text` in a data_coding; the caller has checked that every character fits it. */
export function encodeText(text: string, dataCoding: number): Buffer {
  if (dataCoding === DATA_CODING_UCS2) return Buffer.from(text, 'utf16le').swap16();
  if (dataCoding === DATA_CODING_IA5 || dataCoding === DATA_CODING_LATIN1) return Buffer.from(text, 'latin1');
  // GSM 03.38 unpacked: one septet an octet, an extension character as ESC and its code.
  const out: number[] = [];
  for (const c of text) {
    const basic = GSM_CODE.get(c);
    if (basic !== undefined) out.push(basic);
    else out.push(0x1b, GSM_EXT_CODE.get(c) ?? 0x20);
  }
  return Buffer.from(out);
}

/**
 * Text from octets in a data_coding (a deliver_sm: a reply, a receipt). The coding groups of GSM
 * 03.38 §4 (0xF0–0xFF: 8-bit data when bit 2 is set, else GSM) are read as what they mean; other
 * codings SMSCs do not use for text are read as Latin-1, which keeps every octet.
 */
export function decodeText(octets: Buffer, dataCoding: number): string {
  const dc = (dataCoding & 0xf0) === 0xf0 ? (dataCoding & 0x04 ? DATA_CODING_LATIN1 : 0) : dataCoding;
  if (dc === DATA_CODING_UCS2) {
    const even = octets.subarray(0, octets.length & ~1);
    return Buffer.from(even).swap16().toString('utf16le');
  }
  if (dc === DATA_CODING_IA5) return octets.toString('latin1').replace(/[\x80-\xff]/g, '?');
  if (dc !== DATA_CODING_GSM) return octets.toString('latin1');
  let text = '';
  for (let i = 0; i < octets.length; i++) {
    const o = octets[i]! & 0x7f;
    if (o === 0x1b && i + 1 < octets.length) text += GSM_EXT_CHAR.get(octets[++i]! & 0x7f) ?? ' ';
    else text += GSM_CHAR.get(o) ?? ' ';
  }
  return text;
}

/**
 * The data_coding for a text: GSM-7 texts go in the operator's `gsmDataCoding`; with 1 (IA5) or 3
 * (Latin-1) a GSM character those cannot write (Δ, € or £ in IA5) makes the whole text UCS-2, the
 * only coding that can carry it — never a `?` in its place.
 */
export function chooseDataCoding(text: string, gsmDataCoding: GsmDataCoding): number {
  if (inspectSms(text).encoding === 'UCS-2') return DATA_CODING_UCS2;
  if (gsmDataCoding === DATA_CODING_IA5)
    return [...text].every((c) => c.charCodeAt(0) < 0x80) ? DATA_CODING_IA5 : DATA_CODING_UCS2;
  if (gsmDataCoding === DATA_CODING_LATIN1)
    return [...text].every((c) => c.charCodeAt(0) < 0x100) ? DATA_CODING_LATIN1 : DATA_CODING_UCS2;
  return DATA_CODING_GSM;
}

export interface SubmitPart {
  /** The user data header (udh8, udh16), or null. */
  udh: Buffer | null;
  /** The sar_* TLVs (sar), or null. */
  sar: { sar_msg_ref_num: number; sar_total_segments: number; sar_segment_seqnum: number } | null;
  message: string;
  /** The part's text in the plan's data_coding (without the UDH). */
  octets: Buffer;
}

export interface SubmitPlan {
  dataCoding: number;
  parts: SubmitPart[];
  /** The whole text goes in one submit_sm's message_payload TLV (`concatenation: payload`). */
  payload: boolean;
}

export interface SplitOptions {
  gsmDataCoding?: GsmDataCoding;
  concatenation?: Concatenation;
}

/**
 * A text as submit_sm parts, by the same rules as its price (CT-3) — except `udh16`, whose longer
 * header leaves one unit less a part (a text may need one part more than it was priced). `reference`
 * is 16 bits; the 8-bit UDH takes its low octet.
 */
export function splitForSubmit(text: string, reference: number, options: SplitOptions = {}): SubmitPlan {
  const method = options.concatenation ?? 'udh8';
  const dataCoding = chooseDataCoding(text, options.gsmDataCoding ?? 0);
  const info = inspectSms(text);
  const single = (message: string): SubmitPart => ({
    udh: null,
    sar: null,
    message,
    octets: encodeText(message, dataCoding),
  });
  if (info.parts.length <= 1 || method === 'payload')
    return {
      dataCoding,
      parts: info.parts.length === 0 ? [] : [single(text)],
      payload: method === 'payload' && info.parts.length > 1,
    };
  const texts =
    method === 'udh16'
      ? splitUnits(text, info.encoding === 'GSM-7', (info.encoding === 'GSM-7' ? GSM_PART : UCS2_PART) - 1)
      : info.parts;
  const total = texts.length;
  const ref8 = reference & 0xff;
  const [hi, lo] = [(reference >> 8) & 0xff, reference & 0xff];
  return {
    dataCoding,
    payload: false,
    parts: texts.map((message, i) => ({
      ...single(message),
      udh:
        method === 'udh8'
          ? Buffer.from([0x05, 0x00, 0x03, ref8, total, i + 1])
          : method === 'udh16'
            ? Buffer.from([0x06, 0x08, 0x04, hi, lo, total, i + 1])
            : null,
      sar:
        method === 'sar'
          ? { sar_msg_ref_num: reference & 0xffff, sar_total_segments: total, sar_segment_seqnum: i + 1 }
          : null,
    })),
  };
}

/**
 * Greedy split into parts of at most `room` septets (GSM: an extension character counts two and
 * moves whole) or UTF-16 units (a surrogate pair moves whole).
 */
function splitUnits(text: string, gsm: boolean, room: number): string[] {
  const parts: string[] = [];
  let start = 0;
  let used = 0;
  for (let i = 0; i < text.length; ) {
    const code = text.charCodeAt(i);
    const pair = !gsm && code >= 0xd800 && code <= 0xdbff && i + 1 < text.length;
    const width = gsm ? GSM_SEPTETS[code]! : pair ? 2 : 1;
    if (used + width > room) {
      parts.push(text.slice(start, i));
      start = i;
      used = 0;
    }
    used += width;
    i += pair ? 2 : 1;
  }
  parts.push(text.slice(start));
  return parts;
}

/**
 * The concatenation reference of one bind, 16 bits (the 8-bit UDH takes the low octet). A handset
 * joins parts by sender and reference, so a reference must not come back while a message that used
 * it may still be waiting for its parts — also across a restart of the process, which a counter
 * kept in memory alone would start from the same place again (or, seeded at random, 1 time in 256).
 * Persisting it would need the database, which a gateway never touches; instead it starts from the
 * clock at 100 references a second, and then counts up by one. A restarted bind so starts past every
 * reference its predecessor took, as long as that one averaged fewer than 100 long messages a second
 * since it started (a window of 10 at SMSC speeds is below that); the 16 bits wrap after about 11
 * minutes of clock, far longer than a handset waits for missing parts. The 8-bit form has only 256
 * references whatever is done: it repeats after 256 long messages, and where a restart lands among
 * them follows the clock — `udh16` or `sar` keep the whole guarantee.
 */
export class ReferenceCounter {
  private last: number;
  constructor(nowMs: number) {
    this.last = Math.floor(nowMs / 10) - 1;
  }
  next(): number {
    this.last += 1;
    return this.last & 0xffff;
  }
}

/** Command statuses by name, for raw codes people can read (SMPP 3.4, 5.1.3). */
const NAMES: Record<number, string> = {
  0: 'ESME_ROK',
  1: 'ESME_RINVMSGLEN',
  2: 'ESME_RINVCMDLEN',
  3: 'ESME_RINVCMDID',
  4: 'ESME_RINVBNDSTS',
  5: 'ESME_RALYBND',
  6: 'ESME_RINVPRTFLG',
  7: 'ESME_RINVREGDLVFLG',
  8: 'ESME_RSYSERR',
  10: 'ESME_RINVSRCADR',
  11: 'ESME_RINVDSTADR',
  12: 'ESME_RINVMSGID',
  13: 'ESME_RBINDFAIL',
  14: 'ESME_RINVPASWD',
  15: 'ESME_RINVSYSID',
  20: 'ESME_RMSGQFUL',
  21: 'ESME_RINVSERTYP',
  67: 'ESME_RINVESMCLASS',
  69: 'ESME_RSUBMITFAIL',
  72: 'ESME_RINVSRCTON',
  73: 'ESME_RINVSRCNPI',
  80: 'ESME_RINVDSTTON',
  81: 'ESME_RINVDSTNPI',
  83: 'ESME_RINVSYSTYP',
  88: 'ESME_RTHROTTLED',
  97: 'ESME_RINVSCHED',
  98: 'ESME_RINVEXPIRY',
  100: 'ESME_RX_T_APPN',
  101: 'ESME_RX_P_APPN',
  102: 'ESME_RX_R_APPN',
  192: 'ESME_RINVTLVSTREAM',
  193: 'ESME_RTLVNOTALLWD',
  194: 'ESME_RINVTLVLEN',
  195: 'ESME_RMISSINGTLV',
  196: 'ESME_RINVTLVVAL',
  254: 'ESME_RDELIVERYFAILURE',
  255: 'ESME_RUNKNOWNERR',
  260: 'ESME_RINVDCS',
};

export function statusName(code: number): string {
  return NAMES[code] ?? `0x${code.toString(16).padStart(8, '0')}`;
}

/** Slow down: the SMSC's queue for this account is full or its rate is exceeded. */
const THROTTLING = new Set([0x14, 0x58]);
/** The message itself is at fault (address, text, coding, sender): sending it again cannot help. */
const PERMANENT = new Set([
  0x01, 0x06, 0x07, 0x0a, 0x0b, 0x15, 0x43, 0x48, 0x49, 0x50, 0x51, 0x61, 0x62, 0x65, 0x66, 0xc0, 0xc1, 0xc2,
  0xc3, 0xc4, 0x104,
]);

/**
 * What a submit_sm_resp's command_status means. Anything not known to be the message's fault —
 * system errors, a bind in the wrong state, and the vendor-specific range 0x400–0x4FF that every
 * aggregator fills differently — is retryable: the attempts are bounded by the retry policy, and a
 * message is not lost to a code nobody documented.
 */
export function classifyStatus(code: number): 'rate_limited' | 'permanent' | 'retryable' {
  if (THROTTLING.has(code)) return 'rate_limited';
  if (PERMANENT.has(code)) return 'permanent';
  return 'retryable';
}

/** Why a bind was refused, naming the setting at fault. */
export function bindFailure(code: number): string {
  if (code === 0x0e) return 'the SMSC refused the bind: wrong password (setting `password`)';
  if (code === 0x0f) return 'the SMSC refused the bind: unknown system_id (setting `system_id`)';
  if (code === 0x53) return 'the SMSC refused the bind: wrong system_type (setting `system_type`)';
  if (code === 0x05) return 'the SMSC refused the bind: this account is already bound (too many binds)';
  return `the SMSC refused the bind: ${statusName(code)}`;
}

export interface Receipt {
  id: string;
  stat: string;
  err: string;
}

/**
 * The text of a delivery receipt (SMPP 3.4, Appendix B):
 * `id:IIIIIIIIII sub:SSS dlvrd:DDD submit date:YYMMDDhhmm done date:YYMMDDhhmm stat:DDDDDDD err:E text:…`.
 * SMSCs vary the case, the spacing and the fields they include; only `id` and `stat` are required.
 */
export function parseReceiptText(text: string): Receipt | null {
  const id = /(?:^|\s)id:\s*([^\s]+)/i.exec(text)?.[1];
  const stat = /(?:^|\s)stat:\s*([A-Za-z_]+)/i.exec(text)?.[1];
  if (!id || !stat) return null;
  const err = /(?:^|\s)err:\s*([^\s]+)/i.exec(text)?.[1] ?? '';
  return { id, stat: stat.toUpperCase(), err };
}

/** A receipt's `stat` as Vestnik's state; ENROUTE and ACCEPTD are not final. */
export function receiptState(stat: string): MessageState {
  switch (stat) {
    case 'DELIVRD':
      return 'delivered';
    case 'UNDELIV':
    case 'DELETED':
    case 'SKIPPED':
      return 'undelivered';
    case 'EXPIRED':
      return 'expired';
    case 'REJECTD':
      return 'rejected';
    case 'ENROUTE':
    case 'ACCEPTD':
    case 'SCHEDULED':
      return 'submitted';
    default:
      return 'unknown';
  }
}

/** The message_state TLV's values (SMPP 3.4, 5.3.2.35) as the receipt text's `stat`. */
export const MESSAGE_STATE_STAT = [
  'SCHEDULED',
  'ENROUTE',
  'DELIVRD',
  'EXPIRED',
  'DELETED',
  'UNDELIV',
  'ACCEPTD',
  'UNKNOWN',
  'REJECTD',
  'SKIPPED',
];

/**
 * How an SMSC writes its message ids, in submit_sm_resp and in receipts. Many write the same id
 * hexadecimal in one place and decimal in the other, or zero-padded to 10 digits: `auto` reads
 * digits-only as decimal and anything with a–f as hexadecimal, which is right for all of them except
 * a hexadecimal id that happens to have no letter — set `hex` for such an SMSC.
 */
export type IdForm = 'auto' | 'decimal' | 'hex' | 'text';
export const ID_FORMS: readonly IdForm[] = ['auto', 'decimal', 'hex', 'text'];

/**
 * One form for an id, so the submit answer's and the receipt's forms of it compare equal: a number
 * is written in decimal without leading zeros; an id that is not a number (`text`, or one with other
 * characters) is kept as it is, trimmed.
 */
export function normaliseId(raw: string, form: IdForm): string {
  const id = raw.replace(/\0/g, '').trim();
  if (form === 'text' || id === '') return id;
  const decimal = /^\d+$/.test(id);
  const hex = /^[0-9a-f]+$/i.test(id);
  if (form === 'hex' || (form === 'auto' && !decimal)) return hex ? BigInt(`0x${id}`).toString(10) : id;
  return decimal ? BigInt(id).toString(10) : id;
}
