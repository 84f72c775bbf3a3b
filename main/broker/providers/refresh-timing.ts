/** The two facts the timing needs (of StoredTokens, or of an account's metadata). */
export interface TokenTimes {
  expiresAt?: number | undefined;
  obtainedAt?: number | undefined;
}

/**
 * When a token is refreshed ahead of its expiry. A fixed lead is wrong for short-lived tokens (a
 * 30 s token with a 60 s lead is due the moment it arrives: a refresh storm), so the lead is the
 * smaller of the cap (60 s by default) and a third of the token's lifetime; the scheduled refresh
 * lands at a random point in the first fifth of that window (jitter, so accounts signed in together
 * do not refresh together); and an account is not refreshed again within a quarter of the lifetime
 * (at least 1 s, at most 30 s) of its last refresh unless the person asks for it.
 */
export const DEFAULT_REFRESH_AHEAD_MS = 60_000;
const LEAD_FRACTION = 1 / 3;
const JITTER_FRACTION = 0.2;
const MIN_INTERVAL_FRACTION = 1 / 4;
const MIN_INTERVAL_FLOOR_MS = 1_000;
const MIN_INTERVAL_CAP_MS = 30_000;

/** Ms from issue to expiry, when both are known. */
export function lifetimeMs(tokens: TokenTimes): number | undefined {
  if (tokens.expiresAt === undefined || tokens.obtainedAt === undefined) return undefined;
  return Math.max(0, tokens.expiresAt - tokens.obtainedAt);
}

/** How long before expiry the token is due: min(cap, lifetime / 3); the cap when the lifetime is unknown. */
export function refreshLeadMs(tokens: TokenTimes, capMs: number): number {
  const lifetime = lifetimeMs(tokens);
  return lifetime === undefined ? capMs : Math.min(capMs, lifetime * LEAD_FRACTION);
}

/** How much later than due the scheduled refresh runs: up to a fifth of the lead, by `random()`. */
export function refreshJitterMs(leadMs: number, random: () => number): number {
  return Math.floor(leadMs * JITTER_FRACTION * random());
}

/** The earliest time (ms since the epoch) the account may be refreshed again unless forced. */
export function nextRefreshAllowedAt(tokens: TokenTimes): number {
  const lifetime = lifetimeMs(tokens);
  if (lifetime === undefined || tokens.obtainedAt === undefined) return 0;
  const interval = Math.min(
    MIN_INTERVAL_CAP_MS,
    Math.max(MIN_INTERVAL_FLOOR_MS, lifetime * MIN_INTERVAL_FRACTION),
  );
  return tokens.obtainedAt + interval;
}
