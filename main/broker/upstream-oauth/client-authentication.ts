import { createPrivateKey } from 'node:crypto';

import type { AuthorizationServerMetadata } from '@modelcontextprotocol/sdk/shared/auth.js';
import { importJWK, type JWK } from 'jose';
import * as oidc from 'openid-client';

import { BrokerError, messageOf } from '../base/errors.js';
import type { RemoteOAuthClient } from '../config/remote-server-config.js';
import type { SecretStore } from '../secrets/secret-store.js';

/**
 * How a pre-registered client of a remote server's authorization server authenticates at its token
 * endpoint (issue 13.1): `none` for a public client; with a secret, `client_secret_basic` — the method
 * every AS must support — unless the AS lists only `client_secret_post`; with a private key,
 * `private_key_jwt` (RFC 7523 §2.2). The secret or key is read from the keychain at use time and
 * handed to openid-client's own client-auth helpers; it never reaches config, logs or errors.
 *
 * @see RFC 6749 §2.3.1; RFC 8414 §2 (token_endpoint_auth_methods_supported); RFC 7523 §2.2, §3
 */

export type ClientAuthMethod = 'none' | 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';

type Methods = Pick<AuthorizationServerMetadata, 'token_endpoint_auth_methods_supported'>;

/** `client_secret_basic` unless the AS lists `client_secret_post` and not basic. */
export function secretAuthMethod(metadata: Methods): 'client_secret_basic' | 'client_secret_post' {
  const listed = metadata.token_endpoint_auth_methods_supported ?? [];
  return listed.includes('client_secret_post') && !listed.includes('client_secret_basic')
    ? 'client_secret_post'
    : 'client_secret_basic';
}

/** `application/x-www-form-urlencoded` as WHATWG URLSearchParams writes it (RFC 6749 Appendix B). */
const formEncoded = (value: string) => new URLSearchParams({ v: value }).toString().slice(2);

/**
 * `client_secret_basic` (RFC 6749 §2.3.1): id and secret form-encoded, then Base64. openid-client's
 * own helper also percent-encodes `-`, `.`, `_`, `*`, which authorization servers that compare the
 * header without decoding refuse (the conformance suite's `auth/pre-registration`); WHATWG form
 * encoding leaves those characters alone and is equally valid for every AS that does decode.
 */
export function clientSecretBasic(secret: string): oidc.ClientAuth {
  return (_as, client, _body, headers) => {
    const pair = `${formEncoded(client.client_id)}:${formEncoded(secret)}`;
    headers.set('authorization', `Basic ${Buffer.from(pair).toString('base64')}`);
  };
}

async function keychainValue(server: string, name: string, what: string): Promise<never> {
  return Promise.reject(
    new BrokerError(
      'SECRET_NOT_FOUND',
      `Remote server "${server}" needs its ${what} "${name}", which is not in the keychain. Run: mcp-auth-broker secret set ${name}`,
    ),
  );
}

const ALG_OF_CURVE: Record<string, string> = { 'P-256': 'ES256', 'P-384': 'ES384', 'P-521': 'ES512' };

/** The JWS algorithm of a private key: its JWK `alg`, else from its type (RSA → RS256, EC by curve). */
function algorithmOf(jwk: JWK): string {
  if (typeof jwk.alg === 'string') return jwk.alg;
  if (jwk.kty === 'RSA') return 'RS256';
  if (jwk.kty === 'EC') return ALG_OF_CURVE[jwk.crv ?? ''] ?? 'ES256';
  return 'EdDSA';
}

/** A private key from its keychain text: a private JWK, or a PKCS#8 / PKCS#1 / SEC1 PEM. */
export async function importClientKey(server: string, text: string): Promise<oidc.PrivateKey> {
  try {
    const jwk: JWK = text.trimStart().startsWith('{')
      ? (JSON.parse(text) as JWK)
      : createPrivateKey(text).export({ format: 'jwk' });
    if (jwk.d === undefined) throw new Error('it is not a private key');
    const key = await importJWK(jwk, algorithmOf(jwk));
    if (key instanceof Uint8Array) throw new Error('it is not an asymmetric key');
    return { key, ...(typeof jwk.kid === 'string' ? { kid: jwk.kid } : {}) };
  } catch (error) {
    // The message of a parser may quote the input: only its first words are kept.
    const why = messageOf(error).split(/[:\n]/)[0] ?? 'unreadable';
    throw new BrokerError(
      'UPSTREAM_AUTH_FAILED',
      `The "clientKey" of remote server "${server}" is not a usable private key (${why}). Store a private JWK or a PEM private key with: mcp-auth-broker secret set <name>`,
    );
  }
}

export interface ClientAuthChoice {
  method: ClientAuthMethod;
  auth: oidc.ClientAuth;
}

/** The client authentication of a pre-registered client, its secret or key read from the keychain now. */
export async function preRegisteredAuth(
  server: string,
  client: RemoteOAuthClient,
  metadata: Methods,
  secrets: SecretStore,
): Promise<ClientAuthChoice> {
  if (client.clientKey !== undefined) {
    const name = client.clientKey.secret;
    const text = (await secrets.get(name)) ?? (await keychainValue(server, name, 'client key'));
    return { method: 'private_key_jwt', auth: oidc.PrivateKeyJwt(await importClientKey(server, text)) };
  }
  if (client.clientSecret !== undefined) {
    const name = client.clientSecret.secret;
    const secret = (await secrets.get(name)) ?? (await keychainValue(server, name, 'client secret'));
    const method = secretAuthMethod(metadata);
    return {
      method,
      auth: method === 'client_secret_post' ? oidc.ClientSecretPost(secret) : clientSecretBasic(secret),
    };
  }
  return { method: 'none', auth: oidc.None() };
}
