/**
 * The `kannel` gateway against a real Kannel 1.4.5 (bearerbox, smsbox and its fakesmsc; see
 * test/helpers/kannel.ts), with the API listening on 127.0.0.1 and a dispatcher in the test's process
 * (test/helpers/api.ts). The operator's path: the gateway
 * added with the smsbox's address, `gateway test` prints the sms-service get-url for replies, the
 * smsbox restarted with it. Then N messages — Latin with GSM's extension characters, Cyrillic, an
 * emoji, long ones in several parts — must reach the SMSC intact, every one's delivery report must come
 * back through Kannel's dlr-url carrying its destination, and every message must end «delivered».
 * Last, a person's reply in Cyrillic goes from the SMSC through Kannel's get-url to Vestnik.
 *
 * Kannel's callbacks reach the server through a recording proxy here (VESTNIK_PUBLIC_URL points at
 * it), so the test sees each request exactly as Kannel made it and the server's answer to it.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, test } from 'node:test';
import { countSegments } from '../../src/core/sms/segments.ts';
import { startDispatcher } from '../../src/dispatch/dispatcher.ts';
import { GatewayPool } from '../../src/dispatch/gatewayPool.ts';
import { createTestApi } from '../helpers/api.ts';
import { joinParts, kannelMissing, startKannel } from '../helpers/kannel.ts';

const N = 60;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function textFor(i: number): string {
  switch (i % 5) {
    case 0:
      return `Собрание в субботу в 10:00, участок №${i}. Ёж, щука и «кавычки» — без опозданий.`;
    case 1:
      return `Water off 10-14 at plot ${i}: price 5 € {x} [y] ~ ^ | \\ @ _ $ & 100% + "ok"`;
    case 2:
      return (
        `Уважаемый садовод участка №${i}! Напоминаем: членские взносы за 2026 год принимаются до 1 июня. ` +
        'Шлагбаум закрыт с 23:00 до 6:00, ёлки у ворот не ставить, мусор вывозится по субботам. Правление.'
      );
    case 3:
      return (
        `Dear member of plot ${i}: the general meeting is on Saturday at 10:00 by the office. ` +
        'Agenda: fees for 2026, the road repair, the water pipe and the new gate. Please bring your membership book.'
      );
    default:
      return `Привет 🙂 от правления, участок ${i}`;
  }
}

interface Call {
  query: URLSearchParams;
  rawUrl: string;
  status: number;
  body: string;
}

/** Passes Kannel's callbacks on to the server and records each with the server's answer. */
async function startRecordingProxy(): Promise<{ url: string; calls: Call[]; target: { url: string } }> {
  const calls: Call[] = [];
  const target = { url: '' };
  const proxy = http.createServer(async (req, res) => {
    const rawUrl = req.url ?? '/';
    try {
      const answer = await fetch(`${target.url}${rawUrl}`, { method: req.method });
      const body = await answer.text();
      calls.push({ query: new URL(rawUrl, 'http://x').searchParams, rawUrl, status: answer.status, body });
      res.writeHead(answer.status, { 'content-type': answer.headers.get('content-type') ?? 'text/plain' });
      res.end(body);
    } catch (err) {
      calls.push({ query: new URL(rawUrl, 'http://x').searchParams, rawUrl, status: 599, body: String(err) });
      res.writeHead(502).end();
    }
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  after(() => {
    // Kannel keeps its connections open: closed here, or close() would wait for them.
    proxy.closeAllConnections();
    return new Promise<void>((r) => proxy.close(() => r()));
  });
  return { url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`, calls, target };
}

test(`${N} messages through a real Kannel: texts intact at the SMSC, ${N} reports back by dlr-url, all delivered; a reply by get-url`, {
  skip: kannelMissing(),
  timeout: 120_000,
}, async () => {
  const proxy = await startRecordingProxy();
  const [api, kannel] = await Promise.all([createTestApi(), startKannel(`${proxy.url}/not-yet`)]);
  // The API listens for Kannel's callbacks; the workers' gateways give Kannel the proxy's address.
  proxy.target.url = await api.app.listen({ port: 0, host: '127.0.0.1' });
  const gateways = new GatewayPool(api.db, proxy.url);
  const dispatcher = await startDispatcher(api.db, { workers: 1, gateways, idlePollMs: 20 });
  // Every request bounded: a server that stops answering fails the test instead of hanging it.
  const call = async (method: string, path: string, body?: unknown) => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new Error(`${method} ${path}: no answer in 15 s\n${kannel.logs()}`)),
        15_000,
      );
    });
    try {
      return await Promise.race([api.call(method, path, body), late]);
    } finally {
      clearTimeout(timer);
    }
  };

  // Stopped here, not in `after`: hooks run in the order they were registered, so the database
  // (opened first) would close while Kannel still calls back and the workers still send.
  try {
    // The operator's path: add the gateway, test it, give Kannel the get-url it prints.
    const added = await call('POST', '/api/v1/gateways', {
      name: 'kannel',
      kind: 'kannel',
      priority: -1,
      settings: { url: kannel.url, username: kannel.username, password: kannel.password, sender: 'SNT' },
    });
    assert.equal(added.status, 201, JSON.stringify(added.body));
    const checked = await call('POST', `/api/v1/gateways/${added.body.id}/test`);
    assert.equal(checked.body.ok, true, JSON.stringify(checked.body));
    assert.match(checked.body.message, /username and password accepted/);
    const getUrl = /get-url: (\S+)$/.exec(checked.body.message)?.[1];
    assert.ok(getUrl?.startsWith(`${added.body.callbackUrl}?mo=1&k=`), checked.body.message);
    // The test API's own public address is a placeholder: Kannel reaches it through the proxy.
    const origin = new URL(added.body.callbackUrl).origin;
    await kannel.restartSmsbox(`${proxy.url}${getUrl!.slice(origin.length)}`);

    const sent: { id: number; to: string; text: string }[] = [];
    for (let i = 0; i < N; i += 10) {
      const batch = Array.from({ length: Math.min(10, N - i) }, (_, j) => i + j);
      const answers = await Promise.all(
        batch.map((k) =>
          call('POST', '/api/v1/messages', { to: `+7912300${String(k).padStart(4, '0')}`, text: textFor(k) }),
        ),
      );
      for (const [j, a] of answers.entries()) {
        assert.equal(a.status, 201, JSON.stringify(a.body));
        sent.push({
          id: a.body.id,
          to: `7912300${String(batch[j]).padStart(4, '0')}`,
          text: textFor(batch[j]!),
        });
      }
    }

    const states = new Map<number, { state: string; rawStatus: string | null; gatewayId: number }>();
    const deadline = Date.now() + 60_000;
    for (;;) {
      for (const m of sent.filter((s) => states.get(s.id)?.state !== 'delivered')) {
        const r = await call('GET', `/api/v1/messages/${m.id}`);
        states.set(m.id, { state: r.body.state, rawStatus: r.body.rawStatus, gatewayId: r.body.gatewayId });
      }
      const delivered = [...states.values()].filter((s) => s.state === 'delivered').length;
      if (delivered === N) break;
      const tally: Record<string, number> = {};
      for (const { state } of states.values()) tally[state] = (tally[state] ?? 0) + 1;
      if (Date.now() > deadline) {
        const late = sent.filter((m) => states.get(m.id)?.state !== 'delivered').slice(0, 3);
        const seen = late.map((m) => {
          const calls = proxy.calls.filter((c) => c.query.get('m') === String(m.id));
          const said = calls.map((c) => `${c.query.get('type')} → ${c.status} ${c.body}`);
          return `message ${m.id}: ${said.join('; ') || 'no report'}`;
        });
        assert.fail(
          `${delivered} of ${N} delivered: ${JSON.stringify(tally)}\n${seen.join('\n')}\n${kannel.logs()}`,
        );
      }
      await sleep(200);
    }

    // Every text as the SMSC got it: its parts joined, the bytes read as Kannel sent them.
    const atSmsc = joinParts(kannel.received);
    let intact = 0;
    let multipart = 0;
    for (const m of sent) {
      const got = atSmsc.get(m.to);
      assert.ok(got, `nothing reached the SMSC for ${m.to}`);
      const ucs2 = countSegments(m.text).encoding === 'UCS-2';
      const text = ucs2 ? Buffer.from(got.bytes).swap16().toString('utf16le') : got.bytes.toString('utf8');
      assert.equal(text, m.text, `the text to ${m.to} (${got.parts} parts, ${got.kind})`);
      intact++;
      if (got.parts > 1) multipart++;
    }
    assert.equal(atSmsc.size, N, 'no message reached the SMSC for a number it was not sent to');
    assert.ok(multipart >= (2 * N) / 5, `${multipart} long texts went in parts`);

    // Every report came through the dlr-url with its destination, and the server took it.
    // A report's call is recorded once the server has answered it, which may be after the message
    // turned «delivered» (the send's own path applies a receipt that came first): waited for, bounded.
    const callsBy = Date.now() + 10_000;
    const deliveredCalls = () => proxy.calls.filter((c) => c.query.has('m') && c.query.get('type') === '1');
    while (deliveredCalls().length < N && Date.now() < callsBy) await sleep(50);
    const reports = proxy.calls.filter((c) => c.query.has('m'));
    const delivered = reports.filter((c) => c.query.get('type') === '1');
    assert.equal(delivered.length, N, `${delivered.length} «delivered» reports for ${N} messages`);
    for (const c of reports) assert.equal(c.status, 200, `${c.rawUrl} → ${c.status} ${c.body}`);
    const byId = new Map(sent.map((m) => [String(m.id), m]));
    for (const c of delivered) assert.equal(c.query.get('to'), byId.get(c.query.get('m')!)?.to, c.rawUrl);
    assert.deepEqual(new Set(delivered.map((c) => c.query.get('m'))), new Set(byId.keys()));
    const changed = delivered.reduce((n, c) => n + (JSON.parse(c.body).changed as number), 0);
    // All through Kannel (no fail-over to the sandbox), each made final by a «delivered» report.
    assert.deepEqual(
      new Set([...states.values()].map((s) => `${s.gatewayId} ${s.rawStatus}`)),
      new Set([`${added.body.id} 1`]),
    );
    console.log(
      `Kannel: ${N} sent, ${delivered.length} «delivered» reports by dlr-url (${reports.length} in all, changed ${changed} at once), ` +
        `${[...states.values()].filter((s) => s.state === 'delivered').length} delivered; ${intact} texts intact at the SMSC, ${multipart} in parts`,
    );

    // Replies: fakesmsc sends them as UCS-2, the smsbox recodes them and calls the get-url.
    const replies = [
      { from: sent[1]!.to, text: 'Спасибо, всё получили 👍' },
      { from: sent[0]!.to, text: 'СТОП' },
    ];
    for (const r of replies) await kannel.sendMo(r.from, '1234', r.text);
    // The smsbox calls the get-url in its own time; on a loaded machine that has taken over 10 s.
    const mo = await (async () => {
      const until = Date.now() + 30_000;
      for (;;) {
        const calls = proxy.calls.filter((x) => x.query.get('mo') === '1');
        if (calls.length >= replies.length) return calls;
        assert.ok(
          Date.now() < until,
          `${calls.length} get-url calls for ${replies.length} replies\n${kannel.logs()}`,
        );
        await sleep(50);
      }
    })();
    for (const [i, c] of mo.entries()) {
      assert.equal(c.status, 200, `${c.rawUrl} → ${c.status} ${c.body}`);
      assert.deepEqual(
        [c.query.get('from'), c.query.get('to'), c.query.get('text'), c.query.get('charset')],
        [replies[i]!.from, '1234', replies[i]!.text, 'UTF-8'],
      );
      assert.match(c.query.get('id') ?? '', /^[0-9a-f-]{36}$/);
    }
    const stored = (await call('GET', '/api/v1/replies')).body.items as {
      from: string;
      to: string;
      text: string;
      isStop: boolean;
      providerId: string;
    }[];
    assert.deepEqual(
      stored.map((r) => [r.from.replace(/\D/g, ''), r.to, r.text, r.isStop, r.providerId]).reverse(),
      replies.map((r, i) => [r.from, '1234', r.text, i === 1, mo[i]!.query.get('id')]),
    );
    console.log(`Kannel: ${stored.length} replies by get-url stored, texts intact; «СТОП» recognised`);
  } finally {
    await kannel.stop();
    await dispatcher.stop();
    await gateways.close();
  }
});
