/**
 * A round of delivery-status checks (SD-3): submitted messages due for a check are claimed, those
 * past their deadline expire, the rest are asked of their gateway when it can be polled, and what
 * is still pending is due again after the poll interval.
 */
import { groupBy } from '../core/groupBy.ts';
import { completeFinishedCampaigns } from '../store/campaigns.ts';
import type { Db } from '../store/db.ts';
import { applyStatusUpdates, claimDue, expireOverdue, scheduleNextCheck } from '../store/queue.ts';
import type { GatewayPool } from './gatewayPool.ts';
import type { WorkerOptions } from './worker.ts';

/** Returns how many messages it looked at. */
export async function checkStatuses(
  db: Db,
  gateways: GatewayPool,
  options: Pick<WorkerOptions, 'id' | 'batchSize' | 'leaseSeconds' | 'statusPollSeconds' | 'clock'>,
): Promise<number> {
  const o = options;
  const clock = o.clock?.() ?? null;
  const claimed = await claimDue(db, 'submitted', o.id, o.batchSize, o.leaseSeconds, 'all', clock);
  if (claimed.length === 0) return 0;
  const touched: number[] = [];
  const now = (clock ?? new Date()).getTime();
  const overdue = claimed.filter((m) => m.statusDeadline && m.statusDeadline.getTime() <= now);
  touched.push(
    ...(await expireOverdue(
      db,
      overdue.map((m) => m.id),
    )),
  );
  const live = claimed.filter((m) => !overdue.includes(m));
  for (const [gatewayId, messages] of groupBy(live, (m) => m.gatewayId)) {
    let pending = messages;
    try {
      const gateway = await gateways.get(gatewayId);
      if (gateway.status && gateway.capabilities.polling) {
        const reports = await gateway.status(messages.map((m) => m.providerMessageId!));
        const applied = await applyStatusUpdates(db, gatewayId, reports, clock);
        touched.push(...applied.campaigns);
        const finalIds = new Set(
          reports.filter((r) => r.state !== 'submitted' && r.state !== 'queued').map((r) => r.providerId),
        );
        pending = messages.filter((m) => !finalIds.has(m.providerMessageId!));
      }
    } catch {
      // The provider did not answer: ask again at the next check.
    }
    await scheduleNextCheck(
      db,
      pending.map((m) => m.id),
      o.statusPollSeconds,
      clock,
    );
  }
  if (touched.length) await completeFinishedCampaigns(db, [...new Set(touched)]);
  return claimed.length;
}
