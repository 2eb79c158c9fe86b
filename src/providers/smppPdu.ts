/**
 * The pure half of the SMPP 3.4 gateway (smpp.ts): what a text becomes as `submit_sm` parts, what a
 * `command_status` means for Vestnik, how a delivery receipt reads, and one form for message ids.
 *
 * Concatenation uses a user data header with an 8-bit reference (IE 0x00: 05 00 03 ref total seq)
 * rather than the sar_* TLVs: the segment counter of src/core/sms bills 153 septets / 67 UCS-2
 * units a part, which is exactly the room a 6-octet UDH leaves, so what is sent is what was priced;
 * and a UDH travels to the handset untouched through every SMSC, while sar_* TLVs must be turned into
 * a UDH by the SMSC — some Russian aggregators' SMPP front ends drop them and deliver loose parts.
 */

import { inspectSms } from '../core/sms/segments.ts';
import type { MessageState } from '../core/states.ts';

/** SMPP data_coding: 0 = the SMSC's default alphabet (GSM 03.38, one septet per octet), 8 = UCS-2. */
export const DATA_CODING_GSM = 0;
export const DATA_CODING_UCS2 = 8;

export interface SubmitPart {
  /** The user data header, or null for a text that fits one SMS. */
  udh: Buffer | null;
  message: string;
}

/** A text as submit_sm parts, by the same rules as its price (CT-3); null when it cannot be sent. */
export function splitForSubmit(text: string, reference: number): { dataCoding: number; parts: SubmitPart[] } {
  const info = inspectSms(text);
  const dataCoding = info.encoding === 'GSM-7' ? DATA_CODING_GSM : DATA_CODING_UCS2;
  if (info.parts.length <= 1)
    return { dataCoding, parts: info.parts.map((message) => ({ udh: null, message })) };
  const total = info.parts.length;
  return {
    dataCoding,
    parts: info.parts.map((message, i) => ({
      udh: Buffer.from([0x05, 0x00, 0x03, reference & 0xff, total, i + 1]),
      message,
    })),
  };
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
