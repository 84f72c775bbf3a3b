import { describe, expect, it } from 'vitest';
import { PendingConsents, type ConsentState } from './pending-consents.js';

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
    const request = { id: 'a/b', clientId: 'c1', clientName: 'Cursor', expiresAtMs: Date.now() + 30 };
    pending.shown(request);
    pending.shown(request);
    expect(pending.list().map((c) => c.clientName)).toEqual(['Cursor']);
    await expired;
    expect(seen).toEqual([
      ['pending', 'http://127.0.0.1:5/oauth/interaction/a%2Fb'],
      ['expired', 'http://127.0.0.1:5/oauth/interaction/a%2Fb'],
    ]);
    expect(pending.list()).toEqual([]);
    pending.settled('a/b', 'granted');
    expect(seen).toHaveLength(2);
  });
});
