/**
 * Reports that arrive one at a time on a gateway's own connection (an SMPP `deliver_sm` each) are
 * written together: while one write of a gateway's reports is in flight, those arriving meanwhile
 * wait and go in the next write — a group commit with no timer, so a report alone is written at
 * once and a busy SMSC's hundreds a second share their commits. Each caller's promise settles when
 * its own reports are written (the gateway acknowledges them then), or rejects with the write.
 */
import type { StatusReport } from '../providers/provider.ts';

interface Waiting {
  reports: StatusReport[];
  resolve: () => void;
  reject: (err: unknown) => void;
}

/** At most this many reports in one write; more wait for the next. */
const MAX_BATCH = 500;

export class ReportBatcher {
  private readonly waiting = new Map<number, Waiting[]>();
  private readonly busy = new Set<number>();

  constructor(private readonly write: (gatewayId: number, reports: StatusReport[]) => Promise<void>) {}

  receive(gatewayId: number, reports: StatusReport[]): Promise<void> {
    return new Promise((resolve, reject) => {
      const queue = this.waiting.get(gatewayId) ?? [];
      queue.push({ reports, resolve, reject });
      this.waiting.set(gatewayId, queue);
      if (!this.busy.has(gatewayId)) void this.flush(gatewayId);
    });
  }

  private async flush(gatewayId: number): Promise<void> {
    this.busy.add(gatewayId);
    try {
      for (;;) {
        const queue = this.waiting.get(gatewayId) ?? [];
        if (queue.length === 0) return;
        const batch: Waiting[] = [];
        let size = 0;
        while (queue.length > 0 && (batch.length === 0 || size + queue[0]!.reports.length <= MAX_BATCH)) {
          const next = queue.shift()!;
          batch.push(next);
          size += next.reports.length;
        }
        try {
          await this.write(
            gatewayId,
            batch.flatMap((w) => w.reports),
          );
          for (const w of batch) w.resolve();
        } catch (err) {
          for (const w of batch) w.reject(err);
        }
      }
    } finally {
      this.busy.delete(gatewayId);
      this.waiting.delete(gatewayId);
    }
  }
}
