/**
 * At the server's start (app.ts): every secret at rest sealed with the key in force (decision 0020).
 * Callback and link secrets still in the clear are sealed; with a real key (VESTNIK_SECRET_KEY or the
 * data directory's own), whatever the development key sealed — credentials, callback and link
 * secrets — is opened and sealed again with it, since the development key is in the source. Values
 * sealed with a third key, or that do not open (altered, copied from another row), are left as they
 * are: the gateway says so when it is used (decision 0010), and a link secret that does not open
 * refuses to sign.
 */
import {
  callbackSecretContext,
  developmentKeyPrefix,
  gatewaySecretContext,
  isSealed,
  linkSecretContext,
  type SecretBox,
  SecretError,
} from '../core/secrets.ts';
import type { Db } from '../store/db.ts';
import { gatewaysToSeal, orgsToSeal, setGatewaySealed, setLinkSecretSealed } from '../store/resealing.ts';

export interface Resealed {
  gateways: number;
  orgs: number;
}

/** `f()`, or `kept` when the value does not open (altered, or moved from another row): left as it is. */
function orKept<T>(kept: T, f: () => T): T {
  try {
    return f();
  } catch (err) {
    if (err instanceof SecretError) return kept;
    throw err;
  }
}

export async function resealSecrets(db: Db, box: SecretBox): Promise<Resealed> {
  const devPrefix = box.development ? null : developmentKeyPrefix();
  const fromDevelopment = (v: string | null): v is string =>
    devPrefix !== null && v?.startsWith(devPrefix) === true;
  const text = (stored: string, context: string): string =>
    !isSealed(stored)
      ? box.sealText(stored, context)
      : fromDevelopment(stored)
        ? orKept(stored, () => box.sealText(box.openText(stored, context), context))
        : stored;
  return db.transaction(async (tx) => {
    let changedGateways = 0;
    for (const g of await gatewaysToSeal(tx, devPrefix)) {
      const context = gatewaySecretContext(g.id);
      const secrets = g.secrets;
      const sealed = {
        secrets: fromDevelopment(secrets)
          ? orKept(secrets, () => box.seal(box.open(secrets, context), context))
          : secrets,
        callbackSecret: text(g.callbackSecret, callbackSecretContext(g.id)),
      };
      if (sealed.secrets === g.secrets && sealed.callbackSecret === g.callbackSecret) continue;
      await setGatewaySealed(tx, g.id, sealed);
      changedGateways++;
    }
    let changedOrgs = 0;
    for (const o of await orgsToSeal(tx, devPrefix)) {
      const sealed = text(o.linkSecret, linkSecretContext(o.id));
      if (sealed === o.linkSecret) continue;
      await setLinkSecretSealed(tx, o.id, sealed);
      changedOrgs++;
    }
    return { gateways: changedGateways, orgs: changedOrgs };
  });
}
