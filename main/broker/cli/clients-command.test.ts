import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { obtainTokens, windowPerson } from '../../test-support/authz-test-kit.js';
import { fixtureServer } from '../../test-support/broker-process.js';
import { startTestBroker, type TestBroker } from '../../test-support/in-process-broker.js';
import type { Broker } from '../broker.js';

let kit: TestBroker;
let broker: Broker;

beforeAll(async () => {
  kit = await startTestBroker({ tmpPrefix: 'mab-clients-', servers: { alpha: fixtureServer() } });
  broker = kit.broker;
});

afterAll(() => kit.stop());

const cli = (args: string[]) => kit.cli(args);

function postMcp(token: string): Promise<Response> {
  return fetch(`${broker.url}/mcp`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 't', version: '1' } },
    }),
  });
}

describe('mcp-auth-broker clients', () => {
  it('lists OAuth clients with their grants and revokes one so its token stops working at once', async () => {
    const t = await obtainTokens(broker.url, { person: windowPerson(broker.authz!.pendingConsents) });
    expect((await postMcp(t.accessToken)).status).toBe(200);
    const listed = await cli(['clients', '--json']);
    expect(listed.code).toBe(0);
    const clients = JSON.parse(listed.stdout) as { clientId: string; scopes: string[] }[];
    expect(clients).toEqual([
      expect.objectContaining({ clientId: t.clientId, scopes: ['mcp:servers:alpha'] }),
    ]);
    expect(listed.stdout).not.toContain(t.refreshToken);
    const human = await cli(['clients']);
    expect(human.stdout).toContain('Kit client');
    expect(human.stdout).toContain('servers: alpha');
    const revoked = await cli(['clients', 'revoke', t.clientId]);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain('Revoked 1 grant');
    const after = await postMcp(t.accessToken);
    expect(after.status).toBe(401);
    expect(after.headers.get('www-authenticate')).toContain('invalid_token');
    const unknown = await cli(['clients', 'revoke', 'no-such-client']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('No OAuth client');
  });
});
