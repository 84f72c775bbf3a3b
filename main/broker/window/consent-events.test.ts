import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import type { BrokerEvent } from '../../contract/window-api.js';
import {
  authorizeUrl,
  BrowserJar,
  pkcePair,
  registerClient,
  tokenRequest,
  windowPerson,
} from '../../test-support/authz-test-kit.js';
import { fixtureServer } from '../../test-support/broker-process.js';
import { startTestBroker, type TestBroker } from '../../test-support/in-process-broker.js';
import type { Broker } from '../broker.js';

const REDIRECT = 'http://127.0.0.1:7777/callback';

let kit: TestBroker;
let broker: Broker;

beforeAll(async () => {
  kit = await startTestBroker({
    tmpPrefix: 'mab-consent-events-',
    servers: { alpha: fixtureServer({ FIXTURE_NAME: 'alpha' }) },
    secretStore: 'encrypted-file',
  });
  broker = kit.broker;
});

afterAll(() => kit.stop());

/** Collects the live `consent` events of the window API; `next` waits for the next matching one. */
function consentStream() {
  const events: Extract<BrokerEvent, { type: 'consent' }>[] = [];
  const waiters: (() => void)[] = [];
  const stop = broker.ui!.api.onEvent((event) => {
    if (event.type !== 'consent') return;
    events.push(event);
    for (const wake of waiters.splice(0)) wake();
  });
  const next = async (count: number) => {
    while (events.length < count) await new Promise<void>((resolve) => waiters.push(resolve));
    return events[count - 1]!;
  };
  return { events, next, stop };
}

async function startAuthorization(clientName: string) {
  const issuer = broker.url;
  const reg = await registerClient(issuer, { client_name: clientName, redirect_uris: [REDIRECT] });
  const clientId = String(reg.body['client_id']);
  const jar = new BrowserJar(issuer, windowPerson(broker.authz!.pendingConsents));
  const { verifier, challenge } = pkcePair();
  const page = await jar.walk(
    authorizeUrl(issuer, {
      client_id: clientId,
      redirect_uri: REDIRECT,
      code_challenge: challenge,
      code_challenge_method: 'S256',
      state: 's1',
      resource: `${issuer}/mcp`,
      scope: 'mcp:servers:alpha',
    }),
  );
  if (page.kind !== 'page') throw new Error('expected the consent page');
  return { clientId, jar, page, verifier };
}

describe('consent requests on the live stream', () => {
  it('a real authorization request surfaces as a pending consent with client name and page URL, then as granted', async () => {
    const stream = consentStream();
    try {
      const { clientId, jar, page, verifier } = await startAuthorization('Cursor');
      const pending = await stream.next(1);
      expect(pending).toMatchObject({
        type: 'consent',
        state: 'pending',
        consent: {
          clientId,
          clientName: 'Cursor',
          redirectHost: 'http://127.0.0.1:7777',
          scopes: ['mcp:servers:alpha'],
        },
      });
      // The event's URL is the very consent page the person's browser shows, on the broker's origin.
      expect(pending.consent.url).toBe(page.url);
      expect(pending.consent.url.startsWith(`${broker.url}/oauth/interaction/`)).toBe(true);
      expect(Date.parse(pending.consent.expiresAt)).toBeGreaterThan(Date.now());
      // …and carries the request code that page shows.
      expect(page.html).toContain(pending.consent.requestCode);

      // A window opened now (e.g. from the notification) is told about it on subscribe.
      const late = consentStream();
      expect(await late.next(1)).toEqual(pending);
      late.stop();

      const end = await jar.answer(page, 'approve');
      expect(end.kind).toBe('redirect');
      const granted = await stream.next(2);
      expect(granted).toEqual({ ...pending, state: 'granted' });

      // Nothing secret ever crossed the stream: not the code, not the tokens it buys.
      const code = end.kind === 'redirect' ? (end.location.searchParams.get('code') ?? '') : '';
      const token = await tokenRequest(broker.url, {
        grant_type: 'authorization_code',
        code,
        redirect_uri: REDIRECT,
        client_id: clientId,
        code_verifier: verifier,
        resource: `${broker.url}/mcp`,
      });
      const streamed = JSON.stringify(stream.events);
      expect(code.length).toBeGreaterThan(10);
      expect(streamed).not.toContain(code);
      expect(streamed).not.toContain(String(token.body['access_token']));
      expect(streamed).not.toContain(verifier);
    } finally {
      stream.stop();
    }
  });

  it('a denied request ends its pending consent, and a new subscriber no longer gets it', async () => {
    const stream = consentStream();
    try {
      const { jar, page } = await startAuthorization('Claude Code');
      const pending = await stream.next(1);
      // Showing the page again (a reload) does not announce it twice.
      await jar.walk(page.url);
      await jar.answer(page, 'deny');
      expect(await stream.next(2)).toEqual({ ...pending, state: 'denied' });
      expect(stream.events).toHaveLength(2);
      expect(broker.authz?.pendingConsents.list()).toEqual([]);
    } finally {
      stream.stop();
    }
  });
});
