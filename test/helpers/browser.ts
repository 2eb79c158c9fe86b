/**
 * Chromium from Debian's packages (/usr/bin/chromium) driven by playwright-core, never a downloaded
 * browser. Without it the browser tests are skipped with the reason, except in CI (CI=true), where
 * `.ci/run` installs it and a missing browser is a failure.
 */
import fs from 'node:fs';
import path from 'node:path';
import { after } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';

export const CHROMIUM = process.env.VESTNIK_CHROMIUM ?? '/usr/bin/chromium';

/** Why the browser tests cannot run here, or undefined when they can. */
export function browserMissing(): string | undefined {
  if (fs.existsSync(CHROMIUM)) return undefined;
  if (process.env.CI) throw new Error(`${CHROMIUM} is missing in CI: .ci/run installs Debian's chromium`);
  return `${CHROMIUM} is not installed (apt-get install chromium)`;
}

export async function launchBrowser(): Promise<Browser> {
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    timeout: 60_000,
  });
  after(() => browser.close());
  return browser;
}

/**
 * Page errors and failed API calls collected while a test drives the page: the test asserts there
 * were none it did not expect, so a broken request cannot hide behind a screen that looks fine.
 */
export function watchPage(page: Page): { problems: string[] } {
  const problems: string[] = [];
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('response', (r) => {
    const url = new URL(r.url());
    // 401 before signing in is how the page learns it must show the sign-in form.
    if (
      url.pathname.startsWith('/api/') &&
      r.status() >= 400 &&
      !(r.status() === 401 && url.pathname === '/api/v1/me')
    )
      problems.push(`${r.request().method()} ${url.pathname} → ${r.status()}`);
  });
  return { problems };
}

/**
 * Screenshots go to VESTNIK_SCREENSHOTS (the repository's docs/screenshots when refreshing them),
 * else to a temporary directory: they are taken either way, so the code that takes them is tested.
 */
export function screenshotDir(tmp: string): string {
  const dir = process.env.VESTNIK_SCREENSHOTS ? path.resolve(process.env.VESTNIK_SCREENSHOTS) : tmp;
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
