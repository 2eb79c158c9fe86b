/**
 * One SMPP transceiver bind of the `smpp` gateway (smpp.ts has its state machine): connecting and
 * binding, enquire_link, reconnection with back-off, the window of unanswered submit_sm and the
 * throttling pause, and the delivery receipts that arrive on it.
 */
import smpp, { type DecodedMessage, type Pdu, type Session } from 'smpp';
import { guardedConnect } from './hostGuard.ts';
import type { ReportListener, SendOutcome, StatusReport } from './provider.ts';
import {
  bindFailure,
  classifyStatus,
  MESSAGE_STATE_STAT,
  normaliseId,
  parseReceiptText,
  receiptState,
  statusName,
} from './smppPdu.ts';
import type { SmppSettings } from './smppSettings.ts';

/** A refused outcome without its message id (distributes over the union, unlike Omit). */
type Refusal<T = SendOutcome> = T extends { kind: 'accepted' } ? never : Omit<T, 'id'>;
export type PartResult = { ok: true; id: string } | { ok: false; outcome: Refusal };

const retryable = (rawStatus: string, reason: string): PartResult => ({
  ok: false,
  outcome: { kind: 'retryable', rawStatus, reason },
});
/** Later parts' ids → the first part's, for the receipts; oldest forgotten first. */
const PARTS_REMEMBERED = 100_000;

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
  private reference = Math.floor(Math.random() * 256);
  private readonly partOf = new Map<string, string>();
  private listener: ReportListener | null = null;
  private queued: { session: Session; pdu: Pdu; report: StatusReport | null }[] = [];

  constructor(readonly s: SmppSettings) {
    this.limit = s.window;
    this.pauseMs = s.throttleSeconds * 1000;
  }

  /** Someone writes the receipts: bind now, so they flow before the first send (after a restart). */
  onReports(listener: ReportListener): void {
    this.listener = listener;
    if (this.state === 'idle') this.open();
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

  private open(): void {
    const s = this.s;
    this.state = 'connecting';
    this.connecting = new Promise<void>((resolve) => {
      const session = smpp.connect(guardedConnect(s.host, s.port));
      this.session = session;
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
        session.bind_transceiver(
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
    this.state = 'bound';
    this.failures = 0;
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
    this.state = 'waiting';
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

  nextReference(): number {
    this.reference = (this.reference + 1) & 0xff;
    return this.reference;
  }

  rememberPart(id: string, first: string): void {
    this.partOf.set(id, first);
    if (this.partOf.size > PARTS_REMEMBERED) this.partOf.delete(this.partOf.keys().next().value!);
  }

  /** A deliver_sm: a receipt is queued for the listener; anything else (a reply) is acknowledged. */
  private delivered(session: Session, pdu: Pdu): void {
    const type = Number(pdu.esm_class ?? 0) & 0x3c;
    if (type !== 0x04 && type !== 0x20) {
      session.send(pdu.response());
      return;
    }
    this.queued.push({ session, pdu, report: this.receipt(pdu) });
    if (this.queued.length >= 200) void this.flush();
    else if (this.queued.length === 1) this.later(20, () => void this.flush());
  }

  private receipt(pdu: Pdu): StatusReport | null {
    const body = (pdu.short_message ?? pdu.message_payload) as DecodedMessage | undefined;
    const text = typeof body?.message === 'string' ? body.message : (body?.message?.toString('latin1') ?? '');
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
    if (!id || !stat || this.partOf.has(id)) return null;
    return {
      providerId: id,
      state: receiptState(stat),
      rawStatus: parsed?.err ? `${stat} err:${parsed.err}` : stat,
    };
  }

  /** Hands queued receipts to the listener, then answers them: OK once written, else «try later». */
  async flush(): Promise<void> {
    const batch = this.queued.splice(0);
    if (batch.length === 0) return;
    const reports = batch.map((b) => b.report).filter((r): r is StatusReport => r !== null);
    let status = 0;
    try {
      if (reports.length) {
        if (!this.listener) throw new Error('no listener');
        await this.listener(reports);
      }
    } catch {
      status = 0x64; // ESME_RX_T_APPN: a temporary error, the SMSC delivers the receipt again later
    }
    for (const b of batch)
      b.session.send(b.pdu.response(status === 0 || !b.report ? {} : { command_status: status }));
  }

  /** Waits for unanswered submits (at most `responseSeconds`), answers receipts, unbinds. */
  async close(): Promise<void> {
    const session = this.session;
    const deadline = Date.now() + this.s.responseSeconds * 1000;
    while (this.pending.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    await this.flush();
    this.state = 'closed';
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
    for (const w of this.waiters.splice(0)) w();
    if (!session) return;
    await new Promise<void>((resolve) => {
      const force = setTimeout(() => session.destroy(), 2000);
      session.socket.once('close', () => {
        clearTimeout(force);
        resolve();
      });
      if (!session.unbind({}, () => session.close())) session.destroy();
    });
  }
}
