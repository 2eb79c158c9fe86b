/**
 * What arrives in a `deliver_sm` (pure): a delivery receipt, or a message from a person (MO: a
 * reply, a «СТОП»), possibly one part of a concatenated one. Read from the PDU's own octets rather
 * than the `smpp` library's decoding, which reads data_coding 1 (IA5) as GSM and drops a UDH's
 * information elements it does not know.
 */
import type { InboundMessage } from './provider.ts';
import { decodeText } from './smppPdu.ts';

export interface RawDeliver {
  sourceTon: number;
  sourceAddr: string;
  destAddr: string;
  esmClass: number;
  dataCoding: number;
  /** short_message, or message_payload when short_message is empty. */
  octets: Buffer;
  /** TLVs by tag. */
  tlvs: Map<number, Buffer>;
}

const TLV_SAR_REF = 0x020c;
const TLV_SAR_TOTAL = 0x020e;
const TLV_SAR_SEQ = 0x020f;
const TLV_PAYLOAD = 0x0424;

/**
 * A deliver_sm's body from its command_id on (the 4 octets of command_length already read), or
 * null when it is cut short.
 */
export function parseDeliverSm(body: Buffer): RawDeliver | null {
  let at = 12;
  const cstring = (): string => {
    const end = body.indexOf(0, at);
    if (end < 0) throw new RangeError('unterminated C-Octet String');
    const s = body.toString('latin1', at, end);
    at = end + 1;
    return s;
  };
  const octet = (): number => {
    if (at >= body.length) throw new RangeError('cut short');
    return body[at++]!;
  };
  try {
    cstring(); // service_type
    const sourceTon = octet();
    octet(); // source_addr_npi
    const sourceAddr = cstring();
    octet();
    octet();
    const destAddr = cstring();
    const esmClass = octet();
    octet(); // protocol_id
    octet(); // priority_flag
    cstring(); // schedule_delivery_time
    cstring(); // validity_period
    octet(); // registered_delivery
    octet(); // replace_if_present_flag
    const dataCoding = octet();
    octet(); // sm_default_msg_id
    const length = octet();
    const short = body.subarray(at, at + length);
    at += length;
    const tlvs = new Map<number, Buffer>();
    while (at + 4 <= body.length) {
      const tag = body.readUInt16BE(at);
      const len = body.readUInt16BE(at + 2);
      tlvs.set(tag, body.subarray(at + 4, at + 4 + len));
      at += 4 + len;
    }
    const octets = short.length === 0 ? (tlvs.get(TLV_PAYLOAD) ?? short) : short;
    return { sourceTon, sourceAddr, destAddr, esmClass, dataCoding, octets, tlvs };
  } catch {
    return null;
  }
}

/** A receipt (esm_class message type 0x04 or 0x20), as opposed to a message from a person. */
export const isReceipt = (esmClass: number) => [0x04, 0x20].includes(esmClass & 0x3c);

/** An address as Vestnik writes numbers: '+digits' when it is all digits, else as it came. */
export function normaliseAddress(addr: string): string {
  const a = addr.trim();
  return /^\+?\d+$/.test(a) ? `+${a.replace(/^\+/, '')}` : a;
}

export interface MoPart {
  /** The text of this part (its UDH removed). */
  text: string;
  /** Concatenation: the reference, the count and this part's number; null for a whole message. */
  concat: { ref: number; total: number; seq: number } | null;
}

/** A message from a person: its text and, if it is a part, which (UDH IE 0x00 / 0x08, or sar_*). */
export function moPart(d: RawDeliver): MoPart {
  let octets = d.octets;
  let concat: MoPart['concat'] = null;
  if (d.esmClass & 0x40 && octets.length > 0) {
    const udhLength = octets[0]! + 1;
    for (let i = 1; i + 1 < udhLength; ) {
      const [iei, len] = [octets[i]!, octets[i + 1]!];
      const ie = octets.subarray(i + 2, i + 2 + len);
      if (iei === 0x00 && len === 3) concat = { ref: ie[0]!, total: ie[1]!, seq: ie[2]! };
      if (iei === 0x08 && len === 4) concat = { ref: ie.readUInt16BE(0), total: ie[2]!, seq: ie[3]! };
      i += 2 + len;
    }
    octets = octets.subarray(udhLength);
  } else {
    const [ref, total, seq] = [TLV_SAR_REF, TLV_SAR_TOTAL, TLV_SAR_SEQ].map((t) => d.tlvs.get(t));
    if (ref?.length === 2 && total?.length === 1 && seq?.length === 1)
      concat = { ref: ref.readUInt16BE(0), total: total[0]!, seq: seq[0]! };
  }
  if (concat && (concat.total < 2 || concat.seq < 1 || concat.seq > concat.total)) concat = null;
  return { text: decodeText(octets, d.dataCoding), concat };
}

/**
 * Parts of messages from people, kept until the last arrives: each with what the caller holds for
 * it (its unanswered deliver_sm). Keyed by sender, recipient, reference and count, so two senders'
 * messages with the same reference never mix.
 */
export class MoAssembler<T> {
  private readonly waiting = new Map<
    string,
    { parts: Map<number, { text: string; held: T }>; since: number }
  >();

  /**
   * Adds a part. Returns the whole message and every part's `held` when it is complete; a copy of a
   * part that was delivered again (the SMSC missed no answer — none was sent yet — but timed out)
   * replaces the older copy, whose `held` comes back with no message: answer it, the newer copy
   * carries the part.
   */
  add(
    d: RawDeliver,
    part: MoPart,
    held: T,
    now: number,
  ): { message: InboundMessage | null; held: T[] } | null {
    const base = { from: normaliseAddress(d.sourceAddr), to: d.destAddr, receivedAt: new Date(now) };
    if (!part.concat) return { message: { ...base, text: part.text }, held: [held] };
    const key = `${d.sourceAddr}\u0000${d.destAddr}\u0000${part.concat.ref}\u0000${part.concat.total}`;
    const entry = this.waiting.get(key) ?? { parts: new Map(), since: now };
    this.waiting.set(key, entry);
    const repeated = entry.parts.get(part.concat.seq);
    entry.parts.set(part.concat.seq, { text: part.text, held });
    const extra = repeated ? [repeated.held] : [];
    if (entry.parts.size < part.concat.total) return extra.length ? { message: null, held: extra } : null;
    this.waiting.delete(key);
    const ordered = [...entry.parts.entries()].sort((a, b) => a[0] - b[0]).map(([, p]) => p);
    return {
      message: { ...base, text: ordered.map((p) => p.text).join('') },
      held: [...extra, ...ordered.map((p) => p.held)],
    };
  }

  /** Parts older than `maxAgeMs`: given up on (their deliver_sm are answered «try later»). */
  expire(now: number, maxAgeMs: number): T[] {
    const out: T[] = [];
    for (const [key, entry] of this.waiting)
      if (now - entry.since >= maxAgeMs) {
        this.waiting.delete(key);
        for (const p of entry.parts.values()) out.push(p.held);
      }
    return out;
  }

  get size(): number {
    return this.waiting.size;
  }
}
