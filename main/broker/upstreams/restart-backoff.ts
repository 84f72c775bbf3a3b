/**
 * Delays between restarts of a server that keeps crashing or failing to start: starts small,
 * doubles up to a ceiling, and starts over once a run lasted long enough to count as healthy.
 */
export interface BackoffTiming {
  /** First delay, in ms (500 by default). */
  initialMs: number;
  /** Ceiling, in ms (30 s by default). */
  maxMs: number;
  /** A run at least this long (ms) resets the delay to `initialMs` (60 s by default). */
  resetAfterMs: number;
}

export const DEFAULT_BACKOFF: BackoffTiming = { initialMs: 500, maxMs: 30_000, resetAfterMs: 60_000 };

/** Exponential restart backoff with a reset after a healthy run. */
export class RestartBackoff {
  private nextMs: number;

  constructor(private readonly timing: BackoffTiming = DEFAULT_BACKOFF) {
    this.nextMs = timing.initialMs;
  }

  /** The delay before the next attempt; each call doubles the one after (up to the ceiling). */
  next(): number {
    const delay = this.nextMs;
    this.nextMs = Math.min(this.timing.maxMs, Math.max(1, this.nextMs * 2));
    return delay;
  }

  /** Call when a run ended: a run of `uptimeMs` ≥ `resetAfterMs` starts the sequence over. */
  noteRunEnded(uptimeMs: number): void {
    if (uptimeMs >= this.timing.resetAfterMs) this.reset();
  }

  /** Back to the first delay (after an explicit restart, for instance). */
  reset(): void {
    this.nextMs = this.timing.initialMs;
  }
}
