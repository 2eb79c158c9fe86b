/**
 * Gateway credentials encrypted at rest (docs/decisions/0010-gateway-credentials.md): AES-256-GCM
 * with a key from the environment (VESTNIK_SECRET_KEY), never from the database.
 *
 * A sealed value is `v1.<key id>.<iv>.<tag>.<ciphertext>` (base64url parts) of the JSON of the
 * secrets. The key id (8 hex digits of a hash of the key) says which key sealed it, so a process
 * started with another key says so instead of «bad tag». The context (the gateway's id) is bound in
 * as additional data: a sealed value copied to another gateway's row does not open there.
 *
 * Without a key Vestnik runs on a development key derived from a fixed label — the same in every
 * process, so the server, workers and the command line agree — and warns once: secrets sealed with
 * it are only obscured. The embedded database keeps a random key of its own beside its data instead
 * (config.ts, `secret.key`), so only a PostgreSQL installation without VESTNIK_SECRET_KEY runs on
 * the development key — and in production (NODE_ENV=production) it refuses to start.
 *
 * Besides gateway credentials, the secrets that must stay secret but be used as they are — a
 * gateway's callback secret (it verifies HMACs and URL tokens) and an organisation's link secret (it
 * signs links) — are sealed the same way, one text each (sealText), bound to their row
 * (docs/decisions/0020-secrets-at-rest.md).
 */
import crypto from 'node:crypto';

/** Setting names kept encrypted, whatever the gateway kind: passwords, keys, tokens. */
const SECRET_NAME = /(password|passwd|secret|token|apikey|api_key|privatekey|private_key)$/i;

export function isSecretSetting(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** Splits settings into what is stored in the clear and what is sealed. */
export function splitSecrets(settings: Record<string, unknown>): {
  plain: Record<string, unknown>;
  secrets: Record<string, string>;
} {
  const plain: Record<string, unknown> = {};
  const secrets: Record<string, string> = {};
  for (const [k, v] of Object.entries(settings)) {
    if (isSecretSetting(k) && v !== null && v !== undefined) secrets[k] = String(v);
    else plain[k] = v;
  }
  return { plain, secrets };
}

/** VESTNIK_SECRET_KEY: 32 bytes as 64 hex digits or as base64; null when it is neither. */
export function parseSecretKey(raw: string): Buffer | null {
  const text = raw.trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, 'hex');
  if (/^[A-Za-z0-9+/_-]{42,44}={0,2}$/.test(text)) {
    const key = Buffer.from(text, 'base64');
    if (key.length === 32) return key;
  }
  return null;
}

const DEVELOPMENT_KEY = Buffer.from(
  crypto.hkdfSync(
    'sha256',
    Buffer.from('vestnik development secret key'),
    Buffer.alloc(0),
    Buffer.from('gateway secrets v1'),
    32,
  ),
);

let warned = false;

export class SecretError extends Error {
  override name = 'SecretError';
}

export class SecretBox {
  readonly keyId: string;

  private constructor(
    private readonly key: Buffer,
    /** True on the development key. */
    readonly development: boolean,
    /** null: never warns (the store's sealing of callback and link secrets). */
    private readonly warn: ((message: string) => void) | null = defaultWarn,
  ) {
    this.keyId = keyIdOf(key);
  }

  private noteDevelopmentKey(): void {
    if (!this.development || warned || this.warn === null) return;
    warned = true;
    this.warn(
      'VESTNIK_SECRET_KEY is not set: gateway credentials are sealed with the development key, which ' +
        'anyone with the source can open. Set VESTNIK_SECRET_KEY (32 bytes, hex or base64: ' +
        '`openssl rand -hex 32`) before storing real credentials.',
    );
  }

  /** The configured key, or the development key (which warns once per process when first used). */
  static fromKey(key: Buffer | undefined, warn: ((message: string) => void) | null = defaultWarn): SecretBox {
    return key ? new SecretBox(key, false) : new SecretBox(DEVELOPMENT_KEY, true, warn);
  }

  seal(secrets: Record<string, string>, context: string): string {
    this.noteDevelopmentKey();
    const iv = crypto.randomBytes(12);
    const cipher = crypto.createCipheriv('aes-256-gcm', this.key, iv);
    cipher.setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(JSON.stringify(secrets), 'utf8'), cipher.final()]);
    const b = (x: Buffer) => x.toString('base64url');
    return ['v1', this.keyId, b(iv), b(cipher.getAuthTag()), b(body)].join('.');
  }

  /** One secret text sealed alone (a callback or link secret). */
  sealText(text: string, context: string): string {
    return this.seal({ value: text }, context);
  }

  openText(sealed: string, context: string): string {
    const value = this.open(sealed, context).value;
    if (typeof value !== 'string') throw new SecretError('the stored secret is not in a known format');
    return value;
  }

  open(sealed: string, context: string): Record<string, string> {
    this.noteDevelopmentKey();
    const [version, keyId, iv, tag, body] = sealed.split('.');
    if (version !== 'v1' || !keyId || !iv || !tag || body === undefined)
      throw new SecretError('the stored credentials are not in a known format');
    // Values sealed with the development key still open after a real key is configured (that key
    // is public anyway), so setting VESTNIK_SECRET_KEY later does not lose them; saving the gateway
    // again seals them with the real key.
    const key = keyId === this.keyId ? this.key : keyId === DEVELOPMENT_KEY_ID ? DEVELOPMENT_KEY : null;
    if (!key)
      throw new SecretError(
        `the credentials were sealed with key ${keyId}, but VESTNIK_SECRET_KEY is key ${this.keyId}` +
          `${this.development ? ' (the development key: VESTNIK_SECRET_KEY is not set)' : ''}`,
      );
    try {
      const decipher = crypto.createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url'));
      decipher.setAAD(Buffer.from(context));
      decipher.setAuthTag(Buffer.from(tag, 'base64url'));
      const text = Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]);
      return JSON.parse(text.toString('utf8')) as Record<string, string>;
    } catch {
      throw new SecretError('the stored credentials do not open: altered, or sealed for another gateway');
    }
  }
}

function keyIdOf(key: Uint8Array): string {
  return crypto.createHash('sha256').update('vestnik key id').update(key).digest('hex').slice(0, 8);
}

const DEVELOPMENT_KEY_ID = keyIdOf(DEVELOPMENT_KEY);

function defaultWarn(message: string): void {
  process.emitWarning(message, { code: 'VESTNIK_DEVELOPMENT_KEY' });
}

/** Whether a stored text is a sealed value (older rows may hold a secret in the clear). */
export const isSealed = (stored: string): boolean => stored.startsWith('v1.');

/** How a value sealed with the development key begins (it must be sealed again with a real key). */
export const developmentKeyPrefix = (): string => `v1.${DEVELOPMENT_KEY_ID}.`;

/** The context a gateway's callback secret is sealed under. */
export const callbackSecretContext = (gatewayId: number) => `vestnik gateway ${gatewayId} callback`;
/** The context an organisation's link secret is sealed under. */
export const linkSecretContext = (orgId: number) => `vestnik org ${orgId} links`;

/** The context a gateway's secrets are sealed under. */
export const gatewaySecretContext = (gatewayId: number) => `vestnik gateway ${gatewayId}`;
