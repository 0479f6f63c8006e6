/**
 * Active pair choice: which two items to ask about next.
 *
 * Criterion: the expected information gain about the scores from one more answer, under the
 * Gaussian (Laplace) posterior of the current fit. An answer about (i, j) is a Bernoulli
 * observation of d = θ_i − θ_j with Fisher information J(d) = ((2η − 1) p(1 − p))² / (q(1 − q))
 * (see crowd-bt.ts; p(1 − p) for a perfect annotator). Linearised, it adds J·(e_i − e_j)(e_i − e_j)ᵀ
 * to the posterior precision, which shrinks the posterior volume by the factor 1 + J·v_d, where
 * v_d = Σ_ii + Σ_jj − 2Σ_ij is the current variance of d. The gain in nats is ½ ln(1 + J(μ_d)·v_d).
 *
 * This is the D-optimal form of the expected-information-gain choice of Crowd-BT (Chen et al.,
 * WSDM 2013, §4) under a Gaussian posterior: it prefers pairs that are both close (p near ½, the
 * answer is uncertain, so the order of the two may change) and poorly known (large v_d); a pair
 * whose order is already settled (p near 0 or 1) or whose difference is pinned down scores ~0.
 * The annotator's reliability enters through J: an answer from a coin-flipper (η = ½) is worth nothing.
 */

import { sigmoid } from '@/lib/crowd/numeric';
import { answerInformation } from './crowd-bt';

export interface PairPosterior {
  readonly theta: ArrayLike<number>;
  readonly sd: ArrayLike<number>;
  /** Full covariance (row-major) if known; otherwise the correlations are taken as 0. */
  readonly covariance: ArrayLike<number> | null;
}

export interface PairChoice {
  readonly a: number;
  readonly b: number;
  /** Expected information gain in nats. */
  readonly gain: number;
  /** Current probability that a ranks above b. */
  readonly pAbove: number;
}

export interface ChoosePairsOptions {
  /** Reliability of the annotator who will answer (default 1). */
  eta?: number;
  /** Most candidate pairs to score (default 200 000): beyond it, only pairs within a window of the current ranking. */
  maxCandidates?: number;
  /** Pairs not to propose (e.g. already leased): key `${min},${max}`. */
  exclude?: ReadonlySet<string>;
}

/** Expected information gain (nats) of one answer about (a, b) by an annotator of reliability η. */
export function pairGain(fit: PairPosterior, a: number, b: number, eta = 1): number {
  const n = fit.theta.length;
  const v = fit.covariance
    ? fit.covariance[a * n + a] + fit.covariance[b * n + b] - 2 * fit.covariance[a * n + b]
    : fit.sd[a] ** 2 + fit.sd[b] ** 2;
  const p = sigmoid(fit.theta[a] - fit.theta[b]);
  return 0.5 * Math.log1p(answerInformation(eta, p) * Math.max(v, 0));
}

export function pairKey(a: number, b: number): string {
  return a < b ? `${a},${b}` : `${b},${a}`;
}

/**
 * `count` pairs to ask next, best first, chosen greedily: the pair with the largest expected
 * information gain, then the posterior is updated as if that pair had been answered (a rank-one
 * update of the covariance: Σ ← Σ − J Σu uᵀΣ / (1 + J uᵀΣu), u = e_a − e_b; the means do not move
 * until the answer is known), and the next pair is chosen against it. So a batch spreads over the
 * ranking instead of asking the same close pair `count` times. Pairs are distinct.
 *
 * With n items all n(n − 1)/2 pairs are scored while that is at most `maxCandidates`; past that,
 * each item is paired with its neighbours within a window of the current ranking sized to fit
 * (far-apart pairs carry almost no information anyway). Without a full covariance the update
 * touches only the two variances.
 */
export function choosePairs(fit: PairPosterior, count: number, options: ChoosePairsOptions = {}): PairChoice[] {
  const n = fit.theta.length;
  const eta = options.eta ?? 1;
  const maxCandidates = options.maxCandidates ?? 200_000;
  const all = (n * (n - 1)) / 2;
  const order = Array.from({ length: n }, (_, i) => i).sort((x, y) => fit.theta[y] - fit.theta[x]);
  const window = all <= maxCandidates ? n : Math.max(1, Math.floor(maxCandidates / n));
  const candidates: { a: number; b: number; j: number }[] = [];
  for (let r = 0; r < n; r++) {
    for (let s = r + 1; s < Math.min(n, r + 1 + window); s++) {
      const a = order[r];
      const b = order[s];
      if (options.exclude?.has(pairKey(a, b))) continue;
      candidates.push({ a, b, j: answerInformation(eta, sigmoid(fit.theta[a] - fit.theta[b])) });
    }
  }
  const cov = fit.covariance ? Float64Array.from(fit.covariance) : null;
  const variance = Float64Array.from({ length: n }, (_, i) => fit.sd[i] ** 2);
  const varianceOfDifference = (a: number, b: number) =>
    cov ? cov[a * n + a] + cov[b * n + b] - 2 * cov[a * n + b] : variance[a] + variance[b];
  const chosen: PairChoice[] = [];
  const taken = new Set<number>();
  while (chosen.length < Math.min(count, candidates.length)) {
    let best = -1;
    let bestGain = -Infinity;
    for (let k = 0; k < candidates.length; k++) {
      if (taken.has(k)) continue;
      const { a, b, j } = candidates[k];
      const gain = 0.5 * Math.log1p(j * Math.max(varianceOfDifference(a, b), 0));
      if (gain > bestGain) {
        bestGain = gain;
        best = k;
      }
    }
    taken.add(best);
    const { a, b, j } = candidates[best];
    chosen.push({ a, b, gain: bestGain, pAbove: sigmoid(fit.theta[a] - fit.theta[b]) });
    // Rank-one update as if (a, b) had been answered.
    const v = varianceOfDifference(a, b);
    const scale = j / (1 + j * v);
    if (cov) {
      const su = new Float64Array(n);
      for (let i = 0; i < n; i++) su[i] = cov[i * n + a] - cov[i * n + b];
      for (let i = 0; i < n; i++) for (let k = 0; k < n; k++) cov[i * n + k] -= scale * su[i] * su[k];
    } else {
      variance[a] -= scale * variance[a] ** 2;
      variance[b] -= scale * variance[b] ** 2;
    }
  }
  return chosen;
}
