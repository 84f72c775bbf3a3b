/**
 * Which env values of an imported MCP server entry are credentials that belong in the secret store
 * rather than in a config file. A value counts as a secret when its variable name says so
 * (token, key, secret, password, pat, auth, credential, …) or when the value itself looks random
 * (long and high-entropy, like an API key).
 */

const SECRET_NAME =
  /(token|key|secret|passw(or)?d|pwd|(^|_)pat($|_)|auth|credential|cookie|session|private)/i;

/** Values that are obviously configuration, never secrets, even under a secret-sounding name. */
const PLAIN_VALUE = /^(true|false|yes|no|on|off|\d{1,6}|debug|info|warn|error|trace)$/i;

/** Shannon entropy of `value` in bits per character. */
export function shannonEntropy(value: string): number {
  if (value.length === 0) return 0;
  const counts = new Map<string, number>();
  for (const ch of value) counts.set(ch, (counts.get(ch) ?? 0) + 1);
  let bits = 0;
  for (const count of counts.values()) {
    const p = count / value.length;
    bits -= p * Math.log2(p);
  }
  return bits;
}

/** True when `value` looks like a random credential: ≥ 20 chars, no spaces or paths, ≥ 3.5 bits/char. */
export function looksRandom(value: string): boolean {
  if (value.length < 20 || /\s/.test(value)) return false;
  if (/^(https?:\/\/|\/|~\/|[A-Za-z]:\\)/.test(value)) return false;
  return shannonEntropy(value) >= 3.5;
}

/** True when the env variable `name` with `value` should be moved into the secret store. */
export function looksLikeSecret(name: string, value: string): boolean {
  if (value.length === 0) return false;
  if (SECRET_NAME.test(name) && !PLAIN_VALUE.test(value)) return true;
  return looksRandom(value);
}
