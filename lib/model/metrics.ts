/**
 * Multi-label evaluation metrics (pure). Truth is an n×t matrix whose entries
 * count as positive when ≥ 0.5 (so aggregated soft labels can be passed
 * directly); scores are n×t probabilities. Conventions follow scikit-learn:
 * a precision, recall or F1 with a zero denominator is 0, and so is the
 * average precision of a tag with no positives.
 */
import { assertShape } from './standardize';

export interface TagMetrics {
  tag: string;
  /** Positives in the truth. */
  support: number;
  /** Positives predicted at the threshold. */
  predicted: number;
  precision: number;
  recall: number;
  f1: number;
  averagePrecision: number;
  ece: number;
}

export interface ReliabilityBin {
  lower: number;
  upper: number;
  count: number;
  /** Mean predicted probability in the bin (NaN when empty). */
  meanPredicted: number;
  /** Fraction of positives in the bin (NaN when empty). */
  observedRate: number;
}

export interface MultiLabelMetrics {
  n: number;
  t: number;
  /** The shared decision threshold (when `thresholds` is absent). */
  threshold: number;
  /** Per-tag decision thresholds, when the model carries them (they replace `threshold`). */
  thresholds?: number[];
  microPrecision: number;
  microRecall: number;
  microF1: number;
  macroF1: number;
  /** Mean over tags of the average precision (macro mAP). */
  meanAveragePrecision: number;
  ece: number;
  hammingLoss: number;
  subsetAccuracy: number;
  perTag: TagMetrics[];
  /** 15 equal-width bins over all n·t (probability, label) pairs, for the calibration plot. */
  reliability: ReliabilityBin[];
}

export const DEFAULT_ECE_BINS = 15;

/**
 * Precision, recall and F1 from counts; each is 0 when its denominator is 0.
 *
 * Model: P = TP/(TP+FP), R = TP/(TP+FN), F1 = 2TP/(2TP+FP+FN). O(1).
 *
 * @example prf(2, 1, 1) // → { precision: 2/3, recall: 2/3, f1: 2/3 }
 */
export function prf(tp: number, fp: number, fn: number): { precision: number; recall: number; f1: number } {
  return {
    precision: tp + fp > 0 ? tp / (tp + fp) : 0,
    recall: tp + fn > 0 ? tp / (tp + fn) : 0,
    f1: 2 * tp + fp + fn > 0 ? (2 * tp) / (2 * tp + fp + fn) : 0,
  };
}

/**
 * Average precision of one ranking (area under the step precision–recall
 * curve, no interpolation; scikit-learn's `average_precision_score`).
 *
 * Model: AP = Σ_k (R_k − R_{k−1})·P_k over the distinct score thresholds in
 * decreasing order, where tied scores enter together. Manning, Raghavan &
 * Schütze, Introduction to Information Retrieval (2008), §8.4.
 * O(n log n).
 *
 * @example averagePrecision([0.9, 0.8, 0.7, 0.6], [1, 0, 1, 0]) // → (1 + 2/3)/2 = 0.8333…
 */
export function averagePrecision(scores: ArrayLike<number>, labels: ArrayLike<number>): number {
  if (scores.length !== labels.length) throw new Error(`averagePrecision: ${scores.length} scores, ${labels.length} labels`);
  const n = scores.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[b] - scores[a]);
  let positives = 0;
  for (let i = 0; i < n; i++) if (labels[i] >= 0.5) positives++;
  if (positives === 0) return 0;
  let tp = 0;
  let seen = 0;
  let ap = 0;
  let prevRecall = 0;
  for (let k = 0; k < n; ) {
    const s = scores[order[k]];
    while (k < n && scores[order[k]] === s) {
      if (labels[order[k]] >= 0.5) tp++;
      seen++;
      k++;
    }
    const recall = tp / positives;
    ap += (recall - prevRecall) * (tp / seen);
    prevRecall = recall;
  }
  return ap;
}

/**
 * Reliability-diagram bins: equal-width bins over [0,1] of the predicted
 * probability, with the mean prediction and the observed positive rate per
 * bin; the last bin includes 1. O(m) for m pairs.
 *
 * @example reliabilityBins([0.1, 0.9], [0, 1], 2)
 *   // → [{lower: 0, upper: 0.5, count: 1, meanPredicted: 0.1, observedRate: 0}, {…0.9, 1}]
 */
export function reliabilityBins(
  probs: ArrayLike<number>,
  labels: ArrayLike<number>,
  bins = DEFAULT_ECE_BINS,
): ReliabilityBin[] {
  if (probs.length !== labels.length) throw new Error(`reliabilityBins: ${probs.length} probabilities, ${labels.length} labels`);
  if (!Number.isInteger(bins) || bins < 1) throw new Error(`reliabilityBins: bins must be a positive integer, got ${bins}`);
  const count = new Float64Array(bins);
  const sumP = new Float64Array(bins);
  const sumY = new Float64Array(bins);
  for (let i = 0; i < probs.length; i++) {
    const p = probs[i];
    if (!(p >= 0 && p <= 1)) throw new Error(`reliabilityBins: probability ${p} at ${i} is outside [0,1]`);
    const b = Math.min(bins - 1, Math.floor(p * bins));
    count[b]++;
    sumP[b] += p;
    sumY[b] += labels[i] >= 0.5 ? 1 : 0;
  }
  return Array.from({ length: bins }, (_, b) => ({
    lower: b / bins,
    upper: (b + 1) / bins,
    count: count[b],
    meanPredicted: count[b] ? sumP[b] / count[b] : NaN,
    observedRate: count[b] ? sumY[b] / count[b] : NaN,
  }));
}

/**
 * Expected calibration error of binary probabilities with equal-width bins.
 *
 * Model: ECE = Σ_b (|B_b|/m)·|ȳ_b − p̄_b| over the bins of the predicted
 * probability p (of the positive class), Naeini, Cooper & Hauskrecht (AAAI
 * 2015); Guo et al. (ICML 2017) with 15 bins. For multi-label output every
 * (clip, tag) pair is one binary prediction. O(m).
 *
 * @example expectedCalibrationError([0.9, 0.9, 0.1, 0.1], [1, 0, 0, 0], 15)
 *   // → ½·|0.5 − 0.9| + ½·|0 − 0.1| = 0.25
 */
export function expectedCalibrationError(
  probs: ArrayLike<number>,
  labels: ArrayLike<number>,
  bins = DEFAULT_ECE_BINS,
): number {
  return eceFromBins(reliabilityBins(probs, labels, bins), probs.length);
}

function eceFromBins(binsOut: ReliabilityBin[], m: number): number {
  if (m === 0) return 0;
  let ece = 0;
  for (const b of binsOut) if (b.count) ece += (b.count / m) * Math.abs(b.observedRate - b.meanPredicted);
  return ece;
}

/**
 * All multi-label metrics at one decision threshold (p ≥ threshold ⇒ tag on), or at
 * per-tag thresholds (`thresholds`, length t: p_j ≥ thresholds[j] ⇒ tag j on).
 *
 * Model: micro-F1 pools TP/FP/FN over all tags (dominated by frequent moods);
 * macro-F1 is the unweighted mean of per-tag F1 (every mood counts equally);
 * Hamming loss = mismatched (clip, tag) pairs / (n·t); subset accuracy =
 * fraction of clips whose whole tag set is right (Tsoumakas & Katakis,
 * "Multi-label classification: an overview", 2007).
 * O(n·t·log n) (the sort inside average precision).
 *
 * @example
 *   evaluateMultiLabel([1, 0, 1, 1], [0.9, 0.2, 0.4, 0.8], 2, 2).hammingLoss // → 0.25
 */
export function evaluateMultiLabel(
  truth: ArrayLike<number>,
  probs: ArrayLike<number>,
  n: number,
  t: number,
  options: { threshold?: number; thresholds?: ArrayLike<number>; tags?: string[]; bins?: number } = {},
): MultiLabelMetrics {
  assertShape(truth.length, n, t, 'truth');
  assertShape(probs.length, n, t, 'probs');
  const threshold = options.threshold ?? 0.5;
  if (options.thresholds && options.thresholds.length !== t) {
    throw new Error(`evaluateMultiLabel: ${options.thresholds.length} thresholds for ${t} tags`);
  }
  const cut = options.thresholds ? Array.from(options.thresholds) : new Array<number>(t).fill(threshold);
  const bins = options.bins ?? DEFAULT_ECE_BINS;
  for (let i = 0; i < n * t; i++) {
    if (Number.isNaN(truth[i])) throw new Error(`evaluateMultiLabel: truth at row ${Math.floor(i / t)}, tag ${i % t} is missing`);
  }

  let tpAll = 0;
  let fpAll = 0;
  let fnAll = 0;
  let mismatches = 0;
  let exactRows = 0;
  for (let i = 0; i < n; i++) {
    let exact = true;
    for (let j = 0; j < t; j++) {
      const y = truth[i * t + j] >= 0.5;
      const p = probs[i * t + j] >= cut[j];
      if (y !== p) {
        mismatches++;
        exact = false;
      }
    }
    if (exact) exactRows++;
  }

  const perTag: TagMetrics[] = [];
  const col = new Float64Array(n);
  const colY = new Float64Array(n);
  for (let j = 0; j < t; j++) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    for (let i = 0; i < n; i++) {
      col[i] = probs[i * t + j];
      colY[i] = truth[i * t + j];
      const y = colY[i] >= 0.5;
      const p = col[i] >= cut[j];
      if (p && y) tp++;
      else if (p) fp++;
      else if (y) fn++;
    }
    tpAll += tp;
    fpAll += fp;
    fnAll += fn;
    perTag.push({
      tag: options.tags?.[j] ?? `tag_${j}`,
      support: tp + fn,
      predicted: tp + fp,
      ...prf(tp, fp, fn),
      averagePrecision: averagePrecision(col, colY),
      ece: expectedCalibrationError(col, colY, bins),
    });
  }
  const micro = prf(tpAll, fpAll, fnAll);
  const reliability = reliabilityBins(probs, truth, bins);
  const mean = (f: (m: TagMetrics) => number) => (t ? perTag.reduce((s, m) => s + f(m), 0) / t : 0);
  return {
    n,
    t,
    threshold,
    ...(options.thresholds ? { thresholds: cut } : {}),
    microPrecision: micro.precision,
    microRecall: micro.recall,
    microF1: micro.f1,
    macroF1: mean((m) => m.f1),
    meanAveragePrecision: mean((m) => m.averagePrecision),
    ece: eceFromBins(reliability, n * t),
    hammingLoss: n * t ? mismatches / (n * t) : 0,
    subsetAccuracy: n ? exactRows / n : 0,
    perTag,
    reliability,
  };
}

/** The promotion rule's margins (see {@link comparePromotion}). */
export const PROMOTION_RULE = { minMacroF1Gain: 0.005, maxEceLoss: 0.02 } as const;

export interface PromotionDecision {
  better: boolean;
  deltaMacroF1: number;
  deltaEce: number;
  reason: string;
}

/**
 * Whether a candidate model should replace the active one.
 *
 * Rule: promote iff macroF1(candidate) ≥ macroF1(active) + 0.005 and
 * ECE(candidate) ≤ ECE(active) + 0.02, both measured on the same held-out
 * split. Macro-F1 because every mood matters equally to the queue and the
 * recommender, not only the frequent ones; the ECE guard because the queue
 * and the experts read the probabilities themselves. The 0.005 margin keeps
 * noise-level wins from churning the active model (and rescoring the
 * catalog). With no active model the candidate always wins. O(1).
 *
 * @example comparePromotion({ macroF1: 0.61, ece: 0.05 }, { macroF1: 0.60, ece: 0.04 }).better // → true
 */
export function comparePromotion(
  candidate: Pick<MultiLabelMetrics, 'macroF1' | 'ece'>,
  active: Pick<MultiLabelMetrics, 'macroF1' | 'ece'> | null | undefined,
  rule: { minMacroF1Gain: number; maxEceLoss: number } = PROMOTION_RULE,
): PromotionDecision {
  if (!active) return { better: true, deltaMacroF1: NaN, deltaEce: NaN, reason: 'no active model' };
  const deltaMacroF1 = candidate.macroF1 - active.macroF1;
  const deltaEce = candidate.ece - active.ece;
  const f1Ok = deltaMacroF1 >= rule.minMacroF1Gain - 1e-12;
  const eceOk = deltaEce <= rule.maxEceLoss + 1e-12;
  const fmt = (v: number) => (v >= 0 ? '+' : '') + v.toFixed(4);
  const reason =
    f1Ok && eceOk
      ? `macro-F1 ${fmt(deltaMacroF1)} (≥ +${rule.minMacroF1Gain}), ECE ${fmt(deltaEce)} (≤ +${rule.maxEceLoss})`
      : !f1Ok
        ? `macro-F1 ${fmt(deltaMacroF1)} is below the required +${rule.minMacroF1Gain}`
        : `ECE ${fmt(deltaEce)} is worse than the allowed +${rule.maxEceLoss}`;
  return { better: f1Ok && eceOk, deltaMacroF1, deltaEce, reason };
}

/**
 * The promotion rule as a boolean: {@link comparePromotion}(…).better.
 *
 * @example isBetter({ macroF1: 0.62, ece: 0.09 }, { macroF1: 0.60, ece: 0.05 }) // → false (ECE +0.04)
 */
export function isBetter(
  candidate: Pick<MultiLabelMetrics, 'macroF1' | 'ece'>,
  active: Pick<MultiLabelMetrics, 'macroF1' | 'ece'> | null | undefined,
): boolean {
  return comparePromotion(candidate, active).better;
}
