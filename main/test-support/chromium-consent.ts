import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser } from '@playwright/test';
import { makeTempDir } from './temp-dir.js';

/** Debian's Chromium; tests never download browsers. */
export const CHROMIUM = '/usr/bin/chromium';

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
  return existsSync(CHROMIUM) ? undefined : `no Chromium at ${CHROMIUM} (apt-get install chromium)`;
}

/** Launches headless Chromium with its profile in a temp HOME; `close()` also removes it. */
export async function launchChromium(): Promise<{ browser: Browser; close: () => Promise<void> }> {
  const home = makeTempDir('mab-chromium-');
  const browser = await chromium.launch({
    executablePath: CHROMIUM,
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
 * The person at the broker's consent page: opens the authorization URL, unticks the servers in
 * `withhold`, reads the client name the page shows, and clicks Approve.
 */
export async function approveConsent(
  browser: Browser,
  authorizationUrl: URL,
  options: { withhold?: string[] } = {},
): Promise<{ clientName: string | null }> {
  const page = await browser.newPage();
  await page.goto(authorizationUrl.href);
  const clientName = await page.textContent('#client-name');
  for (const scope of options.withhold ?? []) await page.uncheck(`input[value="${scope}"]`);
  await page.click('button[value="approve"]');
  return { clientName };
}
