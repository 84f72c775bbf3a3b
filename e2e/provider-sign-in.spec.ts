import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { expect, test } from '@playwright/test';

import { type RunningBroker, startBroker, writeBrokerHome } from '../main/test-support/broker-process.js';
import { chromiumMissing } from '../main/test-support/chromium-consent.js';
import {
  type OidcTestProvider,
  startOidcTestProvider,
  TEST_CLIENT_ID,
  TEST_SCOPES,
} from '../main/test-support/oidc-test-provider.js';
import { makeTempDir } from '../main/test-support/temp-dir.js';
import { approveOnProvider, PASSPHRASE, printedLink } from './browser-fixture.js';

const missing = chromiumMissing();
if (missing) console.warn(`skipping provider sign-in e2e: ${missing}`);
test.skip(missing !== undefined, missing);

let idp: OidcTestProvider;
let broker: RunningBroker;
let temp: ReturnType<typeof makeTempDir>;
let link: string;

test.beforeAll(async () => {
  idp = await startOidcTestProvider();
  temp = makeTempDir('mab-e2e-idp-');
  mkdirSync(join(temp.path, 'xdg'), { recursive: true });
  const home = writeBrokerHome(temp.path, {
    servers: {},
    providers: { test: { issuer: idp.issuer, clientId: TEST_CLIENT_ID, scopes: TEST_SCOPES } },
    secretStore: { type: 'encrypted-file' },
  });
  broker = await startBroker(home, [], {
    HOME: temp.path,
    XDG_CONFIG_HOME: join(temp.path, 'xdg'),
    MCP_AUTH_BROKER_PASSPHRASE: PASSPHRASE,
  });
  const printed = await printedLink(broker);
  if (!printed) throw new Error(`no login link:\n${broker.output()}`);
  link = printed;
});

test.afterAll(async () => {
  await broker.stop();
  await idp.close();
  temp.remove();
});

test('device-code sign-in from the window, then the masked token, refresh and revoke', async ({
  page,
  context,
}) => {
  test.setTimeout(90_000);
  await page.goto(link);
  await page.getByRole('link', { name: 'Providers' }).click();
  await page.getByRole('button', { name: 'Sign in to test' }).click();
  const code = (await page.getByLabel('User code').textContent())?.trim() ?? '';
  expect(code).not.toBe('');
  const where = (await page.locator('section[aria-label="Sign-in in progress"] code').textContent()) ?? '';
  await page.screenshot({ path: test.info().outputPath('providers-device-code.png'), fullPage: true });

  const person = await context.newPage();
  await approveOnProvider(person, where, code);
  await person.close();

  // The broker polls the token endpoint (every 5 s, as RFC 8628 prescribes without an interval).
  await expect(page.getByText('Signed in.')).toBeVisible({ timeout: 30_000 });
  await expect(page.getByRole('list', { name: 'test accounts' })).toContainText('octo-person');
  await page.screenshot({ path: test.info().outputPath('providers-signed-in.png'), fullPage: true });

  await page.getByRole('link', { name: 'Tokens' }).click();
  const masked = page.getByLabel('masked token');
  await expect(masked).toContainText('…(');
  await expect(page.getByRole('time')).toContainText(/in \d+ min/);
  await page.screenshot({ path: test.info().outputPath('tokens.png'), fullPage: true });

  const refreshesBefore = idp.tokenRequests('refresh_token').length;
  await page.getByRole('button', { name: 'Refresh now' }).click();
  await expect.poll(() => idp.tokenRequests('refresh_token').length).toBe(refreshesBefore + 1);

  await page.getByRole('button', { name: 'Revoke' }).click();
  await expect(page.getByText('No tokens')).toBeVisible();
  expect(idp.requests.some((r) => r.path === '/token/revocation')).toBe(true);
});
