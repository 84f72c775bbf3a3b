import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { crc32 } from 'node:zlib';

/**
 * The shape of the broker's API keys: `mab_` + 256 random bits (43 base64url characters) + a
 * 6-character checksum (CRC-32 of the random part, base64url). The fixed prefix lets secret
 * scanners recognise a leaked key; the checksum lets them (and the broker) tell a real key from a
 * typo without a lookup. Only the SHA-256 of a key is ever stored: with 256 bits of entropy a
 * plain hash cannot be reversed by guessing, so no slow KDF is needed.
 */

/** Recognisable prefix ("MCP Auth Broker"). */
export const API_KEY_PREFIX = 'mab_';
const RANDOM_BYTES = 32;
const BODY_CHARS = 43;
const CHECKSUM_CHARS = 6;
const SHAPE = new RegExp(
  `^${API_KEY_PREFIX}([A-Za-z0-9_-]{${String(BODY_CHARS)}})([A-Za-z0-9_-]{${String(CHECKSUM_CHARS)}})$`,
);

function checksum(body: string): string {
  const sum = Buffer.alloc(4);
  sum.writeUInt32BE(crc32(body) >>> 0);
  return sum.toString('base64url');
}

/** A new key value. */
export function generateApiKey(): string {
  const body = randomBytes(RANDOM_BYTES).toString('base64url');
  return `${API_KEY_PREFIX}${body}${checksum(body)}`;
}

/** True when `token` starts like an API key (so it is never tried as a JWT). */
export function looksLikeApiKey(token: string): boolean {
  return token.startsWith(API_KEY_PREFIX);
}

/** True when `token` has the exact shape of a key and its checksum matches. */
export function isWellFormedApiKey(token: string): boolean {
  const match = SHAPE.exec(token);
  return match !== null && match[1] !== undefined && checksum(match[1]) === match[2];
}

/** SHA-256 of a key, base64url: the only form the broker keeps. */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('base64url');
}

/** Compares two stored hashes in constant time. */
export function sameHash(a: string, b: string): boolean {
  const left = Buffer.from(a, 'base64url');
  const right = Buffer.from(b, 'base64url');
  return left.length === right.length && timingSafeEqual(left, right);
}
