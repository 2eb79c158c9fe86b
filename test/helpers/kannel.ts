/**
 * A real Kannel 1.4.5 for tests (Debian's binaries): a bearerbox with a `fake` SMSC, an smsbox with
 * the sendsms interface, and Kannel's own fakesmsc as the SMSC's other side — it prints every message
 * Kannel sends it (MT) and sends Kannel the messages given on its command line (MO). The bearerbox
 * reports each message written to fakesmsc as accepted (8) and delivered (1) to the dlr-url, so the
 * delivery reports are Kannel's own. kannel.conf comes from test/fixtures/kannel/kannel.conf with
 * free ports on 127.0.0.1; every process is stopped in `after`, and every wait is bounded.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after } from 'node:test';
import { freePort } from './process.ts';

export const BEARERBOX = '/usr/sbin/bearerbox';
export const SMSBOX = '/usr/sbin/smsbox';
export const FAKESMSC = '/usr/lib/kannel/test/fakesmsc';

/** Why the Kannel tests cannot run here (a binary missing), or false. */
export function kannelMissing(): string | false {
  const gone = [BEARERBOX, SMSBOX, FAKESMSC].filter((f) => !fs.existsSync(f));
  return gone.length ? `Kannel is not installed (${gone.join(', ')} missing): apt-get install kannel` : false;
}

const TEMPLATE = path.resolve(import.meta.dirname, '..', 'fixtures', 'kannel', 'kannel.conf');

/** One message as fakesmsc printed it: its bytes (UTF-8 text or UCS-2) and its UDH, if any. */
export interface SmscMessage {
  sender: string;
  receiver: string;
  /** `text` (printed as is), `data` or `ucs-2` (URL-encoded bytes). */
  kind: string;
  udh: Buffer | null;
  bytes: Buffer;
}

/** Bytes URL-encoded by Kannel (`+` is a space). */
const urlBytes = (s: string) =>
  Buffer.from(
    s
      .replace(/\+/g, ' ')
      .replace(/%([0-9A-Fa-f]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16))),
    'latin1',
  );

/** Parses fakesmsc's `Got message N: <sender receiver [udh X] kind data>` line. */
export function parseSmscLine(line: string): SmscMessage | null {
  const m = /Got message \d+: <(\S+) (\S+) (?:udh (\S+) )?(text|data|ucs-2|ucs2) (.*)>$/.exec(line);
  if (!m) return null;
  const [, sender, receiver, udh, kind, data] = m;
  return {
    sender: sender!,
    receiver: receiver!,
    kind: kind!,
    udh: udh ? urlBytes(udh) : null,
    bytes: kind === 'text' ? Buffer.from(data!, 'utf8') : urlBytes(data!),
  };
}

/** The parts fakesmsc got for each receiver, joined in their UDH order (8-bit reference, IEI 0). */
export function joinParts(
  messages: SmscMessage[],
): Map<string, { bytes: Buffer; parts: number; kind: string }> {
  const byReceiver = new Map<string, SmscMessage[]>();
  for (const m of messages) byReceiver.set(m.receiver, [...(byReceiver.get(m.receiver) ?? []), m]);
  const out = new Map<string, { bytes: Buffer; parts: number; kind: string }>();
  for (const [receiver, parts] of byReceiver) {
    const seq = (p: SmscMessage) => (p.udh && p.udh[1] === 0 ? p.udh[5]! : 0);
    parts.sort((a, b) => seq(a) - seq(b));
    out.set(receiver, {
      bytes: Buffer.concat(parts.map((p) => p.bytes)),
      parts: parts.length,
      kind: parts[0]!.kind,
    });
  }
  return out;
}

export interface Kannel {
  /** The smsbox, for the gateway's `url` setting. */
  url: string;
  username: string;
  password: string;
  dir: string;
  /** Every message fakesmsc got from Kannel, in order. */
  received: SmscMessage[];
  /** Rewrites kannel.conf with this sms-service get-url and restarts the smsbox with it. */
  restartSmsbox(inboundUrl: string): Promise<void>;
  /** A person's message to `to`: fakesmsc is started again with it (it sends its messages on connecting). */
  sendMo(from: string, to: string, text: string): Promise<void>;
  /** The last lines of Kannel's logs, for a failing assertion's message. */
  logs(): string;
  stop(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: string,
  logs: () => string,
) {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`Kannel: ${what} not within ${timeoutMs} ms\n${logs()}`);
    await sleep(50);
  }
}

function stopProcess(child: ChildProcess): Promise<void> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    const kill = setTimeout(() => child.kill('SIGKILL'), 5_000);
    child.once('exit', () => {
      clearTimeout(kill);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

/** Starts bearerbox, smsbox and fakesmsc, and waits until the SMSC is online and the smsbox answers. */
export async function startKannel(inboundUrl: string): Promise<Kannel> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vestnik-kannel-'));
  const ports = {
    admin: await freePort(),
    smsbox: await freePort(),
    fake: await freePort(),
    sendsms: await freePort(),
  };
  const adminPassword = crypto.randomBytes(8).toString('hex');
  const username = 'vestnik';
  const password = crypto.randomBytes(9).toString('base64url');
  const conf = path.join(dir, 'kannel.conf');
  const writeConf = (url: string) => {
    const values: Record<string, string> = {
      ADMIN_PORT: String(ports.admin),
      ADMIN_PASSWORD: adminPassword,
      SMSBOX_PORT: String(ports.smsbox),
      FAKE_PORT: String(ports.fake),
      SENDSMS_PORT: String(ports.sendsms),
      DIR: dir,
      USERNAME: username,
      PASSWORD: password,
      INBOUND_URL: url,
    };
    const text = fs.readFileSync(TEMPLATE, 'utf8').replace(/\{\{(\w+)\}\}/g, (_, k: string) => values[k]!);
    fs.writeFileSync(conf, text);
  };
  writeConf(inboundUrl);

  const tail = (file: string) => {
    try {
      return fs.readFileSync(path.join(dir, file), 'utf8').split('\n').slice(-15).join('\n');
    } catch {
      return '(none)';
    }
  };
  let fakeErr = '';
  const logs = () =>
    `--- bearerbox.log\n${tail('bearerbox.log')}\n--- smsbox.log\n${tail('smsbox.log')}\n--- fakesmsc\n${fakeErr.split('\n').slice(-10).join('\n')}`;

  const received: SmscMessage[] = [];
  // Kannel's boxes log to stderr besides their log files: a pipe nobody reads fills up and stops
  // them mid-write, so only fakesmsc's stderr (what it got) is piped, and read.
  const start = (bin: string, args: string[], stderr: 'pipe' | 'ignore' = 'ignore') =>
    spawn(bin, args, { cwd: dir, stdio: ['ignore', 'ignore', stderr] });
  const bearerbox = start(BEARERBOX, [conf]);
  // The smsbox gives up at once when the bearerbox is not listening yet: it starts once it is.
  let smsbox: ChildProcess | null = null;
  let fakesmsc: ChildProcess | null = null;
  const startFakesmsc = (messages: string[]) => {
    // -m: how many of the given messages to send (one at random each time); 0 sends none.
    fakeErr = '';
    const args = ['-H', '127.0.0.1', '-r', String(ports.fake), '-i', '0.1', '-m', String(messages.length)];
    const child = start(FAKESMSC, [...args, ...(messages.length ? messages : ['0 0 text none'])], 'pipe');
    let pending = '';
    child.stderr!.on('data', (d: Buffer) => {
      pending += d.toString('utf8');
      fakeErr = (fakeErr + d.toString('utf8')).slice(-20_000);
      const lines = pending.split('\n');
      pending = lines.pop()!;
      for (const line of lines) {
        const m = parseSmscLine(line);
        if (m) received.push(m);
      }
    });
    return child;
  };

  const stop = async () => {
    await Promise.all([fakesmsc, smsbox, bearerbox].map((c) => c && stopProcess(c)));
  };
  after(async () => {
    await stop();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const status = async () => {
    try {
      const res = await fetch(`http://127.0.0.1:${ports.admin}/status.txt?password=${adminPassword}`);
      return await res.text();
    } catch {
      return '';
    }
  };
  const smsboxAnswers = async () => {
    try {
      await fetch(`http://127.0.0.1:${ports.sendsms}/cgi-bin/sendsms`);
      return true;
    } catch {
      return false;
    }
  };
  const ready = async () => {
    await until(async () => /FAKE:\d+ \(online/.test(await status()), 10_000, 'the fake SMSC online', logs);
    await until(async () => /smsbox:/.test(await status()), 10_000, 'the smsbox connected', logs);
    await until(smsboxAnswers, 10_000, 'the sendsms port answering', logs);
  };

  await until(async () => (await status()) !== '', 10_000, 'the bearerbox admin port', logs);
  smsbox = start(SMSBOX, [conf]);
  fakesmsc = startFakesmsc([]);
  await ready();

  return {
    url: `http://127.0.0.1:${ports.sendsms}`,
    username,
    password,
    dir,
    received,
    logs,
    async restartSmsbox(url) {
      writeConf(url);
      if (smsbox) await stopProcess(smsbox);
      smsbox = start(SMSBOX, [conf]);
      await until(async () => /smsbox:/.test(await status()), 10_000, 'the smsbox connected again', logs);
      await until(smsboxAnswers, 10_000, 'the sendsms port answering again', logs);
    },
    async sendMo(from, to, text) {
      // Text fakesmsc passes as it is (printable ASCII without spaces at its ends), or UCS-2 bytes.
      const ascii = /^[\x21-\x7e][\x20-\x7e]*$/.test(text) && !/[\x20]$/.test(text);
      const utf16 = Buffer.from(text, 'utf16le').swap16();
      const body = ascii
        ? `text ${text}`
        : `ucs2 ${Array.from(utf16, (b) => `%${b.toString(16).padStart(2, '0')}`).join('')}`;
      if (fakesmsc) await stopProcess(fakesmsc);
      fakesmsc = startFakesmsc([`${from} ${to} ${body}`]);
      await until(
        () => /fakesmsc: sent message 1\b/.test(fakeErr),
        10_000,
        'fakesmsc sending its message',
        logs,
      );
    },
    stop,
  };
}
