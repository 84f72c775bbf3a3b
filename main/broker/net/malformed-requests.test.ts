import { connect } from 'node:net';

import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';

import { type RunningBroker, startBroker, writeBrokerHome } from '../../test-support/broker-process.js';
import { rawRequest } from '../../test-support/http-raw.js';
import { makeTempDir } from '../../test-support/temp-dir.js';

/*
 * SEC-2: no request, header, upgrade or body may end or wedge the broker. The real CLI runs as a child
 * process; every case is written byte for byte over a raw TCP socket, and the broker must still answer
 * /healthz (and still be running) afterwards.
 */

let tmp: ReturnType<typeof makeTempDir>;
let broker: RunningBroker;
let port: number;
let cookie = '';

/** Writes `text` on a fresh connection and collects everything until the server closes it. */
function raw(text: string, timeoutMs = 3000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    let out = '';
    socket.setTimeout(timeoutMs, () => socket.destroy());
    socket.on('connect', () => socket.write(text));
    socket.on('data', (d: Buffer) => (out += d.toString('latin1')));
    socket.on('close', () => resolve(out));
    socket.on('error', () => resolve(out));
  });
}

const host = () => `Host: 127.0.0.1:${String(port)}\r\n`;
const close = 'Connection: close\r\n';
const upgradeHeaders =
  'Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n';

async function healthz(): Promise<string> {
  return raw(`GET /healthz HTTP/1.1\r\n${host()}${close}\r\n`);
}

beforeAll(async () => {
  tmp = makeTempDir('mab-mal-');
  const home = writeBrokerHome(tmp.path, { servers: {}, secretStore: { type: 'encrypted-file' } });
  broker = await startBroker(home, [], { MCP_AUTH_BROKER_PASSPHRASE: 'malformed-test-passphrase' });
  port = Number(new URL(broker.url).port);
  const link = await vi.waitFor(
    () => {
      const found = /one-time link, 5 min\): (http:\/\/\S+)/.exec(broker.output())?.[1];
      expect(found).toBeDefined();
      return found;
    },
    { timeout: 5_000, interval: 50 },
  );
  const login = await rawRequest(link ?? '');
  cookie = (login.headers['set-cookie']?.[0] ?? '').split(';')[0] ?? '';
  expect(cookie).toMatch(/^mab_ui=/);
}, 30_000);

afterAll(async () => {
  await broker.stop();
  tmp.remove();
});

/** [title, request bytes, expected status line pattern] */
const cases: [string, () => string, RegExp][] = [
  ['request target //', () => `GET // HTTP/1.1\r\n${host()}${close}\r\n`, /^HTTP\/1\.1 404 /],
  [
    'request target //x/y',
    () => `GET //evil.example/healthz HTTP/1.1\r\n${host()}${close}\r\n`,
    /^HTTP\/1\.1 404 /,
  ],
  ['request target http://', () => `GET http:// HTTP/1.1\r\n${host()}${close}\r\n`, /^HTTP\/1\.1 400 /],
  ['request target http:///', () => `GET http:/// HTTP/1.1\r\n${host()}${close}\r\n`, /^HTTP\/1\.1 400 /],
  ['request target *', () => `OPTIONS * HTTP/1.1\r\n${host()}${close}\r\n`, /^HTTP\/1\.1 400 /],
  [
    'request target without a slash',
    () => `GET healthz HTTP/1.1\r\n${host()}${close}\r\n`,
    /^HTTP\/1\.1 400 /,
  ],
  [
    'bad percent-encoding in the path',
    () => `GET /%E0%A4%A HTTP/1.1\r\n${host()}${close}\r\n`,
    /^HTTP\/1\.1 400 /,
  ],
  [
    'bad percent-encoding under /ui with a UI cookie',
    () => `GET /ui/%E0%A4%A HTTP/1.1\r\n${host()}Cookie: ${cookie}\r\n${close}\r\n`,
    /^HTTP\/1\.1 400 /,
  ],
  [
    'bad percent-encoding in a query',
    () => `GET /ui/?x=%E0%A4%A HTTP/1.1\r\n${host()}Cookie: ${cookie}\r\n${close}\r\n`,
    /^HTTP\/1\.1 (200|401) /,
  ],
  ['upgrade to //', () => `GET // HTTP/1.1\r\n${host()}${upgradeHeaders}\r\n`, /^HTTP\/1\.1 4\d\d /],
  ['upgrade to http://', () => `GET http:// HTTP/1.1\r\n${host()}${upgradeHeaders}\r\n`, /^HTTP\/1\.1 400 /],
  [
    'upgrade to a bad percent-encoding',
    () => `GET /%ZZ HTTP/1.1\r\n${host()}${upgradeHeaders}\r\n`,
    /^HTTP\/1\.1 400 /,
  ],
  [
    'upgrade with two Host headers',
    () => `GET /mcp HTTP/1.1\r\n${host()}${host()}${upgradeHeaders}\r\n`,
    /^HTTP\/1\.1 400 /,
  ],
  ['garbage request line', () => '\u0000\u0001 / HTTP/9\r\n\r\n', /^HTTP\/1\.1 400 /],
  ['no Host header (HTTP/1.0)', () => 'GET /healthz HTTP/1.0\r\n\r\n', /^HTTP\/1\.1 403 /],
  ['header without a colon', () => `GET /healthz HTTP/1.1\r\n${host()}nonsense\r\n\r\n`, /^HTTP\/1\.1 400 /],
  [
    'huge header',
    () => `GET /healthz HTTP/1.1\r\n${host()}X: ${'a'.repeat(70_000)}\r\n\r\n`,
    /^HTTP\/1\.1 431 /,
  ],
  [
    'non-numeric Content-Length',
    () => `POST /oauth/token HTTP/1.1\r\n${host()}Content-Length: abc\r\n${close}\r\n`,
    /^HTTP\/1\.1 400 /,
  ],
  [
    'broken chunked body',
    () =>
      `POST /oauth/token HTTP/1.1\r\n${host()}Transfer-Encoding: chunked\r\n${close}\r\nzz\r\nxx\r\n0\r\n\r\n`,
    /^HTTP\/1\.1 400 /,
  ],
  [
    'UI API call with invalid JSON',
    () =>
      `POST /api/call/getStatus HTTP/1.1\r\n${host()}Cookie: ${cookie}\r\nOrigin: http://127.0.0.1:${String(port)}\r\nContent-Type: application/json\r\nContent-Length: 5\r\n${close}\r\n{{{{{`,
    // 400 (or 401 where the API also wants a per-session header); never a crash.
    /^HTTP\/1\.1 40[01] /,
  ],
  [
    'authorize with a client_id metadata URL that does not resolve',
    () =>
      `GET /oauth/authorize?client_id=${encodeURIComponent('https://does-not-resolve.invalid/client.json')}&response_type=code&redirect_uri=${encodeURIComponent('http://127.0.0.1:1/cb')}&code_challenge=E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM&code_challenge_method=S256 HTTP/1.1\r\n${host()}${close}\r\n`,
    /^HTTP\/1\.1 [34]\d\d /,
  ],
];

describe('malformed requests against the broker process', () => {
  it.each(cases)(
    'SEC-2 %s is answered with an error and the broker keeps serving',
    async (_title, request, status) => {
      const reply = await raw(request());
      expect(reply).toMatch(status);
      expect(await healthz()).toMatch(/^HTTP\/1\.1 200 /);
      expect(broker.process.exitCode).toBeNull();
    },
  );

  it('SEC-2 two Host headers → 400, even when the first one is ours', async () => {
    const reply = await raw(`GET /healthz HTTP/1.1\r\n${host()}Host: evil.example\r\n${close}\r\n`);
    expect(reply).toMatch(/^HTTP\/1\.1 400 /);
    expect(reply).not.toContain('"status":"ok"');
  });

  it('SEC-2 absolute-form target: a foreign authority is refused, our own loopback authority is served', async () => {
    const foreign = await raw(`GET http://evil.example/healthz HTTP/1.1\r\n${host()}${close}\r\n`);
    expect(foreign).toMatch(/^HTTP\/1\.1 403 /);
    expect(foreign).not.toContain('"status":"ok"');
    const wrongPort = await raw(`GET http://127.0.0.1:1/healthz HTTP/1.1\r\n${host()}${close}\r\n`);
    expect(wrongPort).toMatch(/^HTTP\/1\.1 403 /);
    const https = await raw(
      `GET https://127.0.0.1:${String(port)}/healthz HTTP/1.1\r\n${host()}${close}\r\n`,
    );
    expect(https).toMatch(/^HTTP\/1\.1 403 /);
    const userinfo = await raw(
      `GET http://a@127.0.0.1:${String(port)}/healthz HTTP/1.1\r\n${host()}${close}\r\n`,
    );
    expect(userinfo).toMatch(/^HTTP\/1\.1 (400|403) /);
    const own = await raw(`GET http://127.0.0.1:${String(port)}/healthz HTTP/1.1\r\n${host()}${close}\r\n`);
    expect(own).toMatch(/^HTTP\/1\.1 200 /);
    const foreignUpgrade = await raw(
      `GET http://evil.example/mcp HTTP/1.1\r\n${host()}${upgradeHeaders}\r\n`,
    );
    expect(foreignUpgrade).toMatch(/^HTTP\/1\.1 403 /);
  });

  it('SEC-2 a header trickled byte by byte is cut off by the server (slow-loris cannot wedge it)', async () => {
    const started = Date.now();
    const closedAfter = await new Promise<number>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      let timer: NodeJS.Timeout | undefined;
      socket.on('connect', () => {
        socket.write(`GET /healthz HTTP/1.1\r\n${host()}`);
        timer = setInterval(() => socket.write('X-Slow: a\r\n'), 500);
      });
      socket.on('error', () => undefined);
      socket.on('close', () => {
        clearInterval(timer);
        resolve(Date.now() - started);
      });
      setTimeout(() => socket.destroy(), 25_000).unref();
    });
    expect(closedAfter).toBeLessThan(20_000);
    expect(await healthz()).toMatch(/^HTTP\/1\.1 200 /);
  }, 30_000);
});
