import { importJWK, type JWK, SignJWT } from 'jose';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

import {
  MemorySecretStore,
  obtainTokens,
  startTestAuthzServer,
  type TestAuthzServer,
} from '../../test-support/authz-test-kit.js';
import { JwtAccessTokenVerifier } from './access-token-verifier.js';
import { AUTHZ_KEYS_SECRET } from './authz-keys.js';

let srv: TestAuthzServer;
let now = Date.now();
const store = new MemorySecretStore();

beforeEach(async () => {
  now = Date.now();
  srv = await startTestAuthzServer({ store, clock: { now: () => now } });
});
afterEach(async () => {
  await srv.close();
});

/** A token signed with the broker's own key, with chosen claims (what a confused issuer could mint). */
async function signed(claims: Record<string, unknown>, typ = 'at+jwt'): Promise<string> {
  const keys = JSON.parse((await store.get(AUTHZ_KEYS_SECRET)) ?? '{}') as { signingJwk: JWK };
  const key = await importJWK(keys.signingJwk, 'ES256');
  const iat = Math.floor(now / 1000);
  return new SignJWT({ client_id: 'c1', scope: 'mcp:servers:alpha', gid: 'g', ...claims })
    .setProtectedHeader({ alg: 'ES256', typ, kid: keys.signingJwk.kid ?? '' })
    .setIssuer(srv.issuer)
    .setSubject('local-user')
    .setIssuedAt(iat)
    .setExpirationTime(iat + 600)
    .sign(key);
}

describe('JwtAccessTokenVerifier', () => {
  it('accepts a fresh token of this broker and reports its claims', async () => {
    const t = await obtainTokens(srv.issuer);
    await expect(srv.as.verifier.verify(t.accessToken)).resolves.toEqual({
      clientId: t.clientId,
      subject: 'local-user',
      scopes: ['mcp:servers:alpha'],
      audience: [`${srv.issuer}/mcp`],
      expiresAt: expect.any(Number) as number,
      grantId: expect.any(String) as string,
    });
  });

  it('tells expired from invalid tokens', async () => {
    const t = await obtainTokens(srv.issuer);
    now += 11 * 60_000;
    await expect(srv.as.verifier.verify(t.accessToken)).rejects.toMatchObject({ reason: 'expired' });
    await expect(srv.as.verifier.verify('nope')).rejects.toMatchObject({ reason: 'invalid' });
    await expect(srv.as.verifier.verify(`${t.accessToken.slice(0, -4)}AAAA`)).rejects.toMatchObject({
      reason: 'invalid',
    });
  });

  it('refuses a token for another audience, of another type, or without a live grant', async () => {
    const t = await obtainTokens(srv.issuer);
    const gid = (await srv.as.verifier.verify(t.accessToken)).grantId;
    await expect(
      srv.as.verifier.verify(await signed({ aud: `${srv.issuer}/mcp`, gid })),
    ).resolves.toMatchObject({
      clientId: 'c1',
    });
    await expect(
      srv.as.verifier.verify(await signed({ aud: 'https://other.example/mcp', gid })),
    ).rejects.toMatchObject({ reason: 'audience' });
    await expect(
      srv.as.verifier.verify(await signed({ aud: `${srv.issuer}/mcp`, gid }, 'JWT')),
    ).rejects.toMatchObject({ reason: 'invalid' });
    await expect(
      srv.as.verifier.verify(await signed({ aud: `${srv.issuer}/mcp`, gid: 'unknown' })),
    ).rejects.toMatchObject({ reason: 'revoked' });
  });

  it('SEC-8 refuses a sender-constrained (cnf) token presented as a plain bearer token', async () => {
    const t = await obtainTokens(srv.issuer);
    const gid = (await srv.as.verifier.verify(t.accessToken)).grantId;
    const aud = `${srv.issuer}/mcp`;
    await expect(
      srv.as.verifier.verify(await signed({ aud, gid, cnf: { jkt: 'bm90LWEtcmVhbC10aHVtYnByaW50' } })),
    ).rejects.toMatchObject({ reason: 'invalid' });
    await expect(
      srv.as.verifier.verify(await signed({ aud, gid, cnf: { 'x5t#S256': 'abc' } })),
    ).rejects.toMatchObject({ reason: 'invalid' });
  });

  it('RS-1 a token verified before is still refused once it expires or its grant is revoked', async () => {
    const t = await obtainTokens(srv.issuer);
    const claims = await srv.as.verifier.verify(t.accessToken);
    // Verified again from memory, same claims (a copy: the caller cannot change what is remembered).
    const again = await srv.as.verifier.verify(t.accessToken);
    expect(again).toEqual(claims);
    again.scopes.push('mcp:servers:other');
    expect((await srv.as.verifier.verify(t.accessToken)).scopes).toEqual(claims.scopes);
    now += 11 * 60_000;
    await expect(srv.as.verifier.verify(t.accessToken)).rejects.toMatchObject({ reason: 'expired' });

    now -= 11 * 60_000;
    const second = await obtainTokens(srv.issuer);
    const { grantId } = await srv.as.verifier.verify(second.accessToken);
    srv.as.clients.revokeGrant(grantId ?? '', second.clientId);
    await expect(srv.as.verifier.verify(second.accessToken)).rejects.toMatchObject({ reason: 'revoked' });
  });

  it('remembers a bounded number of verified tokens', async () => {
    const keys = JSON.parse((await store.get(AUTHZ_KEYS_SECRET)) ?? '{}') as { signingJwk: JWK };
    const verifier = new JwtAccessTokenVerifier({
      issuer: srv.issuer,
      resource: `${srv.issuer}/mcp`,
      signingJwk: keys.signingJwk,
      grantAlive: () => true,
      clock: { now: () => now },
    });
    for (let i = 0; i < 300; i++) {
      await verifier.verify(await signed({ aud: `${srv.issuer}/mcp`, jti: String(i) }));
    }
    expect(verifier.cachedTokens).toBe(256);
  });
});
