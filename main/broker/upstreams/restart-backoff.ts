import { backoffDelayMs, type ExponentialBackoff } from '../base/backoff.js';

/**
 * Delays between restarts of a server that keeps crashing or failing to start: starts small,
 * doubles up to a ceiling, and starts over once a run lasted long enough to count as healthy. It
 * also counts the failed tries in a row, for the crash-loop limit (issue 15 point 4).
 */
export interface BackoffTiming extends ExponentialBackoff {
  /** A run at least this long (ms) resets the delay to `initialMs` (60 s by default). */
  resetAfterMs: number;
}

/** First delay 500 ms, ceiling 30 s, reset after a 60 s run. */
export const DEFAULT_BACKOFF: BackoffTiming = { initialMs: 500, maxMs: 30_000, resetAfterMs: 60_000 };

/** Exponential restart backoff with a reset after a healthy run. */
export class RestartBackoff {
  private attempt = 1;
  private failures = 0;

  constructor(private readonly timing: BackoffTiming = DEFAULT_BACKOFF) {}

  /** The delay before the next attempt; each call doubles the one after (up to the ceiling). */
  next(): number {
    const delay = backoffDelayMs(this.timing, this.attempt);
    if (delay < this.timing.maxMs) this.attempt += 1;
    return delay;
  }

  /** Counts a failed try (a failed start, or a run that ended); returns how many in a row. */
  noteFailure(): number {
    this.failures += 1;
    return this.failures;
  }

  /** Call when a run ended: a run of `uptimeMs` ≥ `resetAfterMs` starts the sequence over. */
  noteRunEnded(uptimeMs: number): void {
    if (uptimeMs >= this.timing.resetAfterMs) this.reset();
  }

  /** Back to the first delay (after an explicit restart, for instance). */
  reset(): void {
    this.attempt = 1;
    this.failures = 0;
  }
}
