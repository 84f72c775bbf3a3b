import { describe, expect, it } from 'vitest';

import type { ConsentState } from '../../contract/consent.js';
import type { AuditEventInput } from '../audit/audit-event.js';
import { normalizeRequestCode, PendingConsents } from './pending-consents.js';

const request = (id: string, expiresAtMs: number) => ({
  id,
  clientId: 'c1',
  clientName: 'Cursor',
  redirectHost: 'http://127.0.0.1:7777',
  scopes: ['mcp:servers:alpha'],
  offered: ['mcp:servers:alpha', 'mcp:servers:beta'],
  expiresAtMs,
});

describe('pending consents', () => {
  it('an unanswered consent page expires with its interaction, and is announced once', async () => {
    const pending = new PendingConsents('http://127.0.0.1:5', { now: () => Date.now() });
    const seen: [ConsentState, string][] = [];
    const expired = new Promise<void>((resolve) =>
      pending.subscribe((state, consent) => {
        seen.push([state, consent.url]);
        if (state === 'expired') resolve();
      }),
    );
    const shown = pending.shown(request('a/b', Date.now() + 30));
    expect(pending.shown(request('a/b', Date.now() + 30)).requestCode).toBe(shown.requestCode);
    expect(pending.list().map((c) => c.clientName)).toEqual(['Cursor']);
    await expired;
    expect(seen).toEqual([
      ['pending', 'http://127.0.0.1:5/oauth/interaction/a%2Fb'],
      ['expired', 'http://127.0.0.1:5/oauth/interaction/a%2Fb'],
    ]);
    expect(pending.list()).toEqual([]);
    expect(() => pending.approve(shown.requestCode, 'cli')).toThrow(/No consent request/);
    expect(seen).toHaveLength(2);
  });

  it('SEC-1 a request code is short and unambiguous; approval by code is handed to the page once, within the offered servers', () => {
    const events: AuditEventInput[] = [];
    const pending = new PendingConsents(
      'http://127.0.0.1:5',
      { now: () => Date.now() },
      { record: (e) => void events.push(e) },
    );
    const shown = pending.shown(request('uid-1', Date.now() + 60_000));
    expect(shown.requestCode).toMatch(/^[A-HJKMNP-Z2-9]{4}-[A-HJKMNP-Z2-9]{4}$/);
    expect(pending.take('uid-1')).toBe('pending');
    const typed = shown.requestCode.toLowerCase().replace('-', ' ');
    expect(normalizeRequestCode(typed)).toBe(shown.requestCode);
    pending.approve(typed, 'cli', ['mcp:servers:beta', 'mcp:servers:evil']);
    expect(pending.list()).toEqual([]);
    expect(() => pending.deny(shown.requestCode, 'cli')).toThrow(/No consent request/);
    expect(pending.take('uid-1')).toEqual({ state: 'granted', scopes: ['mcp:servers:beta'] });
    expect(pending.take('uid-1')).toBe('taken');
    expect(events.map((e) => [e.type, e.client])).toEqual([['consent.granted', 'c1']]);
    expect(events[0]?.message).toContain('approved in the cli');
    pending.close();
  });
});
