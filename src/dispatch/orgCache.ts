/**
 * A worker's copy of its organisations' delivery settings (the window, the caps): read at most every
 * `ttlMs`, so the gate costs no query per batch, and an edited window applies within that time.
 */
import type { Queryable } from '../store/db.ts';
import { getOrg, type Org } from '../store/orgs.ts';
import type { ClaimedMessage } from '../store/queue.ts';

export class OrgCache {
  private readonly orgs = new Map<number, { org: Promise<Org>; at: number }>();

  constructor(
    private readonly db: Queryable,
    private readonly ttlMs = 30_000,
  ) {}

  get(orgId: number): Promise<Org> {
    const cached = this.orgs.get(orgId);
    if (cached && Date.now() - cached.at < this.ttlMs) return cached.org;
    const org = getOrg(this.db, orgId).then((o) => {
      if (!o) throw new Error(`organisation ${orgId} is gone`);
      return o;
    });
    org.catch(() => this.orgs.delete(orgId));
    this.orgs.set(orgId, { org, at: Date.now() });
    return org;
  }

  /** The organisations of claimed messages, by id. */
  async of(claimed: ClaimedMessage[]): Promise<Map<number, Org>> {
    const ids = [...new Set(claimed.map((m) => m.orgId))];
    return new Map(await Promise.all(ids.map(async (id) => [id, await this.get(id)] as const)));
  }
}
