import { describe, expect, it } from 'vitest';
import { committeeDisagreement, crowdDisagreement } from '@/lib/active/disagreement';
import { blendPriority } from '@/lib/active/priority';
import { scoreCandidates, selectBatch } from '@/lib/active/select';
import { binaryEntropy, tagUncertainty, uncertaintyScores } from '@/lib/active/uncertainty';
import { createRng } from '@/lib/util/random';

const top = (scores: ArrayLike<number>) => Array.from(scores).indexOf(Math.max(...Array.from(scores)));

describe('uncertainty', () => {
  // Item 1 is 50/50 on both tags; item 3 is sure on one tag and 50/50 on the other;
  // item 2 is mildly unsure on both.
  const probs = [0.95, 0.05, 0.5, 0.5, 0.7, 0.3, 0.99, 0.5];

  it.each(['least-confidence', 'margin', 'entropy'] as const)('%s picks the most uncertain item', (measure) => {
    expect(top(uncertaintyScores(probs, 4, 2, measure, 'mean'))).toBe(1);
    const batch = selectBatch({ n: 4, t: 2, probs }, { strategy: measure }, 1, createRng(1));
    expect(batch.items.map((c) => c.index)).toEqual([1]);
  });

  it('scores tags on [0,1] as documented', () => {
    expect(tagUncertainty(0.5, 'least-confidence')).toBe(1);
    expect(tagUncertainty(0.8, 'least-confidence')).toBeCloseTo(0.4, 12);
    expect(tagUncertainty(0.8, 'margin')).toBeCloseTo(0.4, 12);
    expect(tagUncertainty(1, 'entropy')).toBe(0);
    expect(binaryEntropy(0.5)).toBe(1);
    expect(binaryEntropy(0.25)).toBeCloseTo(0.811278, 6);
  });

  it('aggregates over tags by mean or max', () => {
    // Mean favours item 2 (mildly unsure on both tags); max favours item 3 (50/50 on one tag).
    const mean = uncertaintyScores(probs, 4, 2, 'entropy', 'mean');
    const max = uncertaintyScores(probs, 4, 2, 'entropy', 'max');
    expect(mean[2]).toBeCloseTo(binaryEntropy(0.7), 12);
    expect(mean[3]).toBeCloseTo((binaryEntropy(0.99) + 1) / 2, 12);
    expect(max[3]).toBe(1);
    expect(max[3]).toBeGreaterThan(max[2]);
    expect(mean[2]).toBeGreaterThan(mean[3]);
  });

  it('margin measures distance to per-tag thresholds', () => {
    // With threshold 0.7 for tag 0, p = 0.7 is right on the boundary.
    const s = uncertaintyScores([0.7, 0.5, 0.9, 0.5], 2, 2, 'margin', 'max', [0.7, 0.5]);
    expect(s[0]).toBe(1);
    expect(uncertaintyScores([0.7], 1, 1, 'margin', 'max', [0.3])[0]).toBeCloseTo(1 - 0.4 / 0.7, 12);
  });
});

describe('committee disagreement', () => {
  // Item 0: members agree (all 0.9). Item 1: split 2–1 on the side. Item 2: same side, different confidence.
  const members = [
    [0.9, 0.8, 0.55],
    [0.9, 0.7, 0.99],
    [0.9, 0.2, 0.6],
  ];

  it('vote entropy picks the item members vote differently on', () => {
    const s = committeeDisagreement(members, 3, 1, 'vote-entropy');
    expect(s[0]).toBe(0);
    expect(s[1]).toBeCloseTo(binaryEntropy(2 / 3), 12);
    expect(s[2]).toBe(0);
    expect(top(s)).toBe(1);
  });

  it('mean KL equals H(mean) − mean H and sees confidence disagreement', () => {
    const s = committeeDisagreement(members, 3, 1, 'mean-kl');
    expect(s[0]).toBeCloseTo(0, 12);
    const ps = [0.55, 0.99, 0.6];
    const kl = (p: number, q: number) => p * Math.log2(p / q) + (1 - p) * Math.log2((1 - p) / (1 - q));
    const mean = ps.reduce((a, b) => a + b) / 3;
    expect(s[2]).toBeCloseTo(ps.reduce((a, p) => a + kl(p, mean), 0) / 3, 10);
    expect(s[2]).toBeGreaterThan(0);
    expect(top(s)).toBe(1);
  });

  it('needs at least two members', () => {
    expect(() => committeeDisagreement([[0.5]], 1, 1)).toThrow(/at least 2/);
  });
});

describe('crowd disagreement', () => {
  it('picks the clip whose posterior is split, NaN counting as undecided', () => {
    const posteriors = [0.98, 0.02, 0.5, 0.9, 0.8, 0.1];
    expect(top(crowdDisagreement(posteriors, 3, 2, 'max'))).toBe(1);
    expect(crowdDisagreement([NaN, 0], 1, 2, 'mean')[0]).toBe(0.5);
    const batch = selectBatch({ n: 3, t: 2, posteriors }, { strategy: 'crowd' }, 1, createRng(1));
    expect(batch.items[0]).toMatchObject({ index: 1, reason: expect.stringMatching(/annotators disagree/) });
  });
});

describe('random', () => {
  it('is deterministic under a seed and covers the pool', () => {
    const pool = { n: 50, t: 1 };
    const a = selectBatch(pool, { strategy: 'random' }, 10, createRng(5)).items.map((c) => c.index);
    const b = selectBatch(pool, { strategy: 'random' }, 10, createRng(5)).items.map((c) => c.index);
    const c = selectBatch(pool, { strategy: 'random' }, 10, createRng(6)).items.map((c) => c.index);
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
    expect(new Set(a).size).toBe(10);
  });
});

describe('blendPriority', () => {
  it('weights the signals present and explains the result', () => {
    const p = blendPriority(
      { uncertainty: 0.9, disagreement: 0.2, votesNeeded: 1 },
      { uncertainty: 0.5, disagreement: 0.25, diversity: 0.5, votesNeeded: 0.25 },
    );
    // Diversity is absent, so the weights renormalise to 0.5, 0.25, 0.25.
    expect(p.priority).toBeCloseTo(0.5 * 0.9 + 0.25 * 0.2 + 0.25 * 1, 12);
    expect(p.terms.map((term) => term.name)).toEqual(['uncertainty', 'votesNeeded', 'disagreement']);
    expect(p.terms[0]).toMatchObject({ score: 0.9, weight: 0.5 });
    expect(p.reason).toBe('model unsure (0.90) · needs votes (1.00)');
  });

  it('clamps scores, rejects negative weights, handles no signal', () => {
    expect(blendPriority({ uncertainty: 3 }).priority).toBe(1);
    expect(blendPriority({}).priority).toBe(0);
    expect(() => blendPriority({ uncertainty: 1 }, { uncertainty: -1 })).toThrow(/weight/);
  });

  it('drives the hybrid strategy', () => {
    const scored = scoreCandidates(
      { n: 2, t: 1, probs: [0.5, 0.99], posteriors: [0.99, 0.5], votesNeeded: [0, 1] },
      { strategy: 'hybrid', weights: { uncertainty: 1, disagreement: 1, diversity: 0, votesNeeded: 1 } },
      createRng(1),
    );
    expect(scored[0].priority).toBeCloseTo((1 + binaryEntropy(0.99) + 0) / 3, 12);
    expect(scored[1].priority).toBeCloseTo((binaryEntropy(0.99) + 1 + 1) / 3, 12);
    expect(scored[1].terms.map((t) => t.name)).toContain('votesNeeded');
  });

  it('names the unknown strategy and the missing input', () => {
    expect(() => scoreCandidates({ n: 1, t: 1 }, { strategy: 'bald' as never }, createRng(1))).toThrow(/unknown strategy "bald"/);
    expect(() => scoreCandidates({ n: 1, t: 1 }, { strategy: 'entropy' }, createRng(1))).toThrow(/needs probs/);
  });
});
