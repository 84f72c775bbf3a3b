import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import { type CallToolResult, ToolListChangedNotificationSchema } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';

import { challengeParams, rawRequest } from '../../test-support/http-raw.js';
import {
  type ResourceBroker,
  startResourceBroker,
  UPSTREAM_CREDENTIAL,
} from '../../test-support/resource-broker.js';
import { WebSocketTransport } from './websocket-transport.js';

let rb: ResourceBroker;
const clients: Client[] = [];
const tokensSeen: string[] = [];

beforeAll(async () => {
  rb = await startResourceBroker();
});

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => undefined)));
});

afterAll(async () => {
  await rb.stop();
});

async function token(servers: string[], extra: Parameters<ResourceBroker['token']>[1] = {}) {
  const value = await rb.token(servers, extra);
  tokensSeen.push(value);
  return value;
}

async function httpClient(bearer: string) {
  const transport = new StreamableHTTPClientTransport(new URL(rb.resource), {
    requestInit: { headers: { authorization: `Bearer ${bearer}` } },
  });
  const client = new Client({ name: 'http-test', version: '1.0.0' });
  await client.connect(transport);
  clients.push(client);
  return { client, transport };
}

async function wsClient(bearer: string) {
  const socket = new WebSocket(`${rb.origin.replace('http', 'ws')}/ws`, 'mcp', {
    headers: { authorization: `Bearer ${bearer}` },
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const client = new Client({ name: 'ws-test', version: '1.0.0' });
  await client.connect(new WebSocketTransport(socket));
  clients.push(client);
  return { client, socket };
}

const textOf = (result: unknown) =>
  (result as CallToolResult).content.map((c) => (c.type === 'text' ? c.text : '')).join('');

describe('/mcp streamable HTTP with the SDK client', () => {
  it('lists only the granted servers’ tools and calls one', async () => {
    const { client } = await httpClient(await token(['alpha']));
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('alpha__echo');
    expect(names.filter((n) => !n.startsWith('alpha__'))).toEqual([]);
    const result = await client.callTool({ name: 'alpha__echo', arguments: { text: 'over http' } });
    expect(textOf(result)).toBe('alpha: over http');
  });

  it('streams server notifications on the GET SSE stream after a step-up widens the scope', async () => {
    const alphaOnly = await token(['alpha']);
    const { client, transport } = await httpClient(alphaOnly);
    const changed = new Promise<void>((resolve) => {
      client.setNotificationHandler(ToolListChangedNotificationSchema, () => resolve());
    });
    await client.listTools();
    const stepUp = await token(['alpha', 'beta']);
    const res = await rawRequest(rb.resource, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${stepUp}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': transport.sessionId ?? '',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 99, method: 'tools/list' }),
    });
    expect(res.status).toBe(200);
    expect(res.body).toContain('beta__echo');
    await changed;
  });

  it('ends a session on DELETE; its id then finds nothing', async () => {
    const bearer = await token(['alpha']);
    const { transport } = await httpClient(bearer);
    const id = transport.sessionId ?? '';
    await transport.terminateSession();
    const res = await rawRequest(rb.resource, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${bearer}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': id,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(res.status).toBe(404);
  });
});

describe('session limits', () => {
  /** Opens a session with a raw initialize request; returns its id. */
  async function openSession(bearer: string): Promise<string> {
    const res = await fetch(rb.resource, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${bearer}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 1,
        method: 'initialize',
        params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'f', version: '1' } },
      }),
    });
    await res.text();
    expect(res.status).toBe(200);
    return res.headers.get('mcp-session-id') ?? '';
  }

  async function listTools(bearer: string, id: string): Promise<number> {
    const res = await fetch(rb.resource, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${bearer}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': id,
        'mcp-protocol-version': '2025-06-18',
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 2, method: 'tools/list' }),
    });
    await res.text();
    return res.status;
  }

  it('SEC-8 one client opening 300 sessions closes only its own oldest, not another client’s', async () => {
    const victim = await token(['alpha'], { clientId: 'victim-client' });
    const flooder = await token(['alpha'], { clientId: 'flood-client' });
    const kept = await openSession(victim);
    const first = await openSession(flooder);
    let last = first;
    for (let i = 0; i < 300; i += 1) last = await openSession(flooder);
    expect(await listTools(victim, kept)).toBe(200);
    expect(await listTools(flooder, last)).toBe(200);
    expect(await listTools(flooder, first)).toBe(404);
  }, 120_000);
});

describe('/ws WebSocket endpoint', () => {
  it('serves the same aggregated tools to a client whose upgrade carries the bearer token', async () => {
    const { client } = await wsClient(await token(['alpha', 'beta']));
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['alpha__echo', 'beta__echo']));
    expect(names.some((n) => n.startsWith('recorder__'))).toBe(false);
    expect(textOf(await client.callTool({ name: 'beta__echo', arguments: { text: 'ws' } }))).toBe('beta: ws');
  });

  it('refuses an upgrade without a token with 401 and the Bearer challenge', async () => {
    const res = await rawRequest(`${rb.origin}/ws`, {
      headers: {
        connection: 'Upgrade',
        upgrade: 'websocket',
        'sec-websocket-version': '13',
        'sec-websocket-key': 'dGhlIHNhbXBsZSBub25jZQ==',
      },
    });
    expect(res.status).toBe(401);
    const params = challengeParams(res.headers['www-authenticate']);
    expect(params['resource_metadata']).toBe(`${rb.origin}/.well-known/oauth-protected-resource/mcp`);
    expect(params['error']).toBeUndefined();
  });

  it('a revoked grant stops working at once on /ws and /mcp', async () => {
    const bearer = await token(['alpha'], { grantId: 'grant-to-revoke' });
    const { client, socket } = await wsClient(bearer);
    await client.listTools();
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    rb.issuer.revokeGrant('grant-to-revoke');
    await expect(client.listTools()).rejects.toThrow();
    expect(await closed).toBe(1008);
    const res = await rawRequest(rb.resource, {
      method: 'POST',
      headers: { authorization: `Bearer ${bearer}` },
    });
    expect(res.status).toBe(401);
    expect(challengeParams(res.headers['www-authenticate'])['error_description']).toMatch(/revoked/);
  });
});

describe('no token passthrough', () => {
  it('RS-5 the recording upstream gets its own credential, never the client’s token (HTTP and WS)', async () => {
    const viaHttp = await token(['recorder']);
    const viaWs = await token(['recorder']);
    const expected = createHash('sha256').update(UPSTREAM_CREDENTIAL).digest('hex').slice(0, 12);
    const { client: http } = await httpClient(viaHttp);
    const { client: ws } = await wsClient(viaWs);
    for (const client of [http, ws]) {
      const result = await client.callTool({ name: 'recorder__whoami', arguments: {} });
      expect(JSON.parse(textOf(result))).toEqual({ length: UPSTREAM_CREDENTIAL.length, sha256: expected });
    }
    const recorded = readFileSync(rb.recordFile, 'utf8');
    expect(recorded).toContain(UPSTREAM_CREDENTIAL);
    expect(recorded).toContain('"name":"whoami"');
    for (const bearer of [viaHttp, viaWs]) {
      expect(recorded).not.toContain(bearer);
      expect(recorded).not.toContain(bearer.split('.')[2]);
    }
    expect(recorded.toLowerCase()).not.toContain('bearer');
  });

  it('tokens never reach the audit log, which records the denials', async () => {
    await rawRequest(rb.resource, {
      method: 'POST',
      headers: { authorization: 'Bearer leaked-looking-token-123' },
    });
    const audit = rb.auditText();
    expect(audit).toContain('"type":"mcp.denied"');
    expect(audit).toContain('"errorCode":401');
    expect(audit).not.toContain('leaked-looking-token-123');
    for (const bearer of tokensSeen) expect(audit).not.toContain(bearer);
  });
});
