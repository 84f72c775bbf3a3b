import { mkdirSync } from 'node:fs';
import { join } from 'node:path';

import { expect, test } from '@playwright/test';

import {
  type BrokerHome,
  fixtureServer,
  runCli,
  type RunningBroker,
  startBroker,
  writeBrokerHome,
} from '../main/test-support/broker-process.js';
import { chromiumMissing } from '../main/test-support/chromium-consent.js';
import {
  type OidcTestProvider,
  startOidcTestProvider,
  TEST_CLIENT_ID,
  TEST_SCOPES,
} from '../main/test-support/oidc-test-provider.js';
import { makeTempDir } from '../main/test-support/temp-dir.js';
import { approveOnProvider, PASSPHRASE, printedLink } from './browser-fixture.js';

// What the desktop app's tray opens, exercised in browser mode against a real broker: the small
// device-code sign-in window, and the consent request banner whose Approve continues the consent page (SEC-1).
const missing = chromiumMissing();
if (missing) console.warn(`skipping tray windows e2e: ${missing}`);
test.skip(missing !== undefined, missing);
test.describe.configure({ mode: 'serial' });

let idp: OidcTestProvider;
let broker: RunningBroker;
let temp: ReturnType<typeof makeTempDir>;
let link: string;
let home: BrokerHome;
let env: NodeJS.ProcessEnv;

/** A fresh one-time login link from `mcp-auth-broker ui` (the printed one works once). */
async function newLink(): Promise<string> {
  const result = await runCli(['ui', '--config', home.configPath, '--data-dir', home.dataDir], { env });
  const url = /http:\/\/127\.0\.0\.1:\d+\/ui\/login\?token=\S+/.exec(result.stdout)?.[0];
  if (!url) throw new Error(`"ui" printed no link: ${result.stderr}`);
  return url;
}

test.beforeAll(async () => {
  idp = await startOidcTestProvider();
  temp = makeTempDir('mab-e2e-tray-');
  mkdirSync(join(temp.path, 'xdg'), { recursive: true });
  home = writeBrokerHome(temp.path, {
    // One server, so that an approved consent has something to grant.
    servers: { alpha: fixtureServer() },
    providers: { test: { issuer: idp.issuer, clientId: TEST_CLIENT_ID, scopes: TEST_SCOPES } },
    secretStore: { type: 'encrypted-file' },
  });
  env = {
    HOME: temp.path,
    XDG_CONFIG_HOME: join(temp.path, 'xdg'),
    MCP_AUTH_BROKER_PASSPHRASE: PASSPHRASE,
  };
  broker = await startBroker(home, [], env);
  const printed = await printedLink(broker);
  if (!printed) throw new Error(`no login link:\n${broker.output()}`);
  link = printed;
});

test.afterAll(async () => {
  await broker.stop();
  await idp.close();
  temp.remove();
});

test('the sign-in window shows the device code and closes itself once the person signed in', async ({
  page,
  context,
}) => {
  test.setTimeout(90_000);
  await page.goto(link);
  // The tray opens `#/sign-in/<provider>` in its own small window; here the window opens it.
  const popupOpened = page.waitForEvent('popup');
  await page.evaluate("void window.open('/ui/#/sign-in/test', 'sign-in', 'width=420,height=400')");
  const small = await popupOpened;
  await expect(small.getByRole('heading', { name: 'Sign in to test' })).toBeVisible();
  const code = (await small.getByLabel('User code').textContent())?.trim() ?? '';
  expect(code).not.toBe('');
  await expect(small.getByRole('button', { name: 'Copy code' })).toBeVisible();
  await expect(small.getByRole('link', { name: 'Open browser' })).toHaveAttribute(
    'href',
    /^http:\/\/127\.0\.0\.1/,
  );
  await expect(small.getByText(/Code expires in \d+ min/)).toBeVisible();
  await small.screenshot({ path: test.info().outputPath('sign-in-window.png') });
  const where = (await small.locator('section[aria-label="Sign-in in progress"] code').textContent()) ?? '';

  const closed = small.waitForEvent('close', { timeout: 40_000 });
  const person = await context.newPage();
  await approveOnProvider(person, where, code);
  await person.close();
  // The broker polls every 5 s (RFC 8628 default); the window shows success, then closes.
  await expect(small.getByText('Signed in. This window closes itself.')).toBeVisible({ timeout: 30_000 });
  await closed;
});

test('SEC-1 a client waiting on the consent page shows its request code on the Clients screen; Approve there continues that page to the client', async ({
  page,
  context,
}) => {
  await page.goto(await newLink());
  await page.getByRole('link', { name: 'Clients' }).click();
  await expect(page.getByRole('heading', { name: 'Clients', level: 2 })).toBeVisible();

  const origin = new URL(link).origin;
  const redirect = 'http://127.0.0.1:9/callback';
  const registered = await fetch(`${origin}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      client_name: 'E2E Cursor',
      redirect_uris: [redirect],
      token_endpoint_auth_method: 'none',
    }),
  });
  const clientId = ((await registered.json()) as { client_id: string }).client_id;
  // The MCP client sends the person's browser (this one) to the authorization endpoint.
  const client = await context.newPage();
  await client.goto(
    `${origin}/oauth/authorize?${new URLSearchParams({
      response_type: 'code',
      client_id: clientId,
      redirect_uri: redirect,
      code_challenge: 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM',
      code_challenge_method: 'S256',
      state: 'e2e',
    }).toString()}`,
  );
  await expect(client.getByText('E2E Cursor').first()).toBeVisible();
  // The consent page has no Approve button: it shows the code to approve in the person's session.
  await expect(client.getByRole('button', { name: /approve/i })).toHaveCount(0);
  const code = (await client.locator('#request-code').textContent()) ?? '';
  expect(code).toMatch(/^[A-Z2-9]{4}-[A-Z2-9]{4}$/);

  const banner = page.getByRole('region', { name: 'Pending consent' });
  await expect(banner).toContainText('E2E Cursor asks to use your MCP servers');
  await expect(banner).toContainText(code);
  await page.screenshot({ path: test.info().outputPath('clients-pending-consent.png'), fullPage: true });
  // Approving in the window: the client's page, reloading itself, continues to the redirect URI.
  const callback = client.waitForRequest((request) => request.url().startsWith(redirect), {
    timeout: 15_000,
  });
  await banner.getByRole('button', { name: 'Approve' }).click();
  const back = new URL((await callback).url());
  expect(back.searchParams.get('error'), back.href).toBeNull();
  expect(back.searchParams.get('code')).toBeTruthy();
  expect(back.searchParams.get('state')).toBe('e2e');
  await expect(banner).toBeHidden();
});
