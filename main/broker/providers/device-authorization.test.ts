import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { memorySecretStore } from '../../test-support/memory-secret-store.js';
import { actAsPerson, type PersonResult } from '../../test-support/oauth-person.js';
import {
  type OidcTestProvider,
  startOidcTestProvider,
  TEST_CLIENT_ID,
  TEST_RESOURCE,
  TEST_SCOPES,
} from '../../test-support/oidc-test-provider.js';
import { type Clock, systemClock } from '../base/clock.js';
import { isBrokerError } from '../base/errors.js';
import { runDeviceAuthorization } from './device-authorization.js';
import { type ResolvedProvider, resolveProvider } from './provider-discovery.js';
import type { SignInEvent, Sleep } from './sign-in-events.js';

describe('device authorization grant against a real oidc-provider (RFC 8628)', () => {
  let as: OidcTestProvider;
  let provider: ResolvedProvider;

  beforeAll(async () => {
    as = await startOidcTestProvider();
    provider = await resolveProvider(
      'corp',
      { issuer: as.issuer, clientId: TEST_CLIENT_ID, scopes: TEST_SCOPES, resource: TEST_RESOURCE },
      { secrets: memorySecretStore() },
    );
  });
  afterAll(() => as.close());

  /** Polls fast but records the intervals asked for; the person acts at the first `waiting` event. */
  function harness(personOptions: { deny?: boolean } | undefined, clock: Clock = systemClock) {
    const sleeps: number[] = [];
    const events: SignInEvent[] = [];
    let person: Promise<PersonResult> | undefined;
    const sleep: Sleep = (ms) => {
      sleeps.push(ms);
      return new Promise((resolve) => setTimeout(resolve, 20));
    };
    const onEvent = (event: SignInEvent) => {
      events.push(event);
      const start = events.find((e) => e.event === 'device_code');
      if (personOptions && event.event === 'waiting' && !person && start?.event === 'device_code') {
        person = actAsPerson(start.verificationUriComplete ?? start.verificationUri, {
          userCode: start.userCode,
          ...personOptions,
        });
      }
    };
    const run = () => runDeviceAuthorization(provider, { account: 'corp', clock, sleep, onEvent });
    return { sleeps, events, run, person: () => person };
  }

  it('CL-9 keeps polling on authorization_pending and succeeds once the person approves', async () => {
    const h = harness({});
    const tokens = await h.run();
    const start = h.events[0];
    expect(start?.event).toBe('device_code');
    if (start?.event !== 'device_code') return;
    expect(start.verificationUri).toBe(`${as.issuer}/device`);
    expect(start.verificationUriComplete).toContain(`user_code=`);
    expect(start.intervalS).toBe(5); // oidc-provider sends no interval: the RFC 8628 default
    expect(h.events.filter((e) => e.event === 'waiting').length).toBeGreaterThanOrEqual(1);
    expect(h.sleeps.every((ms) => ms === 5000)).toBe(true);
    expect((await h.person())?.text).toContain('Sign-in Success');
    expect(decodeJwt(tokens.access_token).aud).toBe(TEST_RESOURCE);
    expect(tokens.refresh_token).toBeTruthy();
    const polls = as.requests.filter(
      (r) => r.params['grant_type'] === 'urn:ietf:params:oauth:grant-type:device_code',
    );
    expect(polls.some((r) => r.status === 400)).toBe(true); // the pending answers
    expect(polls.every((r) => r.params['resource'] === TEST_RESOURCE)).toBe(true);
  });

  it('CL-9 adds 5 s to the interval on slow_down', async () => {
    as.inject('/token', 400, { error: 'slow_down' });
    const h = harness({});
    await h.run();
    expect(h.sleeps[0]).toBe(5000);
    expect(h.sleeps[1]).toBe(10_000);
    expect(h.sleeps.slice(1).every((ms) => ms === 10_000)).toBe(true);
    const firstWait = h.events.find((e) => e.event === 'waiting');
    expect(firstWait).toMatchObject({ intervalS: 10 });
  });

  it('CL-9 ends with a clear message on access_denied', async () => {
    const h = harness({ deny: true });
    const error = await h.run().catch((e: unknown) => e);
    expect(isBrokerError(error, 'SIGNIN_FAILED')).toBe(true);
    expect((error as Error).message).toMatch(/denied on the provider's page.*login again/);
    expect((await h.person())?.text).toContain('interrupted');
  });

  it('CL-9 ends with a clear message on expired_token', async () => {
    as.inject('/token', 400, { error: 'expired_token' });
    const h = harness(undefined);
    const error = await h.run().catch((e: unknown) => e);
    expect(isBrokerError(error, 'SIGNIN_FAILED')).toBe(true);
    expect((error as Error).message).toMatch(/expired before it was entered.*new code/);
  });

  it('CL-9 stops polling by itself once the device code has expired', async () => {
    let now = Date.now();
    const clock: Clock = { now: () => now };
    const h = harness(undefined, clock);
    const sleep = h.sleeps;
    const run = runDeviceAuthorization(provider, {
      account: 'corp',
      clock,
      sleep: (ms) => {
        sleep.push(ms);
        now += ms;
        return new Promise((resolve) => setTimeout(resolve, 5));
      },
      onEvent: () => undefined,
    });
    const error = await run.catch((e: unknown) => e);
    expect((error as Error).message).toMatch(/expired/);
    expect(sleep.length).toBe(120 / 5); // the provider's 120 s lifetime at 5 s per poll
  });
});
