import type { IncomingMessage } from 'node:http';

const LOOPBACK_HOSTS = new Set(['127.0.0.1', 'localhost', '[::1]']);

/**
 * DNS-rebinding and cross-origin guard for the loopback HTTP endpoint: the `Host` header must be a
 * loopback name with our port, and an `Origin`, when present, must be one of our own loopback
 * origins. Returns the reason for refusing, or undefined when the request may proceed.
 */
export function loopbackRefusal(req: IncomingMessage, port: number): string | undefined {
  const host = req.headers.host;
  if (!host || !isLoopbackAuthority(host, port))
    return `Host header "${host ?? ''}" is not this broker (loopback:${String(port)})`;
  const origin = req.headers.origin;
  if (origin !== undefined && origin !== 'null') {
    let url: URL;
    try {
      url = new URL(origin);
    } catch {
      return `Origin "${origin}" is not a valid origin`;
    }
    if (url.protocol !== 'http:' || !isLoopbackAuthority(url.host, port))
      return `Origin "${origin}" is not allowed`;
  } else if (origin === 'null') {
    return 'Origin "null" is not allowed';
  }
  return undefined;
}

function isLoopbackAuthority(authority: string, port: number): boolean {
  const idx = authority.lastIndexOf(':');
  if (idx <= 0) return false;
  const name = authority.slice(0, idx).toLowerCase();
  return LOOPBACK_HOSTS.has(name) && authority.slice(idx + 1) === String(port);
}
