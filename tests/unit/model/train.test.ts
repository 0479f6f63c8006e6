import { describe, expect, it } from 'vitest';
import { computeStandardization } from '@/lib/model/standardize';
import { predict, trainClassifier, type TrainingData } from '@/lib/model/train';
import { trainBootstrapCommittee } from '@/lib/model/ensemble';
import { createRng, gaussian } from '@/lib/util/random';

const identity = (d: number) => ({ mean: new Float32Array(d), std: new Float32Array(d).fill(1) });

/**
 * Independent reference: Newton's method on the same objective for one tag,
 * J(w, b) = (1/Σv) Σ v_i [y_i softplus(−z_i) + (1−y_i) softplus(z_i)] + (λ/2)‖w‖², z = x·w + b,
 * written out here without any code from lib/model.
 */
function newtonLogistic(x: Float32Array, n: number, d: number, y: number[], v: number[], lambda: number): number[] {
  const p = d + 1;
  const theta = new Array(p).fill(0);
  const vs = v.reduce((a, b) => a + b, 0);
  for (let iter = 0; iter < 50; iter++) {
    const g = new Array(p).fill(0);
    const H = Array.from({ length: p }, () => new Array(p).fill(0));
    for (let i = 0; i < n; i++) {
      const row = [...Array.from(x.subarray(i * d, i * d + d)), 1];
      const z = row.reduce((s, xv, k) => s + xv * theta[k], 0);
      const q = 1 / (1 + Math.exp(-z));
      for (let a = 0; a < p; a++) {
        g[a] += (v[i] * (q - y[i]) * row[a]) / vs;
        for (let b = 0; b < p; b++) H[a][b] += (v[i] * q * (1 - q) * row[a] * row[b]) / vs;
      }
    }
    for (let a = 0; a < d; a++) {
      g[a] += lambda * theta[a];
      H[a][a] += lambda;
    }
    // Solve H·step = g by Gauss–Jordan elimination with partial pivoting.
    const M = H.map((r, a) => [...r, g[a]]);
    for (let c = 0; c < p; c++) {
      let piv = c;
      for (let r = c + 1; r < p; r++) if (Math.abs(M[r][c]) > Math.abs(M[piv][c])) piv = r;
      [M[c], M[piv]] = [M[piv], M[c]];
      for (let r = 0; r < p; r++) {
        if (r === c) continue;
        const f = M[r][c] / M[c][c];
        for (let k = c; k <= p; k++) M[r][k] -= f * M[c][k];
      }
    }
    for (let a = 0; a < p; a++) theta[a] -= M[a][p] / M[a][a];
  }
  return theta;
}

function problem(n: number, d: number, t: number, seed: number) {
  const rng = createRng(seed);
  const x = new Float32Array(n * d).map(() => gaussian(rng));
  const y = new Float32Array(n * t);
  const w = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    w[i] = 0.5 + rng();
    for (let j = 0; j < t; j++) {
      let z = j - 0.5;
      for (let k = 0; k < d; k++) z += x[i * d + k] * ((k + j) % 3 === 0 ? 1.5 : -0.7);
      const p = 1 / (1 + Math.exp(-z));
      // Soft labels: a confident-but-not-certain aggregator.
      y[i * t + j] = rng() < p ? 0.9 : 0.1;
    }
  }
  return { x, y, w };
}

describe('logistic model', () => {
  it('matches an independent Newton solution of the same weighted, soft-label, L2 objective', () => {
    const n = 120;
    const d = 3;
    const t = 2;
    const lambda = 0.05;
    const { x, y, w } = problem(n, d, t, 11);
    const model = trainClassifier(
      { x, n, d, y, t, weights: w },
      {
        kind: 'logistic',
        seed: 1,
        standardization: identity(d),
        l2: lambda,
        classWeighting: 'none',
        calibration: 'none',
        validationFraction: 0,
        batchSize: n,
        epochs: 3000,
        learningRate: 0.02,
      },
    );
    if (model.params.kind !== 'logistic') throw new Error('expected logistic params');
    for (let j = 0; j < t; j++) {
      const ref = newtonLogistic(x, n, d, Array.from({ length: n }, (_, i) => y[i * t + j]), Array.from(w), lambda);
      for (let k = 0; k < d; k++) expect(model.params.weights[k * t + j]).toBeCloseTo(ref[k], 4);
      expect(model.params.bias[j]).toBeCloseTo(ref[d], 4);
    }
  });

  it('fits soft labels and example weights as probabilities', () => {
    // Only an intercept can be learned (the feature is constant): the optimum
    // is the weighted mean label. Tag 0: soft 0.7 everywhere; tag 1: y=1 with
    // weight 3 vs y=0 with weight 1 → 0.75.
    const n = 40;
    const x = new Float32Array(n);
    const y = new Float32Array(n * 2);
    const weights = new Float32Array(n);
    for (let i = 0; i < n; i++) {
      y[i * 2] = 0.7;
      y[i * 2 + 1] = i % 2;
      weights[i] = i % 2 ? 3 : 1;
    }
    const model = trainClassifier(
      { x, n, d: 1, y, t: 2, weights },
      { kind: 'logistic', seed: 3, standardization: identity(1), classWeighting: 'none', calibration: 'none', validationFraction: 0, epochs: 400, batchSize: n, learningRate: 0.05 },
    );
    const { probs } = predict(model, new Float32Array([0]), 1);
    expect(probs[0]).toBeCloseTo(0.7, 3);
    expect(probs[1]).toBeCloseTo(0.75, 3);
  });

  it('ignores NaN (unknown) labels and balances rare classes', () => {
    const n = 200;
    const x = new Float32Array(n).map((_, i) => i / n);
    const y = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) {
      y[i * 2] = i % 10 === 0 ? 1 : 0; // 10% positive
      y[i * 2 + 1] = i < 100 ? NaN : 1;
    }
    const model = trainClassifier(
      { x, n, d: 1, y, t: 2 },
      { kind: 'logistic', seed: 1, standardization: computeStandardization(x, n, 1), validationFraction: 0, epochs: 5 },
    );
    expect(model.classWeights.positive[0]).toBeCloseTo(1 / (2 * 0.1), 10);
    expect(model.classWeights.negative[0]).toBeCloseTo(1 / (2 * 0.9), 10);
    // Tag 1 only has positives among its known labels: nothing to balance.
    expect(model.classWeights.positive[1]).toBeCloseTo(1, 10);
    expect(Array.from(predict(model, x, n).probs).every(Number.isFinite)).toBe(true);
  });
});

describe('training loop', () => {
  const n = 300;
  const d = 10;
  const t = 3;
  const { x, y } = problem(n, d, t, 5);
  const data: TrainingData = { x, n, d, y, t };
  const standardization = computeStandardization(x, n, d);

  it('is deterministic under a seed', () => {
    const a = trainClassifier(data, { kind: 'mlp', hidden: 8, seed: 42, standardization, epochs: 5 });
    const b = trainClassifier(data, { kind: 'mlp', hidden: 8, seed: 42, standardization, epochs: 5 });
    const c = trainClassifier(data, { kind: 'mlp', hidden: 8, seed: 43, standardization, epochs: 5 });
    expect(predict(a, x, n).probs).toEqual(predict(b, x, n).probs);
    expect(predict(a, x, n).probs).not.toEqual(predict(c, x, n).probs);
    expect(a.report.validationIndices).toEqual(b.report.validationIndices);
  });

  it('learns a usable MLP whose embedding is the hidden layer', () => {
    const model = trainClassifier(data, { kind: 'mlp', hidden: 16, seed: 1, standardization, epochs: 60 });
    const { probs, embedding } = predict(model, x, n);
    expect(model.h).toBe(16);
    expect(embedding.length).toBe(n * 16);
    expect(Array.from(embedding).every((v) => v > -1 && v < 1)).toBe(true);
    let correct = 0;
    for (let i = 0; i < n * t; i++) if (probs[i] >= 0.5 === y[i] >= 0.5) correct++;
    expect(correct / (n * t)).toBeGreaterThan(0.75);
  });

  it('stops early when validation loss stops improving and keeps the best epoch', () => {
    // Labels independent of the features: anything learned beyond the base rate is overfitting.
    const rng = createRng(9);
    const noise = new Float32Array(n * t).map(() => (rng() < 0.5 ? 1 : 0));
    const epochsSeen: number[] = [];
    const model = trainClassifier(
      { x, n, d, y: noise, t },
      { kind: 'mlp', hidden: 32, seed: 2, standardization, epochs: 200, patience: 4, learningRate: 0.02, l2: 0, onEpoch: (s) => epochsSeen.push(s.epoch) },
    );
    expect(model.report.stoppedEarly).toBe(true);
    expect(model.report.epochs.length).toBe(model.report.bestEpoch + 4);
    expect(epochsSeen.length).toBe(model.report.epochs.length);
    const best = model.report.epochs[model.report.bestEpoch - 1].validationLoss;
    expect(Math.min(...model.report.epochs.map((e) => e.validationLoss))).toBeCloseTo(best, 12);
  });

  it('refuses malformed input with clear errors', () => {
    expect(() => trainClassifier({ ...data, y: new Float32Array(n * t).fill(2) }, { kind: 'logistic', seed: 1, standardization })).toThrow(/expected \[0,1\]/);
    expect(() => trainClassifier({ ...data, n: n - 1 }, { kind: 'logistic', seed: 1, standardization })).toThrow(/x: has/);
    expect(() => trainClassifier(data, { kind: 'logistic', seed: 1, standardization: identity(d - 1) })).toThrow(/standardization/);
    expect(() => trainClassifier(data, { kind: 'logistic', seed: 1, standardization, tags: ['a'] })).toThrow(/tag names/);
  });

  it('trains bootstrap committees whose members differ', () => {
    const members = trainBootstrapCommittee(data, { kind: 'logistic', seed: 1, standardization, epochs: 10, validationFraction: 0 }, 3);
    expect(members).toHaveLength(3);
    const head = x.subarray(0, 5 * d);
    expect(predict(members[0], head, 5).probs).not.toEqual(predict(members[1], head, 5).probs);
  });
});
