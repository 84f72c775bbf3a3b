import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';

import type { Page } from '@playwright/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  type BrokerHome,
  CLI,
  connectThroughShim,
  type RunningBroker,
  startBroker,
  writeBrokerHome,
} from '../../test-support/broker-process.js';
import { chromiumMissing, launchChromium } from '../../test-support/chromium-consent.js';
import { actAsPerson } from '../../test-support/oauth-person.js';
import {
  type ProtectedRemoteServer,
  startProtectedRemoteServer,
} from '../../test-support/protected-remote-server.js';
import { type RemoteAuthServer, startRemoteAuthServer } from '../../test-support/remote-oauth-server.js';
import { makeTempDir } from '../../test-support/temp-dir.js';

const missing = chromiumMissing();
if (missing) console.warn(`remote sign-in e2e: consent by the HTTP person instead of Chromium: ${missing}`);

/** The person in Chromium on oidc-provider's login and consent pages. */
async function approveInChromium(page: Page, url: string): Promise<void> {
  await page.goto(url);
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

/** `login --server remote --no-open --json`; `approve` is handed the URL of the `browser` event. */
function loginServer(home: BrokerHome, env: NodeJS.ProcessEnv, approve: (url: string) => Promise<void>) {
  const args = ['login', '--server', 'remote', '--no-open', '--json'];
  const child = spawn(
    process.execPath,
    [CLI, ...args, '--config', home.configPath, '--data-dir', home.dataDir],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  const events: { event: string; url?: string }[] = [];
  let person: Promise<void> | undefined;
  createInterface({ input: child.stdout }).on('line', (line) => {
    const event = JSON.parse(line) as { event: string; url?: string };
    events.push(event);
    if (event.event === 'browser' && event.url) person = approve(event.url);
  });
  return new Promise<{ code: number | null; events: typeof events }>((resolve) => {
    child.once('close', (code) => void (person ?? Promise.resolve()).then(() => resolve({ code, events })));
  });
}

describe('remote MCP server end to end: broker process, login --server, the connect shim', () => {
  const tmp = makeTempDir('mab-rcli-');
  const env = { MCP_AUTH_BROKER_PASSPHRASE: 'remote-e2e-passphrase' };
  let as: RemoteAuthServer;
  let server: ProtectedRemoteServer;
  let broker: RunningBroker;
  let home: BrokerHome;
  let chromium: Awaited<ReturnType<typeof launchChromium>> | undefined;

  beforeAll(async () => {
    as = await startRemoteAuthServer();
    server = await startProtectedRemoteServer({ authorizationServer: as.issuer });
    as.setResource(server.url);
    home = writeBrokerHome(tmp.path, {
      servers: { remote: { url: server.url } },
      secretStore: { type: 'encrypted-file' },
    });
    broker = await startBroker(home, [], env);
    if (!missing) chromium = await launchChromium();
  });
  afterAll(async () => {
    await chromium?.close();
    await broker.stop();
    await server.close();
    await as.close();
    tmp.remove();
  });

  it('CL-4 CL-6 login --server signs in (consent in Chromium), then tools work through the shim', async () => {
    const shim = await connectThroughShim(home, env);
    try {
      await expect(shim.client.callTool({ name: 'remote__whoami' })).rejects.toThrow(/login --server remote/);
      const page = await chromium?.browser.newPage();
      const approve = (url: string) =>
        page ? approveInChromium(page, url) : actAsPerson(url).then(() => undefined);
      const { code, events } = await loginServer(home, env, approve);
      expect(code).toBe(0);
      expect(events.map((e) => e.event)).toEqual(['browser', 'success']);
      if (page) expect(await page.locator('h1').textContent()).toBe('Signed in');
      const result = await shim.client.callTool({ name: 'remote__whoami' });
      const text = (result as { content: { text: string }[] }).content[0]?.text ?? '';
      expect(JSON.parse(text)).toMatchObject({
        sub: page ? 'chromium-person' : 'alice',
        scopes: ['mcp:read'],
      });
    } finally {
      await shim.client.close();
    }
  });
});
