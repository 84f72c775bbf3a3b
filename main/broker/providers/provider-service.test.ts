import * as client from 'openid-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

import { keychainAvailability, uniqueKeychainService } from '../../test-support/keychain.js';
import {
  type OidcTestProvider,
  startOidcTestProvider,
  TEST_CLIENT_ID,
  TEST_RESOURCE,
  TEST_SCOPES,
} from '../../test-support/oidc-test-provider.js';
import { fastSleep, signInByDevice } from '../../test-support/provider-sign-in.js';
import { makeTempDir } from '../../test-support/temp-dir.js';
import type { AuditEventInput } from '../audit/audit-event.js';
import { systemClock } from '../base/clock.js';
import { silentLogger } from '../base/logger.js';
import { KeychainSecretStore } from '../secrets/keychain-store.js';
import { SecretRedactor } from '../secrets/secret-redactor.js';
import { parseAccountId } from './provider-config.js';
import { ProviderService } from './provider-service.js';

const kc = await keychainAvailability();
if (!kc.available) console.warn(`skipping provider keychain tests: ${kc.reason}`);

describe.skipIf(!kc.available)('sign-in and sign-out with tokens in the real OS keychain', () => {
  let as: OidcTestProvider;
  const dir = makeTempDir();
  const keychain = new KeychainSecretStore(uniqueKeychainService());
  const audit: AuditEventInput[] = [];
  let service: ProviderService;

  beforeAll(async () => {
    as = await startOidcTestProvider();
    service = new ProviderService({
      providers: {
        corp: { issuer: as.issuer, clientId: TEST_CLIENT_ID, scopes: TEST_SCOPES, resource: TEST_RESOURCE },
      },
      secrets: keychain,
      dataDir: dir.path,
      audit: { record: (e) => audit.push(e) },
      clock: systemClock,
      logger: silentLogger(),
      redactor: new SecretRedactor(),
      sleep: fastSleep,
    });
  });
  afterAll(async () => {
    service.refresher.stop();
    for (const name of await keychain.list()) await keychain.delete(name);
    await as.close();
    dir.remove();
  });

  it('stores two accounts of one provider in the keychain and lists them masked', async () => {
    await signInByDevice(service, 'corp:work');
    await signInByDevice(service, 'corp:personal');
    expect(await keychain.list()).toEqual(['provider:corp:personal', 'provider:corp:work']);
    const listing = await service.list();
    expect(listing.map((a) => a.account)).toEqual(['corp:personal', 'corp:work']);
    const work = await service.store.load(parseAccountId('corp:work'));
    const shown = JSON.stringify(listing);
    expect(shown).not.toContain(work?.accessToken);
    expect(shown).not.toContain(work?.refreshToken);
    expect(listing[1]).toMatchObject({
      status: 'ok',
      scopes: expect.arrayContaining(['api:read']) as unknown,
    });
    expect(listing[1]?.accessToken).toMatch(/^.{4}…\(\d+ chars\)$/);
    expect(audit.filter((e) => e.type === 'provider.signin').map((e) => e.secretName)).toEqual([
      'provider:corp:work',
      'provider:corp:personal',
    ]);
  });

  it('CL-11 sign-out revokes at the provider (RFC 7009) and the keychain entry is gone', async () => {
    const tokens = await service.store.load(parseAccountId('corp:work'));
    const result = await service.logout('corp:work');
    expect(result).toEqual({ revocation: { status: 'revoked' }, deleted: true });
    const revocations = as.requests.filter((r) => r.path === '/token/revocation');
    expect(revocations.map((r) => [r.status, r.params['token_type_hint']])).toEqual([
      [200, 'refresh_token'],
      [400, 'access_token'], // a JWT access token: unsupported_token_type (RFC 7009 §2.2.1), expires by itself
    ]);
    expect(await keychain.get('provider:corp:work')).toBeUndefined();
    expect(await keychain.list()).toEqual(['provider:corp:personal']);
    expect(service.store.metadata('corp:work')).toBeUndefined();
    // The provider really forgot it: the refresh token no longer works.
    const provider = await service.provider('corp');
    const reuse = await client
      .refreshTokenGrant(provider.config, tokens?.refreshToken ?? '', { resource: TEST_RESOURCE })
      .catch((e: unknown) => e);
    expect(reuse).toBeInstanceOf(client.ResponseBodyError);
    expect((reuse as client.ResponseBodyError).error).toBe('invalid_grant');
    expect(audit.at(-1)).toMatchObject({
      type: 'provider.signout',
      outcome: 'ok',
      secretName: 'provider:corp:work',
      message: 'revocation: revoked; local tokens deleted',
    });
  });

  it('CL-11 deletes the local copies even when the provider cannot be reached', async () => {
    await as.close();
    const result = await service.logout('corp:personal');
    expect(result.revocation.status).toBe('failed');
    expect(result.deleted).toBe(true);
    expect(await keychain.list()).toEqual([]);
    expect(audit.at(-1)).toMatchObject({ type: 'provider.signout', outcome: 'error' });
  });
});
