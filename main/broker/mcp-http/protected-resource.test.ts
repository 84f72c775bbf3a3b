import { connect, createServer } from 'node:net';
import { networkInterfaces } from 'node:os';

import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { challengeParams, rawRequest, type RawResponse, rpcMessages } from '../../test-support/http-raw.js';
import { type ResourceBroker, startResourceBroker } from '../../test-support/resource-broker.js';

const ACCEPT = 'application/json, text/event-stream';
let rb: ResourceBroker;

beforeAll(async () => {
  rb = await startResourceBroker();
});

afterAll(async () => {
  await rb.stop();
});

const initBody = (version = '2025-11-25') =>
  JSON.stringify({
    jsonrpc: '2.0',
    id: 1,
    method: 'initialize',
    params: {
      protocolVersion: version,
      capabilities: {},
      clientInfo: { name: 'raw-test', version: '1.0.0' },
    },
  });

const callBody = (name: string, id = 2) =>
  JSON.stringify({ jsonrpc: '2.0', id, method: 'tools/call', params: { name, arguments: { text: 'hi' } } });

function post(token: string | undefined, body: string, headers: Record<string, string> = {}, path = '/mcp') {
  return rawRequest(`${rb.origin}${path}`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: ACCEPT,
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...headers,
    },
    body,
  });
}

/** initialize + notifications/initialized; returns the session id and the initialize result. */
async function openSession(token: string, version = '2025-11-25') {
  const res = await post(token, initBody(version));
  expect(res.status).toBe(200);
  const sessionId = String(res.headers['mcp-session-id']);
  const result = rpcMessages(res)[0]?.['result'] as { protocolVersion: string };
  const done = await post(token, JSON.stringify({ jsonrpc: '2.0', method: 'notifications/initialized' }), {
    'mcp-session-id': sessionId,
    'mcp-protocol-version': result.protocolVersion,
  });
  expect(done.status).toBe(202);
  return { sessionId, result };
}

function ipv6LoopbackAvailable(): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', () => resolve(false));
    probe.listen(0, '::1', () => probe.close(() => resolve(true)));
  });
}

const challenge = (res: RawResponse) => challengeParams(res.headers['www-authenticate']);

describe('RFC 9728 protected resource metadata', () => {
  it('PRM-1 serves metadata whose resource is the exact /mcp URL at the path-suffixed well-known URL', async () => {
    const res = await rawRequest(`${rb.origin}/.well-known/oauth-protected-resource/mcp`);
    expect(res.status).toBe(200);
    const doc = JSON.parse(res.body) as Record<string, unknown>;
    expect(doc['resource']).toBe(`http://127.0.0.1:${String(rb.port)}/mcp`);
    expect(doc['authorization_servers']).toEqual([rb.origin]);
    expect(doc['scopes_supported']).toEqual([
      'mcp:servers:alpha',
      'mcp:servers:beta',
      'mcp:servers:recorder',
    ]);
    expect(doc['bearer_methods_supported']).toEqual(['header']);
  });

  it('PRM-2 serves the same document at the root well-known URL', async () => {
    const root = await rawRequest(`${rb.origin}/.well-known/oauth-protected-resource`);
    const suffixed = await rawRequest(`${rb.origin}/.well-known/oauth-protected-resource/mcp`);
    expect(root.status).toBe(200);
    expect(JSON.parse(root.body)).toEqual(JSON.parse(suffixed.body));
    expect((await rawRequest(`${rb.origin}/.well-known/oauth-protected-resource/other`)).status).toBe(404);
  });

  it('PRM-2 answers HEAD like GET, and another method 405 with Allow: GET, HEAD', async () => {
    const head = await rawRequest(`${rb.origin}/.well-known/oauth-protected-resource/mcp`, {
      method: 'HEAD',
    });
    expect([head.status, head.body]).toEqual([200, '']);
    const post = await rawRequest(`${rb.origin}/.well-known/oauth-protected-resource`, { method: 'POST' });
    expect([post.status, post.headers['allow']]).toEqual([405, 'GET, HEAD']);
    expect(JSON.parse(post.body)).toMatchObject({ error: 'method_not_allowed' });
  });
});

describe('bearer challenges', () => {
  it('PRM-3 answers a request without a token with 401 and resource_metadata naming the metadata URL', async () => {
    const res = await post(undefined, initBody());
    expect(res.status).toBe(401);
    expect(String(res.headers['www-authenticate'])).toMatch(/^Bearer /);
    const url = challenge(res)['resource_metadata'];
    expect(url).toBe(`${rb.origin}/.well-known/oauth-protected-resource/mcp`);
    const doc = JSON.parse((await rawRequest(url!)).body) as { resource: string };
    expect(doc.resource).toBe(rb.resource);
  });

  it('PRM-4 names the scopes needed in the 401 challenge, never offline_access', async () => {
    const res = await post(undefined, initBody());
    const scope = challenge(res)['scope'];
    expect(scope?.split(' ')).toEqual(['mcp:servers:alpha', 'mcp:servers:beta', 'mcp:servers:recorder']);
    expect(String(res.headers['www-authenticate'])).not.toContain('offline_access');
  });

  it('PRM-5 omits error= when no token was sent and says invalid_token for a bad one', async () => {
    const none = await post(undefined, initBody());
    const bad = await post('not-a-real-token', initBody());
    expect(none.status).toBe(401);
    expect(bad.status).toBe(401);
    expect(challenge(none)['error']).toBeUndefined();
    expect(challenge(bad)['error']).toBe('invalid_token');
    expect(challenge(bad)['resource_metadata']).toBe(challenge(none)['resource_metadata']);
  });
});

describe('token validation', () => {
  it('RS-1 refuses invalid, forged, malformed and expired tokens with 401 invalid_token, telling expired apart', async () => {
    const expired = await rb.token(['alpha'], { expiresIn: -60 });
    const forged = await rb.token(['alpha'], { forged: true });
    const results = await Promise.all([
      post('nope', initBody()),
      post(forged, initBody()),
      post(undefined, initBody(), { authorization: 'Bearer' }),
      post(undefined, initBody(), { authorization: 'Basic dXNlcjpwYXNz' }),
      post(expired, initBody()),
    ]);
    for (const res of results) {
      expect(res.status).toBe(401);
      expect(challenge(res)['error']).toBe('invalid_token');
    }
    const descriptions = results.map((r) => challenge(r)['error_description'] ?? '');
    expect(descriptions[0]).toMatch(/invalid/);
    expect(descriptions[1]).toMatch(/invalid/);
    expect(descriptions[4]).toMatch(/expired/);
    expect(descriptions[0]).not.toMatch(/expired/);
  });

  it('RS-2 refuses a token the same issuer minted for another resource', async () => {
    for (const audience of [`${rb.origin}/other`, 'http://127.0.0.1:1/mcp', `${rb.origin}/mcp/`]) {
      const token = await rb.token(['alpha'], { audience });
      const res = await post(token, initBody());
      expect(res.status).toBe(401);
      expect(challenge(res)['error']).toBe('invalid_token');
      expect(challenge(res)['error_description']).toMatch(/another resource/);
    }
    expect((await post(await rb.token(['alpha']), initBody())).status).toBe(200);
  });

  it('RS-3 refuses a token in the query string, even a valid one', async () => {
    const token = await rb.token(['alpha']);
    const queryOnly = await post(undefined, initBody(), {}, `/mcp?access_token=${token}`);
    expect(queryOnly.status).toBe(401);
    const both = await post(token, initBody(), {}, `/mcp?access_token=${token}`);
    expect(both.status).toBe(401);
    expect(challenge(both)['error_description']).toMatch(/query string/);
  });
});

describe('sessions and scopes', () => {
  it('RS-4 authenticates every request; a session id alone or with another client or subject gets nothing', async () => {
    const token = await rb.token(['alpha'], { clientId: 'client-a', subject: 'alice' });
    const { sessionId } = await openSession(token);
    const headers = { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' };
    const noToken = await post(undefined, callBody('alpha__echo'), headers);
    expect(noToken.status).toBe(401);
    const otherClient = await rb.token(['alpha'], { clientId: 'client-b', subject: 'alice' });
    expect((await post(otherClient, callBody('alpha__echo'), headers)).status).toBe(404);
    const otherSubject = await rb.token(['alpha'], { clientId: 'client-a', subject: 'mallory' });
    expect((await post(otherSubject, callBody('alpha__echo'), headers)).status).toBe(404);
    const fresh = await rb.token(['alpha'], { clientId: 'client-a', subject: 'alice' });
    const ok = await post(fresh, callBody('alpha__echo'), headers);
    expect(ok.status).toBe(200);
    expect(JSON.stringify(rpcMessages(ok))).toContain('alpha: hi');
  });

  it('RS-6 answers a call into an ungranted server with 403 insufficient_scope naming every scope needed', async () => {
    const token = await rb.token(['alpha']);
    const { sessionId } = await openSession(token);
    const headers = { 'mcp-session-id': sessionId, 'mcp-protocol-version': '2025-11-25' };
    const list = await post(token, JSON.stringify({ jsonrpc: '2.0', id: 5, method: 'tools/list' }), headers);
    const tools = (rpcMessages(list)[0]?.['result'] as { tools: { name: string }[] }).tools.map(
      (t) => t.name,
    );
    expect(tools).toContain('alpha__echo');
    expect(tools.some((n) => n.startsWith('beta__') || n.startsWith('recorder__'))).toBe(false);
    const denied = await post(token, callBody('beta__echo'), headers);
    expect(denied.status).toBe(403);
    const params = challenge(denied);
    expect(params['error']).toBe('insufficient_scope');
    expect(params['scope']).toBe('mcp:servers:alpha mcp:servers:beta');
    expect(params['resource_metadata']).toBe(`${rb.origin}/.well-known/oauth-protected-resource/mcp`);
    const stepUp = await rb.token(['alpha', 'beta']);
    const allowed = await post(stepUp, callBody('beta__echo'), headers);
    expect(allowed.status).toBe(200);
    expect(JSON.stringify(rpcMessages(allowed))).toContain('beta: hi');
  });

  it('TR-4 mints random visible-ASCII session ids; missing on non-initialize → 400, unknown → 404', async () => {
    const token = await rb.token(['alpha']);
    const a = await openSession(token);
    const b = await openSession(token);
    for (const id of [a.sessionId, b.sessionId]) {
      expect(id).toMatch(/^[\x21-\x7E]{32,}$/);
    }
    expect(a.sessionId).not.toBe(b.sessionId);
    expect((await post(token, callBody('alpha__echo'))).status).toBe(400);
    const unknown = await post(token, callBody('alpha__echo'), { 'mcp-session-id': 'no-such-session' });
    expect(unknown.status).toBe(404);
  });
});

describe('malformed requests and protocol versions', () => {
  it('ERR-1 distinguishes 401 (token), 403 (scope) and 400 (malformed JSON-RPC or version header)', async () => {
    const token = await rb.token(['alpha']);
    const { sessionId } = await openSession(token);
    const headers = { 'mcp-session-id': sessionId };
    expect((await post(undefined, callBody('alpha__echo'), headers)).status).toBe(401);
    expect((await post(token, callBody('beta__echo'), headers)).status).toBe(403);
    const notJson = await post(token, '{not json', headers);
    expect(notJson.status).toBe(400);
    expect((JSON.parse(notJson.body) as { error: { code: number } }).error.code).toBe(-32700);
    const notRpc = await post(token, JSON.stringify({ hello: 'world' }), headers);
    expect(notRpc.status).toBe(400);
    expect((JSON.parse(notRpc.body) as { error: { code: number } }).error.code).toBe(-32600);
    const badVersion = await post(token, callBody('alpha__echo'), {
      ...headers,
      'mcp-protocol-version': '1999-01-01',
    });
    expect(badVersion.status).toBe(400);
    expect(rb.auditText()).toMatch(/"type":"mcp\.denied","outcome":"denied","errorCode":400/);
  });

  it('TR-5 negotiates 2025-11-25, 2025-06-18 and 2025-03-26; refuses an unsupported header; assumes 2025-03-26 when absent', async () => {
    const token = await rb.token(['alpha']);
    for (const version of ['2025-11-25', '2025-06-18', '2025-03-26']) {
      expect((await openSession(token, version)).result.protocolVersion).toBe(version);
    }
    expect((await openSession(token, '2024-11-05')).result.protocolVersion).toBe('2025-11-25');
    const { sessionId } = await openSession(token, '2025-03-26');
    const absent = await post(token, callBody('alpha__echo'), { 'mcp-session-id': sessionId });
    expect(absent.status).toBe(200);
    const unsupported = await post(token, callBody('alpha__echo'), {
      'mcp-session-id': sessionId,
      'mcp-protocol-version': '2024-11-05',
    });
    expect(unsupported.status).toBe(400);
  });
});

describe('loopback transport guards', () => {
  it('TR-1 refuses a foreign Origin with 403 on /mcp, the metadata and the /ws upgrade', async () => {
    const token = await rb.token(['alpha']);
    const evil = { origin: 'http://evil.example' };
    expect((await post(token, initBody(), evil)).status).toBe(403);
    const prm = await rawRequest(`${rb.origin}/.well-known/oauth-protected-resource/mcp`, { headers: evil });
    expect(prm.status).toBe(403);
    const ws = await rawRequest(`${rb.origin}/ws`, {
      headers: {
        ...evil,
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      },
    }).catch((error: unknown) => ({ status: -1, error }));
    expect(ws.status).not.toBe(101);
    expect((await post(token, initBody(), { origin: rb.origin })).status).toBe(200);
    expect(rb.auditText()).toMatch(
      /"type":"http\.denied".*Origin \\"http:\/\/evil\.example\\" is not allowed/,
    );
  });

  it('TR-2 listens on 127.0.0.1 and ::1 only', async () => {
    const address = rb.broker.http.server.address();
    expect(address).toMatchObject({ address: '127.0.0.1', port: rb.port });
    if (await ipv6LoopbackAvailable()) {
      const v6 = await rawRequest(`http://[::1]:${String(rb.port)}/healthz`);
      expect(v6.status).toBe(200);
    } else console.warn('TR-2: ::1 cannot be bound on this machine; the broker serves 127.0.0.1 only');
    const external = Object.values(networkInterfaces())
      .flat()
      .find((i) => i && !i.internal && i.family === 'IPv4');
    if (!external) {
      console.warn('TR-2: no non-loopback IPv4 interface here; only the loopback binds were checked');
      return;
    }
    const refused = await new Promise<boolean>((resolve) => {
      const socket = connect(rb.port, external.address);
      socket.once('connect', () => {
        socket.destroy();
        resolve(false);
      });
      socket.once('error', () => resolve(true));
    });
    expect(refused).toBe(true);
  });

  it('TR-3 refuses a Host that is not a loopback name with our port (DNS rebinding)', async () => {
    const token = await rb.token(['alpha']);
    for (const host of [`evil.example:${String(rb.port)}`, `127.0.0.1:${String(rb.port + 1)}`, 'localhost']) {
      expect((await post(token, initBody(), { host })).status).toBe(403);
    }
    expect((await post(token, initBody(), { host: `localhost:${String(rb.port)}` })).status).toBe(200);
    const upgrade = await rawRequest(`${rb.origin}/ws`, {
      headers: {
        host: `evil.example:${String(rb.port)}`,
        authorization: `Bearer ${token}`,
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      },
    });
    expect(upgrade.status).toBe(403);
  });
});
