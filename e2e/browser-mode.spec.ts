import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';

import { expect, type Page, test } from '@playwright/test';

import { connectThroughShim, fixtureServer, runCli } from '../main/test-support/broker-process.js';
import { chromiumMissing } from '../main/test-support/chromium-consent.js';
import { type BrowserBroker, startBrowserBroker } from './browser-fixture.js';

const missing = chromiumMissing();
if (missing) console.warn(`skipping browser-mode e2e: ${missing}`);
test.skip(missing !== undefined, missing);
test.describe.configure({ mode: 'serial' });

let b: BrowserBroker;
test.beforeAll(async () => {
  b = await startBrowserBroker();
});
test.afterAll(async () => {
  await b.close();
});

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

async function shoot(page: Page, name: string): Promise<void> {
  // Kept as test artifacts under test-results/e2e/<test>/<screen>.png.
  await page.screenshot({ path: test.info().outputPath(`${name}.png`), fullPage: true });
}

async function signIn(page: Page): Promise<void> {
  await page.goto(await b.newLink());
  await expect(page).toHaveURL(/\/ui\/$/);
}

/** Signs in with a fresh link; returns the cookie and the secret the login page handed the window. */
async function signInFresh(page: Page): Promise<{ cookie: string; secret: string }> {
  const response = await page.goto(await b.newLink());
  const secret = /<meta name="mab-session" content="([\w-]{43})">/.exec((await response?.text()) ?? '')?.[1];
  expect(secret).toBeDefined();
  const session = (await page.context().cookies()).find((c) => c.name === 'mab_ui');
  return { cookie: `mab_ui=${session?.value ?? ''}`, secret: secret ?? '' };
}

test('TR-1 refuses the API without the session cookie and with a foreign Origin', async ({
  request,
  browser,
}) => {
  const url = b.broker.url;
  const noCookie = await request.post(`${url}/api/call/getStatus`, {
    data: {},
    headers: { origin: url },
  });
  expect(noCookie.status()).toBe(401);
  expect(((await noCookie.json()) as { code: string }).code).toBe('UNAUTHENTICATED');
  expect((await request.get(`${url}/ui/`)).status()).toBe(401);
  expect((await request.get(`${url}/api/events`)).status()).toBe(401);

  const context = await browser.newContext();
  const page = await context.newPage();
  const { cookie, secret } = await signInFresh(page);
  const session = (await context.cookies()).find((c) => c.name === 'mab_ui');
  expect(session?.httpOnly).toBe(true);
  expect(session?.sameSite).toBe('Strict');
  const auth = { cookie, 'x-broker-session': secret };
  const foreign = await request.post(`${url}/api/call/getStatus`, {
    data: {},
    headers: { ...auth, origin: 'http://evil.example' },
  });
  expect(foreign.status()).toBe(403);
  const noOrigin = await request.post(`${url}/api/call/getStatus`, { data: {}, headers: auth });
  expect(noOrigin.status()).toBe(403);
  const ok = await request.post(`${url}/api/call/getStatus`, { data: {}, headers: { ...auth, origin: url } });
  expect(ok.status()).toBe(200);
  await context.close();
});

test('SEC-3 the cookie another 127.0.0.1 port receives opens nothing; a reload needs a new link', async ({
  page,
  request,
}) => {
  await signIn(page);
  await expect(page.getByRole('status').first()).toContainText('servers running');
  // A page on any other port of 127.0.0.1 gets the session cookie: cookies ignore ports.
  let leaked = '';
  const other = createServer((req, res) => {
    leaked = req.headers.cookie ?? '';
    res.end('<!doctype html><title>other port</title>');
  });
  await new Promise<void>((resolve) => other.listen(0, '127.0.0.1', resolve));
  try {
    await page.goto(`http://127.0.0.1:${String((other.address() as AddressInfo).port)}/`);
  } finally {
    other.close();
  }
  expect(leaked).toMatch(/mab_ui=[\w-]{43}/);
  const url = b.broker.url;
  const text = JSON.stringify({ mcpServers: { evil: { command: 'sh', args: ['-c', 'exit 0'] } } });
  for (const method of ['getStatus', 'runImport']) {
    const replay = await request.post(`${url}/api/call/${method}`, {
      data: method === 'runImport' ? { source: { text } } : {},
      headers: { cookie: leaked, origin: url },
    });
    expect(replay.status(), method).toBe(401);
  }
  // The secret lives only in the page's memory: the same cookie on a reloaded page is not signed in.
  await page.goto(`${url}/ui/`);
  await expect(page.getByRole('status').first()).toContainText(/mcp-auth-broker(\.js)? ui/);
});

test('a login link works once', async ({ page }) => {
  const link = await b.newLink();
  await page.goto(link);
  await expect(page.getByRole('heading', { name: 'Servers', exact: true })).toBeVisible();
  const again = await page.request.get(link, { maxRedirects: 0 });
  expect(again.status()).toBe(401);
});

test('the servers screen shows the fixture servers running', async ({ page }) => {
  await page.goto(b.firstLink);
  const alpha = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'alpha' }) });
  await expect(alpha.getByText('running')).toBeVisible();
  await expect(page.getByRole('heading', { name: 'beta' })).toBeVisible();
  await expect(page.getByRole('status').first()).toContainText('2/2 servers running');
  await shoot(page, 'servers');
});

test('audit events arrive live after a tool call through the shim', async ({ page }) => {
  await signIn(page);
  await page.getByRole('link', { name: 'Audit' }).click();
  await expect(page.getByRole('table', { name: 'Audit events' })).toBeVisible();
  const { client } = await connectThroughShim(b.home, b.env as Record<string, string>);
  try {
    await client.callTool({ name: 'alpha__echo', arguments: { text: 'hello from e2e' } });
  } finally {
    await client.close();
  }
  const row = page.getByRole('row').filter({ hasText: 'tool.call' }).filter({ hasText: 'echo' });
  await expect(row.first()).toBeVisible();
  await expect(page.getByRole('figure', { name: 'Tool calls per server over time' })).toBeVisible();
  await page.getByRole('button', { name: 'Verify chain' }).click();
  await expect(page.getByText(/Chain intact/)).toBeVisible();
  await shoot(page, 'audit');
});

test('adds a server by pasting JSON; its token goes to the secret store', async ({ page }) => {
  const token = 'sk-pasted-6f1c2a9e7b3d4c5a8e0f1b2c3d4e5f60';
  const entry = { ...fixtureServer({ FIXTURE_NAME: 'gamma', API_TOKEN: token }) };
  await signIn(page);
  await page.getByLabel('Claude Desktop server entry (JSON)').fill(`"gamma": ${JSON.stringify(entry)}`);
  await page.getByRole('button', { name: 'Preview' }).click();
  await expect(page.getByRole('list', { name: 'Servers found' })).toContainText('API_TOKEN');
  await page.getByRole('button', { name: 'Add server' }).click();
  await expect(page.getByRole('list', { name: 'Moved into the keychain' })).toContainText('gamma-API_TOKEN');
  const gamma = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'gamma' }) });
  await expect(gamma.getByText('running')).toBeVisible();
  expect(readFileSync(b.home.configPath, 'utf8')).not.toContain(token);
});

test('imports a Claude Desktop config with a plaintext token into the secret store', async ({ page }) => {
  const token = 'ghp_e2eImportedTokenValue0123456789abcd';
  const claude = join(b.dir, 'xdg-config', 'Claude', 'claude_desktop_config.json');
  mkdirSync(join(b.dir, 'xdg-config', 'Claude'), { recursive: true });
  const original = JSON.stringify(
    { mcpServers: { delta: fixtureServer({ FIXTURE_NAME: 'delta', GITHUB_TOKEN: token }) }, theme: 'dark' },
    null,
    2,
  );
  writeFileSync(claude, original);
  await signIn(page);
  await page.getByLabel('Import a config file').check();
  await page.getByLabel(/Path of claude_desktop_config.json/).fill(claude);
  await page.getByRole('button', { name: 'Preview' }).click();
  await expect(page.getByRole('list', { name: 'Servers found' })).toContainText('GITHUB_TOKEN');
  await page.getByRole('button', { name: 'Add server' }).click();
  await expect(page.getByRole('list', { name: 'Moved into the keychain' })).toContainText(
    'delta-GITHUB_TOKEN',
  );
  const delta = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'delta' }) });
  await expect(delta.getByText('running')).toBeVisible();
  await shoot(page, 'servers-after-import');

  const where = ['--config', b.home.configPath, '--data-dir', b.home.dataDir];
  const secrets = await runCli(['secret', 'list', '--json', ...where], { env: b.env });
  expect(secrets.stdout).toContain('delta-GITHUB_TOKEN');
  for (const file of [b.home.configPath, ...filesUnder(b.home.dataDir)]) {
    if (statSync(file).isSocket()) continue;
    expect(readFileSync(file, 'latin1'), file).not.toContain(token);
  }
  expect(readFileSync(claude, 'utf8')).toBe(original);

  await page.getByRole('link', { name: 'Connect' }).click();
  await page.getByRole('button', { name: 'Install into Claude Desktop' }).click();
  await expect(page.getByText(/Installed into/)).toBeVisible();
  const installed = JSON.parse(readFileSync(claude, 'utf8')) as {
    mcpServers: Record<string, unknown>;
    theme: string;
  };
  // 14.5: the imported entry (and its plaintext token) leaves the client's file; no plaintext backup.
  expect(Object.keys(installed.mcpServers).sort()).toEqual(['broker']);
  expect(installed.theme).toBe('dark');
  expect(readFileSync(claude, 'utf8')).not.toContain(token);
  expect(readdirSync(join(b.dir, 'xdg-config', 'Claude')).some((f) => f.endsWith('.bak'))).toBe(false);
  for (const file of filesUnder(b.home.dataDir)) {
    if (statSync(file).isSocket()) continue;
    expect(readFileSync(file, 'latin1'), file).not.toContain(token);
  }
  await shoot(page, 'connect');
  page.once('dialog', (dialog) => void dialog.accept());
  await page.getByRole('button', { name: 'Restore Claude Desktop' }).click();
  await expect(page.getByText(/exactly as it was/)).toBeVisible();
  expect(readFileSync(claude, 'utf8')).toBe(original);
});

test('providers, tokens and clients explain what to do while those features are absent', async ({ page }) => {
  await signIn(page);
  for (const [screen, text] of [
    ['Providers', /Provider sign-in is not configured/],
    ['Tokens', /Provider sign-in is not configured/],
    ['Clients', /No approved clients/],
  ] as const) {
    await page.getByRole('link', { name: screen }).click();
    await expect(page.getByText(text).first()).toBeVisible();
    await shoot(page, screen.toLowerCase());
  }
});
