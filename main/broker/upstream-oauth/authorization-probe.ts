import { createHash, randomBytes } from 'node:crypto';

import type { AuthorizationServerMetadata } from '@modelcontextprotocol/sdk/shared/auth.js';

import type { Fetch } from './authorization-discovery.js';
import { DoctorStop } from './doctor-report.js';

/**
 * The doctor's last discovery step: builds the authorization request the broker would send (PKCE
 * S256, `state`, `resource`, loopback redirect) and sends it once without following redirects, to
 * see whether the authorization server accepts the redirect URI and the resource before a person
 * is involved. `state` and the code challenge are shown redacted.
 *
 * @see RFC 6749 §4.1.2.1; RFC 8707 §2 (invalid_target); RFC 8252 §7.3
 */
export interface ProbeInput {
  metadata: AuthorizationServerMetadata;
  clientId: string;
  resource: string;
  scopes: string[];
  /** 0 = pick one: nothing listens, the probe never follows the redirect. */
  port: number;
}

const b64url = (bytes: Buffer) => bytes.toString('base64url');

function requestUrl(input: ProbeInput): { url: URL; shown: Record<string, string>; redirectUri: string } {
  const port = input.port || 49152 + (randomBytes(2).readUInt16BE() % 16000);
  const redirectUri = `http://127.0.0.1:${String(port)}/callback`;
  const verifier = b64url(randomBytes(32));
  const params: Record<string, string> = {
    response_type: 'code',
    client_id: input.clientId,
    redirect_uri: redirectUri,
    ...(input.scopes.length ? { scope: input.scopes.join(' ') } : {}),
    resource: input.resource,
    code_challenge_method: 'S256',
    code_challenge: b64url(createHash('sha256').update(verifier).digest()),
    state: b64url(randomBytes(16)),
  };
  const url = new URL(input.metadata.authorization_endpoint);
  for (const [key, value] of Object.entries(params)) url.searchParams.set(key, value);
  const shown = {
    authorization_endpoint: input.metadata.authorization_endpoint,
    ...params,
    code_challenge: '[redacted]',
    state: '[redacted]',
  };
  return { url, shown, redirectUri };
}

/** Sends the request once; throws a DoctorStop when the AS refuses the redirect URI or the resource. */
export async function probeAuthorization(
  input: ProbeInput,
  fetchFn: Fetch,
): Promise<[Record<string, string>, string]> {
  const { url, shown, redirectUri } = requestUrl(input);
  const response = await fetchFn(url, { method: 'GET', redirect: 'manual' });
  const location = response.headers.get('location');
  const text = location === null ? await response.text() : (await response.body?.cancel(), '');
  if (location?.startsWith(redirectUri)) {
    const error = new URL(location).searchParams.get('error');
    if (error === 'invalid_target') {
      throw new DoctorStop(
        'resource-rejected',
        `the authorization server refused resource=${input.resource} (invalid_target)`,
      );
    }
    if (error !== null)
      throw new DoctorStop('login-failed', `the authorization server answered error=${error}`);
  }
  if (response.status >= 400) {
    const code =
      /resource|invalid_target/i.test(text) && !/redirect/i.test(text)
        ? 'resource-rejected'
        : 'redirect-rejected';
    throw new DoctorStop(
      code,
      `the authorization endpoint answered HTTP ${String(response.status)} (${code === 'redirect-rejected' ? `redirect_uri ${redirectUri} refused` : 'resource refused'})`,
    );
  }
  return [shown, `accepted (HTTP ${String(response.status)}${location ? ', on to the sign-in page' : ''})`];
}
