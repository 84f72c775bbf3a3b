/**
 * The one statement of "this machine" for URLs and `Host` headers: the host names that always
 * resolve to loopback. `URL.hostname` keeps IPv6 brackets, so `[::1]` is the form that appears.
 */
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** True when `hostname` (a `URL.hostname`, or the name part of a `Host` header) is loopback. */
export function isLoopbackHost(hostname: string): boolean {
  return LOOPBACK_HOSTS.has(hostname.toLowerCase());
}

/**
 * True when credentials may travel to `url`: https (or wss with `websocket`), or plain http (ws)
 * only to a loopback host (tests, local identity providers).
 */
export function isHttpsOrLoopback(url: URL, options: { websocket?: boolean } = {}): boolean {
  const secure = options.websocket ? ['https:', 'wss:'] : ['https:'];
  const plain = options.websocket ? ['http:', 'ws:'] : ['http:'];
  if (secure.includes(url.protocol)) return true;
  return plain.includes(url.protocol) && isLoopbackHost(url.hostname);
}

/**
 * Parses `url` and returns it when {@link isHttpsOrLoopback}; otherwise throws what `refuse` builds
 * (each caller names its own error code and advice).
 */
export function requireHttpsOrLoopback(
  url: string | URL,
  refuse: (parsed: URL) => Error,
  options: { websocket?: boolean } = {},
): URL {
  const parsed = new URL(url);
  if (isHttpsOrLoopback(parsed, options)) return parsed;
  throw refuse(parsed);
}
