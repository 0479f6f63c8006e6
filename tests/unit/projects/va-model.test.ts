import { describe, expect, it } from 'vitest';
import {
  cholesky,
  choleskySolve,
  fitRidge,
  fitVaHeads,
  inverseVarianceWeights,
  LAMBDA_GRID,
  onThePlane,
  predictVa,
  priorityWithPredictions,
  type VaHeads,
  type VaTrainingRow,
} from '@/lib/projects/va-model';

/** Deterministic uniform(−1, 1) numbers (a 32-bit LCG), so the CV tests never flake. */
function lcg(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return (s / 2 ** 32) * 2 - 1;
  };
}

describe('Cholesky', () => {
  it('factors and solves a 2×2 system worked by hand', () => {
    // A = [[4, 2], [2, 3]]: L = [[2, 0], [1, √2]]; A z = (2, 1) → z = (1/2, 0) (4·½ = 2, 2·½ = 1).
    const l = cholesky([4, 2, 2, 3], 2);
    expect([...l]).toEqual([2, 0, 1, Math.SQRT2]);
    const z = choleskySolve(l, 2, [2, 1]);
    expect(z[0]).toBeCloseTo(0.5, 12);
    expect(z[1]).toBeCloseTo(0, 12);
  });

  it('refuses a matrix that is not positive definite', () => {
    expect(() => cholesky([1, 2, 2, 1], 2)).toThrow(/not positive definite/);
  });
});

describe('weighted ridge, hand-worked', () => {
  it('one feature: x = (−1, 0, 1), y = (0, 1, 5), λ = 1', () => {
    // x̄ = 0, ȳ = 2; X_cᵀX_c = 1 + 0 + 1 = 2; X_cᵀ(y − ȳ) = (−1)(−2) + 0·(−1) + 1·3 = 5.
    // w = 5 / (2 + 1) = 5/3; b = ȳ − w·x̄ = 2; A⁻¹ = 1/3; Σω = 3.
    const fit = fitRidge([[-1], [0], [1]], [0, 1, 5], [1, 1, 1], 1);
    expect(fit.weights[0]).toBeCloseTo(5 / 3, 12);
    expect(fit.intercept).toBeCloseTo(2, 12);
    expect(fit.center[0]).toBeCloseTo(0, 12);
    expect(fit.covariance[0]).toBeCloseTo(1 / 3, 12);
    expect(fit.weightSum).toBe(3);
  });

  it('two correlated features: rows (1,0), (0,1), (1,1), (−2,−2), y = (1, 0, 2, −3), λ = 1', () => {
    // x̄ = (0, 0), ȳ = 0, so X_c = X.
    // XᵀX = [[1+0+1+4, 0+0+1+4], [5, 0+1+1+4]] = [[6, 5], [5, 6]];  Xᵀy = (1+0+2+6, 0+0+2+6) = (9, 8).
    // A = XᵀX + I = [[7, 5], [5, 7]], det 24, A⁻¹ = [[7, −5], [−5, 7]] / 24.
    // w = A⁻¹ (9, 8) = ((63 − 40)/24, (−45 + 56)/24) = (23/24, 11/24); b = 0.
    const fit = fitRidge(
      [
        [1, 0],
        [0, 1],
        [1, 1],
        [-2, -2],
      ],
      [1, 0, 2, -3],
      [1, 1, 1, 1],
      1,
    );
    expect(fit.weights[0]).toBeCloseTo(23 / 24, 12);
    expect(fit.weights[1]).toBeCloseTo(11 / 24, 12);
    expect(fit.intercept).toBeCloseTo(0, 12);
    [7 / 24, -5 / 24, -5 / 24, 7 / 24].forEach((v, i) => expect(fit.covariance[i]).toBeCloseTo(v, 12));
  });

  it('λ → 0 recovers least squares on an exactly linear set: y = 0.5 + 2·x₁ − x₂', () => {
    const xs = [
      [0, 0],
      [1, 0],
      [0, 1],
      [2, 3],
      [-1, 2],
      [3, -1],
    ];
    const y = xs.map(([a, b]) => 0.5 + 2 * a - b);
    const fit = fitRidge(xs, y, xs.map(() => 1), 1e-9);
    expect(fit.weights[0]).toBeCloseTo(2, 6);
    expect(fit.weights[1]).toBeCloseTo(-1, 6);
    expect(fit.intercept).toBeCloseTo(0.5, 6);
  });

  it('honours weights: a row given weight 2 fits exactly like the row duplicated', () => {
    const xs = [[-1], [0], [1], [2]];
    const y = [0, 1, 5, 3];
    const dup = fitRidge([...xs, xs[3]], [...y, y[3]], [1, 1, 1, 1, 1], 0.5);
    const weighted = fitRidge(xs, y, [1, 1, 1, 2], 0.5);
    expect(weighted.weights[0]).toBeCloseTo(dup.weights[0], 12);
    expect(weighted.intercept).toBeCloseTo(dup.intercept, 12);
    expect(weighted.covariance[0]).toBeCloseTo(dup.covariance[0], 12);
    // And the weight matters: unweighted, the fit differs (so the equality above is not vacuous).
    const plain = fitRidge(xs, y, [1, 1, 1, 1], 0.5);
    expect(Math.abs(plain.weights[0] - weighted.weights[0])).toBeGreaterThan(0.05);
  });
});

describe('inverse-variance weights', () => {
  it('1/max(sd², 0.05²), rescaled to mean 1', () => {
    // raw: 1/0.25 = 4, 1/1 = 1, 1/max(0.0001, 0.0025) = 400; mean 135.
    const w = inverseVarianceWeights([0.5, 1, 0.01]);
    expect(w[0]).toBeCloseTo(4 / 135, 12);
    expect(w[1]).toBeCloseTo(1 / 135, 12);
    expect(w[2]).toBeCloseTo(400 / 135, 12);
  });
});

describe('fitVaHeads: λ by cross-validation', () => {
  const rows = (n: number, target: (x: number[], i: number) => [number, number], seed: number): VaTrainingRow[] => {
    const r = lcg(seed);
    return Array.from({ length: n }, (_, i) => {
      const x = [r() * 2, r() * 2, r() * 2];
      const [valence, arousal] = target(x, i);
      return { x, valence, valenceSd: 0.2, arousal, arousalSd: 0.2 };
    });
  };

  it('picks the smallest λ of the grid for a clean linear signal, and recovers it', () => {
    const heads = fitVaHeads(rows(30, ([a, b, c]) => [0.3 * a - 0.2 * b, 0.1 + 0.25 * c], 1));
    expect(heads.lambda).toBe(LAMBDA_GRID[0]);
    expect(heads.valence.weights[0]).toBeCloseTo(0.3, 3);
    expect(heads.valence.weights[1]).toBeCloseTo(-0.2, 3);
    expect(heads.arousal.weights[2]).toBeCloseTo(0.25, 3);
    expect(heads.arousal.intercept).toBeCloseTo(0.1, 3);
    expect(heads.valence.cvRmse).toBeLessThan(1e-3);
    expect(heads.n).toBe(30);
  });

  it('picks a larger λ on pure noise than on the clean signal', () => {
    const noise = lcg(99);
    const heads = fitVaHeads(rows(30, () => [noise() * 0.5, noise() * 0.5], 2));
    expect(heads.lambda).toBeGreaterThanOrEqual(10);
    // The noise is uniform(−0.5, 0.5): sd 1/√12 ≈ 0.29; a shrunk fit predicts about that well, no better.
    expect(heads.valence.cvRmse).toBeGreaterThan(0.2);
  });
});

describe('predictVa', () => {
  // The one-feature fit above (w = 5/3, b = 2, A⁻¹ = 1/3, Σω = 3) with a CV RMSE of 0.3 per axis.
  const heads: VaHeads = {
    d: 1,
    n: 3,
    lambda: 1,
    center: [0],
    covariance: [1 / 3],
    weightSum: 3,
    valence: { weights: [5 / 3], intercept: 2, cvRmse: 0.3 },
    arousal: { weights: [-1], intercept: 0, cvRmse: 0.1 },
  };

  it('point = b + wᵀx; sd = rmse·√(1 + 1/Σω + (x − x̄)ᵀA⁻¹(x − x̄))', () => {
    // x = 2: valence 2 + 10/3 = 16/3; arousal −2; widening √(1 + 1/3 + 4/3) = √(8/3).
    const p = predictVa(heads, [2]);
    expect(p.valence).toBeCloseTo(16 / 3, 12);
    expect(p.arousal).toBeCloseTo(-2, 12);
    expect(p.valenceSd).toBeCloseTo(0.3 * Math.sqrt(8 / 3), 12);
    expect(p.arousalSd).toBeCloseTo(0.1 * Math.sqrt(8 / 3), 12);
    // At the centre only the noise and the intercept's uncertainty remain: √(4/3).
    expect(predictVa(heads, [0]).valenceSd).toBeCloseTo(0.3 * Math.sqrt(4 / 3), 12);
  });

  it('refuses a vector of the wrong length', () => {
    expect(() => predictVa(heads, [1, 2])).toThrow(/2 features, the heads take 1/);
  });
});

describe('onThePlane', () => {
  it('clamps the point to the square and caps each spread at the prior sd, leaving what is inside alone', () => {
    // The x = 2 prediction above: (16/3, −2) with spreads 0.3·√(8/3) ≈ 0.49 and 0.1·√(8/3) ≈ 0.16.
    expect(onThePlane({ valence: 16 / 3, valenceSd: 0.3 * Math.sqrt(8 / 3), arousal: -2, arousalSd: 0.1 * Math.sqrt(8 / 3) }, 1)).toEqual({
      valence: 1,
      valenceSd: 0.3 * Math.sqrt(8 / 3),
      arousal: -1,
      arousalSd: 0.1 * Math.sqrt(8 / 3),
    });
    // A clip outside the rated clips' span with λ = 10⁻³: leverage ≈ ‖c‖²/λ, a spread of ±118 → the prior's 1.
    expect(onThePlane({ valence: 0.91, valenceSd: 84.7, arousal: -0.69, arousalSd: 0.5 }, 1)).toEqual({
      valence: 0.91,
      valenceSd: 1,
      arousal: -0.69,
      arousalSd: 0.5,
    });
  });
});

describe('priorityWithPredictions (active learning)', () => {
  it('unrated clips with a prediction take √(sd_v² + sd_a²); rated ones and unpredicted ones keep the fit priority', () => {
    const fitted = [
      { clipId: 'rated', priority: 0.2 },
      { clipId: 'unrated', priority: Math.SQRT2 },
      { clipId: 'no-features', priority: Math.SQRT2 },
    ];
    const counts = new Map([
      ['rated', 3],
      ['unrated', 0],
      ['no-features', 0],
    ]);
    const predictions = new Map([
      ['rated', { valenceSd: 0.9, arousalSd: 0.9 }],
      ['unrated', { valenceSd: 0.3, arousalSd: 0.4 }],
    ]);
    expect(priorityWithPredictions(fitted, counts, predictions)).toEqual([
      { clipId: 'rated', priority: 0.2 },
      { clipId: 'unrated', priority: 0.5 },
      { clipId: 'no-features', priority: Math.SQRT2 },
    ]);
  });
});
