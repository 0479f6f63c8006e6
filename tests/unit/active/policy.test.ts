/**
 * Issue 13 item 1: the live queue's priorities (lib/active/service.ts modelPriorities, what
 * rescoring writes) and `chorus simulate`'s picks (simulationPicks, what simulateLoop labels)
 * come from one implementation: the same model outputs, votes and settings give the same order.
 */
import { describe, expect, it } from 'vitest';
import type { CatalogMatrix } from '@/lib/model/catalog-matrix';
import { modelPriorities } from '@/lib/active/service';
import { productPriorityWeights, simulationPicks } from '@/lib/active/simulate';
import { QUEUE_BATCH, QUEUE_STRATEGIES, queuePriorities, type QueueStrategy } from '@/lib/active/policy';
import { densityScores } from '@/lib/active/diversity';
import { createRng } from '@/lib/util/random';

function fixture(n: number, t: number, h: number, settled: number, seed: number) {
  const rng = createRng(seed);
  const probs = Float32Array.from({ length: n * t }, () => rng());
  const embedding = Float32Array.from({ length: n * h }, () => rng() * 4 - 2);
  const labelState = Array.from({ length: n }, (_, i) =>
    i % Math.ceil(n / settled) === 0 ? 'consensus' : 'open',
  ) as CatalogMatrix['labelState'];
  const posteriors = new Float32Array(n * t).fill(NaN);
  const hasAggregates = new Uint8Array(n);
  labelState.forEach((s, i) => {
    if (s !== 'consensus') return;
    hasAggregates[i] = 1;
    for (let j = 0; j < t; j++) posteriors[i * t + j] = rng() < 0.5 ? 0.95 : 0.05;
  });
  const catalog: CatalogMatrix = {
    featureVersion: 'test',
    tags: Array.from({ length: t }, (_, j) => `tag${j}`),
    n,
    d: 3,
    t,
    ids: Array.from({ length: n }, (_, i) => String(i).padStart(6, '0')),
    x: Float32Array.from({ length: n * 3 }, () => rng() * 10),
    labelState,
    voteCount: Int32Array.from(labelState, (s) => (s === 'consensus' ? 3 : 0)),
    overlapTarget: new Int32Array(n).fill(3),
    artist: Array.from({ length: n }, (_, i) => `a${i % 7}`),
    storedSplit: new Array(n).fill(null),
    posteriors,
    confidences: new Float32Array(n * t).fill(NaN),
    hasAggregates,
  };
  return { catalog, probs, embedding };
}

/** The live queue's serving order: priority desc, then clip id (= row here). */
function liveOrder(rows: number[], priority: Float64Array): number[] {
  const at = new Map(rows.map((r, k) => [r, priority[k]]));
  return rows.slice().sort((a, b) => at.get(b)! - at.get(a)! || a - b);
}

describe('one queue policy for the live queue and chorus simulate', () => {
  it.each(QUEUE_STRATEGIES.map((s) => [s]))(
    '%s: the simulation labels exactly the clips the live queue serves next, in order',
    (strategy) => {
      const n = 400;
      const { catalog, probs, embedding } = fixture(n, 5, 5, 150, 3);
      const weights = productPriorityWeights();
      // The model's per-tag decision thresholds (margin measures the distance to them).
      const thresholds = [0.2, 0.35, 0.5, 0.65, 0.1];
      const live = modelPriorities(
        catalog,
        probs,
        embedding,
        5,
        { strategy, priorityWeights: weights },
        createRng(42),
        thresholds,
      );
      const order = liveOrder(live.rows, live.priority);
      const isLabeled = Uint8Array.from(catalog.labelState, (s) => (s === 'consensus' ? 1 : 0));
      const round = {
        P: n,
        t: 5,
        isLabeled,
        probs,
        embedding,
        h: 5,
        groups: catalog.artist,
        thresholds,
        features: catalog.x,
        d: 3,
      };
      const sim = simulationPicks(round, strategy as QueueStrategy, weights, n, createRng(42));
      expect(sim).toEqual(order);
      expect(sim.length).toBe(catalog.labelState.filter((s) => s === 'open').length);
      expect(sim.length).toBeGreaterThan(200);
      // The batch the simulation labels is the head of that order.
      expect(simulationPicks(round, strategy as QueueStrategy, weights, 20, createRng(42))).toEqual(order.slice(0, 20));
    },
  );

  it('strategies are told apart: uncertainty takes the max over tags, margin and entropy the mean (hand-worked)', () => {
    // Clip 0: one coin-flip tag, two sure ones → least confidence per tag [1, 0.02, 0.02]: max 1, mean 0.347.
    // Clip 1: three tags at 0.3 → least confidence 0.6 each: max 0.6, mean 0.6.
    const probs = [0.5, 0.99, 0.99, 0.3, 0.3, 0.3];
    const state = { n: 2, t: 3, candidates: [0, 1], labelled: [], probs };
    const rng = createRng(1);
    expect(queuePriorities(state, 'uncertainty', undefined, rng).order).toEqual([0, 1]);
    expect(queuePriorities(state, 'margin', undefined, rng).order).toEqual([1, 0]);
    const u = queuePriorities(state, 'uncertainty', undefined, rng).priority;
    expect(u[0]).toBeCloseTo(1, 12);
    expect(u[1]).toBeCloseTo(0.6, 6);
    const m = queuePriorities(state, 'margin', undefined, rng).priority;
    expect(m[0]).toBeCloseTo((1 + 0.02 + 0.02) / 3, 6);
  });

  it('margin measures the distance to the model’s own thresholds (hand-worked)', () => {
    // One tag, τ = 0.25: margin uncertainty 1 − |p − τ| / max(τ, 1 − τ) →
    // clip 0 (p 0.3): 1 − 0.05/0.75 = 0.9333; clip 1 (p 0.6): 1 − 0.35/0.75 = 0.5333.
    // At τ = 0.5 the order flips: clip 0: 1 − 0.2/0.5 = 0.6; clip 1: 1 − 0.1/0.5 = 0.8.
    const state = { n: 2, t: 1, candidates: [0, 1], labelled: [], probs: [0.3, 0.6] };
    const atTau = queuePriorities({ ...state, thresholds: [0.25] }, 'margin', undefined, createRng(1));
    expect(atTau.order).toEqual([0, 1]);
    expect(atTau.priority[0]).toBeCloseTo(1 - 0.05 / 0.75, 6);
    expect(atTau.priority[1]).toBeCloseTo(1 - 0.35 / 0.75, 6);
    const atHalf = queuePriorities(state, 'margin', undefined, createRng(1));
    expect(atHalf.order).toEqual([1, 0]);
    expect(atHalf.priority[0]).toBeCloseTo(0.6, 6);
    // Entropy is about the probability, not the decision: the thresholds leave it alone.
    expect(queuePriorities({ ...state, thresholds: [0.25] }, 'entropy', undefined, createRng(1)).priority).toEqual(
      queuePriorities(state, 'entropy', undefined, createRng(1)).priority,
    );
    expect(() => queuePriorities({ ...state, thresholds: [0.25, 0.5] }, 'margin', undefined, createRng(1))).toThrow(
      /2 thresholds for 1 tags/,
    );
  });

  it('artist quota: no artist takes more than a quarter of the next batch, whatever the scores', () => {
    // 40 candidates; the ten most uncertain are all by artist A, the rest by ten other artists.
    const n = 40;
    const probs = Array.from({ length: n }, (_, i) => (i < 10 ? 0.5 : 0.5 + 0.01 * i));
    const groups = Array.from({ length: n }, (_, i) => (i < 10 ? 'A' : `B${i % 10}`));
    const candidates = Array.from({ length: n }, (_, i) => i);
    const r = queuePriorities({ n, t: 1, candidates, labelled: [], probs, groups }, 'entropy', undefined, createRng(1));
    const batch = r.order.slice(0, QUEUE_BATCH);
    expect(batch.filter((i) => groups[i] === 'A')).toEqual([0, 1, 2, 3, 4]); // ⌊0.25·20⌋ = 5, best first
    expect(batch.slice(5)).toEqual(Array.from({ length: 15 }, (_, k) => 10 + k)); // then the ranking goes on
    expect(r.order.slice(QUEUE_BATCH, QUEUE_BATCH + 5)).toEqual([5, 6, 7, 8, 9]); // A's others follow the batch
    // The moved clips say so: their 'batch' adjustment makes up the difference to the blended score.
    const at = new Map(r.rows.map((row, k) => [row, k]));
    expect(r.adjustment[at.get(10)!]).toBeGreaterThan(0);
    expect(r.adjustment[at.get(5)!]).toBeLessThan(0);
    // Without artists the ten A clips lead.
    const plain = queuePriorities({ n, t: 1, candidates, labelled: [], probs }, 'entropy', undefined, createRng(1));
    expect(plain.order.slice(0, 10)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it('hybrid spreads the next batch: copies of one clip at the top of the scores yield one place in it', () => {
    // 30 candidates; rows 0–4 share one embedding and are the most uncertain; the others are spread out.
    const n = 30;
    const t = 1;
    const probs = Array.from({ length: n }, (_, i) => (i < 5 ? 0.5 : 0.5 + 0.015 * i));
    const embedding = Array.from({ length: n * 2 }, (_, k) => {
      const i = Math.floor(k / 2);
      return i < 5 ? 0 : k % 2 === 0 ? Math.cos(i) * 3 : Math.sin(i) * 3;
    });
    const r = queuePriorities(
      { n, t, candidates: Array.from({ length: n }, (_, i) => i), labelled: [], probs, embedding, h: 2 },
      'hybrid',
      undefined,
      createRng(1),
    );
    const batch = r.order.slice(0, Math.min(QUEUE_BATCH, n));
    expect(batch.filter((i) => i < 5)).toHaveLength(1);
    // Without diversity (uncertainty alone) the five copies lead.
    const plain = queuePriorities(
      { n, t, candidates: Array.from({ length: n }, (_, i) => i), labelled: [], probs },
      'entropy',
      undefined,
      createRng(1),
    );
    expect(plain.order.slice(0, 5).sort()).toEqual([0, 1, 2, 3, 4]);
    // Serving by priority gives that order: priorities strictly decrease along it in the head.
    const at = new Map(r.rows.map((row, k) => [row, r.priority[k]]));
    for (let k = 1; k < batch.length; k++) expect(at.get(batch[k - 1])!).toBeGreaterThan(at.get(batch[k])!);
  });

  it('density: entropy × information density, so the outlier the model is as unsure of comes last (hand-worked)', () => {
    // One feature [1, 2, 3, 10]: mean 4, so the z-scores' signs are − − − +; in one dimension the
    // unit vectors are −1, −1, −1, +1 and the cosines ±1. (1 + cos)/2 averaged over the four clips:
    // rows 0–2: (1 + 1 + 1 + 0)/4 = 0.75; row 3: (0 + 0 + 0 + 1)/4 = 0.25.
    expect(Array.from(densityScores([1, 2, 3, 10], 4, 1, [0, 1, 2, 3], [0, 1, 2, 3]))).toEqual([0.75, 0.75, 0.75, 0.25]);
    // Three points at 120° after standardising (z rows ∝ (√3/2, −½), (−√3/2, −½), (0, 1)): cos = −½
    // between any two, so each scores (1 + 0.25 + 0.25)/3 = 0.5; against row 2 alone row 0 scores 0.25.
    const tri = [1, 0, -1, 0, 0, 1];
    Array.from(densityScores(tri, 3, 2, [0, 1, 2], [0, 1, 2])).forEach((v) => expect(v).toBeCloseTo(0.5, 12));
    expect(densityScores(tri, 3, 2, [0], [2])[0]).toBeCloseTo(0.25, 12);
    // In the queue: all four equally uncertain (p = ½, entropy 1), so priority = density.
    const state = {
      n: 4,
      t: 1,
      candidates: [0, 1, 2, 3],
      labelled: [],
      probs: [0.5, 0.5, 0.5, 0.5],
      features: [1, 2, 3, 10],
      d: 1,
    };
    const r = queuePriorities(state, 'density', undefined, createRng(1));
    expect(r.order).toEqual([0, 1, 2, 3]);
    expect(Array.from(r.priority)).toEqual([0.75, 0.75, 0.75, 0.25]);
    // The terms still sum to the priority.
    expect(r.terms[3].reduce((a, term) => a + term.contribution, 0)).toBeCloseTo(0.25, 12);
    // Entropy alone cannot tell them apart (ties by row), and density without features is refused.
    expect(Array.from(queuePriorities(state, 'entropy', undefined, createRng(1)).priority)).toEqual([1, 1, 1, 1]);
    expect(() => queuePriorities({ ...state, features: undefined }, 'density', undefined, createRng(1))).toThrow(
      /feature vectors/,
    );
  });

  it('warm-up: below the warm-up count every strategy ranks at random, from it on the strategy ranks', () => {
    const n = 50;
    const probs = Array.from({ length: n }, (_, i) => i / n); // most uncertain near row 25
    const candidates = Array.from({ length: n - 10 }, (_, i) => i + 10);
    const labelled = Array.from({ length: 10 }, (_, i) => i);
    const state = { n, t: 1, candidates, labelled, probs };
    const random = queuePriorities(state, 'random', undefined, createRng(7)).order;
    expect(queuePriorities({ ...state, warmup: 11 }, 'uncertainty', undefined, createRng(7)).order).toEqual(random);
    const ranked = queuePriorities({ ...state, warmup: 10 }, 'uncertainty', undefined, createRng(7)).order;
    expect(ranked).toEqual(queuePriorities(state, 'uncertainty', undefined, createRng(7)).order);
    expect(ranked.slice(0, 2).sort()).toEqual([24, 25]); // p = 0.48 and 0.5 … least confidence near ½
    expect(ranked).not.toEqual(random);
  });

  it('hybrid novelty in feature space: z-scored distance to the labelled clips, scaled by the largest (hand-worked)', () => {
    // Features [0, 1, 2, 5], row 0 labelled: distances in z-space are 1/σ, 2/σ, 5/σ → 0.2, 0.4, 1 after scaling.
    const weights = { uncertainty: 0, disagreement: 0, diversity: 1, votesNeeded: 0 };
    const state = { n: 4, t: 1, candidates: [1, 2, 3], labelled: [0], probs: [0.5, 0.5, 0.5, 0.5], features: [0, 1, 2, 5], d: 1 };
    const r = queuePriorities({ ...state, noveltySpace: 'features' }, 'hybrid', weights, createRng(1));
    expect(r.order).toEqual([3, 2, 1]);
    [0.2, 0.4, 1].forEach((v, k) => expect(r.priority[k]).toBeCloseTo(v, 6));
    // In embedding space (none given) there is no novelty signal at all.
    expect(queuePriorities(state, 'hybrid', weights, createRng(1)).terms.every((ts) => ts.length === 0)).toBe(true);
  });
});
