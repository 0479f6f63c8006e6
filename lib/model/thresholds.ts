/**
 * Per-tag decision thresholds chosen on held-out probabilities.
 *
 * A tag is predicted on when p_t ≥ τ_t. A fixed τ = 0.5 is the Bayes rule for
 * accuracy, not for F1: for rare tags the F1-optimal cut lies well below 0.5
 * (for calibrated probabilities it is half the best achievable F1, Lipton, Elkan & Naryanaswamy,
 * "Optimal thresholding of classifiers to maximize F1", ECML PKDD 2014), and on
 * real mood data a 0.5 cut leaves rare tags never predicted. So each tag's τ
 * is the cut that maximises that tag's F1 on validation rows the model did not
 * train on.
 */

/** The threshold used when a tag's validation rows carry no positive (nothing to choose on). */
export const DEFAULT_THRESHOLD = 0.5;
const THRESHOLD_EPSILON = 1e-6;

/** The rest of a pooled (micro) F1's counts: true-positive, predicted-on and positive mass. */
export interface F1Counts {
  tp: number;
  on: number;
  positives: number;
}

export interface ThresholdChoice {
  threshold: number;
  /** The tag's F1 on the validation rows at that threshold (NaN when the default was kept). */
  f1: number;
}

/**
 * The F1-maximising threshold for one tag.
 *
 * Model: sort the rows by p descending; predicting the top k on gives
 * F1(k) = 2·TP(k) / (K(k) + P), with TP(k) the (example-weighted, soft) positive
 * mass among the top k, K(k) their weight and P the total positive mass.
 * Only cuts between distinct probabilities are considered (tied rows go
 * together). The best k wins, ties to the smaller k (the higher threshold);
 * the threshold returned is the midpoint between the last row on and the first
 * row off (or half the lowest probability when every row is on), so it sits
 * in the gap instead of on a validation point (clamped to [1e-6, 1 − 1e-6]). Rows with a NaN label are
 * skipped. With no positive mass (or no rows) the default 0.5 is kept.
 *
 * `others` adds the counts of the other tags of a pooled F1, so the cut maximises
 * micro-F1 = 2·(TP_o + TP(k)) / (K_o + K(k) + P_o + P) with those tags fixed; then
 * predicting nothing (k = 0, threshold above every row) is a candidate too.
 * O(n log n).
 *
 * @example bestF1Threshold([0.9, 0.4, 0.3, 0.1], [1, 1, 0, 0]).threshold // → 0.35 (F1 = 1)
 */
export function bestF1Threshold(
  probs: ArrayLike<number>,
  labels: ArrayLike<number>,
  weights?: ArrayLike<number>,
  others: F1Counts = { tp: 0, on: 0, positives: 0 },
): ThresholdChoice {
  if (probs.length !== labels.length) throw new Error(`bestF1Threshold: ${probs.length} probabilities for ${labels.length} labels`);
  if (weights && weights.length !== probs.length) throw new Error(`bestF1Threshold: ${weights.length} weights for ${probs.length} rows`);
  const rows: number[] = [];
  let positives = 0;
  for (let i = 0; i < probs.length; i++) {
    const y = labels[i];
    if (Number.isNaN(y)) continue;
    const p = probs[i];
    if (!(p >= 0 && p <= 1)) throw new Error(`bestF1Threshold: probability at row ${i} is ${p}, expected [0, 1]`);
    if (!(y >= 0 && y <= 1)) throw new Error(`bestF1Threshold: label at row ${i} is ${y}, expected [0, 1] or NaN`);
    const w = weights ? weights[i] : 1;
    if (!(w >= 0) || !Number.isFinite(w)) throw new Error(`bestF1Threshold: weight at row ${i} is ${w}, expected a finite number ≥ 0`);
    rows.push(i);
    positives += w * y;
  }
  positives += others.positives;
  if (!(positives > 0)) return { threshold: DEFAULT_THRESHOLD, f1: NaN };
  rows.sort((a, b) => probs[b] - probs[a]);
  let tp = others.tp;
  let on = others.on;
  // k = 0 (nothing on) is a candidate only when other tags supply predictions.
  let best = { f1: others.on > 0 ? (2 * tp) / (on + positives) : -1, cut: 0 };
  for (let k = 0; k < rows.length; k++) {
    const i = rows[k];
    const w = weights ? weights[i] : 1;
    tp += w * labels[i];
    on += w;
    // Only cut where the next row has a strictly lower probability.
    if (k + 1 < rows.length && probs[rows[k + 1]] === probs[i]) continue;
    const f1 = (2 * tp) / (on + positives);
    if (f1 > best.f1 + 1e-12) best = { f1, cut: k + 1 };
  }
  const last = best.cut > 0 ? probs[rows[best.cut - 1]] : 1;
  const next = best.cut < rows.length ? probs[rows[best.cut]] : 0;
  // Kept inside (0, 1) so that a threshold always round-trips through parseThresholds.
  return { threshold: Math.min(1 - THRESHOLD_EPSILON, Math.max(THRESHOLD_EPSILON, (last + next) / 2)), f1: best.f1 };
}

/**
 * {@link bestF1Threshold} for each of the t columns of row-major n×t
 * probabilities and labels (labels soft in [0,1], NaN = unknown; optional
 * per-row weights). O(t · n log n).
 *
 * @example selectThresholds([0.9, 0.2, 0.4, 0.6], [1, 0, 1, 1], 2, 2) // → thresholds [0.2, 0.4]
 */
export function selectThresholds(
  probs: ArrayLike<number>,
  labels: ArrayLike<number>,
  n: number,
  t: number,
  weights?: ArrayLike<number>,
): { thresholds: Float64Array; f1: Float64Array } {
  if (probs.length !== n * t || labels.length !== n * t) {
    throw new Error(`selectThresholds: expected ${n}×${t} probabilities and labels, got ${probs.length} and ${labels.length}`);
  }
  const thresholds = new Float64Array(t);
  const f1 = new Float64Array(t);
  const p = new Float64Array(n);
  const y = new Float64Array(n);
  for (let j = 0; j < t; j++) {
    for (let i = 0; i < n; i++) {
      p[i] = probs[i * t + j];
      y[i] = labels[i * t + j];
    }
    const choice = bestF1Threshold(p, y, weights);
    thresholds[j] = choice.threshold;
    f1[j] = choice.f1;
  }
  return { thresholds, f1 };
}

/**
 * Checks a threshold vector read from outside (ONNX metadata, the model row):
 * t finite numbers in (0, 1). Returns it as a Float64Array.
 */
export function parseThresholds(value: unknown, t: number, source: string): Float64Array {
  if (!Array.isArray(value) || value.length !== t || !value.every((v) => typeof v === 'number' && v > 0 && v < 1)) {
    throw new Error(`${source}: thresholds must be ${t} numbers in (0, 1), got ${JSON.stringify(value)?.slice(0, 200)}`);
  }
  return Float64Array.from(value as number[]);
}

/**
 * Per-tag thresholds that maximise micro-F1 (pooled over tags) on validation rows.
 *
 * Micro-F1 is what a mood tagger is judged by, and the per-tag F1 optimum
 * ({@link selectThresholds}) is the wrong target for it: a rare tag's F1-optimal
 * cut is low, and the false positives it buys cost the pooled F1 more than
 * that tag's recall gains (on the birds set this made micro-F1 worse than a
 * fixed 0.5). Start from the single shared threshold that maximises pooled F1
 * (for calibrated probabilities the optimal rule is one shared cut, Lipton et
 * al. 2014), then coordinate ascent: each tag in turn takes the cut that
 * maximises micro-F1 with the others fixed ({@link bestF1Threshold} with
 * `others`), moving only on a strict gain, for `passes` sweeps.
 * Deterministic; O(passes · t · n log n).
 *
 * @example selectMicroThresholds([0.9, 0.6, 0.8, 0.2, 0.3, 0.1], [1, 0, 1, 0, 0, 1], 3, 2) // → thresholds [0.7, 0.7], microF1 0.8
 */
export function selectMicroThresholds(
  probs: ArrayLike<number>,
  labels: ArrayLike<number>,
  n: number,
  t: number,
  weights?: ArrayLike<number>,
  passes = 2,
): { thresholds: Float64Array; microF1: number } {
  if (probs.length !== n * t || labels.length !== n * t) {
    throw new Error(`selectMicroThresholds: expected ${n}×${t} probabilities and labels, got ${probs.length} and ${labels.length}`);
  }
  if (weights && weights.length !== n) throw new Error(`selectMicroThresholds: ${weights.length} weights for ${n} rows`);
  const flatWeights = weights ? Float64Array.from({ length: n * t }, (_, k) => weights[Math.floor(k / t)]) : undefined;
  const shared = bestF1Threshold(probs, labels, flatWeights);
  const thresholds = new Float64Array(t).fill(shared.threshold);
  if (Number.isNaN(shared.f1)) return { thresholds, microF1: NaN };
  const counts = (j: number): F1Counts => {
    const c = { tp: 0, on: 0, positives: 0 };
    for (let i = 0; i < n; i++) {
      const y = labels[i * t + j];
      if (Number.isNaN(y)) continue;
      const w = weights ? weights[i] : 1;
      c.positives += w * y;
      if (probs[i * t + j] >= thresholds[j]) {
        c.on += w;
        c.tp += w * y;
      }
    }
    return c;
  };
  const col = new Float64Array(n);
  const y = new Float64Array(n);
  let microF1 = shared.f1;
  for (let pass = 0; pass < passes; pass++) {
    let moved = false;
    for (let j = 0; j < t; j++) {
      const others = { tp: 0, on: 0, positives: 0 };
      for (let k = 0; k < t; k++) {
        if (k === j) continue;
        const c = counts(k);
        others.tp += c.tp;
        others.on += c.on;
        others.positives += c.positives;
      }
      for (let i = 0; i < n; i++) {
        col[i] = probs[i * t + j];
        y[i] = labels[i * t + j];
      }
      const choice = bestF1Threshold(col, y, weights, others);
      if (choice.f1 > microF1 + 1e-12) {
        thresholds[j] = choice.threshold;
        microF1 = choice.f1;
        moved = true;
      }
    }
    if (!moved) break;
  }
  return { thresholds, microF1 };
}

/** How a model's decision thresholds are chosen (TrainOptions.thresholds). */
export type ThresholdMethod = 'micro-f1' | 'tag-f1' | 'fixed';
export const THRESHOLD_METHODS: readonly ThresholdMethod[] = ['micro-f1', 'tag-f1', 'fixed'];

/** Thresholds by `method` on validation probabilities ('fixed': 0.5 each). */
export function chooseThresholds(
  method: ThresholdMethod,
  probs: ArrayLike<number>,
  labels: ArrayLike<number>,
  n: number,
  t: number,
  weights?: ArrayLike<number>,
): Float64Array {
  if (method === 'micro-f1') return selectMicroThresholds(probs, labels, n, t, weights).thresholds;
  if (method === 'tag-f1') return selectThresholds(probs, labels, n, t, weights).thresholds;
  return new Float64Array(t).fill(DEFAULT_THRESHOLD);
}
