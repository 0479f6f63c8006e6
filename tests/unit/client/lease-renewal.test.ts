import { describe, expect, it } from 'vitest';
import { renewDelayMs } from '@/lib/client/lease-renewal';

describe('renewDelayMs', () => {
  const now = Date.parse('2026-12-04T12:00:00Z');
  it('renews at half the time left', () => {
    expect(renewDelayMs('2026-12-04T12:05:00Z', now)).toBe(150_000);
    expect(renewDelayMs(new Date(now + 20_000), now)).toBe(10_000);
  });
  it('never sooner than a second, also for a lease already past its expiry or an unreadable one', () => {
    expect(renewDelayMs(new Date(now + 1_000), now)).toBe(1000);
    expect(renewDelayMs(new Date(now - 30_000), now)).toBe(1000);
    expect(renewDelayMs('not a date', now)).toBe(1000);
  });
});
