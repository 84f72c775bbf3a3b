import { isJsonMediaType } from '../net/media-type.js';
import type { ProviderQuirks } from './provider-presets.js';

/** The fetch openid-client calls (its `customFetch` hook); injected so tests can capture requests. */
export type ProviderFetch = (url: string, init: RequestInit) => Promise<Response>;

export const defaultFetch: ProviderFetch = (url, init) => fetch(url, init);

function isJson(response: Response): boolean {
  return isJsonMediaType(response.headers.get('content-type'));
}

/**
 * Normalizes a token-endpoint response of a provider that bends RFC 6749 §5: an error answered with
 * HTTP 200 becomes a 400 (so it is parsed as the OAuth error it is, §5.2), and a comma-separated
 * `scope` becomes space-separated (§3.3). Other responses pass through untouched.
 */
async function normalize(response: Response, quirks: ProviderQuirks): Promise<Response> {
  if (!isJson(response) || response.status !== 200) return response;
  const body = (await response.json()) as Record<string, unknown>;
  let status = 200;
  if (quirks.errorsWithStatus200 && typeof body['error'] === 'string') status = 400;
  if (quirks.commaSeparatedScope && typeof body['scope'] === 'string') {
    body['scope'] = body['scope']
      .split(/[,\s]+/)
      .filter(Boolean)
      .join(' ');
  }
  const headers = new Headers(response.headers);
  headers.delete('content-length');
  return new Response(JSON.stringify(body), { status, headers });
}

/** Wraps `base` with the provider's response quirks, if it has any. */
export function quirkFetch(quirks: ProviderQuirks, base: ProviderFetch): ProviderFetch {
  if (!quirks.errorsWithStatus200 && !quirks.commaSeparatedScope) return base;
  return async (url, init) => normalize(await base(url, init), quirks);
}
