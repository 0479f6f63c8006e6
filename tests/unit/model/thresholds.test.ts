import { describe, expect, it } from 'vitest';
import { trainCrossFitted } from '@/lib/model/crossfit';
import { evaluateMultiLabel } from '@/lib/model/metrics';
import { computeStandardization } from '@/lib/model/standardize';
import { trainClassifier } from '@/lib/model/train';
import { bestF1Threshold, parseThresholds, selectMicroThresholds, selectThresholds } from '@/lib/model/thresholds';
import { createRng } from '@/lib/util/random';

/** F1 of "p ≥ c" computed directly, the independent check of the sweep. */
function f1At(probs: number[], labels: number[], c: number): number {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  probs.forEach((p, i) => {
    if (p >= c && labels[i] === 1) tp++;
    else if (p >= c) fp++;
    else if (labels[i] === 1) fn++;
  });
  return tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
}

describe('bestF1Threshold (hand-worked)', () => {
  it('cuts in the gap that maximises F1', () => {
    // Sorted: 0.9(+) 0.4(+) 0.3(−) 0.1(−): top 1 → F1 2/3, top 2 → 1; cut between 0.4 and 0.3.
    const c = bestF1Threshold([0.9, 0.4, 0.3, 0.1], [1, 1, 0, 0]);
    expect(c.threshold).toBeCloseTo(0.35, 12);
    expect(c.f1).toBe(1);
  });

  it('keeps tied probabilities together', () => {
    // Splitting the two 0.8 rows would give F1 = 1; taking both gives 2/(2+1), all three 2/4.
    const c = bestF1Threshold([0.8, 0.8, 0.3], [1, 0, 0]);
    expect(c.threshold).toBeCloseTo(0.55, 12);
    expect(c.f1).toBeCloseTo(2 / 3, 12);
  });

  it('counts example weights', () => {
    // Unweighted: top 1 → 2/3, top 2 → 1/2, all → 4/5: cut at (0.4 + 0)/2.
    expect(bestF1Threshold([0.9, 0.6, 0.4], [1, 0, 1]).threshold).toBeCloseTo(0.2, 12);
    // Weight 3 on the 0.6 negative: top 1 → 2/(1+2), all → 4/(5+2): cut between 0.9 and 0.6.
    expect(bestF1Threshold([0.9, 0.6, 0.4], [1, 0, 1], [1, 3, 1]).threshold).toBeCloseTo(0.75, 12);
  });

  it('keeps 0.5 without positives and skips unknown labels', () => {
    expect(bestF1Threshold([0.9, 0.1], [0, 0])).toEqual({ threshold: 0.5, f1: NaN });
    expect(bestF1Threshold([0.9, 0.7, 0.2], [1, NaN, 0]).threshold).toBeCloseTo(0.55, 12);
  });

  it('matches a brute-force search over every cut on random data', () => {
    const rng = createRng(5);
    for (let trial = 0; trial < 50; trial++) {
      const n = 5 + Math.floor(rng() * 30);
      const probs = Array.from({ length: n }, () => Math.round(rng() * 20) / 20);
      const labels = probs.map((p) => (rng() < p ? 1 : 0));
      if (!labels.includes(1)) continue;
      const brute = Math.max(...probs.map((c) => f1At(probs, labels, c)));
      const c = bestF1Threshold(probs, labels);
      expect(c.f1).toBeCloseTo(brute, 12);
      expect(f1At(probs, labels, c.threshold)).toBeCloseTo(brute, 12);
    }
  });

  it('refuses bad input', () => {
    expect(() => bestF1Threshold([0.5], [1, 0])).toThrow(/1 probabilities for 2 labels/);
    expect(() => bestF1Threshold([1.5], [1])).toThrow(/expected \[0, 1\]/);
    expect(() => parseThresholds([0.5, 1], 2, 'model 3')).toThrow(/model 3: thresholds must be 2 numbers in \(0, 1\)/);
  });
});

describe('per-tag thresholds: own F1 versus pooled micro-F1 (hand-worked)', () => {
  // Two clips-by-tags matrices, 4 rows × 2 tags, row-major.
  // Tag 0: 0.9(+) 0.8(+) 0.7(+) 0.2(−); tag 1 (rare): 0.6(−) 0.5(−) 0.4(−) 0.3(+).
  const probs = [0.9, 0.6, 0.8, 0.5, 0.7, 0.4, 0.2, 0.3];
  const labels = [1, 0, 1, 0, 1, 0, 0, 1];

  it("'tag-f1' lowers the rare tag's cut below every negative", () => {
    // Tag 1 alone: F1 is 0 until its only positive is on, 2/(4+1) with all four on.
    const { thresholds } = selectThresholds(probs, labels, 4, 2);
    expect(thresholds[0]).toBeCloseTo(0.45, 12);
    expect(thresholds[1]).toBeCloseTo(0.15, 12);
  });

  it("'micro-f1' keeps one shared cut when lowering a tag costs the pool", () => {
    // Pooled: top 3 (tag 0's positives) → 6/7; tag 1 all on → 8/(7+4) < 6/7, so nothing moves.
    const r = selectMicroThresholds(probs, labels, 4, 2);
    expect(Array.from(r.thresholds)).toEqual([0.65, 0.65].map((v) => expect.closeTo(v, 12)));
    expect(r.microF1).toBeCloseTo(6 / 7, 12);
    const m = evaluateMultiLabel(labels, probs, 4, 2, { thresholds: r.thresholds });
    expect(m.microF1).toBeCloseTo(6 / 7, 12);
    expect(m.thresholds).toEqual(Array.from(r.thresholds));
  });

  it("'micro-f1' moves a tag whose probabilities sit on another scale", () => {
    // Tag 0: 0.9(+) 0.8(+) 0.7(−) 0.6(−); tag 1: 0.3(+) 0.25(+) 0.1(−) 0.05(−).
    // Shared cut 0.175 (pooled F1 8/10); then tag 0 alone to 0.75 makes every prediction right.
    const p = [0.9, 0.3, 0.8, 0.25, 0.7, 0.1, 0.6, 0.05];
    const y = [1, 1, 1, 1, 0, 0, 0, 0];
    const r = selectMicroThresholds(p, y, 4, 2);
    expect(r.thresholds[0]).toBeCloseTo(0.75, 12);
    expect(r.thresholds[1]).toBeCloseTo(0.175, 12);
    expect(r.microF1).toBe(1);
    expect(evaluateMultiLabel(y, p, 4, 2, { thresholds: r.thresholds }).microF1).toBe(1);
  });

  it('never does worse on the validation rows than the best shared threshold (random data)', () => {
    const rng = createRng(9);
    for (let trial = 0; trial < 20; trial++) {
      const n = 30;
      const t = 4;
      const p = Array.from({ length: n * t }, () => rng());
      const y = p.map((v, k) => (rng() < v * (k % t === 3 ? 0.2 : 1) ? 1 : 0));
      const shared = Math.max(...p.map((c) => evaluateMultiLabel(y, p, n, t, { threshold: c }).microF1));
      const r = selectMicroThresholds(p, y, n, t);
      const got = evaluateMultiLabel(y, p, n, t, { thresholds: r.thresholds }).microF1;
      expect(got).toBeCloseTo(r.microF1, 12);
      expect(got).toBeGreaterThanOrEqual(shared - 1e-12);
    }
  });
});

describe('thresholds chosen while training', () => {
  const rng = createRng(3);
  const n = 300;
  const d = 3;
  const x = Float32Array.from({ length: n * d }, () => rng() * 2 - 1);
  // Tag 0 common, tag 1 rare (about 10 %): a 0.5 cut on calibrated probabilities rarely fires for it.
  const y = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    y[i * 2] = x[i * d] + 0.3 * (rng() - 0.5) > 0 ? 1 : 0;
    y[i * 2 + 1] = x[i * d + 1] + 0.3 * (rng() - 0.5) > 0.8 ? 1 : 0;
  }
  const standardization = computeStandardization(x, n, d);

  it('trainClassifier picks them on its validation split, and "fixed" keeps 0.5', () => {
    const tuned = trainClassifier({ x, n, d, y, t: 2 }, { kind: 'logistic', seed: 1, standardization, epochs: 60 });
    expect(tuned.thresholds).toHaveLength(2);
    for (const v of tuned.thresholds) expect(v > 0 && v < 1).toBe(true);
    expect(Array.from(tuned.thresholds)).not.toEqual([0.5, 0.5]);
    const fixed = trainClassifier({ x, n, d, y, t: 2 }, { kind: 'logistic', seed: 1, standardization, epochs: 60, thresholds: 'fixed' });
    expect(Array.from(fixed.thresholds)).toEqual([0.5, 0.5]);
  });

  it('trainCrossFitted keeps the all-rows fit and adds out-of-fold calibration and thresholds', () => {
    const options = { kind: 'logistic' as const, seed: 2, standardization, epochs: 40 };
    const m = trainCrossFitted({ x, n, d, y, t: 2 }, options, 3, [1e-3, 1e-1]);
    expect([1e-3, 1e-1]).toContain(m.hyperparameters.l2);
    // The weights are exactly those of a plain fit on every row with the chosen λ.
    const all = trainClassifier({ x, n, d, y, t: 2 }, { ...options, l2: m.hyperparameters.l2, validationFraction: 0, calibration: 'none', thresholds: 'fixed' });
    expect(Array.from(m.params.kind === 'logistic' ? m.params.weights : [])).toEqual(Array.from(all.params.kind === 'logistic' ? all.params.weights : [0]));
    expect(m.calibration.method).toBe('platt');
    for (const v of m.thresholds) expect(v > 0 && v < 1).toBe(true);
    expect(() => trainCrossFitted({ x, n, d, y, t: 2 }, { kind: 'logistic', seed: 2, standardization }, 1)).toThrow(/folds must be/);
  });
});
