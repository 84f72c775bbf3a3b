import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';

import { z } from 'zod';

/**
 * AES-256-GCM under a 256-bit key, sealed as `{"v":1,"iv","tag","data"}` (base64url), for files
 * whose content must not be readable on disk: the key lives in the SecretStore, never beside them.
 * `aad` binds a sealed value to what it is (a value sealed for one purpose fails to open as another).
 */
const SealedSchema = z.object({ v: z.literal(1), iv: z.string(), tag: z.string(), data: z.string() });

export function seal(key: Buffer, plaintext: string | Buffer, aad?: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  if (aad !== undefined) cipher.setAAD(Buffer.from(aad, 'utf8'));
  const data = Buffer.concat([
    cipher.update(typeof plaintext === 'string' ? Buffer.from(plaintext, 'utf8') : plaintext),
    cipher.final(),
  ]);
  return JSON.stringify({
    v: 1,
    iv: iv.toString('base64url'),
    tag: cipher.getAuthTag().toString('base64url'),
    data: data.toString('base64url'),
  });
}

/** The plaintext of {@link seal}'s output; throws when the key, the AAD or the content is wrong. */
export function unseal(key: Buffer, text: string, aad?: string): Buffer {
  const sealed = SealedSchema.parse(JSON.parse(text));
  const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(sealed.iv, 'base64url'));
  if (aad !== undefined) decipher.setAAD(Buffer.from(aad, 'utf8'));
  decipher.setAuthTag(Buffer.from(sealed.tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(sealed.data, 'base64url')), decipher.final()]);
}
