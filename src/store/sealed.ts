/**
 * The key the store seals and opens callback and link secrets with (decision 0020). Those secrets
 * are read by many queries on many paths (every gateway row carries its callback secret), so the key
 * is not passed to each: a process says once which key it runs on — openDatabase does, from its
 * configuration — and every row read afterwards is opened with it. Until then (tests on a database
 * of their own) it is the development key, like the rest of an unconfigured process.
 *
 * A stored value that is not sealed (a row from before migration 0019, not yet sealed by the server's
 * start) is taken as it is.
 */
import { isSealed, SecretBox } from '../core/secrets.ts';

let box = SecretBox.fromKey(undefined, null);

/** Sets the key of this process (VESTNIK_SECRET_KEY, the data directory's key, or none). */
export function setStoreSecretKey(key: Buffer | undefined): void {
  box = SecretBox.fromKey(key, null);
}

/** The box of this process's key: for sealing again at start (services/resealSecrets.ts). */
export const storeSecretBox = (): SecretBox => box;

export const sealStored = (text: string, context: string): string => box.sealText(text, context);

export const openStored = (stored: string, context: string): string =>
  isSealed(stored) ? box.openText(stored, context) : stored;
