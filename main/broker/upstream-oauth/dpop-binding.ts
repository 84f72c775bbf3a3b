import type {
  AuthorizationServerMetadata,
  OAuthProtectedResourceMetadata,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import { exportJWK, importJWK, type JWK } from 'jose';
import * as oidc from 'openid-client';
import { z } from 'zod';

import type { SecretStore } from '../secrets/secret-store.js';
import type { Fetch } from './authorization-discovery.js';

/**
 * DPoP toward remote servers whose authorization server advertises it (issue 13.3): one ES256 key
 * pair per server, kept in the keychain (`mcp-dpop:<server>`), so tokens stay bound to it across
 * restarts; openid-client's DPoP handle signs the proofs of token and resource requests and retries
 * once with the server's `DPoP-Nonce` (RFC 9449 §8, §9).
 *
 * @see RFC 9449 §4 (proofs), §5 (token requests), §7 (resource requests)
 */

const ALG = 'ES256';

/** The keychain item of a server's DPoP key pair. */
export const dpopKeyName = (server: string) => `mcp-dpop:${server}`;

const StoredKeySchema = z.object({
  privateJwk: z.record(z.string(), z.unknown()),
  publicJwk: z.record(z.string(), z.unknown()),
});

const advertises = (metadata: object) => {
  const algs = (metadata as { dpop_signing_alg_values_supported?: unknown })
    .dpop_signing_alg_values_supported;
  return Array.isArray(algs) && algs.includes(ALG);
};

/**
 * True when the AS advertises DPoP with the one algorithm the broker signs with and the MCP server
 * says it takes DPoP-bound tokens (RFC 9728 §2 `dpop_signing_alg_values_supported` or
 * `dpop_bound_access_tokens_required`). Many authorization servers turn DPoP on by default while
 * their resource servers read only `Bearer`: binding every token there would break them.
 */
export function usesDPoP(
  metadata: AuthorizationServerMetadata,
  resourceMetadata: OAuthProtectedResourceMetadata,
): boolean {
  const required = (resourceMetadata as { dpop_bound_access_tokens_required?: unknown })
    .dpop_bound_access_tokens_required;
  return advertises(metadata) && (advertises(resourceMetadata) || required === true);
}

async function imported(stored: z.infer<typeof StoredKeySchema>): Promise<oidc.CryptoKeyPair> {
  const privateKey = await importJWK(stored.privateJwk as JWK, ALG);
  const publicKey = await importJWK(stored.publicJwk as JWK, ALG, { extractable: true });
  if (privateKey instanceof Uint8Array || publicKey instanceof Uint8Array) {
    throw new Error('a DPoP key must be an asymmetric key pair');
  }
  return { privateKey, publicKey };
}

/** The server's DPoP key pair from the keychain; made and stored the first time. */
export async function dpopKeyPair(server: string, secrets: SecretStore): Promise<oidc.CryptoKeyPair> {
  const text = await secrets.get(dpopKeyName(server));
  const parsed = text === undefined ? undefined : StoredKeySchema.safeParse(JSON.parse(text));
  if (parsed?.success) return imported(parsed.data);
  const pair = await oidc.randomDPoPKeyPair(ALG, { extractable: true });
  const stored = {
    privateJwk: await exportJWK(pair.privateKey),
    publicJwk: await exportJWK(pair.publicKey),
  };
  await secrets.set(dpopKeyName(server), JSON.stringify(stored));
  return imported(stored);
}

/**
 * A resource request with a DPoP-bound access token (`Authorization: DPoP …` plus a proof with
 * `ath`), through the transport's own fetch: its body, signal and redirect mode are kept. A
 * challenge answer (401/403) comes back as the response, for the caller's own handling.
 */
export async function dpopResourceFetch(
  base: Fetch,
  url: string | URL,
  init: RequestInit | undefined,
  token: string,
  handle: oidc.DPoPHandle,
): Promise<Response> {
  const target = new URL(url);
  const config = new oidc.Configuration({ issuer: target.origin }, 'mcp-auth-broker');
  config[oidc.customFetch] = (to, options) =>
    base(to, { ...init, method: options.method, headers: options.headers, redirect: options.redirect });
  // eslint-disable-next-line @typescript-eslint/no-deprecated -- the transport's fetch already enforced CL-8
  if (target.protocol === 'http:') oidc.allowInsecureRequests(config);
  const headers = new Headers(init?.headers);
  headers.delete('authorization');
  try {
    return await oidc.fetchProtectedResource(config, token, target, init?.method ?? 'GET', null, headers, {
      DPoP: handle,
    });
  } catch (error) {
    if (error instanceof oidc.WWWAuthenticateChallengeError) return error.response;
    throw error;
  }
}
