/**
 * The web interface in a real browser (Debian's Chromium, driven by playwright-core) against a real
 * `vestnik serve` on the engine of this run, as the treasurer of a garden association uses it: sign
 * in, top up the balance, import the owners from a CSV with one bad row, build a campaign in the four
 * steps of seed 000, send it through the sandbox gateway and watch the report reach «completed». Then
 * the same product in English and on a phone's screen. Every API answer is watched: a failed call
 * fails the test even when the screen looks right.
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import { browserMissing, launchBrowser, screenshotDir, watchPage } from '../helpers/browser.ts';
import { startServer, vestnikEnv } from '../helpers/process.ts';

const missing = browserMissing();
const EMAIL = 'kaznachei@snt.example';
const PASSWORD = 'берёзка-пароль-2026';

// Seed 000's owners, as a treasurer's spreadsheet has them: Russian headers, «;», phones as people
// write them, one number cut short (row 4), which must be rejected with its reason and lose nothing else.
const CSV = [
  'Фамилия;Имя;Отчество;Телефон;Участок;Долг',
  'Иванов;Пётр;Ильич;8 (912) 345-67-89;12;1500,50',
  'Смирнова;Анна;Павловна;+7 912 345-67-90;13;0',
  'Кузнецов;Олег;;8 (912) 34;14;200',
  'Попова;Вера;Сергеевна;89123456791;15;0',
].join('\r\n');

const sel = (name: string) => `[data-test="${name}"]`;

test('sign in, top up, import, the four steps, send, the report reaches «completed»', {
  skip: missing,
  timeout: 300_000,
}, async () => {
  const server = await startServer(
    await vestnikEnv({
      VESTNIK_ADMIN_EMAIL: EMAIL,
      VESTNIK_ADMIN_PASSWORD: PASSWORD,
      VESTNIK_DEMO: '0',
      VESTNIK_STATUS_POLL_SECONDS: '1',
    }),
  );
  const shots = screenshotDir(fs.mkdtempSync(path.join(os.tmpdir(), 'vestnik-shots-')));
  const browser = await launchBrowser();
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, locale: 'ru-RU' });
  const page = await context.newPage();
  page.setDefaultTimeout(20_000);
  const watch = watchPage(page);
  const shot = (name: string) => page.screenshot({ path: path.join(shots, `${name}.png`), fullPage: true });

  // Sign in.
  await page.goto(server.url);
  await page.fill('input[name=email]', EMAIL);
  await page.fill('input[name=password]', PASSWORD);
  await shot('01-sign-in');
  await page.click('button[type=submit]');
  await page.waitForSelector('.topbar');
  assert.equal(await page.getAttribute('html', 'lang'), 'ru');
  // A reload keeps the session, and /me gives the page its CSRF token back: the top-up below is the
  // first unsafe call, made after the reload.
  await page.reload();
  await page.waitForSelector('.topbar');

  await topUp(page, shot);
  await importOwners(page, shot);
  const campaignUrl = await wizard(page, shot);
  await report(page, shot, campaignUrl);
  await users(page, shot);
  await english(page, shot);
  await phone(page, server.url, shots);

  assert.deepEqual(watch.problems, [], 'no API call failed and the page threw nothing');
  await context.close();
});

async function topUp(page: Page, shot: (n: string) => Promise<unknown>) {
  await page.click('text=Баланс и отчёты');
  await page.fill(sel('topup-amount'), '500,00');
  await page.click(sel('topup-submit'));
  await page.waitForFunction(
    (s) => /500,00/.test(document.querySelector(s)?.textContent ?? ''),
    sel('balance-available'),
  );
  await shot('02-balance');
}

async function importOwners(page: Page, shot: (n: string) => Promise<unknown>) {
  await page.click('text=Контакты');
  await page.click('text=Импорт');
  await page.setInputFiles(sel('import-file'), {
    name: 'владельцы.csv',
    mimeType: 'text/csv',
    buffer: Buffer.from(CSV, 'utf8'),
  });
  await page.waitForSelector(sel('import-mapping'));
  await shot('03-import-mapping');
  await page.click(sel('import-start'));
  await page.waitForSelector(sel('import-summary'), { timeout: 60_000 });
  assert.equal((await page.textContent(sel('import-created')))?.match(/\d+/)?.[0], '3');
  assert.equal((await page.textContent(sel('import-rejected')))?.match(/\d+/)?.[0], '1');
  const reject = await page.textContent(sel('reject-row'));
  assert.match(reject ?? '', /4/, 'the rejected row is named by its number');
  assert.match(reject ?? '', /8 \(912\) 34/, 'and shows what was wrong');
  await shot('04-import-summary');
}

async function wizard(page: Page, shot: (n: string) => Promise<unknown>): Promise<string> {
  await page.click('text=Новая рассылка');
  // Step 1: the mode.
  await page.fill(sel('campaign-name'), 'Приглашение на общее собрание');
  await page.click(sel('mode-standard'));
  await shot('05-step1-mode');
  await page.click(sel('wizard-next'));
  // Step 2: recipients, with the live count.
  await page.click(sel('audience-all'));
  await page.waitForFunction(
    (s) => /\b3\b/.test(document.querySelector(s)?.textContent ?? ''),
    sel('audience-count'),
  );
  await shot('06-step2-recipients');
  await page.click(sel('wizard-next'));
  // Step 3: stop-words are shown as one types, each with its group and marked in the text.
  await page.fill(sel('text-sms'), 'Акция! Скидка на кредит');
  await page.waitForSelector(`${sel('text-sms-stopwords')} mark`);
  const note = (await page.textContent(sel('text-sms-stopwords'))) ?? '';
  assert.match(note, /Текст уйдёт на модерацию: найдены стоп-слова/);
  assert.deepEqual(await page.locator(`${sel('text-sms-stopwords')} ${sel('stop-word')}`).allTextContents(), [
    'Акция — акция (реклама)',
    'Скидка — скидка (реклама)',
    'кредит — кредит (финансовые услуги)',
  ]);
  assert.deepEqual(await page.locator(`${sel('text-sms-stopwords')} mark`).allTextContents(), [
    'Акция',
    'Скидка',
    'кредит',
  ]);
  await shot('07b-step3-stop-words');
  // The note fits a phone's 390 px: nothing scrolls sideways.
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForTimeout(200);
  const phoneWidth = await page.evaluate(() => document.documentElement.scrollWidth);
  assert.ok(phoneWidth <= 392, `step 3 with stop-words is ${phoneWidth} px wide on a 390 px screen`);
  await page.setViewportSize({ width: 1280, height: 860 });
  // The message, with the segment counter as one types; the meeting's text has no stop-word.
  await page.fill(
    sel('text-sms'),
    'Уважаемый {{ contact.name }}! Общее собрание СНТ «Берёзка» 14 июня в 11:00 у правления.',
  );
  await page.waitForFunction(
    (s) => /UCS-2|2/.test(document.querySelector(s)?.textContent ?? ''),
    sel('sms-segments'),
  );
  await page.waitForSelector(sel('preview'));
  await page.waitForSelector(sel('text-sms-stopwords'), { state: 'detached' });
  await shot('07-step3-message');
  await page.click(sel('wizard-next'));
  // Step 4: the cost against the balance, then send.
  await page.waitForSelector(sel('estimate-cost'));
  await shot('08-step4-confirm');
  await page.click(sel('send'));
  await page.waitForURL(/\/campaigns\/\d+$/);
  return page.url();
}

async function report(page: Page, shot: (n: string) => Promise<unknown>, url: string) {
  await page.waitForSelector(`${sel('campaign-state')}[data-state="completed"]`, { timeout: 90_000 });
  assert.match((await page.textContent(sel('campaign-state'))) ?? '', /Завершена/);
  await page.waitForSelector(`${sel('messages-table')} ${sel('message-row')}`);
  assert.equal(await page.locator(sel('message-row')).count(), 3, 'one message per imported owner');
  assert.equal((await page.textContent(`${sel('count-delivered')} .value`))?.trim(), '3');
  assert.match((await page.textContent(sel('delivery-rate'))) ?? '', /100/);
  await page.waitForSelector(`${sel('progress-chart')} canvas`);
  await shot('09-report');
  assert.equal(page.url(), url);
  // The wizard made one campaign, not a draft beside it.
  await page.click('text=← Все рассылки');
  await page.waitForSelector(sel('campaign-row'));
  assert.equal(await page.locator(sel('campaign-row')).count(), 1);
  await shot('10-campaigns');
}

/** Settings: the treasurer adds a colleague, makes them a viewer, then switches them off. */
async function users(page: Page, shot: (n: string) => Promise<unknown>) {
  await page.click('.topbar >> text=Настройки');
  await page.click(sel('tab-users'));
  await page.fill(sel('user-email'), 'buhgalter@snt.example');
  await page.fill(sel('user-password'), 'бухгалтер-2026');
  await page.selectOption(sel('user-role'), 'operator');
  await page.click(sel('user-add'));
  const row = page.locator(`${sel('user-row')}:has-text("buhgalter@snt.example")`);
  await row.waitFor();
  await row.locator(sel('user-row-role')).selectOption('viewer');
  await page.waitForFunction(() =>
    [...document.querySelectorAll('[data-test="user-row"]')].some(
      (r) =>
        r.textContent?.includes('buhgalter@') &&
        (r.querySelector('select') as HTMLSelectElement)?.value === 'viewer',
    ),
  );
  await row.locator(sel('user-toggle')).click();
  await row.locator('text=отключён').waitFor();
  // The treasurer's own row has no controls: nobody locks themselves out.
  const mine = page.locator(`${sel('user-row')}:has-text("${EMAIL}")`);
  assert.equal(await mine.locator(sel('user-toggle')).count(), 0);
  await shot('13-settings-users');
}

async function english(page: Page, shot: (n: string) => Promise<unknown>) {
  await page.click('.topbar >> text=English');
  await page.waitForSelector('.topbar >> text=Campaigns');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  await page.click('.topbar >> text=Campaigns');
  assert.match((await page.textContent(sel('campaign-row'))) ?? '', /Completed/);
  await page.click(sel('campaign-row'));
  await page.waitForSelector(`${sel('campaign-state')}[data-state="completed"]`);
  assert.match((await page.textContent(sel('campaign-state'))) ?? '', /Completed/);
  await shot('11-report-english');
  // The choice is kept: a reload stays in English; switching back returns to Russian.
  await page.reload();
  await page.waitForSelector('.topbar >> text=Campaigns');
  await page.click('.topbar >> text=Русский');
  await page.waitForSelector('.topbar >> text=Рассылки');
}

/** On a phone's 390 px every section fits the screen's width: no page scrolls sideways. */
async function phone(page: Page, base: string, shots: string) {
  await page.setViewportSize({ width: 390, height: 844 });
  for (const route of [
    '/campaigns',
    '/new',
    '/contacts',
    '/contacts/import',
    '/replies',
    '/balance',
    '/settings/delivery',
  ]) {
    await page.goto(`${base}${route}`);
    await page.waitForSelector('main h1');
    await page.waitForTimeout(300);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 392, `${route} is ${width} px wide on a 390 px screen`);
  }
  await page.goto(`${base}/campaigns`);
  await page.click(sel('campaign-row'));
  await page.waitForSelector(sel('progress-chart'));
  await page.screenshot({ path: path.join(shots, '12-report-phone.png'), fullPage: false });
}
