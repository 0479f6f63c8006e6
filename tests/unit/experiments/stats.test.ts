import { describe, expect, it } from 'vitest';
import {
  armOf,
  canaryDecision,
  compareArms,
  confidenceSequenceHalfWidth,
  inCanary,
  msprtLikelihoodRatio,
  normalQuantile,
  sampleSizePerArm,
} from '@/lib/experiments/stats';
import { createRng } from '@/lib/util/random';

describe('normal quantiles (published table values)', () => {
  it('quantiles: z(0.975) = 1.959964, z(0.8) = 0.841621, z(0.995) = 2.575829, symmetric around 0', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 6);
    expect(normalQuantile(0.8)).toBeCloseTo(0.841621, 6);
    expect(normalQuantile(0.995)).toBeCloseTo(2.575829, 6);
    expect(normalQuantile(0.025)).toBeCloseTo(-1.959964, 6);
    expect(normalQuantile(0.5)).toBeCloseTo(0, 9);
    expect(() => normalQuantile(1)).toThrow(RangeError);
  });
});

describe('sample size per arm (fixed horizon, two proportions)', () => {
  it('10 % → 12 %, α 0.05 two-sided, power 0.8: (1.959964 + 0.841621)² · 0.1956 / 0.02² = 3838.1 → 3,839', () => {
    expect(sampleSizePerArm(0.1, 0.12)).toBe(3839);
  });

  it('grows as the effect shrinks (about 4× for half the effect) and refuses a zero effect', () => {
    expect(sampleSizePerArm(0.3, 0.35)).toBe(1374); // 7.848879 · (0.21 + 0.2275) / 0.0025
    expect(sampleSizePerArm(0.3, 0.325) / sampleSizePerArm(0.3, 0.35)).toBeGreaterThan(3.8);
    expect(() => sampleSizePerArm(0.3, 0.3)).toThrow(RangeError);
  });
});

describe('mSPRT (Johari et al.), hand-worked', () => {
  // n = 100 per arm, observed difference 0.1, pair variance V = 0.5, mixture τ² = 0.01:
  // √(0.5 / 1.5) = 0.577350, exponent = 100² · 0.01 · 0.1² / (2 · 0.5 · 1.5) = 0.666667 → Λ = 0.577350 · 1.947734 = 1.124526.
  it('likelihood ratio and p-value', () => {
    expect(msprtLikelihoodRatio(100, 0.1, 0.5, 0.01)).toBeCloseTo(1.124526, 5);
    expect(1 / msprtLikelihoodRatio(100, 0.1, 0.5, 0.01)).toBeCloseTo(0.889264, 5);
  });

  // half-width² = (2 · 0.5 · 1.5 / (100² · 0.01)) · (ln 20 + ½ ln 3) = 0.015 · 3.545038 = 0.0531756 → 0.230598.
  it('the confidence sequence ends exactly where Λ reaches 1/α', () => {
    const h = confidenceSequenceHalfWidth(100, 0.5, 0.01, 0.05);
    expect(h).toBeCloseTo(0.230598, 5);
    expect(msprtLikelihoodRatio(100, 0.1, 0.5, 0.01, 0.1 + h)).toBeCloseTo(20, 6);
    expect(msprtLikelihoodRatio(100, 0.1, 0.5, 0.01, 0.1 - h)).toBeCloseTo(20, 6);
  });

  it('compareArms on per-session 0/1 outcomes: the difference, its interval and the p-value', () => {
    const control = armOf([...Array(80).fill(0), ...Array(20).fill(1)]); // 0.20, variance 0.161616
    const treatment = armOf([...Array(70).fill(0), ...Array(30).fill(1)]); // 0.30, variance 0.212121
    const r = compareArms(control, treatment, 0.05, 0.01);
    expect(r.control).toBeCloseTo(0.2, 12);
    expect(r.treatment).toBeCloseTo(0.3, 12);
    expect(r.difference).toBeCloseTo(0.1, 12);
    const h = confidenceSequenceHalfWidth(100, 0.161616 + 0.212121, 0.01, 0.05);
    expect(r.upper - r.difference).toBeCloseTo(h, 5);
    expect(r.pValue).toBeCloseTo(1 / msprtLikelihoodRatio(100, 0.1, 0.373737, 0.01), 5);
  });
});

/** Per-session outcomes of two arms with like rates pc and pt; looks after every `every` sessions. */
function* looks(rng: () => number, pc: number, pt: number, sessions: number, every: number) {
  const c: number[] = [];
  const t: number[] = [];
  for (let i = 1; i <= sessions; i++) {
    c.push(rng() < pc ? 1 : 0);
    t.push(rng() < pt ? 1 : 0);
    if (i % every === 0) yield { c: armOf(c), t: armOf(t) };
  }
}

describe('always valid under peeking (simulation, 400 A/A experiments, 40 looks each)', () => {
  it('the sequential test keeps its error at most α while a z-test looked at as often does not', () => {
    const rng = createRng(2026);
    let sequential = 0;
    let naive = 0;
    for (let e = 0; e < 400; e++) {
      let seqHit = false;
      let naiveHit = false;
      for (const { c, t } of looks(rng, 0.25, 0.25, 2000, 50)) {
        const r = compareArms(c, t, 0.05, 1e-3);
        if (r.lower > 0 || r.upper < 0) seqHit = true;
        const se = Math.sqrt((r.control * (1 - r.control) + r.treatment * (1 - r.treatment)) / r.n);
        if (se > 0 && Math.abs(r.difference / se) > 1.959964) naiveHit = true;
      }
      if (seqHit) sequential++;
      if (naiveHit) naive++;
    }
    expect(sequential / 400).toBeLessThanOrEqual(0.05);
    expect(naive / 400).toBeGreaterThan(0.15);
  });
});

describe('canary decisions', () => {
  it('a clearly worse canary is rolled back, a clearly better or equal one promoted after the minimum', () => {
    const rng = createRng(7);
    const decide = (pc: number, pt: number) => {
      for (const { c, t } of looks(rng, pc, pt, 6000, 100)) {
        const d = canaryDecision(compareArms(c, t), 0.02, 500);
        if (d.action !== 'continue') return { ...d, at: c.n };
      }
      return { action: 'continue' as const, reason: 'undecided', at: 6000 };
    };
    const worse = decide(0.3, 0.2);
    expect(worse.action).toBe('rollback');
    expect(worse.reason).toMatch(/canary worse \(difference -\d/);
    const better = decide(0.2, 0.3);
    expect(better.action).toBe('promote');
    expect(better.at).toBeGreaterThanOrEqual(500);
    expect(decide(0.25, 0.25).action).not.toBe('rollback');
  });

  it('before the minimum a not-worse canary keeps going and says how far it is', () => {
    const d = canaryDecision(compareArms(armOf(Array(50).fill(0)), armOf(Array(50).fill(0))), 0.02, 500);
    expect(d).toEqual({ action: 'continue', reason: '50 of 500 sessions per arm' });
  });
});

describe('sticky canary assignment', () => {
  it('the same session always gets the same arm, and about `share` of sessions get the canary', () => {
    const ids = Array.from({ length: 20000 }, (_, i) => `session-${i}`);
    const first = ids.map((id) => inCanary(3, id, 0.1));
    expect(ids.map((id) => inCanary(3, id, 0.1))).toEqual(first);
    const share = first.filter(Boolean).length / ids.length;
    expect(share).toBeGreaterThan(0.09);
    expect(share).toBeLessThan(0.11);
    // Another experiment draws another sample of sessions.
    const other = ids.map((id) => inCanary(4, id, 0.1));
    expect(other.filter((x, i) => x && first[i]).length / ids.length).toBeLessThan(0.02);
    expect(ids.every((id) => !inCanary(3, id, 0))).toBe(true);
    expect(ids.every((id) => inCanary(3, id, 1))).toBe(true);
  });
});
