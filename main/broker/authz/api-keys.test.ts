import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';

import { fixtureServer, writeBrokerHome } from '../../test-support/broker-process.js';
import { cliInProcess } from '../../test-support/cli-in-process.js';
import { challengeParams, rawRequest } from '../../test-support/http-raw.js';
import { startTestBroker, type TestBroker } from '../../test-support/in-process-broker.js';
import { memorySecretStore } from '../../test-support/memory-secret-store.js';
import { makeTempDir } from '../../test-support/temp-dir.js';
import { createLogger, silentLogger } from '../base/logger.js';
import { Broker } from '../broker.js';
import { WebSocketTransport } from '../mcp-http/websocket-transport.js';
import { SecretRedactor } from '../secrets/secret-redactor.js';

const KEY_SHAPE = /^mab_[A-Za-z0-9_-]{49}$/;

/** A clock the test moves forward (key expiry), otherwise the real time. */
const clock = { offsetMs: 0, now: () => Date.now() + clock.offsetMs };
const logLines: string[] = [];
let kit: TestBroker;
const clients: Client[] = [];
const keysSeen: string[] = [];

beforeAll(async () => {
  kit = await startTestBroker({
    tmpPrefix: 'mab-key-',
    servers: {
      alpha: fixtureServer({ FIXTURE_NAME: 'alpha' }),
      beta: fixtureServer({ FIXTURE_NAME: 'beta' }),
    },
    clock,
    logger: createLogger({ level: 'debug', destination: { write: (line: string) => logLines.push(line) } }),
  });
}, 60_000);

afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close().catch(() => undefined)));
});

afterAll(async () => {
  await kit.stop();
});

async function createKey(name: string, servers: string, ...more: string[]) {
  const run = await kit.cli(['keys', 'create', name, '--servers', servers, ...more]);
  expect(run.stderr).toContain(`Created API key "${name}"`);
  expect(run.code).toBe(0);
  const key = run.stdout.trim();
  expect(run.stdout).toBe(`${key}\n`);
  expect(key).toMatch(KEY_SHAPE);
  expect(run.stderr).not.toContain(key);
  keysSeen.push(key);
  return key;
}

async function httpClient(key: string) {
  const transport = new StreamableHTTPClientTransport(new URL(`${kit.broker.url}/mcp`), {
    requestInit: { headers: { authorization: `Bearer ${key}` } },
  });
  const client = new Client({ name: 'cron-script', version: '1.0.0' });
  await client.connect(transport);
  clients.push(client);
  return client;
}

async function wsClient(key: string) {
  const socket = new WebSocket(`${kit.broker.url.replace('http', 'ws')}/ws`, 'mcp', {
    headers: { authorization: `Bearer ${key}` },
  });
  await new Promise<void>((resolve, reject) => {
    socket.once('open', () => resolve());
    socket.once('error', reject);
  });
  const client = new Client({ name: 'ws-script', version: '1.0.0' });
  await client.connect(new WebSocketTransport(socket));
  clients.push(client);
  return { client, socket };
}

const post = (key: string, query = '') =>
  rawRequest(`${kit.broker.url}/mcp${query}`, {
    method: 'POST',
    headers: {
      authorization: `Bearer ${key}`,
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
    },
    body: JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'initialize',
      params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
    }),
  });

const textOf = (result: unknown) =>
  (result as CallToolResult).content.map((c) => (c.type === 'text' ? c.text : '')).join('');

describe('API keys for local non-interactive clients (issue 13.7)', () => {
  it('13.7 create → call a tool on /mcp → keys list → keys revoke → 401, also on the open connection', async () => {
    const key = await createKey('nightly', 'alpha', '--expires', '30d');
    const client = await httpClient(key);
    expect(textOf(await client.callTool({ name: 'alpha__echo', arguments: { text: 'hi' } }))).toBe(
      'alpha: hi',
    );

    const listed = await kit.cli(['keys', 'list', '--json']);
    expect(listed.code).toBe(0);
    expect(listed.stdout).not.toContain(key);
    const [entry] = JSON.parse(listed.stdout) as Record<string, unknown>[];
    expect(entry).toMatchObject({
      name: 'nightly',
      clientId: 'key:nightly',
      servers: ['alpha'],
      expired: false,
    });
    expect(Date.parse(String(entry?.['expiresAt'])) - Date.parse(String(entry?.['createdAt']))).toBe(
      30 * 86_400_000,
    );
    expect(entry?.['lastUsedAt']).toEqual(expect.any(String));
    expect((await kit.cli(['keys', 'list'])).stdout).toMatch(
      /nightly {2}\(key:nightly\)\n {2}servers: alpha/,
    );

    const revoked = await kit.cli(['keys', 'revoke', 'nightly']);
    expect(revoked.code).toBe(0);
    expect(revoked.stdout).toContain('Revoked API key "nightly"');
    await expect(client.callTool({ name: 'alpha__echo', arguments: { text: 'again' } })).rejects.toThrow(
      /401|revoked/i,
    );
    const res = await post(key);
    expect(res.status).toBe(401);
    const challenge = challengeParams(res.headers['www-authenticate']);
    expect(String(res.headers['www-authenticate'])).toMatch(/^Bearer /);
    expect(challenge['error']).toBe('invalid_token');
    expect(challenge['resource_metadata']).toBe(`${kit.broker.url}/.well-known/oauth-protected-resource/mcp`);
    expect((await kit.cli(['keys', 'list'])).stdout).toContain('(no API keys)');
    const again = await kit.cli(['keys', 'revoke', 'nightly']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('No API key "nightly"');

    const audit = kit.auditText();
    expect(audit).toMatch(
      /"type":"apikey.created","outcome":"ok","client":"key:nightly","clientId":"key:nightly"/,
    );
    expect(audit).toMatch(
      /"type":"tool.call","outcome":"ok","client":"[^"]*","clientId":"key:nightly","server":"alpha"/,
    );
    expect(audit).toContain('"type":"apikey.revoked"');
  }, 30_000);

  it('13.7 a key sees only its servers’ tools; a call to another server is refused like a token without that scope', async () => {
    const key = await createKey('alpha-only', 'alpha');
    const client = await httpClient(key);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('alpha__echo');
    expect(names.some((n) => n.startsWith('beta__'))).toBe(false);
    await expect(client.callTool({ name: 'beta__echo', arguments: { text: 'x' } })).rejects.toThrow(
      /403|scope/i,
    );
    expect(kit.auditText()).toMatch(
      /"type":"mcp.denied","outcome":"denied","client":"key:alpha-only","clientId":"key:alpha-only","errorCode":403/,
    );
    const refused = await kit.cli(['keys', 'create', 'ghost', '--servers', 'alpha,nope']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('No enabled server named "nope"');
    expect(refused.stdout).toBe('');
    const twice = await kit.cli(['keys', 'create', 'alpha-only', '--servers', 'alpha']);
    expect(twice.stderr).toContain('An API key named "alpha-only" exists');
    await kit.cli(['keys', 'revoke', 'alpha-only']);
  }, 30_000);

  it('13.7 /ws accepts a key with its scopes and closes the connection when the key is revoked', async () => {
    const key = await createKey('ws-both', 'alpha,beta');
    const { client, socket } = await wsClient(key);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['alpha__echo', 'beta__echo']));
    const closed = new Promise<number>((resolve) => socket.once('close', (code) => resolve(code)));
    await kit.cli(['keys', 'revoke', 'ws-both']);
    await expect(client.listTools()).rejects.toThrow();
    expect(await closed).toBe(1008);
  }, 30_000);

  it('13.7 an expired key gets 401 invalid_token "expired" and is listed as expired', async () => {
    const key = await createKey('short', 'alpha', '--expires', '60s');
    expect((await post(key)).status).toBe(200);
    clock.offsetMs = 61_000;
    try {
      const res = await post(key);
      expect(res.status).toBe(401);
      const challenge = challengeParams(res.headers['www-authenticate']);
      expect(challenge['error']).toBe('invalid_token');
      expect(challenge['error_description']).toMatch(/expired/);
      const listed = JSON.parse((await kit.cli(['keys', 'list', '--json'])).stdout) as unknown[];
      expect(listed).toContainEqual(expect.objectContaining({ name: 'short', expired: true }));
    } finally {
      clock.offsetMs = 0;
    }
    await kit.cli(['keys', 'revoke', 'short']);
  }, 30_000);

  it('13.7 a key is never accepted in the query string, not even beside a valid header', async () => {
    const key = await createKey('query', 'alpha');
    for (const query of [`?access_token=${key}`, `?key=${key}`, `?api_key=${key}`, `?x=${key}`]) {
      const bare = await rawRequest(`${kit.broker.url}/mcp${query}`, { method: 'POST' });
      expect(bare.status).toBe(401);
      expect(challengeParams(bare.headers['www-authenticate'])['error']).toBe('invalid_request');
      expect((await post(key, query)).status).toBe(401);
    }
    expect((await post(key)).status).toBe(200);
    await kit.cli(['keys', 'revoke', 'query']);
  }, 30_000);

  it('13.7 malformed and unknown keys get 401; a typo fails the checksum', async () => {
    const key = await createKey('typo', 'alpha');
    const typo = `${key.slice(0, 10)}${key[10] === 'A' ? 'B' : 'A'}${key.slice(11)}`;
    for (const bad of [typo, 'mab_short', `mab_${'A'.repeat(49)}`]) {
      const res = await post(bad);
      expect(res.status).toBe(401);
      expect(challengeParams(res.headers['www-authenticate'])['error']).toBe('invalid_token');
    }
    await kit.cli(['keys', 'revoke', 'typo']);
  }, 30_000);

  it('13.7 the window lists keys (no value) and revokes one through browser mode’s /api bridge', async () => {
    const key = await createKey('from-window', 'beta');
    const page = await rawRequest(kit.broker.ui!.loginUrl());
    const setCookie = page.headers['set-cookie'];
    const cookie = (Array.isArray(setCookie) ? (setCookie[0] ?? '') : '').split(';')[0] ?? '';
    const secret = /<meta name="mab-session" content="([\w-]+)">/.exec(page.body)?.[1] ?? '';
    const call = (method: string, body: unknown) =>
      rawRequest(`${kit.broker.url}/api/call/${method}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          origin: kit.broker.url,
          cookie,
          'x-broker-session': secret,
        },
        body: JSON.stringify(body),
      });
    const listed = await call('listApiKeys', {});
    expect(listed.status).toBe(200);
    expect(listed.body).not.toContain(key);
    expect(JSON.parse(listed.body)).toMatchObject({
      available: true,
      keys: [{ name: 'from-window', clientId: 'key:from-window', servers: ['beta'], expired: false }],
    });
    expect((await call('revokeApiKey', { name: 'from-window' })).status).toBe(200);
    expect((await post(key)).status).toBe(401);
    const unknown = await call('revokeApiKey', { name: 'from-window' });
    expect(unknown.status).toBe(404);
    expect(JSON.parse(unknown.body)).toMatchObject({ code: 'CLIENT_NOT_FOUND' });
    expect((await call('revokeApiKey', { name: '../etc' })).status).toBe(400);
  }, 30_000);

  it('13.7 no key value ever reaches the audit log, the debug log, the state files or an error', () => {
    expect(keysSeen.length).toBeGreaterThan(3);
    const audit = kit.auditText();
    const logs = logLines.join('');
    expect(logs.length).toBeGreaterThan(0);
    const dataFiles = readdirSync(kit.dataDir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => readFileSync(join(e.parentPath, e.name), 'latin1'))
      .join('\n');
    for (const key of keysSeen) {
      const body = key.slice(4);
      for (const text of [audit, logs, dataFiles, JSON.stringify(kit.broker.status())]) {
        expect(text).not.toContain(key);
        expect(text).not.toContain(body);
      }
    }
    expect(kit.broker.control.listApiKeys().keys.every((k) => !('hash' in k))).toBe(true);
  });
});

describe('API keys survive a restart (issue 13.7)', () => {
  it('13.7 a key created before a restart still works after it; a revocation is kept too', async () => {
    const tmp = makeTempDir('mab-keyr-');
    const home = writeBrokerHome(tmp.path, { servers: { alpha: fixtureServer() } });
    const secretStore = memorySecretStore();
    const start = () =>
      Broker.start({ ...home, port: 0, logger: silentLogger(), redactor: new SecretRedactor(), secretStore });
    const initialize = (broker: Broker, key: string) =>
      rawRequest(`${broker.url}/mcp`, {
        method: 'POST',
        headers: {
          authorization: `Bearer ${key}`,
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
        },
        body: JSON.stringify({
          jsonrpc: '2.0',
          id: 1,
          method: 'initialize',
          params: {
            protocolVersion: '2025-06-18',
            capabilities: {},
            clientInfo: { name: 'raw', version: '1' },
          },
        }),
      });
    try {
      let broker = await start();
      const key = (await cliInProcess(['keys', 'create', 'kept', '--servers', 'alpha'], home)).stdout.trim();
      expect(key).toMatch(KEY_SHAPE);
      await broker.close();
      broker = await start();
      expect((await initialize(broker, key)).status).toBe(200);
      expect(broker.control.listApiKeys().keys).toEqual([
        expect.objectContaining({
          name: 'kept',
          servers: ['alpha'],
          lastUsedAt: expect.any(String) as string,
        }),
      ]);
      expect((await cliInProcess(['keys', 'revoke', 'kept'], home)).code).toBe(0);
      await broker.close();
      broker = await start();
      expect((await initialize(broker, key)).status).toBe(401);
      expect(broker.control.listApiKeys().keys).toEqual([]);
      await broker.close();
    } finally {
      tmp.remove();
    }
  }, 60_000);
});
