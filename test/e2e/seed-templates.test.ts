/**
 * Issue 5's bar: seed 000's and seed 004's example templates, as their users wrote them, rendered
 * for the demo association's contacts through the command line (run on its own and through a
 * running server) and the API: names, each plot's receipt link that opens the PDF, totals with
 * two decimals, and the loan reminder filled from the payment schedule.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runVestnik, startServer, vestnikEnv } from '../helpers/process.ts';

const SEED_000 =
  'Уважаемый %name. Направляем Вам квитанцию для оплаты начислений %kvit. Общая сумма начислений за ваши участки %total руб., просроченная задолженность по которой начисляются пени: %debt руб.';
const SEED_004 =
  '#FAM# #IM# #OT#, напоминаем: по договору займа №#NOM_D# от #DATE_D# на сумму #SUM_Z# руб. платёж #SUM_P# руб. ожидается #DATE_P#.';

interface Preview {
  text: string;
  sms: { segments: number } | null;
}

test('seed 000 and seed 004 templates for demo contacts, by the command line and the API', async () => {
  // Links point at the public address, whichever process makes them (the server or the command line).
  const env = await vestnikEnv({
    VESTNIK_DEMO: '1',
    VESTNIK_ADMIN_PASSWORD: 'demo-password-1',
    VESTNIK_PUBLIC_URL: 'https://snt.example.ru',
  });
  const preview = async (text: string, contact: number): Promise<Preview> => {
    const r = await runVestnik(
      ['template', 'preview', '--contact', String(contact), '--text', text, '--json'],
      env,
    );
    assert.equal(r.code, 0, r.stderr);
    return JSON.parse(r.stdout) as Preview;
  };
  // The first start loads the demo; the command line then runs on its own (no server yet).
  assert.equal((await runVestnik(['migrate'], env)).code, 0);
  const server = await startServer(env);
  const viaServer = await preview(SEED_000, 1);
  await server.stop();
  const alone = await preview(SEED_000, 1);
  // Links made on the same day for the same receipt are the same text.
  assert.equal(alone.text, viaServer.text);

  const m =
    /^Уважаемый (\S+ \S+)\. Направляем Вам квитанцию для оплаты начислений (.+)\. Общая сумма начислений за ваши участки (\d+\.\d\d) руб\., просроченная задолженность по которой начисляются пени: (\d+\.\d\d) руб\.$/.exec(
      alone.text,
    );
  assert.ok(m, alone.text);
  const links = m[2]!.split(', ');
  assert.ok(links.length >= 1);
  for (const l of links) assert.match(l, /^https:\/\/snt\.example\.ru\/d\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  assert.ok(alone.sms!.segments >= 3, 'a long Cyrillic text takes several segments');

  // Seed 004: the demo's first owners have a loan with a schedule; the first payment is paid.
  const loan = await preview(SEED_004, 1);
  assert.match(
    loan.text,
    /^\S+ \S+ \S+, напоминаем: по договору займа №З-\d{4}\/001 от \d\d\.\d\d\.\d{4} на сумму \d+\.00 руб\. платёж \d+\.\d\d руб\. ожидается \d\d\.\d\d\.\d{4}\.$/,
  );

  // The API, with the server up again: the same text, and the receipt link opens the PDF.
  const again = await startServer(env);
  const login = await fetch(`${again.url}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: 'admin@vestnik.local', password: 'demo-password-1' }),
  });
  assert.equal(login.status, 200, await login.clone().text());
  const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
  const { csrfToken } = (await login.json()) as { csrfToken: string };
  const res = await fetch(`${again.url}/api/v1/templates/preview`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrfToken },
    body: JSON.stringify({ channel: 'sms', text: SEED_000, contactId: 1 }),
  });
  assert.equal(res.status, 200, await res.clone().text());
  const api = (await res.json()) as Preview;
  const first = /(https?:\/\/\S+?\/d\/[A-Za-z0-9_.-]+?)(?=[,.] )/.exec(api.text)![1]!;
  const pdf = await fetch(`${again.url}${new URL(first).pathname}`);
  assert.equal(pdf.status, 200);
  assert.equal(pdf.headers.get('content-type'), 'application/pdf');
  assert.match(
    Buffer.from(await pdf.arrayBuffer()).toString('latin1'),
    /^%PDF-1\.4[\s\S]*Receipt for plot \d+/,
  );
});
