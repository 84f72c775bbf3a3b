import { type CryptoKey, errors as joseErrors, importJWK, type JWK, jwtVerify, type KeyObject } from 'jose';

import type { Clock } from '../base/clock.js';
import { type AccessTokenClaims, type AccessTokenVerifier, InvalidTokenError } from './access-token.js';

export interface JwtAccessTokenVerifierOptions {
  /** Issuer, byte-exact (`http://127.0.0.1:<port>`). */
  issuer: string;
  /** The broker's `/mcp` URL: the only accepted audience (RFC 8707, RFC 9068 §4). */
  resource: string;
  /** Private or public signing JWK (only its public part is used). */
  signingJwk: JWK;
  /** True while the grant behind a token still exists (not revoked, not expired). */
  grantAlive: (grantId: string) => boolean;
  clock: Clock;
}

function publicPart(jwk: JWK): JWK {
  const { kty, crv, x, y, kid, alg } = jwk;
  return Object.fromEntries(Object.entries({ kty, crv, x, y, kid, alg }).filter(([, v]) => v !== undefined));
}

function stringArray(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];
}

/** How many verified tokens are remembered (oldest forgotten first); a client holds one or two. */
const MAX_CACHED_TOKENS = 256;

/**
 * Verifies the broker's own JWT access tokens (RFC 9068 profile, `typ: at+jwt`, ES256): signature,
 * issuer, audience = the `/mcp` URL, expiry, and that the grant behind the token was not revoked —
 * so `clients revoke` and refresh-token reuse detection cut a client off at once, not at expiry.
 * A verified token's claims are remembered until it expires (issue 11 point 4: no signature check
 * per request); the grant check still runs on every call, so revocation stays immediate.
 */
export class JwtAccessTokenVerifier implements AccessTokenVerifier {
  private key: Promise<CryptoKey | KeyObject | Uint8Array> | undefined;

  private readonly verified = new Map<string, AccessTokenClaims>();

  constructor(private readonly options: JwtAccessTokenVerifierOptions) {}

  /** How many verified tokens are remembered now (bounded by MAX_CACHED_TOKENS). */
  get cachedTokens(): number {
    return this.verified.size;
  }

  async verify(token: string): Promise<AccessTokenClaims> {
    const cached = this.verified.get(token);
    if (cached !== undefined) {
      if (this.options.clock.now() < cached.expiresAt * 1000) {
        if (cached.grantId === undefined || !this.options.grantAlive(cached.grantId))
          throw new InvalidTokenError('revoked', 'The access token was revoked.');
        return { ...cached, scopes: [...cached.scopes], audience: [...cached.audience] };
      }
      this.verified.delete(token); // expired: the full check below says so
    }
    const claims = await this.verifyFully(token);
    if (this.verified.size >= MAX_CACHED_TOKENS) {
      const oldest = this.verified.keys().next().value;
      if (oldest !== undefined) this.verified.delete(oldest);
    }
    this.verified.set(token, claims);
    return { ...claims, scopes: [...claims.scopes], audience: [...claims.audience] };
  }

  private async verifyFully(token: string): Promise<AccessTokenClaims> {
    const { issuer, resource, clock } = this.options;
    this.key ??= importJWK(publicPart(this.options.signingJwk), 'ES256');
    let payload;
    try {
      ({ payload } = await jwtVerify(token, await this.key, {
        issuer,
        algorithms: ['ES256'],
        typ: 'at+jwt',
        currentDate: new Date(clock.now()),
        requiredClaims: ['exp', 'sub', 'client_id'],
      }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired)
        throw new InvalidTokenError('expired', 'The access token expired.');
      throw new InvalidTokenError(
        'invalid',
        'The access token is malformed or was not issued by this broker.',
      );
    }
    // A sender-constrained token (RFC 9449 §6.1 `cnf.jkt`, RFC 8705 `x5t#S256`) needs its proof;
    // the broker verifies none, so such a token is never accepted as a plain bearer token.
    if (payload['cnf'] !== undefined)
      throw new InvalidTokenError(
        'invalid',
        'The access token is sender-constrained (cnf); send a bearer token.',
      );
    const audience = stringArray(payload.aud);
    if (!audience.includes(resource))
      throw new InvalidTokenError('audience', `The access token was not issued for ${resource}.`);
    const grantId = typeof payload['gid'] === 'string' ? payload['gid'] : undefined;
    if (grantId === undefined || !this.options.grantAlive(grantId))
      throw new InvalidTokenError('revoked', 'The access token was revoked.');
    return {
      clientId: String(payload['client_id']),
      subject: String(payload.sub),
      scopes: typeof payload['scope'] === 'string' ? payload['scope'].split(' ').filter(Boolean) : [],
      audience,
      expiresAt: payload.exp ?? 0,
      grantId,
    };
  }
}
