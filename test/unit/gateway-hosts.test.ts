/**
 * Which hosts a gateway may reach (providers/hostGuard.ts): every refused range in every spelling,
 * the instance's allowances, names checked after resolution (a test resolver, never real DNS) with
 * the connection going to the checked address, and redirects refused — for the HTTP client all HTTP
 * gateways share and for the raw connections of SMPP and SMTP.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, test } from 'node:test';
import tls from 'node:tls';
import {
  checkLiteral,
  guardedConnect,
  type HostGuard,
  HostRefusedError,
  parseHostPolicy,
  type Resolver,
  refusal,
  refusedKind,
} from '../../src/providers/hostGuard.ts';
import { HttpClient, RedirectRefusedError } from '../../src/providers/http.ts';
import { createSmtpGateway } from '../../src/providers/smtp.ts';
import { TEST_TLS } from '../helpers/smtp.ts';

/** Names the tests resolve; anything else is «not found», as an unknown name would be. */
const NAMES: Record<string, string[]> = {
  'public.test': ['127.0.0.1'],
  'intranet.test': ['10.0.0.5'],
  'mixed.test': ['93.184.216.34', '192.168.1.20'],
  'outside.test': ['93.184.216.34'],
  'mapped.test': ['::ffff:10.0.0.1'],
};
const asked: string[] = [];
const resolver: Resolver = async (host) => {
  asked.push(host);
  const list = NAMES[host];
  if (!list) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${host}`), { code: 'ENOTFOUND' });
  return list.map((address) => ({ address, family: net.isIP(address) }));
};
const guard = (policy: string): HostGuard => ({ policy: () => parseHostPolicy(policy), resolve: resolver });

test('every refused range, in every spelling, is named by its kind; public addresses pass', () => {
  const table: [string, string | null][] = [
    ['127.0.0.1', 'loopback'],
    ['127.255.255.254', 'loopback'],
    ['::1', 'loopback'],
    ['10.0.0.1', 'private'],
    ['172.16.0.1', 'private'],
    ['172.31.255.255', 'private'],
    ['192.168.0.1', 'private'],
    ['fc00::1', 'private'],
    ['fd12:3456::1', 'private'],
    ['169.254.1.1', 'link-local'],
    ['fe80::1', 'link-local'],
    ['100.64.0.1', 'shared (CGNAT)'],
    ['100.127.255.255', 'shared (CGNAT)'],
    ['0.0.0.0', 'unspecified'],
    ['::', 'unspecified'],
    ['224.0.0.1', 'multicast'],
    ['ff02::1', 'multicast'],
    ['255.255.255.255', 'reserved'],
    ['169.254.169.254', 'cloud metadata'],
    ['fd00:ec2::254', 'cloud metadata'],
    ['::ffff:10.0.0.1', 'private'],
    ['::ffff:a00:1', 'private'],
    ['::ffff:127.0.0.1', 'loopback'],
    ['::ffff:169.254.169.254', 'cloud metadata'],
    ['64:ff9b::a00:1', 'private'],
    ['::10.0.0.1', 'private'],
    ['8.8.8.8', null],
    ['172.32.0.1', null],
    ['100.128.0.1', null],
    ['93.184.216.34', null],
    ['2a00:1450:4010::1', null],
    ['::ffff:8.8.8.8', null],
  ];
  for (const [address, kind] of table) assert.equal(refusedKind(address), kind, address);
});

test('URL spellings of loopback (decimal, hex, octal, IPv6) are refused before any connection', async () => {
  const client = new HttpClient(4, guard(''));
  after(() => client.close());
  for (const url of [
    'http://2130706433/',
    'http://0x7f.1/',
    'http://0177.0.0.1/',
    'http://127.1/',
    'http://[::1]/',
    'http://[::ffff:10.0.0.1]/',
    'http://[::ffff:7f00:1]:8080/x',
    'http://169.254.169.254/latest/meta-data/',
    'http://[fd00:ec2::254]/',
    'http://0.0.0.0:5432/',
    'http://metadata.google.internal/computeMetadata/v1/',
  ]) {
    await assert.rejects(client.request({ method: 'GET', url, timeoutMs: 1000 }), (err: Error) => {
      assert.ok(err instanceof HostRefusedError, `${url}: ${err.message}`);
      assert.doesNotMatch(err.message, /meta-data|computeMetadata|\/x/, 'the path is not shown');
      return true;
    });
  }
  assert.deepEqual(asked, [], 'no name was resolved for an address literal');
  assert.throws(
    () => checkLiteral('10.0.0.5', 'http://10.0.0.5/', parseHostPolicy(undefined)),
    /^HostRefusedError: `http:\/\/10\.0\.0\.5\/` is a private address 10\.0\.0\.5; set VESTNIK_GATEWAY_PRIVATE_HOSTS to allow it$/,
  );
});

test('a name is resolved, every address checked, and the message names the value, the address and the setting', async () => {
  const client = new HttpClient(4, guard(''));
  after(() => client.close());
  const refused = async (url: string, pattern: RegExp) =>
    assert.rejects(client.request({ method: 'GET', url, timeoutMs: 1000 }), pattern);
  await refused(
    'http://intranet.test/',
    /`http:\/\/intranet\.test\/` resolves to a private address 10\.0\.0\.5; set VESTNIK_GATEWAY_PRIVATE_HOSTS to allow it/,
  );
  // One public address does not excuse a private one beside it.
  await refused(
    'http://mixed.test:8080/',
    /`http:\/\/mixed\.test:8080\/` resolves to a private address 192\.168\.1\.20/,
  );
  await refused('http://mapped.test/', /resolves to a private address ::ffff:10\.0\.0\.1/);
  await refused('http://public.test/', /resolves to a loopback address 127\.0\.0\.1/);
});

test('the instance allowances: all, addresses, CIDR ranges and names; metadata only by its own address', () => {
  const all = parseHostPolicy('all');
  assert.equal(refusal('kannel.lan', '10.0.0.5', all), null);
  assert.equal(refusal('x', '::ffff:192.168.1.1', all), null);
  assert.equal(refusal('x', '169.254.169.254', all), 'cloud metadata');
  const list = parseHostPolicy('192.168.10.0/24, kannel.lan  fd00::/8 127.0.0.1');
  assert.equal(refusal('x', '192.168.10.7', list), null);
  assert.equal(refusal('x', '::ffff:192.168.10.7', list), null);
  assert.equal(refusal('x', '192.168.11.7', list), 'private');
  assert.equal(refusal('KANNEL.LAN.', '10.9.9.9', list), null, 'a name allows whatever it resolves to');
  assert.equal(refusal('other.lan', '10.9.9.9', list), 'private');
  assert.equal(refusal('x', 'fd12::1', list), null);
  assert.equal(refusal('x', 'fd00:ec2::254', list), 'cloud metadata', 'a range does not allow metadata');
  assert.equal(refusal('x', '127.0.0.1', list), null);
  assert.equal(refusal('x', '127.0.0.2', list), 'loopback');
  assert.equal(refusal('x', '169.254.169.254', parseHostPolicy('169.254.169.254')), null);
  assert.throws(() => parseHostPolicy('10.0.0.0/33'), /VESTNIK_GATEWAY_PRIVATE_HOSTS: «10\.0\.0\.0\/33»/);
  assert.throws(() => parseHostPolicy('http://x/'), /is not a host name, an address or a CIDR range/);
});

/** A local HTTP server counting what reaches it; `answer` says what it answers. */
async function server(answer: (res: http.ServerResponse) => void) {
  const hits: string[] = [];
  const s = http.createServer((req, res) => {
    hits.push(req.url ?? '');
    answer(res);
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  after(() => new Promise<void>((r) => s.close(() => r())));
  return { port: (s.address() as net.AddressInfo).port, hits };
}

test('an allowed name connects to the address the check resolved, never asking DNS again', async () => {
  const target = await server((res) => res.end('ok'));
  asked.length = 0;
  // public.test exists only in the test resolver: reaching the server proves the connection used it.
  const client = new HttpClient(4, guard('public.test'));
  after(() => client.close());
  const answer = await client.request({
    method: 'GET',
    url: `http://public.test:${target.port}/v1/ping`,
    timeoutMs: 2000,
  });
  assert.deepEqual(answer, { status: 200, text: 'ok' });
  assert.deepEqual(target.hits, ['/v1/ping']);
  assert.deepEqual(asked, ['public.test']);
});

test('a redirect from an allowed host to a private one is refused, and the private host never asked', async () => {
  const inside = await server((res) => res.end('internal secrets'));
  const outside = await server((res) => {
    res.writeHead(302, { location: `http://intranet.test:${inside.port}/admin?token=1` }).end('moved');
  });
  const toLoopback = await server((res) => {
    res.writeHead(307, { location: `http://127.0.0.1:${inside.port}/` }).end();
  });
  const client = new HttpClient(4, guard('public.test'));
  after(() => client.close());
  for (const port of [outside.port, toLoopback.port])
    await assert.rejects(
      client.request({
        method: 'POST',
        url: `http://public.test:${port}/v2/sms/send`,
        body: '{}',
        timeoutMs: 2000,
      }),
      (err: Error) => {
        assert.ok(err instanceof RedirectRefusedError, err.message);
        assert.match(
          err.message,
          /answered 30[27], a redirect to http:\/\/(intranet\.test|127\.0\.0\.1):\d+\/; gateways do not follow redirects/,
        );
        assert.doesNotMatch(err.message, /admin|token|moved/);
        return true;
      },
    );
  assert.equal(outside.hits.length, 1);
  assert.equal(toLoopback.hits.length, 1);
  assert.deepEqual(inside.hits, [], 'the redirect target was never reached');
});

/** net.connect with guardedConnect's options: the connection's error, or «connected». */
function connectOutcome(host: string, port: number, g: HostGuard): Promise<string> {
  return new Promise((resolve) => {
    const socket = net.connect(guardedConnect(host, port, g));
    socket.once('error', (err) =>
      resolve(err instanceof HostRefusedError ? `refused: ${err.message}` : err.message),
    );
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
  });
}

test('SMPP and SMTP connections: literals and names checked, allowed ones connect to the checked address', async () => {
  const tcp = net.createServer((s) => s.end());
  await new Promise<void>((r) => tcp.listen(0, '127.0.0.1', r));
  after(() => new Promise<void>((r) => tcp.close(() => r())));
  const port = (tcp.address() as net.AddressInfo).port;
  assert.equal(
    await connectOutcome('127.0.0.1', port, guard('')),
    `refused: \`127.0.0.1:${port}\` is a loopback address 127.0.0.1; set VESTNIK_GATEWAY_PRIVATE_HOSTS to allow it`,
  );
  assert.equal(
    await connectOutcome('intranet.test', 2775, guard('')),
    'refused: `intranet.test:2775` resolves to a private address 10.0.0.5; set VESTNIK_GATEWAY_PRIVATE_HOSTS to allow it',
  );
  assert.match(
    await connectOutcome('169.254.169.254', 25, guard('all')),
    /^refused: .* cloud metadata address/,
  );
  assert.equal(await connectOutcome('public.test', port, guard('public.test')), 'connected');
  assert.equal(await connectOutcome('127.0.0.1', port, guard('127.0.0.0/8')), 'connected');
});

test('SMTP: the connection goes to the checked address, and TLS still names (and checks) the host', async () => {
  const names: unknown[] = [];
  const server = tls.createServer({ key: TEST_TLS.key, cert: TEST_TLS.cert }, (socket) => {
    names.push((socket as tls.TLSSocket & { servername?: string }).servername);
    socket.write('220 mail.test ESMTP\r\n');
    socket.on('data', () => socket.end('421 closing\r\n'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  after(() => new Promise<void>((r) => server.close(() => r())));
  const port = (server.address() as net.AddressInfo).port;
  const before = process.env.VESTNIK_GATEWAY_PRIVATE_HOSTS;
  after(() => {
    if (before === undefined) delete process.env.VESTNIK_GATEWAY_PRIVATE_HOSTS;
    else process.env.VESTNIK_GATEWAY_PRIVATE_HOSTS = before;
  });
  const gateway = () =>
    createSmtpGateway({
      gatewayId: 1,
      channel: 'email',
      callbackUrl: 'http://127.0.0.1/',
      callbackSecret: 'x',
      settings: {
        host: 'localhost',
        port,
        secure: true,
        from: 'a@b.ru',
        tlsCa: TEST_TLS.cert,
        timeoutMs: 3000,
      },
    });
  delete process.env.VESTNIK_GATEWAY_PRIVATE_HOSTS;
  const refused = gateway();
  await assert.rejects(refused.verify(), /`localhost:\d+` resolves to a loopback address/);
  await refused.close?.();
  assert.deepEqual(names, []);
  process.env.VESTNIK_GATEWAY_PRIVATE_HOSTS = '127.0.0.0/8,::1';
  const allowed = gateway();
  // The certificate (for localhost) was accepted: the server's 421 is the answer, not a TLS error.
  await assert.rejects(allowed.verify(), /421 closing/);
  await allowed.close?.();
  assert.deepEqual(names, ['localhost']);
});
