import { readFileSync } from 'node:fs';
import { type IncomingHttpHeaders, request } from 'node:http';

import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import { fixtureServer } from '../../test-support/broker-process.js';
import { startTestBroker, type TestBroker } from '../../test-support/in-process-broker.js';
import type { Broker } from '../broker.js';
import type { SecretStore } from '../secrets/secret-store.js';

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

let kit: TestBroker;
let broker: Broker;
let store: SecretStore;
let configPath: string;

beforeEach(async () => {
  kit = await startTestBroker({
    servers: { alpha: fixtureServer({ FIXTURE_NAME: 'alpha' }) },
    secretStore: 'encrypted-file',
    encryptedFileName: 'secrets.enc.json',
  });
  ({ broker, configPath, secretStore: store } = kit);
});

afterEach(() => kit.stop());

/** A UI session as the window gets it: the cookie, and the per-session secret from the login page's body. */
interface UiLogin {
  cookie: string;
  secret: string;
}

/** Redeems a fresh login link like a browser: cookie from Set-Cookie, secret from the page it is given. */
async function login(): Promise<UiLogin> {
  const reply = await call(broker.ui!.loginUrl(), 'GET', {});
  const cookie = (reply.headers['set-cookie']?.[0] ?? '').split(';')[0] ?? '';
  const secret = /<meta name="mab-session" content="([\w-]+)">/.exec(reply.body)?.[1] ?? '';
  return { cookie, secret };
}

/** The headers the window sends: its session cookie and its secret. */
async function session(): Promise<Record<string, string>> {
  const { cookie, secret } = await login();
  expect(secret).not.toBe('');
  return { cookie, 'x-broker-session': secret };
}

const api = (method: string, headers: Record<string, string>, body: unknown = {}) =>
  call(`${broker.url}/api/call/${method}`, 'POST', { 'content-type': 'application/json', ...headers }, body);

describe('browser mode', () => {
  it('swaps a one-time login link for an HttpOnly SameSite=Strict session cookie', async () => {
    const link = broker.ui!.loginUrl();
    const first = await call(link, 'GET', {});
    expect([200, 503]).toContain(first.status); // the window, or the "run npm run build" page
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
    const auth = await session();
    expect((await api('getStatus', { ...auth, origin: 'http://evil.example' })).status).toBe(403);
    expect((await api('getStatus', { ...auth, origin: 'http://localhost:1' })).status).toBe(403);
    expect((await api('getStatus', { ...auth })).status).toBe(403);
    expect((await api('getStatus', { ...auth, origin: broker.url })).status).toBe(200);
  });

  it('TR-3 refuses a foreign Host even with a valid session (DNS rebinding)', async () => {
    const auth = await session();
    const reply = await api('getStatus', { ...auth, origin: broker.url, host: 'evil.example' });
    expect(reply.status).toBe(403);
  });

  it('serves the window with a strict CSP and framing forbidden', async () => {
    const auth = await session();
    const reply = await call(`${broker.url}/ui/`, 'GET', { ...auth });
    expect([200, 503]).toContain(reply.status); // 503 with a "run npm run build" page before the renderer is built
    expect(reply.headers['content-security-policy']).toContain("script-src 'self'");
    expect(reply.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(reply.headers['x-frame-options']).toBe('DENY');
  });

  it('answers bad arguments with 400 BAD_REQUEST naming the problem, and unknown calls with 404', async () => {
    const auth = await session();
    const headers = { ...auth, origin: broker.url };
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

  it('answers a known API path with the wrong method 405 and Allow, only once the session checks pass', async () => {
    expect((await call(`${broker.url}/api/call/getStatus`, 'GET', {})).status).toBe(401);
    const auth = await session();
    const headers = { ...auth, origin: broker.url, 'content-type': 'application/json' };
    const get = await call(`${broker.url}/api/call/getStatus`, 'GET', headers);
    expect([get.status, get.headers.allow]).toEqual([405, 'POST']);
    expect(JSON.parse(get.body)).toMatchObject({ code: 'METHOD_NOT_ALLOWED' });
    const post = await call(`${broker.url}/api/events`, 'POST', headers, {});
    expect([post.status, post.headers.allow]).toEqual([405, 'GET']);
    const none = await call(`${broker.url}/api/nothing`, 'GET', headers);
    expect([none.status, none.headers.allow]).toEqual([404, undefined]);
    expect(JSON.parse(none.body)).toEqual({ code: 'NOT_FOUND', message: 'No API call GET /api/nothing' });
  });

  it('disables a server: the config file is rewritten and the server stops', async () => {
    const auth = await session();
    const reply = await api(
      'setServerEnabled',
      { ...auth, origin: broker.url },
      { name: 'alpha', enabled: false },
    );
    expect(reply.status).toBe(200);
    const config = JSON.parse(readFileSync(configPath, 'utf8')) as {
      servers: { alpha: { enabled?: boolean } };
    };
    expect(config.servers.alpha.enabled).toBe(false);
    const status = JSON.parse((await api('getStatus', { ...auth, origin: broker.url })).body) as {
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
    const auth = await session();
    const token = 'sk-test-0123456789abcdefghijklmnopqrstuv';
    const entry = fixtureServer({ FIXTURE_NAME: 'gamma', SERVICE_API_KEY: token });
    const reply = await api(
      'runImport',
      { ...auth, origin: broker.url },
      { source: { text: JSON.stringify({ mcpServers: { gamma: entry } }) } },
    );
    expect(JSON.parse(reply.body)).toMatchObject({
      imported: ['gamma'],
      skipped: [],
      moved: [
        { server: 'gamma', variable: 'SERVICE_API_KEY', secret: 'gamma-SERVICE_API_KEY', action: 'move' },
      ],
      origins: [{ server: 'gamma', origins: [{ client: 'other', path: ['mcpServers', 'gamma'] }] }],
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
    const auth = await session();
    const events: string[] = [];
    const got = new Promise<void>((resolve, reject) => {
      const req = request(`${broker.url}/api/events`, { headers: { ...auth } }, (res) => {
        expect(res.headers['content-type']).toContain('text/event-stream');
        res.on('data', (d: Buffer) => {
          events.push(d.toString());
          if (events.join('').includes('"secret.set"')) {
            req.destroy();
            resolve();
          } else if (events.length === 1) {
            void broker.control.setSecret('live-test', 'value-1');
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

describe('SEC-3 browser mode needs the per-session secret, not just the cookie', () => {
  const text = JSON.stringify({
    mcpServers: { evil: { command: process.execPath, args: ['-e', 'process.exit(0)'] } },
  });

  it('SEC-3 login hands the page a secret in its body, never in a cookie or the URL', async () => {
    const reply = await call(broker.ui!.loginUrl(), 'GET', {});
    const secret = /<meta name="mab-session" content="([\w-]{43})">/.exec(reply.body)?.[1];
    expect(secret).toBeDefined();
    expect(reply.headers['set-cookie']?.join('\n')).not.toContain(secret);
    expect(reply.headers.location ?? '').not.toContain(secret);
    expect(reply.headers['cache-control']).toBe('no-store');
  });

  it('SEC-3 cookie without header → 401 on a read, on runImport and on the live stream', async () => {
    const { cookie } = await login();
    const read = await api('getStatus', { cookie, origin: broker.url });
    expect(read.status).toBe(401);
    expect(JSON.parse(read.body)).toMatchObject({ code: 'UNAUTHENTICATED' });
    const run = await api('runImport', { cookie, origin: broker.url }, { source: { text } });
    expect(run.status).toBe(401);
    const stream = await call(`${broker.url}/api/events`, 'GET', { cookie });
    expect(stream.status).toBe(401);
    const status = await broker.ui!.api.getStatus({});
    expect(status.servers.map((s) => s.name)).toEqual(['alpha']);
  });

  it('SEC-3 header from another session → 401; a wrong or empty header → 401', async () => {
    const mine = await login();
    const other = await login();
    for (const secret of [other.secret, '', 'x', `${mine.secret}x`, mine.secret.slice(1)]) {
      const headers = { cookie: mine.cookie, origin: broker.url, 'x-broker-session': secret };
      expect((await api('getStatus', headers)).status, secret).toBe(401);
      expect((await api('runImport', headers, { source: { text } })).status, secret).toBe(401);
    }
    const header = { 'x-broker-session': mine.secret, origin: broker.url };
    expect((await api('getStatus', header)).status, 'header without cookie').toBe(401);
  });

  it('SEC-3 correct header → 200 on a read and on the live stream', async () => {
    const { cookie, secret } = await login();
    const read = await api('getStatus', { cookie, origin: broker.url, 'x-broker-session': secret });
    expect(read.status).toBe(200);
    const first = await new Promise<{ status: number; type: string }>((resolve, reject) => {
      const req = request(
        `${broker.url}/api/events`,
        { headers: { cookie, 'x-broker-session': secret, 'sec-fetch-site': 'same-origin' } },
        (res) => {
          resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'] ?? '' });
          req.destroy();
        },
      );
      req.on('error', reject);
      req.end();
    });
    expect(first).toEqual({ status: 200, type: 'text/event-stream; charset=utf-8' });
  });

  it('SEC-3 cross-site or same-site Sec-Fetch-Site with the correct header on a POST → 403', async () => {
    const { cookie, secret } = await login();
    const base = { cookie, origin: broker.url, 'x-broker-session': secret };
    for (const site of ['cross-site', 'same-site']) {
      const run = await api('runImport', { ...base, 'sec-fetch-site': site }, { source: { text } });
      expect(run.status, site).toBe(403);
      const stream = await call(`${broker.url}/api/events`, 'GET', {
        cookie,
        'x-broker-session': secret,
        'sec-fetch-site': site,
      });
      expect(stream.status, site).toBe(403);
    }
    expect((await broker.ui!.api.getStatus({})).servers.map((s) => s.name)).toEqual(['alpha']);
    for (const site of ['same-origin', 'none']) {
      const read = await api('getStatus', { ...base, 'sec-fetch-site': site });
      expect(read.status, site).toBe(200);
    }
  });

  it('SEC-3 a foreign Origin on the live stream → 403 even with the correct header', async () => {
    const { cookie, secret } = await login();
    const stream = await call(`${broker.url}/api/events`, 'GET', {
      cookie,
      'x-broker-session': secret,
      origin: 'http://127.0.0.1:1',
    });
    expect(stream.status).toBe(403);
  });
});
