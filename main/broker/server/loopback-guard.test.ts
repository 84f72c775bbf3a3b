import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { loopbackRefusal } from './loopback-guard.js';

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
