import type { IncomingMessage } from 'node:http';

import { describe, expect, it } from 'vitest';

import { admitRequest, loopbackRefusal } from './loopback-guard.js';

const req = (headers: Record<string, string>) => ({ headers }) as unknown as IncomingMessage;

describe('loopbackRefusal (Host/Origin guard)', () => {
  it('lets loopback hosts with our port through, with or without a same-origin Origin', () => {
    for (const host of ['127.0.0.1:4000', 'localhost:4000', '[::1]:4000']) {
      expect(loopbackRefusal(req({ host }), 4000)).toBeUndefined();
      expect(loopbackRefusal(req({ host, origin: `http://${host}` }), 4000)).toBeUndefined();
    }
  });

  it('refuses a foreign Host (DNS rebinding), a wrong port and a missing Host', () => {
    expect(loopbackRefusal(req({ host: 'evil.example:4000' }), 4000)).toMatch(/Host/);
    expect(loopbackRefusal(req({ host: '127.0.0.1:4001' }), 4000)).toMatch(/Host/);
    expect(loopbackRefusal(req({ host: '127.0.0.1' }), 4000)).toMatch(/Host/);
    expect(loopbackRefusal(req({}), 4000)).toMatch(/Host/);
  });

  it('refuses foreign, null, https and malformed Origins', () => {
    const host = '127.0.0.1:4000';
    expect(loopbackRefusal(req({ host, origin: 'http://evil.example' }), 4000)).toMatch(/Origin/);
    expect(loopbackRefusal(req({ host, origin: 'null' }), 4000)).toMatch(/Origin/);
    expect(loopbackRefusal(req({ host, origin: 'https://127.0.0.1:4000' }), 4000)).toMatch(/Origin/);
    expect(loopbackRefusal(req({ host, origin: 'http://127.0.0.1:9999' }), 4000)).toMatch(/Origin/);
    expect(loopbackRefusal(req({ host, origin: '::nonsense' }), 4000)).toMatch(/Origin/);
  });
});

const request = (url: string, rawHeaders: string[]) => {
  const headers: Record<string, string> = {};
  for (let i = 0; i < rawHeaders.length; i += 2) {
    const name = (rawHeaders[i] ?? '').toLowerCase();
    headers[name] ??= rawHeaders[i + 1] ?? '';
  }
  return { url, rawHeaders, headers } as unknown as IncomingMessage;
};

describe('admitRequest', () => {
  const ours = ['Host', '127.0.0.1:4000'];
  it('SEC-2 two Host headers → 400, whichever comes first', () => {
    expect(admitRequest(request('/healthz', [...ours, 'host', 'evil.example']), 4000)).toMatchObject({
      ok: false,
      status: 400,
    });
    expect(admitRequest(request('/healthz', ['host', 'evil.example', ...ours]), 4000)).toMatchObject({
      ok: false,
      status: 400,
    });
  });

  it('SEC-2 absolute-form target: the authority passes the same loopback check as Host', () => {
    const own = admitRequest(request('http://localhost:4000/healthz?x=1', ours), 4000);
    expect(own.ok && own.url.href).toBe('http://127.0.0.1:4000/healthz?x=1');
    for (const target of [
      'http://evil.example/healthz',
      'http://127.0.0.1/healthz',
      'http://127.0.0.1:4001/healthz',
      'https://127.0.0.1:4000/healthz',
      'http://u:p@127.0.0.1:4000/healthz',
    ])
      expect(admitRequest(request(target, ours), 4000)).toMatchObject({
        ok: false,
        status: 403,
        kind: 'host',
      });
  });

  it('SEC-2 malformed targets → 400 instead of a throw; `//x` stays a path on our origin', () => {
    for (const target of ['http://', 'http:///', '*', 'healthz', '', '/%E0%A4%A', '/ui/%ZZ'])
      expect(admitRequest(request(target, ours), 4000)).toMatchObject({ ok: false, status: 400 });
    const slashes = admitRequest(request('//evil.example/x', ours), 4000);
    expect(slashes.ok && slashes.url.href).toBe('http://127.0.0.1:4000//evil.example/x');
  });

  it('SEC-2 still applies the Host/Origin guard (403) to well-formed requests', () => {
    expect(admitRequest(request('/healthz', ['Host', 'evil.example:4000']), 4000)).toMatchObject({
      ok: false,
      status: 403,
      kind: 'host',
    });
    expect(admitRequest(request('/healthz', [...ours, 'Origin', 'http://evil.example']), 4000)).toMatchObject(
      {
        ok: false,
        status: 403,
        kind: 'origin',
      },
    );
    expect(admitRequest(request('/healthz', ours), 4000)).toMatchObject({ ok: true });
  });
});
