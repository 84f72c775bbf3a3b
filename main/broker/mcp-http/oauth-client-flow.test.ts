import { UnauthorizedError } from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { describe, expect, it } from 'vitest';

import { windowPerson } from '../../test-support/authz-test-kit.js';
import { approveConsent, chromiumMissing, launchChromium } from '../../test-support/chromium-consent.js';
import { MemoryOAuthClient } from '../../test-support/memory-oauth-client.js';
import { startResourceBroker } from '../../test-support/resource-broker.js';

const missing = chromiumMissing();
if (missing) console.warn(`skipping the OAuth end-to-end test: ${missing}`);

describe.skipIf(missing !== undefined)('an SDK OAuth client against the broker, consent in Chromium', () => {
  it('discovers the broker from the 401, registers, gets consent, exchanges the code, lists tools and calls one', async () => {
    const rb = await startResourceBroker({ withAuthorizationServer: true });
    const chromium = await launchChromium();
    const authorizationUrls: URL[] = [];
    const oauth = await MemoryOAuthClient.start((url) => authorizationUrls.push(url));
    try {
      const answered = oauth.nextAuthorizationResponse();
      const first = new StreamableHTTPClientTransport(new URL(rb.resource), { authProvider: oauth });
      await expect(new Client({ name: 'e2e', version: '1.0.0' }).connect(first)).rejects.toThrow(
        UnauthorizedError,
      );
      const authorize = authorizationUrls[0]!;
      expect(authorize.origin).toBe(rb.origin);
      expect(authorize.searchParams.get('resource')).toBe(rb.resource);
      expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
      expect(authorize.searchParams.get('client_id')).toBe(oauth.clientInformation()?.client_id);

      const consent = await approveConsent(chromium.browser, authorize, {
        person: windowPerson(rb.broker.authz!.pendingConsents),
        withhold: ['mcp:servers:beta'],
      });
      expect(consent.clientName).toBe('E2E Test Client');
      const response = await answered;
      expect(response.error).toBeNull();
      expect(response.iss).toBe(rb.origin);
      expect(response.state).toBe(oauth.lastState);
      await first.finishAuth(response.code ?? '');
      expect(oauth.tokens()?.access_token).toBeTruthy();

      const client = new Client({ name: 'e2e', version: '1.0.0' });
      await client.connect(new StreamableHTTPClientTransport(new URL(rb.resource), { authProvider: oauth }));
      const names = (await client.listTools()).tools.map((t) => t.name);
      expect(names).toEqual(expect.arrayContaining(['alpha__echo', 'recorder__whoami']));
      expect(names.some((n) => n.startsWith('beta__'))).toBe(false);
      const result = (await client.callTool({
        name: 'alpha__echo',
        arguments: { text: 'e2e' },
      })) as CallToolResult;
      expect(result.content).toEqual([{ type: 'text', text: 'alpha: e2e' }]);
      await client.close();
      expect(rb.auditText()).not.toContain(oauth.tokens()?.access_token ?? '<none>');
    } finally {
      oauth.close();
      await chromium.close();
      await rb.stop();
    }
  }, 90_000);
});
