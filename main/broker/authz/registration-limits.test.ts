import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  obtainTokens,
  registerClient,
  startTestAuthzServer,
  type TestAuthzServer,
} from '../../test-support/authz-test-kit.js';

let srv: TestAuthzServer;
let now = Date.now();
const REDIRECT = 'http://127.0.0.1:7777/callback';

beforeEach(async () => {
  now = Date.now();
  srv = await startTestAuthzServer({ clock: { now: () => now } });
});
afterEach(async () => {
  await srv.close();
});

const register = (name: string) =>
  registerClient(srv.issuer, { client_name: name, redirect_uris: [REDIRECT] });

async function registerRaw(name: string): Promise<Response> {
  return fetch(`${srv.issuer}/oauth/register`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_name: name, redirect_uris: [REDIRECT] }),
  });
}

describe('dynamic registration limits', () => {
  it('SEC-8 more than 20 registrations a minute → 429 with Retry-After; allowed again a minute later', async () => {
    for (let i = 0; i < 20; i += 1) expect((await register(`c${String(i)}`)).status).toBe(201);
    const refused = await registerRaw('one too many');
    expect(refused.status).toBe(429);
    const retryAfter = Number(refused.headers.get('retry-after'));
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(((await refused.json()) as Record<string, unknown>)['error']).toBe('temporarily_unavailable');
    for (let i = 0; i < 5; i += 1) expect((await registerRaw('again')).status).toBe(429);
    const denials = srv.events.filter((e) => e.type === 'client.registered' && e.outcome === 'denied');
    expect(denials).toHaveLength(1);
    now += 61_000;
    expect((await register('later')).status).toBe(201);
  });

  it('SEC-8 at most 100 unapproved registrations; they expire after 24 h, approved clients stay', async () => {
    const approved = await obtainTokens(srv.issuer);
    for (let i = 0; i < 100; i += 1) {
      now += 3_100; // stay under the per-minute limit
      expect((await register(`idle${String(i)}`)).status, `registration ${String(i)}`).toBe(201);
    }
    now += 3_100;
    const capped = await registerRaw('the 101st unapproved');
    expect(capped.status).toBe(429);
    expect(((await capped.json()) as Record<string, unknown>)['error_description']).toMatch(
      /waiting for approval/,
    );
    now += 24 * 3600_000;
    expect((await register('after a day')).status).toBe(201);
    const ids = srv.as.clients.list().map((c) => c.clientId);
    expect(ids).toContain(approved.clientId);
    expect(srv.as.clients.list().filter((c) => c.clientName?.startsWith('idle'))).toEqual([]);
  }, 60_000);
});
