/**
 * Which hosts a gateway may connect to. An organisation's admin chooses a gateway's URL or host, and
 * the server connects there from inside the instance's network: without a check, a URL such as
 * `http://169.254.169.254/` or `http://10.0.0.5/` makes the server fetch an internal address for
 * them (server-side request forgery). So every address a gateway connects to is checked after DNS
 * resolution — every address of the name, and the connection then goes to a checked address, never
 * to the result of a second lookup (which a rebinding DNS server could answer differently) — and
 * loopback, private, link-local, shared (CGNAT), unspecified, multicast and reserved addresses are
 * refused unless the instance allows them with VESTNIK_GATEWAY_PRIVATE_HOSTS (an on-premise Kannel
 * or SMSC on the LAN): `all`, or a list of host names, addresses and CIDR ranges. Cloud metadata
 * addresses are refused even with `all`; only an entry naming the address itself allows one.
 * Decision 0021 says why; node's net.BlockList does the range matching.
 */
import dns from 'node:dns';
import net from 'node:net';

export const PRIVATE_HOSTS_SETTING = 'VESTNIK_GATEWAY_PRIVATE_HOSTS';

type Family = 'ipv4' | 'ipv6';
const RANGES: [kind: string, prefix: string, bits: number, family: Family][] = [
  ['unspecified', '0.0.0.0', 8, 'ipv4'],
  ['loopback', '127.0.0.0', 8, 'ipv4'],
  ['private', '10.0.0.0', 8, 'ipv4'],
  ['private', '172.16.0.0', 12, 'ipv4'],
  ['private', '192.168.0.0', 16, 'ipv4'],
  ['shared (CGNAT)', '100.64.0.0', 10, 'ipv4'],
  ['link-local', '169.254.0.0', 16, 'ipv4'],
  ['multicast', '224.0.0.0', 4, 'ipv4'],
  ['reserved', '240.0.0.0', 4, 'ipv4'],
  ['unspecified', '::', 128, 'ipv6'],
  ['loopback', '::1', 128, 'ipv6'],
  ['private', 'fc00::', 7, 'ipv6'],
  ['private', 'fec0::', 10, 'ipv6'],
  ['link-local', 'fe80::', 10, 'ipv6'],
  ['multicast', 'ff00::', 8, 'ipv6'],
];
const RANGE_LISTS = RANGES.map(([kind, prefix, bits, family]) => {
  const list = new net.BlockList();
  list.addSubnet(prefix, bits, family);
  return { kind, list };
});
const METADATA_ADDRESSES = ['169.254.169.254', 'fd00:ec2::254'];
const METADATA_NAMES = ['metadata.google.internal', 'metadata.goog'];

/** The eight 16-bit groups of an IPv6 address (any spelling: `::ffff:10.0.0.1`, `::ffff:a00:1`). */
function ipv6Groups(address: string): number[] {
  let text = address.toLowerCase().replace(/%.*$/, '');
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const b = v4[1]!.split('.').map(Number);
    text = `${text.slice(0, -v4[1]!.length)}${((b[0]! << 8) | b[1]!).toString(16)}:${((b[2]! << 8) | b[3]!).toString(16)}`;
  }
  const [head, tail] = text.includes('::') ? text.split('::') : [text, undefined];
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const middle = tail === undefined ? [] : Array(8 - left.length - right.length).fill('0');
  return [...left, ...middle, ...right].map((g) => Number.parseInt(g, 16));
}

/**
 * The IPv4 address an IPv6 address carries, where it carries one a connection would reach:
 * IPv4-mapped (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d) and NAT64 (64:ff9b::a.b.c.d).
 */
function embeddedIPv4(address: string): string | null {
  const g = ipv6Groups(address);
  const zeros = (n: number) => g.slice(0, n).every((x) => x === 0);
  const mapped = zeros(5) && g[5] === 0xffff;
  const compatible = zeros(6) && (g[6]! > 0 || g[7]! > 1);
  const nat64 = g[0] === 0x64 && g[1] === 0xff9b && g.slice(2, 6).every((x) => x === 0);
  if (!mapped && !compatible && !nat64) return null;
  return [g[6]! >> 8, g[6]! & 255, g[7]! >> 8, g[7]! & 255].join('.');
}

/** What kind of address one that a gateway must not reach without permission is; null: public. */
export function refusedKind(address: string): string | null {
  const family = net.isIP(address);
  if (family === 0) return 'invalid';
  if (family === 6) {
    const v4 = embeddedIPv4(address);
    if (v4) return refusedKind(v4);
  }
  if (isMetadataAddress(address)) return 'cloud metadata';
  const type: Family = family === 4 ? 'ipv4' : 'ipv6';
  return RANGE_LISTS.find((r) => r.list.check(address, type))?.kind ?? null;
}

function isMetadataAddress(address: string): boolean {
  const family = net.isIP(address);
  return METADATA_ADDRESSES.some(
    (m) =>
      net.isIP(m) === family &&
      (family === 4 ? m === address : ipv6Groups(m).join() === ipv6Groups(address).join()),
  );
}

export interface HostPolicy {
  /** `all`: every non-public address but the metadata ones. */
  all: boolean;
  /** Host names whose addresses are allowed whatever they are (but metadata). */
  names: Set<string>;
  /** Addresses and ranges allowed. */
  ranges: net.BlockList;
  /** Metadata addresses named exactly by an entry. */
  metadata: Set<string>;
  /** The setting's value, for messages. */
  text: string;
}

const bareHost = (host: string) =>
  host
    .trim()
    .toLowerCase()
    .replace(/^\[|\]$/g, '')
    .replace(/\.$/, '');

/** Parses VESTNIK_GATEWAY_PRIVATE_HOSTS: `all`, or names, addresses and CIDRs split by commas or spaces. */
export function parseHostPolicy(text: string | undefined): HostPolicy {
  const policy: HostPolicy = {
    all: false,
    names: new Set(),
    ranges: new net.BlockList(),
    metadata: new Set(),
    text: text ?? '',
  };
  for (const raw of (text ?? '').split(/[\s,]+/).filter(Boolean)) {
    const entry = bareHost(raw);
    if (entry === 'all') {
      policy.all = true;
      continue;
    }
    const [address, bits] = entry.split('/');
    const family = net.isIP(address!);
    if (family === 0) {
      if (bits !== undefined || !/^[a-z0-9.-]+$/.test(entry))
        throw new Error(`${PRIVATE_HOSTS_SETTING}: «${raw}» is not a host name, an address or a CIDR range`);
      policy.names.add(entry);
      continue;
    }
    const type: Family = family === 4 ? 'ipv4' : 'ipv6';
    const prefix = bits === undefined ? (family === 4 ? 32 : 128) : Number(bits);
    if (!Number.isInteger(prefix) || prefix < 0 || prefix > (family === 4 ? 32 : 128))
      throw new Error(`${PRIVATE_HOSTS_SETTING}: «${raw}» has no valid prefix length`);
    policy.ranges.addSubnet(address!, prefix, type);
    if (bits === undefined && isMetadataAddress(address!)) policy.metadata.add(address!);
  }
  return policy;
}

let cached: { text: string | undefined; policy: HostPolicy } | null = null;

/** The instance's policy, from the environment (read each time: the tests switch it). */
export function instanceHostPolicy(env = process.env): HostPolicy {
  const text = env[PRIVATE_HOSTS_SETTING];
  if (cached && cached.text === text) return cached.policy;
  const policy = parseHostPolicy(text);
  cached = { text, policy };
  return policy;
}

/** A host refused by the policy; the message names the value, the address and the setting. */
export class HostRefusedError extends Error {
  override name = 'HostRefusedError';
  readonly code = 'HOST_REFUSED';
}

/** Why `address` (reached through `host`) is refused under `policy`; null when it is allowed. */
export function refusal(host: string, address: string, policy: HostPolicy): string | null {
  const kind = refusedKind(address);
  if (kind === null) return null;
  if (kind === 'cloud metadata') return policy.metadata.has(address) ? null : kind;
  if (kind === 'invalid') return kind;
  if (policy.all || policy.names.has(bareHost(host))) return null;
  const family = net.isIP(address);
  const plain = family === 6 ? (embeddedIPv4(address) ?? address) : address;
  return policy.ranges.check(plain, net.isIP(plain) === 4 ? 'ipv4' : 'ipv6') ? null : kind;
}

export type Resolver = (host: string) => Promise<{ address: string; family: number }[]>;

/** The system's resolver (getaddrinfo, as a connection would use). */
export const systemResolver: Resolver = (host) => dns.promises.lookup(host, { all: true, verbatim: true });

export interface HostGuard {
  policy: () => HostPolicy;
  resolve: Resolver;
}

/** The instance's policy and the system's resolver: what every gateway uses unless a test says otherwise. */
export const instanceGuard: HostGuard = { policy: () => instanceHostPolicy(), resolve: systemResolver };

function refused(shown: string, literal: boolean, address: string, kind: string): HostRefusedError {
  const how = literal ? 'is' : 'resolves to';
  const allow =
    kind === 'cloud metadata'
      ? `a cloud metadata address is allowed only when ${PRIVATE_HOSTS_SETTING} names it`
      : `set ${PRIVATE_HOSTS_SETTING} to allow it`;
  const article = /^[aeiou]/.test(kind) ? 'an' : 'a';
  return new HostRefusedError(`\`${shown}\` ${how} ${article} ${kind} address ${address}; ${allow}`);
}

/** An address literal (as URL parsing leaves it: 2130706433 and 0x7f.1 are 127.0.0.1 by then) checked at once. */
export function checkLiteral(host: string, shown: string, policy: HostPolicy): void {
  const bare = bareHost(host);
  if (METADATA_NAMES.includes(bare) && !policy.names.has(bare))
    throw new HostRefusedError(`\`${shown}\` is a cloud metadata service; a gateway never connects to it`);
  if (net.isIP(bare) === 0) return;
  const kind = refusal(bare, bare, policy);
  if (kind) throw refused(shown, true, bare, kind);
}

/**
 * Resolves `host` and checks every address it has; the checked addresses, for the connection to use
 * (through `lookup`, never a second resolution). Throws HostRefusedError naming `shown`.
 */
export async function resolveChecked(
  host: string,
  shown: string,
  guard: HostGuard,
): Promise<{ address: string; family: number }[]> {
  const policy = guard.policy();
  checkLiteral(host, shown, policy);
  const bare = bareHost(host);
  if (net.isIP(bare)) return [{ address: bare, family: net.isIP(bare) }];
  const addresses = await guard.resolve(bare);
  for (const a of addresses) {
    const kind = refusal(bare, a.address, policy);
    if (kind) throw refused(shown, false, a.address, kind);
  }
  return addresses;
}

type LookupCallback = (
  err: NodeJS.ErrnoException | null,
  address: string | { address: string; family: number }[],
  family?: number,
) => void;

/** A `lookup` for net/tls/http: resolves and checks, and hands the connection only checked addresses. */
export function guardedLookup(guard: HostGuard, shown?: (host: string) => string) {
  return (host: string, options: { all?: boolean } | number, callback: LookupCallback): void => {
    resolveChecked(host, shown?.(host) ?? host, guard).then(
      (addresses) => {
        if (typeof options === 'object' && options.all) callback(null, addresses);
        else callback(null, addresses[0]!.address, addresses[0]!.family);
      },
      (err: NodeJS.ErrnoException) => callback(err, ''),
    );
  };
}

/**
 * Options for net.connect / tls.connect (and the `smpp` library, which passes them on): a name is
 * resolved and checked by the lookup; a refused address literal fails through the lookup too (net
 * skips the lookup for a literal, so the host is replaced by a name that is never resolved), so every
 * refusal arrives as the socket's error, where the caller already handles a failed connection.
 */
export function guardedConnect(host: string, port: number, guard: HostGuard = instanceGuard) {
  const shown = `${host}:${port}`;
  try {
    checkLiteral(host, shown, guard.policy());
  } catch (err) {
    return {
      host: 'refused.invalid',
      port,
      lookup: (_host: string, _options: unknown, callback: LookupCallback) => callback(err as Error, ''),
    };
  }
  return { host, port, lookup: guardedLookup(guard, () => shown) };
}
