import { describe, expect, it } from 'vitest';
import { applyCalibration, fitCalibration, fitPlatt, fitTemperature } from '@/lib/model/calibration';
import { expectedCalibrationError } from '@/lib/model/metrics';
import { computeStandardization } from '@/lib/model/standardize';
import { predict, trainClassifier } from '@/lib/model/train';
import { createRng, gaussian } from '@/lib/util/random';

const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));

/** True log-odds z*, labels y ~ Bernoulli(σ(z*)), and an overconfident, shifted model: z = 3z* + 1. */
function overconfident(n: number, seed: number) {
  const rng = createRng(seed);
  const truth = Array.from({ length: n }, () => 1.5 * gaussian(rng));
  const y = truth.map((z) => (rng() < sigmoid(z) ? 1 : 0));
  const logits = truth.map((z) => 3 * z + 1);
  return { y, logits };
}

describe('Platt and temperature scaling', () => {
  it('recovers the inverse of a known distortion', () => {
    const { y, logits } = overconfident(20000, 1);
    const { a, b } = fitPlatt(logits, y);
    // σ(a(3z*+1)+b) = σ(z*) ⇔ a = 1/3, b = −1/3 (up to sampling noise).
    expect(a).toBeCloseTo(1 / 3, 1);
    expect(b).toBeCloseTo(-1 / 3, 1);
    const temp = fitTemperature(logits, y);
    expect(temp.b).toBe(0);
    expect(temp.a).toBeGreaterThan(0.2);
    expect(temp.a).toBeLessThan(0.45);
  });

  it('lowers ECE on a held-out split', () => {
    const fit = overconfident(4000, 2);
    const held = overconfident(4000, 3);
    const raw = held.logits.map(sigmoid);
    const before = expectedCalibrationError(raw, held.y);
    for (const method of ['platt', 'temperature'] as const) {
      const cal = fitCalibration(method, fit.logits, fit.y, undefined, fit.logits.length, 1);
      const probs = new Float64Array(held.logits.length);
      applyCalibration(cal, held.logits, held.logits.length, 1, probs);
      const after = expectedCalibrationError(probs, held.y);
      expect(after).toBeLessThan(before / 2);
    }
    expect(before).toBeGreaterThan(0.08);
  });

  it('stays finite for a tag without positives (Platt target smoothing)', () => {
    const { a, b } = fitPlatt([-2, -1, 0, 1, 2], [0, 0, 0, 0, 0]);
    expect(Number.isFinite(a) && Number.isFinite(b)).toBe(true);
    // Smoothed target 1/(5+2) for every item: the fit predicts about that rate.
    const mean = [-2, -1, 0, 1, 2].reduce((s, z) => s + sigmoid(a * z + b), 0) / 5;
    expect(mean).toBeCloseTo(1 / 7, 3);
  });

  it('calibration fitted by the trainer lowers held-out ECE of an overfit model', () => {
    // Few examples, many noisy features, no regularisation: the raw logistic
    // model is overconfident. Same seed ⇒ same split and weights; only the
    // calibration differs.
    const rng = createRng(4);
    const d = 40;
    const n = 400;
    const nTest = 4000;
    const make = (m: number) => {
      const x = new Float32Array(m * d).map(() => gaussian(rng));
      const y = new Float32Array(m);
      for (let i = 0; i < m; i++) y[i] = rng() < sigmoid(x[i * d] + 0.5 * x[i * d + 1]) ? 1 : 0;
      return { x, y };
    };
    const train = make(n);
    const test = make(nTest);
    const base = {
      kind: 'logistic' as const,
      seed: 7,
      standardization: computeStandardization(train.x, n, d),
      l2: 0,
      epochs: 300,
      patience: 300,
      learningRate: 0.05,
      validationFraction: 0.4,
      classWeighting: 'none' as const,
    };
    const data = { x: train.x, n, d, y: train.y, t: 1 };
    const raw = trainClassifier(data, { ...base, calibration: 'none' });
    const platt = trainClassifier(data, { ...base, calibration: 'platt' });
    const eceRaw = expectedCalibrationError(predict(raw, test.x, nTest).probs, test.y);
    const ecePlatt = expectedCalibrationError(predict(platt, test.x, nTest).probs, test.y);
    expect(platt.calibration.scale[0]).toBeLessThan(1);
    expect(ecePlatt).toBeLessThan(eceRaw * 0.8);
  });
});
