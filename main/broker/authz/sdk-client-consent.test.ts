import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { Browser } from '@playwright/test';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { type ConsentPerson, windowPerson } from '../../test-support/authz-test-kit.js';
import { fixtureServer } from '../../test-support/broker-process.js';
import { approveConsent, chromiumMissing, launchChromium } from '../../test-support/chromium-consent.js';
import { startTestBroker, type TestBroker } from '../../test-support/in-process-broker.js';
import { StoredOAuthClient } from '../../test-support/stored-oauth-client.js';
import type { Broker } from '../broker.js';

const missing = chromiumMissing();
const hasChromium = missing === undefined;
if (missing) console.warn(`skipping the Chromium consent test: ${missing}`);

/**
 * The MCP SDK's OAuth client side. Its browser step opens the consent page in Chromium; the person
 * approves the request code the page shows from their own session (`person`) without beta, and the
 * page continues by itself to the client's redirect URI.
 */
class BrowserOAuthProvider extends StoredOAuthClient {
  constructor(
    redirectUrl: string,
    private readonly browser: Browser,
    private readonly person: ConsentPerson,
  ) {
    super('SDK e2e client', redirectUrl);
  }
  async redirectToAuthorization(url: URL): Promise<void> {
    const consent = await approveConsent(this.browser, url, {
      person: this.person,
      scopes: ['mcp:servers:alpha'],
    });
    expect(consent.clientName).toBe('SDK e2e client');
  }
}

describe.skipIf(!hasChromium)('SDK client against the broker, consent in Chromium', () => {
  let kit: TestBroker;
  let broker: Broker;
  let browser: Browser;
  let chromiumSession: Awaited<ReturnType<typeof launchChromium>>;
  let callback: Server;
  let codeArrived: Promise<string>;

  beforeAll(async () => {
    kit = await startTestBroker({
      tmpPrefix: 'mab-e2e-',
      servers: { alpha: fixtureServer(), beta: fixtureServer() },
    });
    broker = kit.broker;
    let arrived: (code: string) => void = () => undefined;
    codeArrived = new Promise((resolve) => (arrived = resolve));
    callback = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      res.end('You can close this tab.');
      if (url.pathname === '/callback') arrived(url.searchParams.get('code') ?? '');
    });
    await new Promise<void>((r) => callback.listen(0, '127.0.0.1', r));
    chromiumSession = await launchChromium();
    browser = chromiumSession.browser;
  }, 60_000);

  afterAll(async () => {
    await chromiumSession.close();
    callback.closeAllConnections();
    callback.close();
    await kit.stop();
  });

  it('CD-1 SDK client discovers the broker from the 401, registers, is approved in Chromium and calls a granted tool', async () => {
    const port = (callback.address() as AddressInfo).port;
    const provider = new BrowserOAuthProvider(
      `http://127.0.0.1:${String(port)}/callback`,
      browser,
      windowPerson(broker.authz!.pendingConsents),
    );
    const mcpUrl = new URL(`${broker.url}/mcp`);
    const first = new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider });
    await expect(new Client({ name: 'e2e', version: '1' }).connect(first)).rejects.toThrow(UnauthorizedError);
    await first.finishAuth(await codeArrived);
    expect(provider.saved?.scope).toBe('mcp:servers:alpha');
    const client = new Client({ name: 'e2e', version: '1' });
    await client.connect(new StreamableHTTPClientTransport(mcpUrl, { authProvider: provider }));
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('alpha__echo');
    expect(names.some((n) => n.startsWith('beta__'))).toBe(false);
    const result = await client.callTool({ name: 'alpha__echo', arguments: { text: 'hello broker' } });
    expect(JSON.stringify(result.content)).toContain('hello broker');
    await client.close();
    expect(broker.control.listClients()).toMatchObject({
      clients: [expect.objectContaining({ clientName: 'SDK e2e client', scopes: ['mcp:servers:alpha'] })],
    });
  }, 60_000);
});
