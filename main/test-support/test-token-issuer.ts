import { type CryptoKey, errors as joseErrors, generateKeyPair, jwtVerify, SignJWT } from 'jose';

import {
  type AccessTokenClaims,
  type AccessTokenVerifier,
  InvalidTokenError,
} from '../broker/authz/access-token.js';

/** What a test token says; everything but `audience` has a default. */
export interface TestTokenInput {
  audience: string | string[];
  clientId?: string;
  subject?: string;
  scopes?: string[];
  /** Seconds from now; negative = already expired. */
  expiresIn?: number;
  grantId?: string;
  /** Sign with an unrelated key (a forged token). */
  forged?: boolean;
}

/**
 * A small jose-based JWT issuer and its verifier, standing in for the broker's authorization server in
 * protected-resource tests (an injected dependency, not a mock of the resource). Tokens are ES256 JWTs
 * shaped like RFC 9068 access tokens: `iss`, `aud`, `sub`, `client_id`, `scope`, `exp`, `jti`, `gid`.
 */
export class TestTokenIssuer implements AccessTokenVerifier {
  private readonly revoked = new Set<string>();

  private constructor(
    readonly issuer: string,
    private readonly key: CryptoKey,
    private readonly publicKey: CryptoKey,
    private readonly otherKey: CryptoKey,
  ) {}

  static async create(issuer = 'http://127.0.0.1/test-issuer'): Promise<TestTokenIssuer> {
    const pair = await generateKeyPair('ES256');
    const other = await generateKeyPair('ES256');
    return new TestTokenIssuer(issuer, pair.privateKey, pair.publicKey, other.privateKey);
  }

  async issue(input: TestTokenInput): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({
      client_id: input.clientId ?? 'client-a',
      scope: (input.scopes ?? []).join(' '),
      gid: input.grantId ?? 'grant-1',
    })
      .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt' })
      .setIssuer(this.issuer)
      .setAudience(input.audience)
      .setSubject(input.subject ?? 'local-user')
      .setIssuedAt(now)
      .setJti(crypto.randomUUID())
      .setExpirationTime(now + (input.expiresIn ?? 300))
      .sign(input.forged === true ? this.otherKey : this.key);
  }

  /** Tokens of this grant stop verifying at once (like `clients revoke`). */
  revokeGrant(grantId: string): void {
    this.revoked.add(grantId);
  }

  async verify(token: string): Promise<AccessTokenClaims> {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, this.publicKey, { issuer: this.issuer, typ: 'at+jwt' }));
    } catch (error) {
      if (error instanceof joseErrors.JWTExpired) throw new InvalidTokenError('expired', 'token expired');
      throw new InvalidTokenError('invalid', 'token invalid');
    }
    const gid = typeof payload['gid'] === 'string' ? payload['gid'] : undefined;
    if (gid !== undefined && this.revoked.has(gid)) throw new InvalidTokenError('revoked', 'grant revoked');
    const aud = payload.aud;
    return {
      clientId: String(payload['client_id']),
      subject: payload.sub ?? '',
      scopes: (typeof payload['scope'] === 'string' ? payload['scope'] : '')
        .split(' ')
        .filter((s) => s !== ''),
      audience: aud === undefined ? [] : Array.isArray(aud) ? aud : [aud],
      expiresAt: payload.exp ?? 0,
      ...(gid === undefined ? {} : { grantId: gid }),
    };
  }
}
