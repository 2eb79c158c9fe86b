/**
 * First start: on an empty database, create the organisation and its owner — from
 * VESTNIK_ADMIN_EMAIL / VESTNIK_ADMIN_PASSWORD, or with a generated password shown once — and,
 * unless VESTNIK_DEMO=0, the demo garden association's contacts.
 */
import type { Config } from '../config.ts';
import type { Db } from '../store/db.ts';
import { topUp } from '../store/ledger.ts';
import { setStaff } from '../store/moderation.ts';
import { countOrgs, createOrg, newOrgModerationMode } from '../store/orgs.ts';
import { createUser, generatePassword } from './accounts.ts';
import { loadDemoData } from './demo.ts';
import { loadDemoLoans, loadDemoReceipts } from './demoDocuments.ts';

export const DEMO_BALANCE_KOPECKS = 1000_00;

export interface FirstStart {
  orgId: number;
  orgName: string;
  email: string;
  /** Set when the password was generated: the only time anyone sees it. */
  generatedPassword: string | undefined;
  demo: { contacts: number; plots: number; balanceKopecks: number } | undefined;
}

export async function firstStart(db: Db, config: Config): Promise<FirstStart | undefined> {
  return db.transaction(async (tx) => {
    // Two servers starting at once on one database: only one creates the organisation.
    await tx.query('SELECT pg_advisory_xact_lock(7465737)');
    if ((await countOrgs(tx)) > 0) return undefined;
    const orgName = config.demo ? 'СНТ «Берёзка» (демо)' : 'Моя организация';
    // Moderation (issue 18): a real first organisation starts in manual like any new one; the demo
    // association in automatic, so its ordinary notices go out at once and only a stop-word waits.
    // Its owner is instance staff and can decide its queue.
    const mode = newOrgModerationMode();
    const org = await createOrg(
      tx,
      orgName,
      undefined,
      config.demo && mode === 'manual' ? 'automatic' : mode,
    );
    const email = config.adminEmail ?? 'admin@vestnik.local';
    const password = config.adminPassword ?? generatePassword();
    const user = await createUser(tx, {
      orgId: org.id,
      email,
      name: 'Администратор',
      role: 'owner',
      password,
    });
    if (!user.ok)
      throw new Error(`VESTNIK_ADMIN_EMAIL/PASSWORD: ${user.problem.field} ${user.problem.message}`);
    await setStaff(tx, user.value.email, true);
    const demo = config.demo ? await loadDemoData(tx, org.id) : undefined;
    if (demo) {
      const today = new Date().toISOString().slice(0, 10);
      await loadDemoReceipts(tx, org.id, today.slice(0, 4));
      await loadDemoLoans(tx, org.id, today);
    }
    // The demo association can send at once; a real organisation tops up first (BL-3).
    if (demo) await topUp(tx, org.id, DEMO_BALANCE_KOPECKS, 'демо-баланс', 'system');
    return {
      orgId: org.id,
      orgName,
      email: user.value.email,
      generatedPassword: config.adminPassword ? undefined : password,
      demo: demo && { ...demo, balanceKopecks: DEMO_BALANCE_KOPECKS },
    };
  });
}
