import type { IncomingMessage } from 'node:http';

import { isLoopbackHost } from './loopback-host.js';

/**
 * DNS-rebinding and cross-origin guard for the loopback HTTP endpoint: the `Host` header must be a
 * loopback name with our port, and an `Origin`, when present, must be one of our own loopback
 * origins. Returns the reason for refusing, or undefined when the request may proceed.
 */
export function loopbackRefusal(req: IncomingMessage, port: number): string | undefined {
  const host = req.headers.host;
  if (!host || !isLoopbackAuthority(host, port))
    return `Host header ${quote(host ?? '')} is not this broker (loopback:${String(port)})`;
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== 'null') {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return `Origin ${quote(origin)} is not a valid origin`;
    }
    if (url.protocol !== 'http:' || !isLoopbackAuthority(url.host, port))
      return `Origin ${quote(origin)} is not allowed`;
  } else if (origin === 'null') {
    return 'Origin "null" is not allowed';
  }
  return undefined;
}

function isLoopbackAuthority(authority: string, port: number): boolean {
  const idx = authority.lastIndexOf(':');
  if (idx <= 0) return false;
  const name = authority.slice(0, idx);
  return isLoopbackHost(name) && authority.slice(idx + 1) === String(port);
}

/** What `admitRequest` decided: the parsed target, or a status and reason to refuse with. */
export type Admission =
  | { ok: true; url: URL }
  | {
      ok: false;
      status: 400 | 403;
      /** Which check refused it; a small fixed set, so it can key aggregated audit records. */
      kind: 'malformed' | 'host' | 'origin';
      reason: string;
    };

const ABSOLUTE_FORM = /^[a-z][a-z0-9+.-]*:/i;

/** Shown in reasons: bounded, and with control characters escaped by JSON. */
function quote(value: string): string {
  return JSON.stringify(value.length > 100 ? `${value.slice(0, 100)}…` : value);
}

/**
 * Decides whether a request may reach a handler, before anything else reads it. Pure: looks only at
 * the request line and headers. Exactly one `Host` header; the request target is origin-form
 * (`/path`) or absolute-form whose authority passes the same loopback check as `Host`; the path's
 * percent-encoding decodes; then the Host/Origin guard. Malformed → 400, foreign → 403. On success
 * `url` is the target resolved against our own origin (never against a host the target names).
 */
export function admitRequest(
  req: Pick<IncomingMessage, 'url' | 'headers' | 'rawHeaders'>,
  port: number,
): Admission {
  const hosts = req.rawHeaders.filter((_, i) => i % 2 === 0 && req.rawHeaders[i]?.toLowerCase() === 'host');
  if (hosts.length > 1)
    return { ok: false, status: 400, kind: 'malformed', reason: 'more than one Host header' };
  const target = req.url ?? '';
  const base = `http://127.0.0.1:${String(port)}`;
  let url: URL;
  if (target.startsWith('/')) {
    // Concatenated, not resolved: `new URL('//evil/x', base)` would take "evil" as the host.
    url = parse(base + target) ?? new URL(base);
    if (url.origin !== base) return malformed(target);
  } else if (ABSOLUTE_FORM.test(target)) {
    const absolute = parse(target);
    if (!absolute || !absolute.host) return malformed(target);
    const authority = absolute.port
      ? absolute.host
      : `${absolute.host}:${absolute.protocol === 'https:' ? '443' : '80'}`;
    if (
      absolute.protocol !== 'http:' ||
      absolute.username ||
      absolute.password ||
      !isLoopbackAuthority(authority, port)
    )
      return {
        ok: false,
        status: 403,
        kind: 'host',
        reason: `request target ${quote(target)} is not this broker (loopback:${String(port)})`,
      };
    url = new URL(absolute.pathname + absolute.search, base);
  } else {
    return malformed(target);
  }
  try {
    decodeURIComponent(url.pathname);
  } catch {
    return {
      ok: false,
      status: 400,
      kind: 'malformed',
      reason: 'the path is not valid percent-encoded UTF-8',
    };
  }
  const refusal = loopbackRefusal(req as IncomingMessage, port);
  if (refusal)
    return { ok: false, status: 403, kind: refusal.startsWith('Host') ? 'host' : 'origin', reason: refusal };
  return { ok: true, url };
}

function parse(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

function malformed(target: string): Admission {
  return {
    ok: false,
    status: 400,
    kind: 'malformed',
    reason: `request target ${quote(target)} is not valid`,
  };
}
