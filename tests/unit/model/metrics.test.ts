import { describe, expect, it } from 'vitest';
import {
  averagePrecision,
  comparePromotion,
  evaluateMultiLabel,
  expectedCalibrationError,
  isBetter,
  prf,
  reliabilityBins,
} from '@/lib/model/metrics';

describe('average precision', () => {
  it('matches a ranked list worked by hand', () => {
    // Ranks 1, 3, 5 are relevant: precision there is 1, 2/3, 3/5.
    expect(averagePrecision([0.9, 0.8, 0.7, 0.6, 0.5], [1, 0, 1, 0, 1])).toBeCloseTo((1 + 2 / 3 + 3 / 5) / 3, 12);
  });

  it('does not depend on input order', () => {
    expect(averagePrecision([0.5, 0.7, 0.9, 0.6, 0.8], [1, 1, 1, 0, 0])).toBeCloseTo((1 + 2 / 3 + 3 / 5) / 3, 12);
  });

  it('treats tied scores as one threshold (scikit-learn semantics)', () => {
    // At 0.9: nothing found. At 0.5: 1 of 3 retrieved is relevant, recall 1 → AP = 1/3.
    expect(averagePrecision([0.9, 0.5, 0.5], [0, 1, 0])).toBeCloseTo(1 / 3, 12);
  });

  it('is 1 for a perfect ranking and 0 without positives', () => {
    expect(averagePrecision([0.1, 0.9, 0.8], [0, 1, 1])).toBe(1);
    expect(averagePrecision([0.1, 0.9], [0, 0])).toBe(0);
  });
});

describe('calibration error', () => {
  it('matches a tiny example worked by hand', () => {
    // Bin of 0.9: 2 items, 1 positive → |0.5 − 0.9| · 2/4; bin of 0.1: |0 − 0.1| · 2/4.
    expect(expectedCalibrationError([0.9, 0.9, 0.1, 0.1], [1, 0, 0, 0])).toBeCloseTo(0.25, 12);
  });

  it('is 0 when observed rates equal predictions in every bin', () => {
    expect(expectedCalibrationError([0.25, 0.25, 0.25, 0.25, 0.75, 0.75, 0.75, 0.75], [1, 0, 0, 0, 1, 1, 1, 0])).toBeCloseTo(0, 12);
  });

  it('uses 15 equal-width bins, the last one closed at 1', () => {
    const bins = reliabilityBins([0, 1 / 15, 0.5, 1, 1], [0, 0, 1, 1, 0]);
    expect(bins).toHaveLength(15);
    expect(bins[0]).toMatchObject({ lower: 0, count: 1, meanPredicted: 0, observedRate: 0 });
    expect(bins[1].count).toBe(1);
    expect(bins[7]).toMatchObject({ count: 1, observedRate: 1 });
    expect(bins[14]).toMatchObject({ upper: 1, count: 2, meanPredicted: 1, observedRate: 0.5 });
    expect(Number.isNaN(bins[3].meanPredicted)).toBe(true);
  });
});

describe('multi-label metrics', () => {
  // Tag A is frequent and predicted perfectly; tag B is rare and missed (one FP, one FN).
  const truth = [1, 0, 1, 0, 1, 0, 0, 1]; // rows (A, B)
  const probs = [0.9, 0.1, 0.8, 0.2, 0.7, 0.6, 0.3, 0.4];

  it('separates micro from macro F1 on a small confusion', () => {
    const m = evaluateMultiLabel(truth, probs, 4, 2, { tags: ['happy', 'sad'] });
    expect(m.perTag[0]).toMatchObject({ tag: 'happy', precision: 1, recall: 1, f1: 1, support: 3, predicted: 3 });
    expect(m.perTag[1]).toMatchObject({ tag: 'sad', precision: 0, recall: 0, f1: 0, support: 1, predicted: 1 });
    expect(m.macroF1).toBeCloseTo(0.5, 12);
    // Pooled: TP 3, FP 1, FN 1 → 2·3/(2·3+1+1).
    expect(m.microF1).toBeCloseTo(0.75, 12);
    expect(m.microPrecision).toBeCloseTo(0.75, 12);
    expect(m.hammingLoss).toBeCloseTo(2 / 8, 12);
    expect(m.subsetAccuracy).toBeCloseTo(2 / 4, 12);
    // Tag B ranking: 0.6 (neg), 0.4 (pos), 0.2, 0.1 → AP = 1/2.
    expect(m.perTag[1].averagePrecision).toBeCloseTo(0.5, 12);
    expect(m.meanAveragePrecision).toBeCloseTo(0.75, 12);
    expect(m.reliability.reduce((s, b) => s + b.count, 0)).toBe(8);
    expect(m.ece).toBeCloseTo(expectedCalibrationError(probs, truth), 12);
  });

  it('honours the threshold and soft truth', () => {
    const soft = truth.map((v) => (v ? 0.8 : 0.3));
    const m = evaluateMultiLabel(soft, probs, 4, 2, { threshold: 0.35 });
    // B now predicts rows 2 and 3 (0.6, 0.4): TP 1, FP 1 → F1 = 2/3.
    expect(m.perTag[1].f1).toBeCloseTo(2 / 3, 12);
  });

  it('computes P/R/F1 with zero denominators as 0', () => {
    expect(prf(0, 0, 0)).toEqual({ precision: 0, recall: 0, f1: 0 });
    expect(prf(2, 1, 1).f1).toBeCloseTo(2 / 3, 12);
  });

  it('refuses missing truth and mis-shaped input', () => {
    expect(() => evaluateMultiLabel([1, NaN], [0.5, 0.5], 1, 2)).toThrow(/missing/);
    expect(() => evaluateMultiLabel([1, 0, 1], [0.5, 0.5], 1, 2)).toThrow(/expected 1×2/);
  });
});

describe('promotion rule', () => {
  it('needs +0.005 macro-F1 and at most +0.02 ECE', () => {
    expect(isBetter({ macroF1: 0.61, ece: 0.05 }, { macroF1: 0.6, ece: 0.04 })).toBe(true);
    expect(isBetter({ macroF1: 0.604, ece: 0.01 }, { macroF1: 0.6, ece: 0.04 })).toBe(false);
    expect(isBetter({ macroF1: 0.605, ece: 0.06 }, { macroF1: 0.6, ece: 0.04 })).toBe(true);
    expect(isBetter({ macroF1: 0.7, ece: 0.07 }, { macroF1: 0.6, ece: 0.04 })).toBe(false);
    expect(isBetter({ macroF1: 0.1, ece: 0.5 }, null)).toBe(true);
  });

  it('explains its decision', () => {
    const d = comparePromotion({ macroF1: 0.7, ece: 0.07 }, { macroF1: 0.6, ece: 0.04 });
    expect(d.better).toBe(false);
    expect(d.deltaMacroF1).toBeCloseTo(0.1, 12);
    expect(d.reason).toMatch(/ECE/);
  });
});
