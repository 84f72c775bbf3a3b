import { existsSync } from 'node:fs';
import { join } from 'node:path';

import { type Browser, chromium } from '@playwright/test';

import type { ConsentPerson } from './authz-test-kit.js';
import { makeTempDir } from './temp-dir.js';

/** Debian's Chromium unless CHROMIUM_PATH names another; tests never download browsers. */
export const CHROMIUM_PATH = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';

/** Flags that keep Chromium quiet on a machine with no network but the package registries. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];

/** Why browser tests must be skipped here, or undefined when Chromium is installed. */
export function chromiumMissing(): string | undefined {
  return existsSync(CHROMIUM_PATH)
    ? undefined
    : `Chromium not found at ${CHROMIUM_PATH}: install it with "apt-get install chromium" (or set CHROMIUM_PATH).`;
}

/** Launches headless Chromium with its profile in a temp HOME; `close()` also removes it. */
export async function launchChromium(): Promise<{ browser: Browser; close: () => Promise<void> }> {
  const home = makeTempDir('mab-chromium-');
  const browser = await chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: CHROMIUM_ARGS,
    env: {
      ...process.env,
      HOME: home.path,
      XDG_CONFIG_HOME: join(home.path, 'config'),
      XDG_CACHE_HOME: join(home.path, 'cache'),
    },
  });
  return {
    browser,
    close: async () => {
      await browser.close();
      home.remove();
    },
  };
}

/**
 * The person at the broker's consent page: opens the authorization URL in Chromium, reads the client
 * name and request code the page shows, approves that code from their own session (`person`, e.g.
 * the window's API) with `scopes` (default: the servers asked for minus `withhold`), and waits until
 * the page, reloading by itself, has continued to the client's redirect URI.
 */
export async function approveConsent(
  browser: Browser,
  authorizationUrl: URL,
  options: { person: ConsentPerson; withhold?: string[]; scopes?: string[] },
): Promise<{ clientName: string | null; requestCode: string }> {
  const page = await browser.newPage();
  await page.goto(authorizationUrl.href);
  const clientName = await page.textContent('#client-name');
  const requestCode = (await page.textContent('#request-code')) ?? '';
  const asked: string[] = [];
  for (const item of await page.locator('li[data-requested]').all())
    asked.push((await item.getAttribute('data-scope')) ?? '');
  const withhold = options.withhold ?? [];
  await options.person.approve(requestCode, options.scopes ?? asked.filter((s) => !withhold.includes(s)));
  await page.waitForURL((url) => !url.pathname.startsWith('/oauth/'), { timeout: 15_000 });
  return { clientName, requestCode };
}
