/**
 * The broker's one exponential backoff: the delay before retry number `attempt` (1-based) starts at
 * `initialMs` and doubles with each attempt up to the ceiling `maxMs`. Used by upstream restarts,
 * token refresh retries and the authorization server's key-store retries. No jitter: each retry
 * loop here belongs to one account or server, so there is no crowd to spread out.
 */
export interface ExponentialBackoff {
  /** First delay, in ms (at least 1 and at most `maxMs`). */
  initialMs: number;
  /** Ceiling, in ms. */
  maxMs: number;
}

/** `min(maxMs, initialMs · 2^(attempt − 1))`; attempts below 1 count as the first. */
export function backoffDelayMs(backoff: ExponentialBackoff, attempt: number): number {
  const doublings = Math.max(0, Math.floor(attempt) - 1);
  return Math.min(backoff.maxMs, backoff.initialMs * 2 ** doublings);
}
