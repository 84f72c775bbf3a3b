import type { Page } from '@playwright/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { chromiumMissing, launchChromium } from '../../test-support/chromium-consent.js';
import { memorySecretStore } from '../../test-support/memory-secret-store.js';
import {
  type OidcTestProvider,
  startOidcTestProvider,
  TEST_CLIENT_ID,
  TEST_RESOURCE,
  TEST_SCOPES,
} from '../../test-support/oidc-test-provider.js';
import { runBrowserAuthorization } from './browser-authorization.js';
import { resolveProvider } from './provider-discovery.js';

const missing = chromiumMissing();
if (missing) console.warn(`skipping the Chromium sign-in test: ${missing}`);

/** The person in Chromium: any login name, then consent, on oidc-provider's pages. */
async function approveInBrowser(page: Page): Promise<void> {
  for (let step = 0; step < 6; step += 1) {
    const form = page.locator('form').first();
    if ((await form.count()) === 0) return;
    const login = form.locator('input[name="login"]');
    if ((await login.count()) > 0) {
      await login.fill('chromium-person');
      await form.locator('input[name="password"]').fill('any-password');
    }
    await Promise.all([page.waitForEvent('framenavigated'), form.locator('[type=submit]').first().click()]);
    await page.waitForLoadState('domcontentloaded');
  }
}

describe.skipIf(missing !== undefined)('browser sign-in in real Chromium', () => {
  let as: OidcTestProvider;
  let chromium: Awaited<ReturnType<typeof launchChromium>>;
  beforeAll(async () => {
    as = await startOidcTestProvider();
    chromium = await launchChromium();
  });
  afterAll(async () => {
    await chromium.close();
    await as.close();
  });

  it('PKCE sign-in in Chromium ends on the loopback page that says the tab can be closed', async () => {
    const provider = await resolveProvider(
      'corp',
      { issuer: as.issuer, clientId: TEST_CLIENT_ID, scopes: TEST_SCOPES, resource: TEST_RESOURCE },
      { secrets: memorySecretStore() },
    );
    const page = await chromium.browser.newPage();
    let person: Promise<void> | undefined;
    const tokens = await runBrowserAuthorization(provider, {
      account: 'corp',
      onEvent: () => undefined,
      openUrl: (url) => {
        person = page.goto(url).then(() => approveInBrowser(page));
        return Promise.resolve();
      },
      timeoutMs: 30_000,
    });
    await person;
    expect(tokens.refresh_token).toBeTruthy();
    await expect
      .poll(() => page.url())
      .toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback\?code=.*&state=.*&iss=/);
    expect(await page.locator('h1').textContent()).toBe('Signed in');
    expect(await page.locator('body').textContent()).toContain('You can close this tab');
  });
});
