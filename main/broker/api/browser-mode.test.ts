import { readFileSync } from 'node:fs';
import { request, type IncomingHttpHeaders } from 'node:http';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fixtureServer, writeBrokerHome } from '../../test-support/broker-process.js';
import { makeTempDir } from '../../test-support/temp-dir.js';
import { Broker } from '../broker.js';
import { silentLogger } from '../logger.js';
import { EncryptedFileSecretStore } from '../secrets/encrypted-file-store.js';
import { SecretRedactor } from '../secrets/secret-redactor.js';

interface Reply {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
}

/** One HTTP request to the broker with exactly the headers given (no implicit Origin). */
function call(url: string, method: string, headers: Record<string, string>, body?: unknown): Promise<Reply> {
  const payload = body === undefined ? undefined : JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = request(url, { method, headers }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
    });
    req.on('error', reject);
    req.end(payload);
  });
}

let tmp: ReturnType<typeof makeTempDir>;
let broker: Broker;
let store: EncryptedFileSecretStore;
let configPath: string;

beforeEach(async () => {
  tmp = makeTempDir();
  const home = writeBrokerHome(tmp.path, { servers: { alpha: fixtureServer({ FIXTURE_NAME: 'alpha' }) } });
  configPath = home.configPath;
  store = new EncryptedFileSecretStore({ path: join(tmp.path, 'secrets.enc.json'), passphrase: 'pw' });
  broker = await Broker.start({
    ...home,
    port: 0,
    logger: silentLogger(),
    redactor: new SecretRedactor(),
    secretStore: store,
  });
});

afterEach(async () => {
  await broker.close();
  tmp.remove();
});

/** Redeems a fresh login link and returns the session cookie (`name=value`). */
async function session(): Promise<string> {
  const reply = await call(broker.ui!.loginUrl(), 'GET', {});
  expect(reply.status).toBe(303);
  return (reply.headers['set-cookie']?.[0] ?? '').split(';')[0] ?? '';
}

const api = (method: string, headers: Record<string, string>, body: unknown = {}) =>
  call(`${broker.url}/api/call/${method}`, 'POST', { 'content-type': 'application/json', ...headers }, body);

describe('browser mode', () => {
  it('swaps a one-time login link for an HttpOnly SameSite=Strict session cookie', async () => {
    const link = broker.ui!.loginUrl();
    const first = await call(link, 'GET', {});
    expect(first.status).toBe(303);
    expect(first.headers.location).toBe('/ui/');
    expect(first.headers['set-cookie']?.[0]).toMatch(
      /^mab_ui=[\w-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=/,
    );
    const again = await call(link, 'GET', {});
    expect(again.status).toBe(401);
    expect(again.body).toContain('mcp-auth-broker ui');
  });

  it('refuses API calls and the UI without a session cookie (401)', async () => {
    expect((await api('getStatus', { origin: broker.url })).status).toBe(401);
    expect((await call(`${broker.url}/api/events`, 'GET', {})).status).toBe(401);
    expect((await call(`${broker.url}/ui/`, 'GET', {})).status).toBe(401);
  });

  it('TR-1 refuses a foreign Origin and calls without the broker’s own Origin (403)', async () => {
    const cookie = await session();
    expect((await api('getStatus', { cookie, origin: 'http://evil.example' })).status).toBe(403);
    expect((await api('getStatus', { cookie, origin: 'http://localhost:1' })).status).toBe(403);
    expect((await api('getStatus', { cookie })).status).toBe(403);
    expect((await api('getStatus', { cookie, origin: broker.url })).status).toBe(200);
  });

  it('TR-3 refuses a foreign Host even with a valid session (DNS rebinding)', async () => {
    const cookie = await session();
    const reply = await api('getStatus', { cookie, origin: broker.url, host: 'evil.example' });
    expect(reply.status).toBe(403);
  });

  it('serves the window with a strict CSP and framing forbidden', async () => {
    const cookie = await session();
    const reply = await call(`${broker.url}/ui/`, 'GET', { cookie });
    expect([200, 503]).toContain(reply.status); // 503 with a "run npm run build" page before the renderer is built
    expect(reply.headers['content-security-policy']).toContain("script-src 'self'");
    expect(reply.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(reply.headers['x-frame-options']).toBe('DENY');
  });

  it('answers bad arguments with 400 BAD_REQUEST naming the problem, and unknown calls with 404', async () => {
    const cookie = await session();
    const headers = { cookie, origin: broker.url };
    const bad = await api('restartServer', headers, { name: 42 });
    expect(bad.status).toBe(400);
    const problem = JSON.parse(bad.body) as { code: string; message: string };
    expect(problem.code).toBe('BAD_REQUEST');
    expect(problem.message).toContain('name');
    expect((await api('restartServer', headers, { name: 'alpha', extra: true })).status).toBe(400);
    expect((await api('deleteEverything', headers)).status).toBe(404);
    const missing = await api('restartServer', headers, { name: 'nope' });
    expect(missing.status).toBe(404);
    expect(JSON.parse(missing.body)).toMatchObject({ code: 'SERVER_NOT_FOUND' });
  });

  it('disables a server: the config file is rewritten and the server stops', async () => {
    const cookie = await session();
    const reply = await api(
      'setServerEnabled',
      { cookie, origin: broker.url },
      { name: 'alpha', enabled: false },
    );
    expect(reply.status).toBe(200);
    const config = JSON.parse(readFileSync(configPath, 'utf8')) as {
      servers: { alpha: { enabled?: boolean } };
    };
    expect(config.servers.alpha.enabled).toBe(false);
    const status = JSON.parse((await api('getStatus', { cookie, origin: broker.url })).body) as {
      servers: { name: string; state: string }[];
    };
    expect(status.servers.find((s) => s.name === 'alpha')?.state).toBe('disabled');
  });

  it('pauses every server and resumes them (the tray’s "Pause all servers")', async () => {
    const core = broker.ui!.api;
    await core.pauseAllServers({ paused: true });
    const paused = await core.getStatus({});
    expect(paused.broker.paused).toBe(true);
    expect(paused.servers.map((s) => s.state)).toEqual(['stopped']);
    await core.pauseAllServers({ paused: false });
    const resumed = await core.getStatus({});
    expect(resumed.broker.paused).toBe(false);
    expect(resumed.servers.map((s) => s.state)).toEqual(['running']);
  });

  it('imports pasted JSON: the token goes to the secret store, the config gets a reference', async () => {
    const cookie = await session();
    const token = 'sk-test-0123456789abcdefghijklmnopqrstuv';
    const entry = fixtureServer({ FIXTURE_NAME: 'gamma', SERVICE_API_KEY: token });
    const reply = await api(
      'runImport',
      { cookie, origin: broker.url },
      { source: { text: JSON.stringify({ mcpServers: { gamma: entry } }) } },
    );
    expect(JSON.parse(reply.body)).toEqual({
      imported: ['gamma'],
      skipped: [],
      moved: [{ server: 'gamma', variable: 'SERVICE_API_KEY', secret: 'gamma-SERVICE_API_KEY' }],
    });
    expect(await store.get('gamma-SERVICE_API_KEY')).toBe(token);
    const text = readFileSync(configPath, 'utf8');
    expect(text).not.toContain(token);
    expect(JSON.parse(text)).toMatchObject({
      servers: { gamma: { env: { SERVICE_API_KEY: { secret: 'gamma-SERVICE_API_KEY' } } } },
    });
    const status = await broker.ui!.api.getStatus({});
    expect(status.servers.find((s) => s.name === 'gamma')?.state).toBe('running');
  });

  it('streams new audit events to a live subscriber', async () => {
    const cookie = await session();
    const events: string[] = [];
    const got = new Promise<void>((resolve, reject) => {
      const req = request(`${broker.url}/api/events`, { headers: { cookie } }, (res) => {
        expect(res.headers['content-type']).toContain('text/event-stream');
        res.on('data', (d: Buffer) => {
          events.push(d.toString());
          if (events.join('').includes('"secret.set"')) {
            req.destroy();
            resolve();
          } else if (events.length === 1) {
            void broker.setSecret('live-test', 'value-1');
          }
        });
      });
      req.on('error', reject);
      req.end();
    });
    await got;
    const line = events
      .join('')
      .split('\n')
      .find((l) => l.includes('"secret.set"'));
    expect(JSON.parse(line!.slice('data: '.length))).toMatchObject({
      type: 'audit',
      record: { type: 'secret.set', secretName: 'live-test' },
    });
    expect(events.join('')).not.toContain('value-1');
  });
});
