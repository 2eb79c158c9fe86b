/**
 * Configuring an organisation's gateways, for the API and the command line alike: add, edit, show and
 * test. Settings are checked by the gateway's own factory (a GatewaySettingsError names the setting);
 * credentials — settings whose names say password, key, token or secret — are sealed with the
 * configured key (core/secrets.ts) and are write-only: a view lists which are set, never their values.
 */
import { gatewaySecretContext, isSecretSetting, type SecretBox, splitSecrets } from '../core/secrets.ts';
import { CHANNELS, type Channel } from '../core/states.ts';
import { HostRefusedError, instanceGuard, resolveChecked } from '../providers/hostGuard.ts';
import { observeAnswers, originOf } from '../providers/http.ts';
import { type Gateway, GatewaySettingsError } from '../providers/provider.ts';
import { GATEWAY_KINDS } from '../providers/registry.ts';
import { smscInboundUrl } from '../providers/smsc.ts';
import type { Db } from '../store/db.ts';
import { findGateway, type GatewayRow, insertGateway, updateGateway } from '../store/gateways.ts';

/** The channel a kind sends on, where it has only one. */
const KIND_CHANNELS: Record<string, Channel> = {
  smsc: 'sms',
  smsaero: 'sms',
  kannel: 'sms',
  smpp: 'sms',
  smtp: 'email',
  unisender: 'email',
  telegram: 'messenger',
};

export type GatewayProblem = { field: string; message: string; status: 400 | 404 | 409 };
type Done<T> = { ok: true; value: T } | { ok: false; problem: GatewayProblem };
const fail = <T>(status: 400 | 404 | 409, field: string, message: string): Done<T> => ({
  ok: false,
  problem: { status, field, message },
});

export interface GatewayView {
  id: number;
  name: string;
  kind: string;
  channel: Channel;
  priority: number;
  enabled: boolean;
  ratePerSecond: number | null;
  /** Everything but the credentials. */
  settings: Record<string, unknown>;
  /** Names of the credentials that are set (values are never shown). */
  secrets: string[];
  callbackUrl: string;
  /** Where the provider passes incoming messages, when it is set up on its side (SMSC's handler). */
  inboundUrl?: string;
}

export function viewGateway(row: GatewayRow, box: SecretBox, publicUrl: string): GatewayView {
  let secrets: string[];
  try {
    secrets = row.secrets ? Object.keys(box.open(row.secrets, gatewaySecretContext(row.id))).sort() : [];
  } catch (err) {
    secrets = [`(unreadable: ${(err as Error).message})`];
  }
  const settings = Object.fromEntries(Object.entries(row.settings).filter(([k]) => !isSecretSetting(k)));
  return {
    id: row.id,
    name: row.name,
    kind: row.kind,
    channel: row.channel,
    priority: row.priority,
    enabled: row.enabled,
    ratePerSecond: row.ratePerSecond,
    settings,
    secrets,
    callbackUrl: `${publicUrl}/api/v1/callbacks/${row.id}`,
    ...(row.kind === 'smsc'
      ? { inboundUrl: smscInboundUrl(`${publicUrl}/api/v1/callbacks/${row.id}`, row.callbackSecret) }
      : {}),
  };
}

/** Builds the gateway once to let its factory check the settings; closes it again. */
async function check(kind: string, channel: Channel, settings: Record<string, unknown>): Promise<Done<null>> {
  const factory = GATEWAY_KINDS[kind];
  if (!factory)
    return fail(
      400,
      'kind',
      `unknown gateway kind ${kind} (known: ${Object.keys(GATEWAY_KINDS).join(', ')})`,
    );
  try {
    const g = factory({
      gatewayId: 0,
      channel,
      settings,
      callbackUrl: 'http://127.0.0.1/',
      callbackSecret: 'check',
    });
    await g.close?.();
  } catch (err) {
    if (err instanceof GatewaySettingsError) return fail(400, `settings.${err.setting}`, err.message);
    return fail(400, 'settings', (err as Error).message);
  }
  return checkHosts(settings);
}

/** How long saving waits for a gateway's host to resolve; a name that does not resolve is checked again at each connection. */
const SAVE_RESOLVE_MS = 3000;

/**
 * The hosts a gateway connects to (`url` of the HTTP kinds, `host` of SMPP and SMTP) must not be
 * internal addresses unless the instance allows them (providers/hostGuard.ts): refused when saved,
 * naming the setting, as well as at every connection. A name that does not resolve now is let
 * through (the provider's DNS may be down; the connection checks it again).
 */
async function checkHosts(settings: Record<string, unknown>): Promise<Done<null>> {
  for (const setting of ['url', 'host'] as const) {
    const value = settings[setting];
    if (typeof value !== 'string' || value === '') continue;
    let host = value;
    let shown = value;
    if (setting === 'url') {
      try {
        host = new URL(value).hostname;
        shown = originOf(value);
      } catch {
        continue; // the factory names a malformed URL
      }
    }
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([
        resolveChecked(host, shown, instanceGuard),
        new Promise((resolve) => {
          timer = setTimeout(resolve, SAVE_RESOLVE_MS);
        }),
      ]);
    } catch (err) {
      if (err instanceof HostRefusedError) return fail(400, `settings.${setting}`, err.message);
    } finally {
      clearTimeout(timer);
    }
  }
  return { ok: true, value: null };
}

export interface NewGateway {
  name: string;
  kind: string;
  channel?: Channel;
  priority?: number;
  enabled?: boolean;
  ratePerSecond?: number | null;
  settings: Record<string, unknown>;
}

export async function addGateway(
  db: Db,
  box: SecretBox,
  orgId: number,
  g: NewGateway,
): Promise<Done<GatewayRow>> {
  if (!GATEWAY_KINDS[g.kind])
    return fail(
      400,
      'kind',
      `unknown gateway kind ${g.kind} (known: ${Object.keys(GATEWAY_KINDS).join(', ')})`,
    );
  const channel = g.channel ?? KIND_CHANNELS[g.kind];
  if (!channel || !(CHANNELS as readonly string[]).includes(channel))
    return fail(400, 'channel', `say the channel of a ${g.kind} gateway: ${CHANNELS.join(', ')}`);
  const checked = await check(g.kind, channel, g.settings);
  if (!checked.ok) return checked;
  const { plain, secrets } = splitSecrets(g.settings);
  const row = await db.transaction(async (tx) => {
    const inserted = await insertGateway(tx, orgId, {
      name: g.name,
      kind: g.kind,
      channel,
      priority: g.priority ?? 0,
      settings: plain,
      ratePerSecond: g.ratePerSecond ?? null,
    });
    if (inserted === 'name_taken') return inserted;
    // Sealed under the new row's id, so the value opens for this gateway only.
    const sealed = Object.keys(secrets).length ? box.seal(secrets, gatewaySecretContext(inserted.id)) : null;
    return updateGateway(tx, orgId, inserted.id, { secrets: sealed, enabled: g.enabled ?? true });
  });
  if (row === 'name_taken') return fail(409, 'name', `a gateway named «${g.name}» exists already`);
  return { ok: true, value: row! };
}

export interface GatewayEdit {
  name?: string;
  priority?: number;
  enabled?: boolean;
  ratePerSecond?: number | null;
  /** Merged into the current settings; a null value removes that setting. */
  settings?: Record<string, unknown>;
}

export async function editGateway(
  db: Db,
  box: SecretBox,
  orgId: number,
  idOrName: string | number,
  e: GatewayEdit,
): Promise<Done<GatewayRow>> {
  const row = await findGateway(db, orgId, idOrName);
  if (!row) return fail(404, 'gateway', `no gateway ${idOrName}`);
  let settings: Record<string, unknown> | undefined;
  let sealed: string | null | undefined;
  if (e.settings) {
    // Credentials that no longer open (sealed under another key) are dropped: the edit must give them
    // again, and the settings check below names the one missing.
    let stored: Record<string, string> = {};
    try {
      stored = row.secrets ? box.open(row.secrets, gatewaySecretContext(row.id)) : {};
    } catch {}
    const current: Record<string, unknown> = { ...row.settings, ...stored };
    for (const [k, v] of Object.entries(e.settings)) {
      if (v === null) delete current[k];
      else current[k] = v;
    }
    const checked = await check(row.kind, row.channel, current);
    if (!checked.ok) return checked;
    const split = splitSecrets(current);
    settings = split.plain;
    sealed = Object.keys(split.secrets).length ? box.seal(split.secrets, gatewaySecretContext(row.id)) : null;
  }
  const updated = await updateGateway(db, orgId, row.id, {
    name: e.name,
    priority: e.priority,
    enabled: e.enabled,
    ratePerSecond: e.ratePerSecond,
    settings,
    secrets: sealed,
  });
  if (updated === 'name_taken') return fail(409, 'name', `a gateway named «${e.name}» exists already`);
  if (!updated) return fail(404, 'gateway', `no gateway ${idOrName}`);
  return { ok: true, value: updated };
}

export interface GatewayCheck {
  ok: boolean;
  /** What was checked: the balance, the credentials alone, or nothing the gateway can check. */
  checked: 'balance' | 'credentials' | 'nothing';
  message: string;
}

/**
 * Builds a gateway from its row with its credentials opened, to ask its provider something (the
 * configuration check, the sender names) — not for sending, which the worker's pool does. Throws on
 * an unknown kind, credentials that do not open, or settings the factory refuses. Close it after.
 */
export function buildGateway(
  row: GatewayRow,
  box: SecretBox,
  publicUrl: string,
): Gateway & { verify?: () => Promise<string> } {
  const factory = GATEWAY_KINDS[row.kind];
  if (!factory) throw new Error(`unknown gateway kind ${row.kind}`);
  const secrets = row.secrets ? box.open(row.secrets, gatewaySecretContext(row.id)) : {};
  return factory({
    gatewayId: row.id,
    channel: row.channel,
    settings: { ...row.settings, ...secrets },
    callbackUrl: `${publicUrl}/api/v1/callbacks/${row.id}`,
    callbackSecret: row.callbackSecret,
  });
}

/** `vestnik gateway test`: builds the gateway from its row and asks its provider what it can. */
export async function testGateway(row: GatewayRow, box: SecretBox, publicUrl: string): Promise<GatewayCheck> {
  let gateway: Gateway & { verify?: () => Promise<string> };
  try {
    gateway = buildGateway(row, box, publicUrl);
  } catch (err) {
    const where = err instanceof GatewaySettingsError ? `setting ${err.setting}: ` : '';
    return { ok: false, checked: 'nothing', message: `${where}${(err as Error).message}` };
  }
  // The statuses of the HTTP answers: a failed check is told by its status, never by what the
  // answer said — the URL is the organisation's to choose, and the answer may be an internal page.
  let answered: { url: string; status: number } | null = null;
  try {
    return await observeAnswers(
      (a) => {
        answered = a;
      },
      async (): Promise<GatewayCheck> => {
        if (gateway.balance) {
          const { kopecks } = await gateway.balance();
          return {
            ok: true,
            checked: 'balance',
            message: `balance ${(kopecks / 100).toFixed(2)} ₽ — the credentials work`,
          };
        }
        if (gateway.verify) return { ok: true, checked: 'credentials', message: await gateway.verify() };
        return {
          ok: true,
          checked: 'nothing',
          message: `a ${row.kind} gateway has no balance or credential check: its settings are valid, but only a test send would show that the provider accepts them`,
        };
      },
    );
  } catch (err) {
    const last = answered as { url: string; status: number } | null;
    return {
      ok: false,
      checked: gateway.balance ? 'balance' : 'credentials',
      message: last && !(err instanceof HostRefusedError) ? answerFailure(last) : (err as Error).message,
    };
  } finally {
    await gateway.close?.();
  }
}

/** A failed check's HTTP answer in general words: its address (without the query) and status only. */
function answerFailure(a: { url: string; status: number }): string {
  const why =
    a.status === 401 || a.status === 403
      ? 'the provider refused the credentials: check them'
      : a.status === 404
        ? 'no such address: check the setting url'
        : a.status === 429
          ? 'too many requests: try again later'
          : a.status >= 500
            ? 'the provider failed to answer the check'
            : a.status >= 300 && a.status < 400
              ? 'a redirect, which gateways do not follow: set the final address'
              : 'the answer was not a successful check (wrong credentials or settings)';
  return `${a.url.split(/[?#]/)[0]} answered HTTP ${a.status}: ${why}; the answer itself is not shown`;
}
