import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import {
  fixtureServer,
  type RunningBroker,
  startBroker,
  writeBrokerHome,
} from '../../test-support/broker-process.js';
import { challengeParams, rawRequest } from '../../test-support/http-raw.js';
import { makeTempDir } from '../../test-support/temp-dir.js';

let tmp: ReturnType<typeof makeTempDir>;
let broker: RunningBroker;

beforeAll(async () => {
  tmp = makeTempDir();
  const home = writeBrokerHome(tmp.path, {
    servers: { alpha: fixtureServer({ FIXTURE_NAME: 'alpha' }) },
    secretStore: { type: 'keychain' },
  });
  broker = await startBroker(home);
});

afterAll(async () => {
  await broker.stop();
  tmp.remove();
});

describe('the real `serve` process', () => {
  it('PRM-3 challenges an unauthenticated /mcp request and points at metadata that leads to its authorization server', async () => {
    const res = await rawRequest(`${broker.url}/mcp`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: '{"jsonrpc":"2.0","id":1,"method":"ping"}',
    });
    expect(res.status).toBe(401);
    const params = challengeParams(res.headers['www-authenticate']);
    expect(params['scope']).toBe('mcp:servers:alpha');
    const prm = JSON.parse((await rawRequest(params['resource_metadata']!)).body) as {
      resource: string;
      authorization_servers: string[];
    };
    expect(prm.resource).toBe(`${broker.url}/mcp`);
    const issuer = prm.authorization_servers[0]!;
    const asm = await rawRequest(`${issuer}/.well-known/oauth-authorization-server`);
    expect(asm.status).toBe(200);
    expect((JSON.parse(asm.body) as { issuer: string }).issuer).toBe(issuer);
  });
});
