import { describe, expect, it } from 'vitest';

import { nextRefreshAllowedAt, refreshJitterMs, refreshLeadMs } from './refresh-timing.js';

const at = (lifetimeS: number) => ({ obtainedAt: 1_000_000, expiresAt: 1_000_000 + lifetimeS * 1000 });

describe('refresh timing', () => {
  it('REL-2 the lead is the smaller of the cap and a third of the lifetime; the cap when the lifetime is unknown', () => {
    expect(refreshLeadMs(at(30), 60_000)).toBe(10_000);
    expect(refreshLeadMs(at(3600), 60_000)).toBe(60_000);
    expect(refreshLeadMs(at(6), 60_000)).toBe(2_000);
    expect(refreshLeadMs({ expiresAt: 5 }, 60_000)).toBe(60_000);
  });

  it('REL-2 jitter stays within the first fifth of the lead; the minimum interval is a quarter of the lifetime within 1–30 s', () => {
    expect(refreshJitterMs(10_000, () => 0)).toBe(0);
    expect(refreshJitterMs(10_000, () => 0.999)).toBeLessThan(2_000);
    expect(nextRefreshAllowedAt(at(30)) - 1_000_000).toBe(7_500);
    expect(nextRefreshAllowedAt(at(2)) - 1_000_000).toBe(1_000);
    expect(nextRefreshAllowedAt(at(3600)) - 1_000_000).toBe(30_000);
    expect(nextRefreshAllowedAt({ expiresAt: 5 })).toBe(0);
  });
});
