/**
 * A circuit breaker per gateway (SD-8: «fail-over to a second gateway»). A gateway that keeps
 * failing — timeouts, 5xx, dropped connections: answers that say the gateway, not the message, is
 * the problem — is opened: for a while no message is sent through it, and the worker sends through
 * the organisation's next gateway for the channel, or holds the messages until it may try again.
 * After the pause one batch probes it (half-open); an answer closes it, a failure opens it again
 * for twice as long, up to a limit.
 *
 * Per worker process: each process learns on its own within a few batches, and nothing is shared
 * that could be stale. Pure apart from the clock it is given.
 */
export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerOptions {
  /** Consecutive failed batches that open the breaker… */
  failures: number;
  /**
   * …over at least this long: a gateway that fails a share of its sends at random (the fault test's
   * 30 %) can fail ten one-message batches in a row within milliseconds, and is not down.
   */
  failingMs: number;
  /** The first pause; each failed probe doubles it, up to `maxOpenMs`. */
  openMs: number;
  maxOpenMs: number;
}

export const DEFAULT_BREAKER: BreakerOptions = {
  failures: 10,
  failingMs: 5_000,
  openMs: 30_000,
  maxOpenMs: 600_000,
};

interface Entry {
  failures: number;
  /** When the current run of failures began. */
  since: number;
  openUntil: number;
  pause: number;
  /** When the probe went out (0: none); a probe never answered frees the slot after a pause. */
  probing: number;
}

export class Breakers {
  private readonly entries = new Map<number, Entry>();

  constructor(
    private readonly options: BreakerOptions = DEFAULT_BREAKER,
    private readonly now: () => number = Date.now,
  ) {}

  private entry(gatewayId: number): Entry {
    let e = this.entries.get(gatewayId);
    if (!e) {
      e = { failures: 0, since: 0, openUntil: 0, pause: this.options.openMs, probing: 0 };
      this.entries.set(gatewayId, e);
    }
    return e;
  }

  state(gatewayId: number): BreakerState {
    const e = this.entries.get(gatewayId);
    if (!e || e.openUntil === 0) return 'closed';
    return this.now() < e.openUntil ? 'open' : 'half_open';
  }

  /** May a batch go through this gateway now? In half-open, only one batch at a time: the probe. */
  allow(gatewayId: number): boolean {
    const state = this.state(gatewayId);
    if (state === 'closed') return true;
    if (state === 'open') return false;
    const e = this.entry(gatewayId);
    const now = this.now();
    if (e.probing && now - e.probing < this.options.openMs) return false;
    e.probing = now;
    return true;
  }

  /** Milliseconds until the gateway may be tried again (0 when it may be now). */
  waitMs(gatewayId: number): number {
    const e = this.entries.get(gatewayId);
    return e ? Math.max(0, e.openUntil - this.now()) : 0;
  }

  /** A batch the gateway answered — accepted or refused, it is working. */
  succeeded(gatewayId: number): void {
    const e = this.entry(gatewayId);
    e.failures = 0;
    e.openUntil = 0;
    e.pause = this.options.openMs;
    e.probing = 0;
  }

  /** A batch the gateway did not answer. Returns true when this opened (or re-opened) the breaker. */
  failed(gatewayId: number): boolean {
    const e = this.entry(gatewayId);
    const now = this.now();
    const wasProbe = e.probing !== 0 && e.openUntil !== 0;
    e.probing = 0;
    if (e.failures++ === 0) e.since = now;
    if (wasProbe) {
      e.pause = Math.min(e.pause * 2, this.options.maxOpenMs);
      e.openUntil = now + e.pause;
      return true;
    }
    if (e.openUntil === 0 && e.failures >= this.options.failures && now - e.since >= this.options.failingMs) {
      e.openUntil = now + e.pause;
      return true;
    }
    return false;
  }
}
