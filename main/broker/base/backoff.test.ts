import { describe, expect, it } from 'vitest';

import { backoffDelayMs } from './backoff.js';

describe('backoffDelayMs', () => {
  it('starts at the initial delay and doubles up to the ceiling', () => {
    const timing = { initialMs: 500, maxMs: 30_000 };
    const delays = Array.from({ length: 9 }, (_, i) => backoffDelayMs(timing, i + 1));
    expect(delays).toEqual([500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000, 30_000]);
  });

  it('stays at the ceiling for very many attempts and treats attempts below 1 as the first', () => {
    const timing = { initialMs: 1_000, maxMs: 30_000 };
    expect(backoffDelayMs(timing, 10_000)).toBe(30_000);
    expect(backoffDelayMs(timing, 0)).toBe(1_000);
  });
});
