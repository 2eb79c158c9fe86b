/**
 * An SMSC for the SMPP gateway's tests: the `smpp` package's server on 127.0.0.1 at a free port. It
 * checks the bind's password, takes transceiver, transmitter and receiver binds (refusing more than
 * `maxBinds` of a kind at once, as SMSCs do, with ESME_RALYBND), records every bind, submit_sm and
 * enquire_link, answers each submit as the test says (an id, an error status, or not at all), and
 * sends deliver_sm (receipts, replies) on demand on a bind that may receive them.
 */
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import smpp, { type Pdu, type Session } from 'smpp';

/** What the SMSC does with a submit_sm: answer it (an id, or an error status) or hold it. */
export type Answer = { id: string } | { status: number } | 'hold';

export class FakeSmsc {
  readonly server = smpp.createServer({}, (session) => this.accept(session));
  readonly binds: Pdu[] = [];
  readonly submits: Pdu[] = [];
  /** The kind of bind each submit_sm came on. */
  readonly submittedOn: string[] = [];
  readonly enquires: number[] = [];
  readonly held: { session: Session; pdu: Pdu }[] = [];
  sessions: Session[] = [];
  /** The kind of each bound session: transceiver, transmitter or receiver. */
  readonly modes = new Map<Session, string>();
  /** Most binds of one kind at once; more are refused (ESME_RALYBND). */
  maxBinds = Number.POSITIVE_INFINITY;
  /** The most binds of each kind there were at once. */
  readonly mostBound = new Map<string, number>();
  password = 'secret';
  next: (pdu: Pdu, n: number) => Answer = (_pdu, n) => ({ id: (1000 + n).toString(16).toUpperCase() });
  maxUnanswered = 0;
  readonly octets: Buffer[] = [];
  /** False: an SMSC that went silent (its enquire_link answers stop). */
  answerEnquire = true;

  private accept(session: Session): void {
    session.on('error', () => {});
    // The octets as they came, for tests that check an encoding without trusting the library's own
    // decoder: the session reads each PDU with socket.read.
    const read = session.socket.read.bind(session.socket);
    session.socket.read = (size?: number) => {
      const chunk = read(size) as Buffer | null;
      if (chunk) this.octets.push(chunk);
      return chunk;
    };
    for (const mode of ['transceiver', 'transmitter', 'receiver'])
      session.on(`bind_${mode}`, (pdu: Pdu) => {
        this.binds.push(pdu);
        const bound = this.sessions.filter((x) => this.modes.get(x) === mode).length;
        const status = pdu.password !== this.password ? 0x0e : bound >= this.maxBinds ? 0x05 : 0;
        session.send(pdu.response(status === 0 ? { system_id: 'fake' } : { command_status: status }));
        if (status !== 0) return;
        this.sessions.push(session);
        this.modes.set(session, mode);
        this.mostBound.set(mode, Math.max(this.mostBound.get(mode) ?? 0, bound + 1));
      });
    session.on('enquire_link', (pdu: Pdu) => {
      this.enquires.push(Date.now());
      if (this.answerEnquire) session.send(pdu.response());
    });
    session.on('unbind', (pdu: Pdu) => session.send(pdu.response()));
    session.on('submit_sm', (pdu: Pdu) => {
      this.submits.push(pdu);
      this.submittedOn.push(this.modes.get(session) ?? 'unbound');
      const a = this.next(pdu, this.submits.length);
      if (a === 'hold') {
        this.held.push({ session, pdu });
        this.maxUnanswered = Math.max(this.maxUnanswered, this.held.length);
      } else session.send(pdu.response('id' in a ? { message_id: a.id } : { command_status: a.status }));
    });
    session.socket.on('close', () => {
      this.sessions = this.sessions.filter((s) => s !== session);
    });
  }

  async start(): Promise<number> {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return (this.server.address() as AddressInfo).port;
  }

  /**
   * Sends a deliver_sm on the newest bind that may receive (a transceiver or a receiver); resolves
   * with the gateway's deliver_sm_resp status.
   */
  deliver(fields: Record<string, unknown>): Promise<number> {
    const session = this.sessions.filter((x) => this.modes.get(x) !== 'transmitter').at(-1);
    assert.ok(session, 'no bound session to deliver on');
    return new Promise((resolve) => session.deliver_sm(fields, (resp) => resolve(resp.command_status)));
  }

  /** The SMSC ends the newest bind itself; resolves with the gateway's unbind_resp status. */
  unbind(): Promise<number> {
    const session = this.sessions.at(-1);
    assert.ok(session, 'no bound session to unbind');
    return new Promise((resolve) => session.unbind({}, (resp) => resolve(resp.command_status)));
  }

  /** Answers the oldest held submit_sm now. */
  release(fields: Record<string, unknown>): void {
    const h = this.held.shift();
    assert.ok(h, 'no submit_sm held');
    h.session.send(h.pdu.response(fields));
  }

  async stop(): Promise<void> {
    for (const s of this.sessions) s.destroy();
    await new Promise<void>((r) => this.server.close(() => r()));
  }
}
