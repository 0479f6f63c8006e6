import { describe, expect, it } from 'vitest';
import { pairKeyOf } from '@/lib/projects/items-repo';
import { rankPairs } from '@/lib/projects/queue';

/** The pairwise queue's ordering of candidate pairs (lib/projects/queue.ts `rankPairs`), worked by hand. */

const fit = new Map([
  ['x', { score: 0, scoreSd: 1 }],
  ['y', { score: 0.1, scoreSd: 1 }],
  ['hi', { score: 3, scoreSd: 0.1 }],
  ['lo', { score: -3, scoreSd: 0.1 }],
]);

describe('rankPairs', () => {
  it('puts the close, poorly known pair first, with its gain in nats', () => {
    const ranked = rankPairs(['hi', 'lo', 'x', 'y'], fit, new Set());
    expect(ranked).toHaveLength(6);
    // p = σ(−0.1) = 0.475021, J = p(1 − p) = 0.249376 (η = 1), v = 1² + 1² = 2: ½·ln(1 + 0.498752) = 0.202316.
    expect(ranked[0]).toMatchObject({ a: 'x', b: 'y' });
    expect(ranked[0].gain).toBeCloseTo(0.202316, 5);
    // hi against lo: p = σ(6) = 0.997527, J = 0.002467, v = 0.02: ½·ln(1 + 0.0000493) ≈ 0.0000247, the last.
    expect(ranked[5]).toMatchObject({ a: 'hi', b: 'lo' });
    expect(ranked[5].gain).toBeCloseTo(0.0000247, 6);
    for (let i = 1; i < ranked.length; i++) expect(ranked[i - 1].gain).toBeGreaterThanOrEqual(ranked[i].gain);
  });

  it('leaves out pairs already compared, in either order', () => {
    const ranked = rankPairs(['hi', 'lo', 'x', 'y'], fit, new Set([pairKeyOf('y', 'x')]));
    expect(ranked).toHaveLength(5);
    expect(ranked.some((p) => [p.a, p.b].sort().join() === 'x,y')).toBe(false);
  });

  it('without a fit every pair ties (θ 0, sd 1) and the candidates\' order decides', () => {
    const ranked = rankPairs(['c', 'a', 'b'], new Map(), new Set());
    expect(ranked.map((p) => `${p.a}-${p.b}`)).toEqual(['c-a', 'c-b', 'a-b']);
    // p = ½, J = ¼, v = 2: ½·ln(1.5).
    for (const p of ranked) expect(p.gain).toBeCloseTo(0.5 * Math.log(1.5), 10);
  });
});
