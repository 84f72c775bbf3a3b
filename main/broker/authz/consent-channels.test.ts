import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { fixtureServer } from '../../test-support/broker-process.js';
import { startTestBroker, type TestBroker } from '../../test-support/in-process-broker.js';
import { sdkClientFlow } from '../../test-support/jar-oauth-client.js';
import type { Broker } from '../broker.js';

let kit: TestBroker;
let broker: Broker;

beforeAll(async () => {
  kit = await startTestBroker({
    tmpPrefix: 'mab-consent-channels-',
    servers: { alpha: fixtureServer(), beta: fixtureServer() },
  });
  broker = kit.broker;
}, 60_000);

afterAll(() => kit.stop());

const cli = (args: string[]) => kit.cli(args);

/**
 * A browser-mode UI session as the window holds it: the one-time login link redeemed for the session
 * cookie and the per-session secret the login page carries (SEC-3), sent on every call.
 */
async function uiSession(): Promise<(method: string, input: unknown) => Promise<Response>> {
  const login = await fetch(broker.ui!.loginUrl(), { redirect: 'manual' });
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  const secret = /<meta name="mab-session" content="([\w-]+)">/.exec(await login.text())?.[1] ?? '';
  expect(cookie).toContain('=');
  expect(secret).not.toBe('');
  return (method, input) =>
    fetch(`${broker.url}/api/call/${method}`, {
      method: 'POST',
      headers: { cookie, origin: broker.url, 'x-broker-session': secret, 'content-type': 'application/json' },
      body: JSON.stringify(input),
    });
}

describe('the person approves consent from their own session', () => {
  it('SEC-1 approval via `clients approve CODE` completes an MCP SDK client’s OAuth flow end to end', async () => {
    const { provider, tools } = await sdkClientFlow(broker.url, async (requestCode) => {
      const pending = await cli(['clients', 'pending']);
      expect(pending.code).toBe(0);
      expect(pending.stdout).toContain(requestCode);
      expect(pending.stdout).toContain('SDK jar client');
      expect(pending.stdout).toContain('http://127.0.0.1:7777');
      const approved = await cli(['clients', 'approve', requestCode.toLowerCase(), '--servers', 'alpha']);
      expect(approved.stderr).toBe('');
      expect(approved.code).toBe(0);
      expect(approved.stdout).toContain(`Approved ${requestCode}`);
      expect((await cli(['clients', 'approve', requestCode])).code).toBe(1);
    });
    expect(provider.saved?.scope).toBe('mcp:servers:alpha');
    expect(tools).toContain('alpha__echo');
    expect(tools.some((t) => t.startsWith('beta__'))).toBe(false);
    expect((await cli(['clients', 'pending', '--json'])).stdout.trim()).toBe('[]');
  }, 60_000);

  it('SEC-1 approval via the browser-mode UI session’s API completes an MCP SDK client’s OAuth flow', async () => {
    const call = await uiSession();
    const { provider, tools } = await sdkClientFlow(broker.url, async (requestCode) => {
      // Without the session, the API refuses; the consent page's own origin is no session either.
      const anonymous = await fetch(`${broker.url}/api/call/approveConsent`, {
        method: 'POST',
        headers: { origin: broker.url, 'content-type': 'application/json' },
        body: JSON.stringify({ requestCode }),
      });
      expect(anonymous.status).toBe(401);
      const res = await call('approveConsent', { requestCode });
      expect(res.status).toBe(200);
    });
    expect(provider.saved?.scope?.split(' ').sort()).toEqual(['mcp:servers:alpha', 'mcp:servers:beta']);
    expect(tools).toEqual(expect.arrayContaining(['alpha__echo', 'beta__echo']));
    const audit = await call('queryAudit', { type: 'consent.granted' });
    const records = ((await audit.json()) as { records: { message?: string }[] }).records;
    expect(records.map((r) => r.message)).toEqual(
      expect.arrayContaining([
        expect.stringContaining('approved in the cli'),
        expect.stringContaining('approved in the ui'),
      ]),
    );
  }, 60_000);

  it('SEC-1 deny via `clients deny CODE` → the client gets access_denied and no code', async () => {
    const flow = sdkClientFlow(broker.url, async (requestCode) => {
      const denied = await cli(['clients', 'deny', requestCode]);
      expect(denied.code).toBe(0);
      expect(denied.stdout).toContain(`Denied ${requestCode}`);
    });
    await expect(flow).rejects.toThrow(/^authorization ended with access_denied$/);
    const unknown = await cli(['clients', 'deny', 'ZZZZ-ZZZZ']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No consent request');
  }, 60_000);
});
