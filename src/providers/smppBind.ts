/**
 * One SMPP bind of the `smpp` gateway — a transceiver, a transmitter or a receiver (smpp.ts has its
 * state machine): its lease among the account's binds (smppLeases.ts), connecting and binding,
 * enquire_link, reconnection with back-off, the window of unanswered submit_sm and the throttling
 * pause, and what arrives on it in deliver_sm: delivery receipts and messages from people.
 */
import smpp, { type Pdu, type Session } from 'smpp';
import { guardedConnect } from './hostGuard.ts';
import type {
  InboundListener,
  InboundMessage,
  ReportListener,
  SendOutcome,
  StatusReport,
} from './provider.ts';
import {
  isReceipt,
  MoAssembler,
  moPart,
  normaliseAddress,
  parseDeliverSm,
  type RawDeliver,
} from './smppDeliver.ts';
import { acquire, type BindHealth, type Lease, onLocalRelease } from './smppLeases.ts';
import {
  bindFailure,
  classifyStatus,
  decodeText,
  MESSAGE_STATE_STAT,
  normaliseId,
  parseReceiptText,
  ReferenceCounter,
  receiptState,
  statusName,
} from './smppPdu.ts';
import type { SmppSettings } from './smppSettings.ts';

export type BindMode = 'transceiver' | 'transmitter' | 'receiver';

/** A refused outcome without its message id (distributes over the union, unlike Omit). */
type Refusal<T = SendOutcome> = T extends { kind: 'accepted' } ? never : Omit<T, 'id'>;
export type PartResult = { ok: true; id: string } | { ok: false; outcome: Refusal };

const retryable = (rawStatus: string, reason: string): PartResult => ({
  ok: false,
  outcome: { kind: 'retryable', rawStatus, reason },
});
/** A deliver_sm not yet answered: where it came and what it carried for the listeners. */
interface Held {
  session: Session;
  pdu: Pdu;
}
type Queued =
  | { kind: 'report'; held: Held; report: StatusReport | null }
  | { kind: 'inbound'; held: Held[]; message: InboundMessage | null }
  /** Parts of a message from a person that never completed: answered «try later». */
  | { kind: 'given up'; held: Held[] };

/** ESME_RX_T_APPN: a temporary error, the SMSC delivers the PDU again later. */
const TRY_LATER = 0x64;

export class SmppBind {
  private session: Session | null = null;
  private state: 'idle' | 'connecting' | 'bound' | 'waiting' | 'closed' = 'idle';
  private connecting: Promise<void> | null = null;
  private lastError = { raw: 'NOT_BOUND', reason: 'not bound yet' };
  private failures = 0;
  private timers = new Set<NodeJS.Timeout>();
  /** Settles every unanswered submit: with an outcome when the bind drops. */
  private readonly pending = new Set<(r: PartResult) => void>();
  private limit: number;
  private inUse = 0;
  private okStreak = 0;
  private readonly waiters: (() => void)[] = [];
  private pauseMs: number;
  private pausedUntil = 0;
  private readonly references = new ReferenceCounter(Date.now());
  private listener: ReportListener | null = null;
  private inboundListener: InboundListener | null = null;
  private queued: Queued[] = [];
  private readonly parts = new MoAssembler<Held>();
  private lease: Lease | null = null;
  private stopWaiting: (() => void) | null = null;
  private since = new Date();
  /** The account's binds of this kind, for the lease: the same SMSC account, whichever gateway row. */
  readonly account: string;

  constructor(
    readonly s: SmppSettings,
    readonly mode: BindMode = 'transceiver',
  ) {
    this.limit = s.window;
    this.pauseMs = s.throttleSeconds * 1000;
    this.account = `${s.host}:${s.port}:${s.systemId}:${mode}`;
  }

  /** Someone writes the receipts: bind now, so they flow before the first send (after a restart). */
  onReports(listener: ReportListener): void {
    this.listener = listener;
    if (this.state === 'idle') this.open();
  }

  /** Likewise for messages from people. */
  onInbound(listener: InboundListener): void {
    this.inboundListener = listener;
    if (this.state === 'idle') this.open();
  }

  /** The bind's state as the lease shows it to `vestnik gateway test` elsewhere. */
  health(): BindHealth {
    return this.state === 'bound'
      ? { up: true, since: this.since }
      : { up: false, error: this.lastError, since: this.since };
  }

  private setState(state: typeof this.state): void {
    if (state !== this.state && (state === 'bound' || this.state === 'bound')) this.since = new Date();
    this.state = state;
    this.lease?.report(this.health());
  }

  private later(ms: number, fn: () => void): NodeJS.Timeout {
    const t = setTimeout(() => {
      this.timers.delete(t);
      fn();
    }, ms);
    t.unref();
    this.timers.add(t);
    return t;
  }

  /** Null when bound; else why not, as a raw code and a reason. */
  async ready(): Promise<{ raw: string; reason: string } | null> {
    if (this.state === 'idle') this.open();
    if (this.state === 'connecting') await this.connecting;
    return this.state === 'bound' ? null : this.lastError;
  }

  /** Whether this bind holds one of the account's leases (it may be reconnecting meanwhile). */
  get leased(): boolean {
    return this.lease !== null;
  }

  /**
   * Binds: takes a lease among the account's binds first (kept until close, also while the bind
   * reconnects), then connects. With every lease held elsewhere it waits — for a lease let go in
   * this process at once, else polling every few seconds — and sends are refused as slowed down.
   */
  private open(): void {
    this.setState('connecting');
    this.connecting = (async () => {
      if (!this.lease) {
        this.lease = await acquire(this.account, this.s.maxBinds, () => this.health());
        if (this.state === 'closed') {
          await this.lease?.release();
          this.lease = null;
          return;
        }
        if (!this.lease) return this.waitForLease();
      }
      await this.connect();
    })();
  }

  private waitForLease(): void {
    this.lastError = {
      raw: 'BINDS_IN_USE',
      reason:
        `the account ${this.s.systemId} at ${this.s.host}:${this.s.port} may have ${this.s.maxBinds} ` +
        `${this.mode} bind(s) (setting \`maxBinds\`), and another Vestnik process or gateway holds them`,
    };
    this.setState('waiting');
    const retry = () => {
      this.stopWaiting?.();
      this.stopWaiting = null;
      if (this.state === 'waiting') this.open();
    };
    this.stopWaiting = onLocalRelease(this.account, () => queueMicrotask(retry));
    this.later(Math.min(5000, this.s.reconnectSeconds * 1000 * 4), retry);
  }

  private connect(): Promise<void> {
    const s = this.s;
    return new Promise<void>((resolve) => {
      const session = smpp.connect(guardedConnect(s.host, s.port));
      this.session = session;
      keepRawPdus(session);
      const timer = this.later(s.responseSeconds * 1000, () => {
        this.lastError = {
          raw: 'BIND_TIMEOUT',
          reason: `no bind answer from ${s.host}:${s.port} in ${s.responseSeconds} s`,
        };
        session.destroy();
      });
      // A socket error closes the session anyway; a PDU the library cannot parse leaves it stuck
      // (it stops reading), so every error ends the session and a new bind follows.
      session.on('error', (err: Error) => {
        if (this.state === 'connecting')
          this.lastError = { raw: 'CONNECT_FAILED', reason: `${s.host}:${s.port}: ${err.message}` };
        else
          this.lastError = { raw: 'CONNECTION_LOST', reason: `the SMPP connection failed: ${err.message}` };
        session.destroy();
      });
      session.on('close', () => {
        clearTimeout(timer);
        this.dropped(session);
        resolve();
      });
      session.on('connect', () => {
        session[`bind_${this.mode}`](
          {
            system_id: s.systemId,
            password: s.password,
            system_type: s.systemType,
            interface_version: 0x34,
          },
          (resp) => {
            clearTimeout(timer);
            if (resp.command_status !== 0) {
              this.lastError = {
                raw: statusName(resp.command_status),
                reason: bindFailure(resp.command_status),
              };
              session.destroy();
              return;
            }
            this.onBound(session);
            resolve();
          },
        );
      });
    });
  }

  private onBound(session: Session): void {
    this.failures = 0;
    this.setState('bound');
    // What a later drop reports, unless an error or a silent SMSC says more.
    this.lastError = { raw: 'CONNECTION_LOST', reason: 'the SMPP connection dropped' };
    session.on('deliver_sm', (pdu: Pdu) => this.delivered(session, pdu));
    session.on('enquire_link', (pdu: Pdu) => session.send(pdu.response()));
    session.on('unbind', (pdu: Pdu) => {
      session.send(pdu.response());
      session.close();
    });
    const enquire = () => {
      if (this.session !== session || this.state !== 'bound') return;
      const dead = this.later(this.s.responseSeconds * 1000, () => {
        this.lastError = { raw: 'ENQUIRE_TIMEOUT', reason: 'the SMSC stopped answering enquire_link' };
        session.destroy();
      });
      session.enquire_link({}, () => {
        clearTimeout(dead);
        this.timers.delete(dead);
        this.later(this.s.enquireSeconds * 1000, enquire);
      });
    };
    this.later(this.s.enquireSeconds * 1000, enquire);
  }

  /** The bind is gone: unanswered submits become retryable; bind again after the back-off. */
  private dropped(session: Session): void {
    if (this.session !== session) return;
    this.session = null;
    for (const settle of [...this.pending])
      settle(retryable(this.lastError.raw, `${this.lastError.reason}; the SMSC may have taken it`));
    for (const w of this.waiters.splice(0)) w();
    if (this.state === 'closed') return;
    this.setState('waiting');
    const delay = Math.min(60_000, this.s.reconnectSeconds * 1000 * 2 ** this.failures++);
    this.later(delay, () => {
      if (this.state === 'waiting') this.open();
    });
  }

  /** Why a part cannot go now: no bind, or a throttling pause; null when it can. */
  private refusal(): PartResult | null {
    if (this.state !== 'bound' || !this.session) return retryable(this.lastError.raw, this.lastError.reason);
    const wait = this.pausedUntil - Date.now();
    if (wait <= 0) return null;
    return {
      ok: false,
      outcome: {
        kind: 'rate_limited',
        rawStatus: 'THROTTLED',
        reason: 'the SMSC asked to slow down',
        retryAfterMs: wait,
      },
    };
  }

  /**
   * Submits one part when the window and any throttling pause allow. A part refused while others
   * wait for the window wakes the next one, which is refused too: none is left waiting for a slot
   * that no answer will free.
   */
  async submit(fields: Record<string, unknown>): Promise<PartResult> {
    for (;;) {
      const refused = this.refusal();
      if (refused) {
        this.waiters.shift()?.();
        return refused;
      }
      if (this.inUse < this.limit) break;
      await new Promise<void>((r) => this.waiters.push(r));
    }
    const session = this.session!;
    this.inUse++;
    const result = await new Promise<PartResult>((resolve) => {
      const settle = (r: PartResult) => {
        if (!this.pending.delete(settle)) return;
        clearTimeout(timer);
        resolve(r);
      };
      this.pending.add(settle);
      const timer = this.later(this.s.responseSeconds * 1000, () =>
        settle(
          retryable(
            'TIMEOUT',
            `no submit_sm_resp in ${this.s.responseSeconds} s; the SMSC may have taken it`,
          ),
        ),
      );
      const sent = session.send(new smpp.PDU('submit_sm', fields), (resp) => settle(this.answer(resp)));
      if (!sent) settle(retryable('NOT_WRITABLE', 'the SMPP connection is closing'));
    });
    this.inUse--;
    this.waiters.shift()?.();
    return result;
  }

  /** A submit_sm_resp as a part's result; throttling slows the bind, success speeds it up again. */
  private answer(resp: Pdu): PartResult {
    const code = resp.command_status;
    if (code === 0) {
      if (++this.okStreak >= this.limit) {
        this.okStreak = 0;
        this.limit = Math.min(this.s.window, this.limit + 1);
        this.pauseMs = this.s.throttleSeconds * 1000;
      }
      return { ok: true, id: normaliseId(String(resp.message_id ?? ''), this.s.submitIdForm) };
    }
    const raw = statusName(code);
    const kind = classifyStatus(code);
    if (kind === 'rate_limited') {
      this.okStreak = 0;
      this.limit = Math.max(1, Math.floor(this.limit / 2));
      this.pausedUntil = Math.max(this.pausedUntil, Date.now() + this.pauseMs);
      const retryAfterMs = this.pauseMs;
      this.pauseMs = Math.min(30_000, this.pauseMs * 2);
      return {
        ok: false,
        outcome: { kind, rawStatus: raw, reason: `the SMSC asked to slow down (${raw})`, retryAfterMs },
      };
    }
    return { ok: false, outcome: { kind, rawStatus: raw, reason: `the SMSC refused the message: ${raw}` } };
  }

  /** The next concatenation reference (16 bits; smppPdu.ts says why it starts from the clock). */
  nextReference(): number {
    return this.references.next();
  }

  /**
   * A deliver_sm: a receipt, or a message from a person (a part of one is kept until its last part
   * arrives). Each is queued for its listener and answered only once that listener has it.
   */
  private delivered(session: Session, pdu: Pdu): void {
    const raw = rawDeliver(pdu);
    const held = { session, pdu };
    if (!raw) {
      session.send(pdu.response());
      return;
    }
    if (isReceipt(raw.esmClass)) this.queue({ kind: 'report', held, report: this.receipt(pdu, raw) });
    else {
      const whole = this.parts.add(raw, moPart(raw), held, Date.now());
      if (whole) this.queue({ kind: 'inbound', held: whole.held, message: whole.message });
      else if (this.parts.size > 0)
        // Parts whose message never completes are answered «try later» so the SMSC sends them again.
        this.later(this.s.responseSeconds * 1000, () => {
          const stale = this.parts.expire(Date.now(), this.s.responseSeconds * 1000);
          if (stale.length) this.queue({ kind: 'given up', held: stale });
        });
    }
  }

  private queue(q: Queued): void {
    this.queued.push(q);
    if (this.queued.length >= 200) void this.flush();
    else if (this.queued.length === 1) this.later(20, () => void this.flush());
  }

  private receipt(pdu: Pdu, raw: RawDeliver): StatusReport | null {
    const text = decodeText(raw.octets, raw.dataCoding);
    const parsed = parseReceiptText(text);
    const tlvId = typeof pdu.receipted_message_id === 'string' ? pdu.receipted_message_id : '';
    const tlvStat = typeof pdu.message_state === 'number' ? MESSAGE_STATE_STAT[pdu.message_state] : undefined;
    // The TLV carries the id as submit_sm_resp gave it; the text's id is in the receipt's form.
    const id = tlvId
      ? normaliseId(tlvId, this.s.submitIdForm)
      : parsed
        ? normaliseId(parsed.id, this.s.receiptIdForm)
        : '';
    const stat = parsed?.stat ?? tlvStat;
    if (!id || !stat) return null;
    // A receipt's source_addr is the number the message went to (SMPP 3.4, 5.2.12: the MS).
    const destination = raw.sourceAddr ? normaliseAddress(raw.sourceAddr) : '';
    return {
      providerId: id,
      state: receiptState(stat),
      rawStatus: parsed?.err ? `${stat} err:${parsed.err}` : stat,
      ...(destination ? { destination } : {}),
    };
  }

  /**
   * Hands queued receipts and messages to their listeners, then answers them: OK once written, else
   * «try later» — also when no listener is set, so nothing is acknowledged and then lost.
   */
  async flush(): Promise<void> {
    const batch = this.queued.splice(0);
    if (batch.length === 0) return;
    const reports = batch.flatMap((b) => (b.kind === 'report' && b.report ? [b.report] : []));
    const messages = batch.flatMap((b) => (b.kind === 'inbound' && b.message ? [b.message] : []));
    const deliver = async <T>(items: T[], listener: ((items: T[]) => Promise<void>) | null) => {
      if (items.length === 0) return true;
      try {
        if (!listener) return false;
        await listener(items);
        return true;
      } catch {
        return false;
      }
    };
    const [reportsOk, inboundOk] = await Promise.all([
      deliver(reports, this.listener),
      deliver(messages, this.inboundListener),
    ]);
    const answer = (h: Held, ok: boolean) =>
      h.session.send(h.pdu.response(ok ? {} : { command_status: TRY_LATER }));
    for (const b of batch) {
      if (b.kind === 'report') answer(b.held, !b.report || reportsOk);
      else if (b.kind === 'given up') for (const h of b.held) answer(h, false);
      else for (const h of b.held) answer(h, !b.message || inboundOk);
    }
  }

  /** Waits for unanswered submits (at most `responseSeconds`), answers receipts, unbinds. */
  async close(): Promise<void> {
    const session = this.session;
    const deadline = Date.now() + this.s.responseSeconds * 1000;
    while (this.pending.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    const stale = this.parts.expire(Number.POSITIVE_INFINITY, 0);
    if (stale.length) this.queue({ kind: 'given up', held: stale });
    await this.flush();
    this.state = 'closed';
    this.stopWaiting?.();
    const lease = this.lease;
    this.lease = null;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const w of this.waiters.splice(0)) w();
    if (!session) {
      await lease?.release();
      return;
    }
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => session.destroy(), 2000);
      session.socket.once('close', () => {
        clearTimeout(force);
        resolve();
      });
      if (!session.unbind({}, () => session.close())) session.destroy();
    });
    await lease?.release();
  }
}

/**
 * Keeps each PDU's octets (from command_id on) as `raw` on the PDU: the session reads a PDU's
 * length, then its body, with socket.read, and emits it at once — so the last body read is the
 * PDU being emitted.
 */
function keepRawPdus(session: Session): void {
  let last: Buffer | null = null;
  const read = session.socket.read.bind(session.socket);
  session.socket.read = (size?: number) => {
    const chunk = read(size) as Buffer | null;
    if (chunk && chunk.length !== 4) last = chunk;
    return chunk;
  };
  session.on('pdu', (pdu: Pdu) => {
    pdu.raw = last;
    last = null;
  });
}

/** A deliver_sm's fields from its own octets; from the library's decoding if they were not kept. */
function rawDeliver(pdu: Pdu): RawDeliver | null {
  if (Buffer.isBuffer(pdu.raw)) return parseDeliverSm(pdu.raw);
  return null;
}
