import { describe, expect, it } from 'vitest';

import { isHttpsOrLoopback, isLoopbackHost, requireHttpsOrLoopback } from './loopback-host.js';

describe('one rule for loopback and https', () => {
  it('knows the loopback names as URL.hostname gives them', () => {
    for (const url of ['http://127.0.0.1:1/', 'http://LOCALHOST/', 'http://[::1]:8/'])
      expect(isLoopbackHost(new URL(url).hostname)).toBe(true);
    for (const host of ['127.0.0.2', '::1', 'localhost.example', '0.0.0.0'])
      expect(isLoopbackHost(host)).toBe(false);
  });

  it('CL-8 lets credentials travel over https, or plain http only to loopback', () => {
    expect(isHttpsOrLoopback(new URL('https://example.com/'))).toBe(true);
    expect(isHttpsOrLoopback(new URL('http://127.0.0.1:9/'))).toBe(true);
    expect(isHttpsOrLoopback(new URL('http://example.com/'))).toBe(false);
    expect(isHttpsOrLoopback(new URL('ftp://127.0.0.1/'))).toBe(false);
    expect(isHttpsOrLoopback(new URL('ws://localhost/'))).toBe(false);
    expect(isHttpsOrLoopback(new URL('ws://localhost/'), { websocket: true })).toBe(true);
    expect(isHttpsOrLoopback(new URL('ws://example.com/'), { websocket: true })).toBe(false);
    expect(() => requireHttpsOrLoopback('http://example.com/', (u) => new Error(`no ${u.host}`))).toThrow(
      'no example.com',
    );
  });
});
