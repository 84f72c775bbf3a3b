import { randomBytes } from 'node:crypto';

import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { z } from 'zod';

import type { SecretStore } from '../secrets/secret-store.js';

/** SecretStore name of the authorization server's key material (one item, JSON). */
export const AUTHZ_KEYS_SECRET = 'authz:keys';

/**
 * Key material of the broker's authorization server. All of it lives in the SecretStore (OS
 * keychain by default) and never in a file:
 * - `signingJwk`: private ES256 key that signs access tokens (RFC 9068 JWTs);
 * - `cookieKey`: signs oidc-provider's session and interaction cookies;
 * - `stateKey`: AES-256-GCM key of the encrypted state file (clients, grants, refresh tokens).
 */
export interface AuthzKeys {
  signingJwk: JWK & { kid: string; alg: string };
  cookieKey: string;
  stateKey: Buffer;
}

const StoredKeysSchema = z.object({
  signingJwk: z.looseObject({ kty: z.string(), kid: z.string(), alg: z.string(), d: z.string() }),
  cookieKey: z.string().min(32),
  stateKey: z.string().min(43),
});

async function generateKeys(): Promise<AuthzKeys> {
  const { privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = await exportJWK(privateKey);
  return {
    signingJwk: { ...jwk, kid: randomBytes(8).toString('base64url'), alg: 'ES256', use: 'sig' },
    cookieKey: randomBytes(32).toString('base64url'),
    stateKey: randomBytes(32),
  };
}

/** Stored keys, or undefined when absent or unreadable (then new keys replace them). */
function parseStored(text: string | undefined): AuthzKeys | undefined {
  if (text === undefined) return undefined;
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  const parsed = StoredKeysSchema.safeParse(json);
  if (!parsed.success) return undefined;
  return {
    signingJwk: parsed.data.signingJwk,
    cookieKey: parsed.data.cookieKey,
    stateKey: Buffer.from(parsed.data.stateKey, 'base64url'),
  };
}

/**
 * Loads the keys from `store`, creating and storing them on first use. Without a store (none is
 * usable) the keys are generated for this run only: tokens and registrations then do not survive a
 * restart, but nothing secret is ever written to disk.
 */
export async function loadAuthzKeys(store: SecretStore | undefined): Promise<AuthzKeys> {
  if (!store) return generateKeys();
  const stored = parseStored(await store.get(AUTHZ_KEYS_SECRET));
  if (stored) return stored;
  const keys = await generateKeys();
  await store.set(
    AUTHZ_KEYS_SECRET,
    JSON.stringify({
      signingJwk: keys.signingJwk,
      cookieKey: keys.cookieKey,
      stateKey: keys.stateKey.toString('base64url'),
    }),
  );
  return keys;
}
