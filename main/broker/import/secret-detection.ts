/**
 * Which values of an imported MCP server entry are credentials that belong in the keychain rather
 * than in a config file. A value is a secret when it has a known token format (GitHub `ghp_…`, Slack
 * `xoxb-…`, OpenAI/Anthropic `sk-…`, Stripe `sk_live_…`, AWS `AKIA…`, JWTs …), when its variable
 * name says so (token, key, secret, password, pat, auth, credential …) and the value is not plainly
 * a setting (a boolean, a number, a path, a URL without credentials, an id list), or when the value
 * itself looks random (long and high-entropy, like an API key).
 */

const TOKEN_FORMATS: [RegExp, string][] = [
  [/^gh[pousr]_[A-Za-z0-9]{30,}$/, 'a GitHub token (gh*_)'],
  [/^github_pat_[A-Za-z0-9_]{20,}$/, 'a GitHub fine-grained token (github_pat_)'],
  [/^glpat-[A-Za-z0-9_-]{20,}$/, 'a GitLab token (glpat-)'],
  [/^xox[abposr]-[A-Za-z0-9-]{10,}$/, 'a Slack token (xox*-)'],
  [/^xapp-[A-Za-z0-9-]{10,}$/, 'a Slack app token (xapp-)'],
  [/^[sr]k_(live|test)_[A-Za-z0-9]{10,}$/, 'a Stripe key (sk_live_/sk_test_)'],
  [/^sk-[A-Za-z0-9_-]{20,}$/, 'an API key (sk-)'],
  [/^(AKIA|ASIA)[0-9A-Z]{16}$/, 'an AWS access key id (AKIA…)'],
  [/^AIza[0-9A-Za-z_-]{35}$/, 'a Google API key (AIza…)'],
  [/^eyJ[A-Za-z0-9_-]{5,}\.eyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*$/, 'a JWT'],
  [
    /^(lin_api_|ntn_|secret_|sntrys_|npm_|pypi-|hf_|xai-|pat-)[A-Za-z0-9_-]{16,}$/,
    'an API token (known prefix)',
  ],
];

/** Variable, flag, header or query-parameter names that say "credential". */
const SECRET_NAME =
  /(token|key|secret|passw(or)?d|pwd|(^|[_-])pat($|[_-])|auth|credential|cookie|session|private|signature|^sig$)/i;

/** Names that hold configuration about a credential, not the credential: `KEY_PATH`, `AUTH_URL`, `TOKEN_TYPE` … */
const SETTING_NAME =
  /([_-](path|file|dir|url|uri|endpoint|host|type|mode|id|ids|name|timeout|ttl|expiry|expires|scope|scopes|region)$)|^(auth_type|key_id)$/i;

/** Values that are obviously configuration, never secrets, even under a secret-sounding name. */
const PLAIN_VALUE =
  /^(true|false|yes|no|on|off|none|null|enabled|disabled|\d{1,12}|\d+\.\d+(\.\d+)?|debug|info|warn(ing)?|error|trace|verbose|silent|bearer|basic|oauth|api[_-]?key)$/i;

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

/** A path, URL, id list, host name or version: configuration, not a credential. */
export function isPlainSetting(value: string): boolean {
  if (PLAIN_VALUE.test(value)) return true;
  if (/^(~?\/|\.\.?\/|[A-Za-z]:[\\/]|\\\\)/.test(value)) return true; // POSIX, relative, Windows, UNC paths
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(value) && !/^[a-z][a-z0-9+.-]*:\/\/[^/@\s]*:[^/@\s]*@/i.test(value))
    return true;
  if (/[,;]/.test(value) && value.split(/[,;]\s*/).every((part) => /^[\w.-]{0,24}$/.test(part))) return true;
  if (/^[a-z0-9-]+(\.[a-z0-9-]+)+$/i.test(value) && /\.[a-z]{2,}$/i.test(value)) return true; // host name
  return false;
}

/** The known token format `value` has, e.g. "a GitHub token (gh*_)". */
export function tokenFormatOf(value: string): string | undefined {
  return TOKEN_FORMATS.find(([re]) => re.test(value))?.[1];
}

/** True when `value` looks like a random credential: ≥ 20 chars of key alphabet, letters and digits, ≥ 3.5 bits/char. */
export function looksRandom(value: string): boolean {
  if (value.length < 20 || !/^[A-Za-z0-9_\-+/=.~]+$/.test(value)) return false;
  if (value.includes('/') && !/^[A-Za-z0-9+/]{32,}={0,2}$/.test(value)) return false; // paths, packages
  if (!/[0-9]/.test(value) || !/[A-Za-z]/.test(value) || isPlainSetting(value)) return false;
  if (/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value)) return false; // UUIDs are ids
  return shannonEntropy(value) >= 3.5;
}

/** True when `name` (a variable, flag, header or query parameter) says its value is a credential. */
export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name) && !SETTING_NAME.test(name);
}

/** Why `value` (named `name`) is a credential, or undefined when it is not. */
export function secretReason(name: string, value: string): string | undefined {
  if (value.trim() === '') return undefined;
  const format = tokenFormatOf(value.replace(/^(Bearer|Basic|token)\s+/i, ''));
  if (format !== undefined) return format;
  if (isSecretName(name) && !isPlainSetting(value)) return `its name (${name}) says it is a credential`;
  if (looksRandom(value)) return 'a long random value';
  return undefined;
}

/** True when the env variable `name` with `value` should be moved into the secret store. */
export function looksLikeSecret(name: string, value: string): boolean {
  return secretReason(name, value) !== undefined;
}
