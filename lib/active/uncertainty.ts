/**
 * Per-clip model uncertainty for multi-label output: each tag is a binary
 * question with probability p, scored in [0,1] (1 = the model cannot tell),
 * then aggregated over tags by mean or max.
 */
import { assertShape } from '@/lib/model/standardize';

export type UncertaintyMeasure = 'least-confidence' | 'margin' | 'entropy';
/** 'mean' favours clips unsure on many moods; 'max' a clip unsure on any one mood. */
export type TagAggregation = 'mean' | 'max';

/**
 * Binary entropy in bits, H(p) = −p·log₂p − (1−p)·log₂(1−p) ∈ [0,1], with
 * 0·log 0 = 0. O(1).
 *
 * @example binaryEntropy(0.5) // → 1
 */
export function binaryEntropy(p: number): number {
  if (p <= 0 || p >= 1) return 0;
  return -(p * Math.log2(p) + (1 - p) * Math.log2(1 - p));
}

/**
 * Uncertainty of one binary tag, in [0,1].
 *
 * - least confidence: 1 − max(p, 1−p), rescaled by 2 (Lewis & Gale, SIGIR 1994);
 * - margin: 1 − |p − τ| / max(τ, 1−τ), the distance to the decision
 *   threshold τ (Scheffer, Decomain & Wrobel, 2001). For a binary tag and
 *   τ = 0.5 it equals least confidence (both are 1 − |2p − 1|); it differs
 *   when a tag's threshold is tuned away from 0.5;
 * - entropy: {@link binaryEntropy} (Settles, "Active Learning Literature
 *   Survey", 2009, §3.1) — ranks like the others per tag but weighs
 *   moderately sure tags more when aggregated by mean.
 * O(1).
 *
 * @example tagUncertainty(0.8, 'least-confidence') // → 0.4
 */
export function tagUncertainty(p: number, measure: UncertaintyMeasure, threshold = 0.5): number {
  switch (measure) {
    case 'least-confidence':
      return 2 * (1 - Math.max(p, 1 - p));
    case 'margin':
      return 1 - Math.abs(p - threshold) / Math.max(threshold, 1 - threshold);
    case 'entropy':
      return binaryEntropy(p);
    default:
      throw new Error(`unknown uncertainty measure "${measure as string}"`);
  }
}

/**
 * Uncertainty per clip from an n×t probability matrix: the per-tag
 * {@link tagUncertainty} aggregated over tags by mean or max.
 * `thresholds` (length t) are the per-tag decision thresholds for 'margin'.
 * O(n·t).
 *
 * @example uncertaintyScores([0.9, 0.5, 0.5, 0.5], 2, 2, 'entropy', 'mean') // → [≈0.73, 1]
 */
export function uncertaintyScores(
  probs: ArrayLike<number>,
  n: number,
  t: number,
  measure: UncertaintyMeasure,
  aggregate: TagAggregation = 'mean',
  thresholds?: ArrayLike<number>,
): Float64Array {
  assertShape(probs.length, n, t, 'probs');
  if (thresholds && thresholds.length !== t) throw new Error(`uncertaintyScores: ${thresholds.length} thresholds for ${t} tags`);
  const out = new Float64Array(n);
  const row = new Float64Array(t);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < t; j++) row[j] = tagUncertainty(probs[i * t + j], measure, thresholds ? thresholds[j] : 0.5);
    out[i] = aggregateTags(row, aggregate);
  }
  return out;
}

/** Mean or max of per-tag scores. O(t). */
export function aggregateTags(values: ArrayLike<number>, aggregate: TagAggregation): number {
  if (values.length === 0) return 0;
  if (aggregate === 'max') {
    let m = -Infinity;
    for (let j = 0; j < values.length; j++) m = Math.max(m, values[j]);
    return m;
  }
  if (aggregate !== 'mean') throw new Error(`unknown tag aggregation "${aggregate as string}"`);
  let s = 0;
  for (let j = 0; j < values.length; j++) s += values[j];
  return s / values.length;
}
