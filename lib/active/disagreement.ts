/**
 * Disagreement scores: among the members of a model committee, and among the
 * crowd (through the aggregator's posterior). All in [0,1] per tag, then
 * aggregated over tags like uncertainty.
 */
import { assertShape } from '@/lib/model/standardize';
import { aggregateTags, binaryEntropy, type TagAggregation } from './uncertainty';

export type CommitteeMeasure = 'vote-entropy' | 'mean-kl';

/**
 * Committee disagreement per clip from M members' n×t probabilities.
 *
 * - vote entropy (Dagan & Engelson, ICML 1995): each member votes tag on when
 *   p ≥ 0.5; the score is the binary entropy of the fraction voting on.
 * - mean KL to the consensus (McCallum & Nigam, ICML 1998):
 *   (1/M) Σ_m KL(p_m ‖ p̄) in bits with p̄ the members' mean; for binary
 *   outcomes this equals H(p̄) − (1/M) Σ_m H(p_m) (a Jensen–Shannon
 *   divergence), so it lies in [0,1] and, unlike vote entropy, sees members
 *   that agree on the side but not on the confidence.
 * O(M·n·t).
 *
 * @example committeeDisagreement([[0.9], [0.1]], 1, 1, 'vote-entropy') // → [1]
 */
export function committeeDisagreement(
  members: ArrayLike<number>[],
  n: number,
  t: number,
  measure: CommitteeMeasure = 'mean-kl',
  aggregate: TagAggregation = 'mean',
): Float64Array {
  if (members.length < 2) throw new Error(`committeeDisagreement: need at least 2 members, got ${members.length}`);
  members.forEach((m, k) => assertShape(m.length, n, t, `committee member ${k}`));
  const M = members.length;
  const out = new Float64Array(n);
  const row = new Float64Array(t);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < t; j++) {
      const o = i * t + j;
      if (measure === 'vote-entropy') {
        let on = 0;
        for (const m of members) if (m[o] >= 0.5) on++;
        row[j] = binaryEntropy(on / M);
      } else if (measure === 'mean-kl') {
        let mean = 0;
        let meanH = 0;
        for (const m of members) {
          mean += m[o];
          meanH += binaryEntropy(m[o]);
        }
        // Clamped: rounding can leave the difference a hair below zero.
        row[j] = Math.max(0, binaryEntropy(mean / M) - meanH / M);
      } else {
        throw new Error(`unknown committee measure "${measure as string}"`);
      }
    }
    out[i] = aggregateTags(row, aggregate);
  }
  return out;
}

/**
 * Crowd disagreement per clip from the aggregator's n×t posteriors
 * P(tag on | votes): the binary entropy of each posterior (1 when the crowd,
 * weighed by reliability, is split evenly), aggregated over tags.
 * NaN (tag never voted on) counts as fully undecided. O(n·t).
 *
 * @example crowdDisagreement([0.5, 1, 0.9, 0.1], 2, 2, 'max') // → [1, ≈0.47]
 */
export function crowdDisagreement(
  posteriors: ArrayLike<number>,
  n: number,
  t: number,
  aggregate: TagAggregation = 'mean',
): Float64Array {
  assertShape(posteriors.length, n, t, 'posteriors');
  const out = new Float64Array(n);
  const row = new Float64Array(t);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < t; j++) {
      const p = posteriors[i * t + j];
      row[j] = Number.isNaN(p) ? 1 : binaryEntropy(p);
    }
    out[i] = aggregateTags(row, aggregate);
  }
  return out;
}
