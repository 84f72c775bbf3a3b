/** Injected time source, so tests and the core agree on "now" without module mocks. */
export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
