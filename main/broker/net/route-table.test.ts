import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';

import { rawRequest } from '../../test-support/http-raw.js';
import { sendJson } from './http-json.js';
import { type LoopbackHttp, startLoopbackHttp } from './loopback-http.js';
import { createRouteTable, type PathParams, route, type RouteParams, routeRequest } from './route-table.js';

const table = createRouteTable(
  [
    route('GET', '/status', (_q, res) => sendJson(res, 200, { ok: true })),
    route('GET', '/secrets/:name', (_q, res, { name }) => sendJson(res, 200, { get: name })),
    route('DELETE', '/secrets/:name', (_q, res, { name }) => sendJson(res, 200, { deleted: name })),
    route('POST', '/consents/:code/approve', (_q, res, { code }) => sendJson(res, 200, { approved: code })),
    route('POST', '/consents/:code/:verb', (_q, res, p) => sendJson(res, 200, p)),
    route('POST', '/boom', () => {
      throw new Error('sync throw');
    }),
  ],
  { noun: 'test route' },
);

const matched = (method: string, path: string): RouteParams | string => {
  const hit = table.match(method, path);
  return 'refusal' in hit ? `${String(hit.refusal.status)} ${hit.refusal.allow ?? ''}`.trim() : hit.params;
};

describe('route table matching', () => {
  it('answers 404 when no route has the path, whatever the method', () => {
    expect(matched('GET', '/nothing')).toBe('404');
    expect(matched('GET', '/status/')).toBe('404'); // a trailing slash is another path
    expect(matched('GET', '/secrets/')).toBe('404'); // a parameter is never empty
    expect(matched('GET', '/secrets/a/b')).toBe('404');
    expect(matched('GET', '*')).toBe('404'); // not origin-form
    expect(matched('OPTIONS', '/nothing')).toBe('404');
    const hit = table.match('PUT', '/nothing');
    expect(hit).toEqual({
      refusal: { status: 404, code: 'NOT_FOUND', message: 'No test route PUT /nothing' },
    });
  });

  it('answers 405 with the path’s methods when the path exists but the method does not', () => {
    expect(matched('PUT', '/secrets/x')).toBe('405 GET, DELETE');
    expect(matched('POST', '/status')).toBe('405 GET');
    const hit = table.match('GET', '/consents/c1/approve');
    expect(hit).toEqual({
      refusal: {
        status: 405,
        code: 'METHOD_NOT_ALLOWED',
        message: 'GET /consents/c1/approve: method not allowed; use POST.',
        allow: 'POST',
      },
    });
  });

  it('does not imply HEAD or OPTIONS: both get the 405 and Allow on a routed path', () => {
    expect(matched('HEAD', '/status')).toBe('405 GET');
    expect(matched('OPTIONS', '/secrets/x')).toBe('405 GET, DELETE');
  });

  it('decodes parameters, but compares literal segments as sent', () => {
    expect(matched('GET', '/secrets/a%2Fb%20c')).toEqual({ name: 'a/b c' });
    expect(matched('GET', '/secrets/%C3%A9')).toEqual({ name: 'é' });
    expect(matched('GET', '/sta%74us')).toBe('404');
  });

  it('answers 400 for a parameter that is not valid percent-encoded UTF-8, instead of throwing', () => {
    for (const bad of ['/secrets/%E0%A4%A', '/secrets/%ZZ', '/secrets/%', '/secrets/%C3']) {
      expect(table.match('GET', bad)).toEqual({
        refusal: { status: 400, code: 'USAGE', message: 'The path is not valid percent-encoded UTF-8.' },
      });
    }
    // A bad escape on a path the method has no route for is still a 405 (nothing is decoded).
    expect(matched('PUT', '/secrets/%ZZ')).toBe('405 GET, DELETE');
  });

  it('tries routes in order: the first with the path and method wins', () => {
    expect(matched('POST', '/consents/c1/approve')).toEqual({ code: 'c1' });
    expect(matched('POST', '/consents/c1/deny')).toEqual({ code: 'c1', verb: 'deny' });
  });

  it('refuses, at construction, two routes with one method and pattern, and malformed patterns', () => {
    const noop = () => undefined;
    expect(() =>
      createRouteTable([route('GET', '/a/:x', noop), route('GET', '/a/:y', noop)], { noun: 'r' }),
    ).toThrow(/Two routes for GET \/a\/:y/);
    expect(() => createRouteTable([route('GET', 'a', noop)], { noun: 'r' })).toThrow(/must start/);
    expect(() => createRouteTable([route('GET', '/a/:1x', noop)], { noun: 'r' })).toThrow(/Bad parameter/);
    // Same pattern, other method: fine.
    expect(() =>
      createRouteTable([route('GET', '/a/:x', noop), route('PUT', '/a/:x', noop)], { noun: 'r' }),
    ).not.toThrow();
  });

  it('types a handler’s params from its path', () => {
    route('PUT', '/secrets/:name/:version', (_q, _r, params) => {
      expectTypeOf(params).toEqualTypeOf<Readonly<Record<'name' | 'version', string>>>();
    });
    expectTypeOf<PathParams<'/status'>>().toEqualTypeOf<never>();
    expectTypeOf<PathParams<'/a/:x/b/:y'>>().toEqualTypeOf<'x' | 'y'>();
  });
});

describe('routeRequest over a real HTTP server', () => {
  let server: Server;
  let port: number;
  const failures: string[] = [];

  beforeAll(async () => {
    server = createServer((req, res) => {
      routeRequest(table, req, res, (req.url ?? '/').split('?')[0] ?? '/', (r, refusal) =>
        sendJson(r, refusal.status, { code: refusal.code, message: refusal.message }),
      ).catch((error: unknown) => {
        failures.push(error instanceof Error ? error.message : String(error));
        sendJson(res, 500, { code: 'INTERNAL' });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
  });

  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const send = (method: string, path: string) =>
    new Promise<{ status: number; allow: string | undefined; body: string }>((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method, path }, (res) => {
        let body = '';
        res.on('data', (d: Buffer) => (body += d.toString('utf8')));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, allow: res.headers.allow, body }));
      });
      req.on('error', reject);
      req.end();
    });

  it('sends Allow with a 405 and none with a 404 or a 200', async () => {
    const wrong = await send('PUT', '/secrets/x');
    expect(wrong.status).toBe(405);
    expect(wrong.allow).toBe('GET, DELETE');
    expect(JSON.parse(wrong.body)).toMatchObject({ code: 'METHOD_NOT_ALLOWED' });
    const head = await send('HEAD', '/status');
    expect([head.status, head.allow, head.body]).toEqual([405, 'GET', '']);
    const missing = await send('GET', '/nothing');
    expect([missing.status, missing.allow]).toEqual([404, undefined]);
    const ok = await send('DELETE', '/secrets/a%2Fb');
    expect([ok.status, ok.allow, JSON.parse(ok.body)]).toEqual([200, undefined, { deleted: 'a/b' }]);
  });

  it('answers a bad escape with 400 and keeps serving', async () => {
    const bad = await send('GET', '/secrets/%E0%A4%A');
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.body)).toMatchObject({ code: 'USAGE' });
    expect((await send('GET', '/status')).status).toBe(200);
  });

  it('turns a handler’s synchronous throw into a rejection the caller answers', async () => {
    const boom = await send('POST', '/boom');
    expect(boom.status).toBe(500);
    expect(failures).toEqual(['sync throw']);
  });
});

describe('/healthz on the loopback port, through a route table', () => {
  let http: LoopbackHttp;
  beforeAll(async () => {
    http = await startLoopbackHttp(0, { record: () => undefined }, 'test');
  });
  afterAll(async () => {
    http.refusals.close();
    await new Promise<void>((resolve) => http.server.close(() => resolve()));
  });

  it('answers GET (503 until ready), refuses other methods 405 with Allow, and nothing is below it', async () => {
    const at = (path: string, method = 'GET') => rawRequest(`${http.url}${path}`, { method });
    expect((await at('/healthz')).status).toBe(503);
    http.setReady();
    expect(JSON.parse((await at('/healthz?probe=1')).body)).toMatchObject({ status: 'ok' });
    const post = await at('/healthz', 'POST');
    expect([post.status, post.headers['allow']]).toEqual([405, 'GET']);
    expect(JSON.parse(post.body)).toMatchObject({ error: 'method_not_allowed' });
    expect((await at('/healthz', 'HEAD')).status).toBe(405);
    const below = await at('/healthz/deep');
    expect([below.status, JSON.parse(below.body)]).toEqual([
      404,
      { error: 'not_found', error_description: 'No route GET /healthz/deep' },
    ]);
  });
});
