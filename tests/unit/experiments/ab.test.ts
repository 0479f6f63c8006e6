import { describe, expect, it } from 'vitest';
import { planExperiment, sessionArm, verdictOf } from '@/lib/experiments/ab';
import { compareArms, inCanary } from '@/lib/experiments/stats';
import { createRng } from '@/lib/util/random';

// Listener session ids are random UUIDs; sequential ids ('s1', 's2', …) would test FNV-1a's weak mixing of a last character instead.
const rng = createRng(20);
const ids = Array.from({ length: 2000 }, () => Array.from({ length: 32 }, () => Math.floor(rng() * 16).toString(16)).join(''));

describe('planExperiment (two-proportion formula, α 0.05 two-sided, power 0.8)', () => {
  it('baseline 20 %, detect +5 pts: (1.959964 + 0.841621)² · (0.16 + 0.1875) / 0.05² = 7.848879 · 0.3475 / 0.0025 = 1091.0 → 1,091 per arm', () => {
    expect(planExperiment(0.2, 0.05)).toEqual({ sessionsPerArm: 1091, totalSessions: 2182 });
  });

  it('65 % vs 85 %: (0.2275 + 0.1275) · 7.848879 / 0.2² = 69.7 → 70', () => {
    expect(planExperiment(0.65, 0.2).sessionsPerArm).toBe(70);
  });

  it('an uneven split needs more sessions in all: the smaller arm must reach the count', () => {
    expect(planExperiment(0.2, 0.05, 0.2)).toEqual({ sessionsPerArm: 1091, totalSessions: 5455 });
    expect(() => planExperiment(0.2, 0.05, 1)).toThrow(RangeError);
  });
});

describe('sessionArm', () => {
  const e = { id: 7, share: 0.5, startedAt: new Date('2026-01-01T00:00:00Z'), stoppedAt: new Date('2026-01-02T00:00:00Z') };
  const during = new Date('2026-01-01T12:00:00Z');
  it('is sticky, splits about evenly, and is null before the start and from the stop on', () => {
    const arms = ids.map((id) => sessionArm(e, { id, createdAt: during }));
    expect(arms.every((a, i) => a === sessionArm(e, { id: ids[i], createdAt: during }))).toBe(true);
    const treated = arms.filter((a) => a === 'treatment').length;
    // Binomial(2000, 0.5): sd 22; 900..1100 is 4.5 sd.
    expect(treated).toBeGreaterThan(900);
    expect(treated).toBeLessThan(1100);
    expect(sessionArm(e, { id: 's1', createdAt: new Date('2025-12-31T23:59:59Z') })).toBeNull();
    expect(sessionArm(e, { id: 's1', createdAt: e.stoppedAt })).toBeNull();
    expect(sessionArm({ ...e, stoppedAt: null }, { id: 's1', createdAt: new Date('2030-01-01T00:00:00Z') })).not.toBeNull();
  });

  it('does not split like a canary with the same id (the key is prefixed)', () => {
    const differ = ids.slice(0, 200).map((id) => (sessionArm(e, { id, createdAt: during }) === 'treatment') !== inCanary(7, id, 0.5));
    // Independent splits disagree on half the sessions (sd 7); identical ones on none.
    expect(differ.filter(Boolean).length).toBeGreaterThan(60);
  });
});

describe('verdictOf', () => {
  const arm = (n: number, ones: number) => ({ n, sum: ones, sumSq: ones });
  it('treatment better only when the whole interval is above zero, control better when below, else inconclusive', () => {
    expect(verdictOf(compareArms(arm(2000, 400), arm(2000, 700)))).toBe('treatment better');
    expect(verdictOf(compareArms(arm(2000, 700), arm(2000, 400)))).toBe('control better');
    expect(verdictOf(compareArms(arm(50, 10), arm(50, 12)))).toBe('inconclusive');
    expect(verdictOf(compareArms(arm(0, 0), arm(0, 0)))).toBe('inconclusive');
  });
});
