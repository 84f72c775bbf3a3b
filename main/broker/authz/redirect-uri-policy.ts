import { isLoopbackHost } from '../net/loopback-host.js';

/**
 * Which redirect URIs a client of the broker may register (by RFC 7591 registration or in a Client
 * ID Metadata Document). The broker's clients are native apps and CLIs on this machine, so only an
 * allowlist (SEC-8; a denylist let `ms-msdt:`, `view-source:`, `chrome:` and `mailto:` through):
 * - `http:` only on a loopback IP literal or `localhost` (RFC 8252 §7.3; the port may vary at
 *   authorization time, §7.3 / oidc-provider's native-client rule);
 * - `https:` on a non-loopback host (claimed URLs, RFC 8252 §7.2; e.g. `https://vscode.dev/redirect`);
 * - a private-use scheme in reverse-domain form, i.e. containing a `.` (RFC 8252 §7.1; e.g.
 *   `com.example.app:/callback`);
 * - the single-label schemes of known MCP clients ({@link KNOWN_CLIENT_SCHEMES}; e.g.
 *   `cursor://anysphere.cursor-mcp/oauth/callback`).
 * No fragments (RFC 6749 §3.1.2).
 */

/** Private-use schemes that real MCP clients register although they are not in reverse-domain form. */
export const KNOWN_CLIENT_SCHEMES: ReadonlySet<string> = new Set([
  'cursor',
  'vscode',
  'vscode-insiders',
  'claude',
  'windsurf',
]);

/** A reverse-domain private-use scheme: dot-separated labels of letters, digits and hyphens. */
const REVERSE_DOMAIN_SCHEME = /^[a-z][a-z0-9-]*(\.[a-z0-9][a-z0-9-]*)+$/;

/** Why `uri` may not be registered, or undefined when it may. */
export function redirectUriRefusal(uri: string): string | undefined {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return `"${uri.slice(0, 80)}" is not a valid URL`;
  }
  if (uri.includes('#')) return 'redirect URIs must not contain a fragment';
  if (url.protocol === 'http:') {
    return isLoopbackHost(url.hostname)
      ? undefined
      : `http redirect URIs must use a loopback host (127.0.0.1, [::1] or localhost), not "${url.hostname}"`;
  }
  if (url.protocol === 'https:') {
    return isLoopbackHost(url.hostname)
      ? 'https redirect URIs must not point at a loopback host; use http://127.0.0.1:<port>/…'
      : undefined;
  }
  const scheme = url.protocol.slice(0, -1);
  if (KNOWN_CLIENT_SCHEMES.has(scheme) || REVERSE_DOMAIN_SCHEME.test(scheme)) return undefined;
  return (
    `the ${scheme.slice(0, 40)}: scheme is not allowed; use http://127.0.0.1:<port>/…, https, ` +
    'or a private-use scheme in reverse-domain form (e.g. com.example.app:/callback)'
  );
}

/** The first refusal among `uris`, or undefined when all may be registered. */
export function redirectUrisRefusal(uris: unknown): string | undefined {
  if (!Array.isArray(uris) || uris.length === 0) return 'redirect_uris must be a non-empty array';
  for (const uri of uris) {
    if (typeof uri !== 'string') return 'redirect_uris must contain strings';
    const refusal = redirectUriRefusal(uri);
    if (refusal) return refusal;
  }
  return undefined;
}
