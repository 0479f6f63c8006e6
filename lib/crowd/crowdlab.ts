import {
  binaryRelevance,
  type BinaryRelevanceOptions,
  type BinaryRelevanceResult,
  type BinaryRelevanceSettings,
  type EncodedMultiLabelVotes,
  type TagGold,
} from './binary-relevance';
import { dawidSkene, type DawidSkeneOptions, type DawidSkeneResult, type DawidSkeneSettings } from './dawid-skene';
import { logit, safeLog, sigmoid } from './numeric';
import { isPositiveInteger, isProbability, resolveSettings } from './settings';
import type { EncodedVotes } from './types';

/**
 * Model-aware aggregation: a clip's crowd answers combined with the active model's calibrated
 * prediction, the model weighted by how often it agrees with the crowd where the crowd is sure.
 *
 * After CROWDLAB (Goh, Tkachenko & Mueller, "CROWDLAB: Supervised learning to infer consensus
 * labels and quality scores for data with multiple annotators", NeurIPS 2022 HILL workshop,
 * arXiv:2210.06812), with two changes, both so that it composes with Dawid–Skene:
 *
 *  1. Consensus and reference set as in CROWDLAB: a crowd-only fit gives the consensus
 *     posterior T, and the model is scored against it on the items with at least
 *     `referenceVotes` votes (CROWDLAB: more than one). The score is the model's calibration
 *     slope there ({@link modelWeight}): w ∈ [0, 1], how much of the model's claimed confidence
 *     holds up where the crowd is sure. CROWDLAB's accuracy-based weight
 *     1 − (1 − A_M)/(1 − A_MLC) is reported beside it; it suits CROWDLAB's weighted *average*
 *     of probabilities, and shrinks a calibrated model far too much in the log-space
 *     combination below.
 *  2. Combination in log space instead of a weighted average: the model is one more, conditionally
 *     independent, witness. A calibrated q_ik = P(class k | audio) carries the likelihood ratio
 *     q_ik / q̄_k (q̄ = the model's mean prediction, its own base rate), so
 *       evidence_ik = w · (log q_ik − log q̄_k)
 *     is added to every E-step of Dawid–Skene (categorical) or binary relevance (per tag, with
 *     logit in place of log) and the crowd model is refitted, so workers are also judged against
 *     the model where the crowd is thin. w = 0 (a model no better than the commonest class) or a
 *     constant prediction leaves the crowd fit exactly as it was; a perfect, confident model
 *     (w = 1, q → 0/1) outweighs any realistic number of votes.
 *
 * Items without a prediction (NaN row) get no evidence and are not in the reference set.
 */

/** What the caller tunes; never changed by fitting. */
export interface CrowdlabSettings {
  /** Items with at least this many votes form the reference set the model is scored on. */
  readonly referenceVotes: number;
  /** Predictions are clipped to [ε, 1 − ε]: a model that says exactly 0 or 1 keeps a finite weight. */
  readonly epsilon: number;
}

export const DEFAULT_CROWDLAB_SETTINGS: CrowdlabSettings = { referenceVotes: 2, epsilon: 1e-6 };

/** How the model was weighed against the crowd (per class set: once categorical, per tag multi-label). */
export interface ModelWeight {
  /** w in [0, 1]: the share of the model's log-likelihood ratio that enters the posterior. */
  readonly weight: number;
  /** CROWDLAB's own weight, 1 − (1 − A_M) / (1 − A_MLC) clipped to [0, 1], for comparison. */
  readonly crowdlabWeight: number;
  /** A_M: the model's (soft) accuracy against the crowd consensus on the reference items. */
  readonly modelAccuracy: number;
  /** A_MLC: the accuracy of always answering the commonest consensus class there. */
  readonly baselineAccuracy: number;
  /** Reference items (votes ≥ referenceVotes, with a prediction). */
  readonly referenceItems: number;
}

/** CROWDLAB's lower clip of an error rate (cleanlab's CLIPPING_LOWER_BOUND), so 1 − A_MLC never divides by 0. */
const MIN_ERROR = 1e-6;

const resolve = (overrides: Partial<CrowdlabSettings> | undefined): CrowdlabSettings =>
  resolveSettings('crowdlab', DEFAULT_CROWDLAB_SETTINGS, overrides, {
    referenceVotes: isPositiveInteger,
    epsilon: (x) => isProbability(x) && x > 0 && x < 0.5,
  });

/**
 * The model's weight over K classes against the crowd consensus on the reference items
 * (`reference[i]`, with a prediction; NaN prediction rows are skipped). `consensus` and
 * `predictions` are n × K rows. With u_ik = log q_ik − log q̄_k (the model's log-likelihood
 * ratio, {@link categoricalEvidence} at weight 1) and π_k the consensus class shares there,
 *   w = argmax_{w ∈ [0, 1]} Σ_i log Σ_k T_ik · softmax_k(log π_k + w·u_i)
 * — the likelihood of the crowd's answers when the truth is drawn from the model's prediction
 * tempered by w (the crowd's evidence on item i is T_ik / π_k, so T_ik · softmax_k / π_k
 * summed over k is that item's marginal likelihood up to a constant). It is the model's
 * calibration slope, corrected for the crowd's own errors: a split crowd neither rewards nor
 * punishes the model, and a confidently right model that a wrong crowd contradicts loses a
 * bounded amount (scoring it by cross-entropy against T instead gave a perfect model w ≈ 0.14
 * under a crowd 89 % right). 1 when the model's confidence holds up, 0 when it is worth
 * nothing. (CROWDLAB's
 * 1 − (1 − A_M)/(1 − A_MLC), reported beside it, weighs a probability *average*; in this
 * log-space combination it gave a calibrated model with 10 % error w = 0.14–0.37 on the simulated
 * crowd, and one with 20 % error 0.03–0.07, where this slope gives 0.87–0.95: bench/RESULTS.md.) Maximised by golden-section
 * search to 1e-9, the ends compared too. 0 without reference items. O(50·n·K).
 *
 * @example
 * // two classes, consensus certain, the model says 0.8 / 0.2 (mean 0.5, u = ± log 4) and is right
 * // on 4 of 6 items: σ(w·log 4) = 4/6 → w = log 2 / log 4 = 0.5
 */
export function modelWeight(
  consensus: Float64Array,
  predictions: Float64Array,
  reference: ArrayLike<boolean>,
  K: number,
  epsilon = DEFAULT_CROWDLAB_SETTINGS.epsilon,
): ModelWeight {
  const n = reference.length;
  const unit = categoricalEvidence(predictions, K, 1, epsilon);
  const used: number[] = [];
  const classMass = new Float64Array(K);
  let agree = 0;
  for (let i = 0; i < n; i++) {
    if (!reference[i] || Number.isNaN(predictions[i * K])) continue;
    let best = 0;
    for (let k = 1; k < K; k++) if (predictions[i * K + k] > predictions[i * K + best]) best = k;
    agree += consensus[i * K + best];
    for (let k = 0; k < K; k++) classMass[k] += consensus[i * K + k];
    used.push(i);
  }
  const m = used.length;
  if (m === 0) return { weight: 0, crowdlabWeight: 0, modelAccuracy: NaN, baselineAccuracy: NaN, referenceItems: 0 };
  const modelAccuracy = agree / m;
  const baselineAccuracy = Math.max(...classMass) / m;
  const logPrior = Array.from(classMass, (x) => safeLog(Math.max(x / m, MIN_ERROR)));
  const z = new Float64Array(K);
  const objective = (w: number): number => {
    let total = 0;
    for (const i of used) {
      let max = -Infinity;
      for (let k = 0; k < K; k++) {
        z[k] = logPrior[k] + w * unit[i * K + k];
        if (z[k] > max) max = z[k];
      }
      let normaliser = 0;
      let agreement = 0;
      for (let k = 0; k < K; k++) {
        const e = Math.exp(z[k] - max);
        normaliser += e;
        agreement += consensus[i * K + k] * e;
      }
      total += Math.log(agreement / normaliser);
    }
    return total;
  };
  return {
    weight: maximiseOnUnitInterval(objective),
    crowdlabWeight: Math.min(1, Math.max(0, 1 - (1 - modelAccuracy) / Math.max(1 - baselineAccuracy, MIN_ERROR))),
    modelAccuracy,
    baselineAccuracy,
    referenceItems: m,
  };
}

/** Golden-section search for the maximum of a unimodal f on [0, 1], to an interval below 1e-9 (≈ 45 steps). */
function maximiseOnUnitInterval(f: (x: number) => number): number {
  const ratio = (Math.sqrt(5) - 1) / 2;
  let lo = 0;
  let hi = 1;
  let a = hi - ratio * (hi - lo);
  let b = lo + ratio * (hi - lo);
  let fa = f(a);
  let fb = f(b);
  while (hi - lo > 1e-9) {
    if (fa < fb) {
      lo = a;
      a = b;
      fa = fb;
      b = lo + ratio * (hi - lo);
      fb = f(b);
    } else {
      hi = b;
      b = a;
      fb = fa;
      a = hi - ratio * (hi - lo);
      fa = f(a);
    }
  }
  // The ends are candidates too: a slope past 1 (an under-confident model) is capped at 1.
  const mid = (lo + hi) / 2;
  return [0, mid, 1].reduce((best, x) => (f(x) > f(best) ? x : best), mid);
}

/**
 * The model's evidence per item and class, w · (log q_ik − log q̄_k), q clipped to [ε, 1 − ε]
 * and q̄_k its mean over the items that have a prediction; 0 for items without one (NaN row) and
 * everywhere when w = 0. O(n·K).
 */
export function categoricalEvidence(
  predictions: Float64Array,
  K: number,
  weight: number,
  epsilon = DEFAULT_CROWDLAB_SETTINGS.epsilon,
): Float64Array {
  const n = predictions.length / K;
  const evidence = new Float64Array(n * K);
  if (weight === 0) return evidence;
  const clip = (p: number) => Math.min(1 - epsilon, Math.max(epsilon, p));
  const mean = new Float64Array(K);
  let m = 0;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(predictions[i * K])) continue;
    for (let k = 0; k < K; k++) mean[k] += clip(predictions[i * K + k]);
    m++;
  }
  if (m === 0) return evidence;
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(predictions[i * K])) continue;
    for (let k = 0; k < K; k++) evidence[i * K + k] = weight * (safeLog(clip(predictions[i * K + k])) - safeLog(mean[k] / m));
  }
  return evidence;
}

export interface CrowdlabResult extends Omit<DawidSkeneResult, 'method'> {
  readonly method: 'crowdlab';
  readonly model: ModelWeight;
  /** The crowd-only Dawid–Skene fit the consensus came from. */
  readonly crowdOnly: DawidSkeneResult;
}

/**
 * Model-aware categorical aggregation (see the module comment): Dawid–Skene on the votes alone,
 * the model's weight against that consensus on items with ≥ referenceVotes votes, then
 * Dawid–Skene again with the model's evidence in every E-step. `predictions` is N × K, aligned
 * with `data.items` × `data.labels`, rows summing to 1, NaN rows for items the model did not score.
 * Complexity: two Dawid–Skene fits, O(V·K) per iteration.
 *
 * @example
 * const fit = crowdlab(encodeVotes(votes), predictions);
 * fit.model.weight   // 0 … 1
 */
export function crowdlab(
  data: EncodedVotes,
  predictions: Float64Array,
  overrides: Partial<CrowdlabSettings> = {},
  dsSettings: Partial<DawidSkeneSettings> = {},
  options: DawidSkeneOptions = {},
): CrowdlabResult {
  const settings = resolve(overrides);
  const K = data.labels.length;
  const N = data.items.length;
  if (predictions.length !== N * K)
    throw new RangeError(`crowdlab: predictions have ${predictions.length} cells, want ${N} items × ${K} labels`);
  const crowdOnly = dawidSkene(data, dsSettings, { ...options, evidence: undefined });
  const votes = new Int32Array(N);
  for (let v = 0; v < data.item.length; v++) votes[data.item[v]]++;
  const model = modelWeight(
    crowdOnly.posterior,
    predictions,
    Array.from(votes, (n) => n >= settings.referenceVotes),
    K,
    settings.epsilon,
  );
  const fit =
    model.weight > 0
      ? dawidSkene(data, dsSettings, {
          ...options,
          evidence: categoricalEvidence(predictions, K, model.weight, settings.epsilon),
        })
      : crowdOnly;
  return { ...fit, method: 'crowdlab', model, crowdOnly };
}

/**
 * Per-tag evidence for binary relevance: w_t · (logit q_it − logit q̄_t), q clipped to
 * [ε, 1 − ε], q̄_t the mean prediction of tag t; 0 for clips without a prediction (NaN) or tags
 * with w_t = 0. `predictions` is N × T. O(N·T).
 */
export function tagEvidence(
  predictions: Float64Array,
  weights: ArrayLike<number>,
  epsilon = DEFAULT_CROWDLAB_SETTINGS.epsilon,
): Float64Array {
  const T = weights.length;
  const N = predictions.length / T;
  const evidence = new Float64Array(N * T);
  const mean = tagMeans(predictions, T, epsilon);
  for (let i = 0; i < N; i++) {
    for (let t = 0; t < T; t++) {
      const q = predictions[i * T + t];
      if (Number.isNaN(q) || weights[t] === 0) continue;
      evidence[i * T + t] = weights[t] * (logit(Math.min(1 - epsilon, Math.max(epsilon, q))) - logit(mean[t]));
    }
  }
  return evidence;
}

/** Mean clipped prediction per tag over the clips that have one (0.5 for a tag nobody scored). O(N·T). */
export function tagMeans(predictions: Float64Array, T: number, epsilon = DEFAULT_CROWDLAB_SETTINGS.epsilon): Float64Array {
  const N = predictions.length / T;
  const sum = new Float64Array(T);
  const count = new Float64Array(T);
  for (let i = 0; i < N; i++) {
    for (let t = 0; t < T; t++) {
      const q = predictions[i * T + t];
      if (Number.isNaN(q)) continue;
      sum[t] += Math.min(1 - epsilon, Math.max(epsilon, q));
      count[t]++;
    }
  }
  return sum.map((s, t) => (count[t] > 0 ? s / count[t] : 0.5));
}

/**
 * The model's weight for each tag: {@link modelWeight} with two classes (does not apply,
 * applies) on the clips with ≥ referenceVotes votes, `consensus` and `predictions` N × T. O(N·T).
 */
export function tagModelWeights(
  consensus: Float64Array,
  predictions: Float64Array,
  reference: ArrayLike<boolean>,
  T: number,
  epsilon = DEFAULT_CROWDLAB_SETTINGS.epsilon,
): ModelWeight[] {
  const N = reference.length;
  return Array.from({ length: T }, (_, t) => {
    const c = new Float64Array(2 * N);
    const q = new Float64Array(2 * N);
    for (let i = 0; i < N; i++) {
      const p = predictions[i * T + t];
      c[2 * i] = 1 - consensus[i * T + t];
      c[2 * i + 1] = consensus[i * T + t];
      q[2 * i] = Number.isNaN(p) ? NaN : 1 - p;
      q[2 * i + 1] = p;
    }
    return modelWeight(c, q, reference, 2, epsilon);
  });
}

export interface MultiLabelCrowdlabResult {
  readonly fit: BinaryRelevanceResult;
  readonly crowdOnly: BinaryRelevanceResult;
  /** Per tag, aligned with `fit.tags`. */
  readonly model: readonly ModelWeight[];
}

/**
 * Model-aware aggregation of multi-label votes, one binary question per tag (binary relevance):
 * the crowd-only fit, per-tag model weights on clips with ≥ referenceVotes votes, then binary
 * relevance again with {@link tagEvidence} in every E-step. `predictions` is N × T aligned with
 * `data.items` × `data.tags` (NaN where the model did not score a clip).
 * Complexity: two binary-relevance fits, O(V·T) per iteration.
 */
export function crowdlabMultiLabel(
  data: EncodedMultiLabelVotes,
  predictions: Float64Array,
  overrides: Partial<CrowdlabSettings> = {},
  brSettings: Partial<BinaryRelevanceSettings> = {},
  options: BinaryRelevanceOptions = {},
): MultiLabelCrowdlabResult {
  const settings = resolve(overrides);
  const T = data.tags.length;
  const N = data.items.length;
  if (predictions.length !== N * T)
    throw new RangeError(`crowdlab: predictions have ${predictions.length} cells, want ${N} clips × ${T} tags`);
  const crowdOnly = binaryRelevance(data, brSettings, { ...options, evidence: undefined });
  const votes = new Int32Array(N);
  for (let v = 0; v < data.item.length; v++) votes[data.item[v]]++;
  const model = tagModelWeights(
    crowdOnly.posterior,
    predictions,
    Array.from(votes, (n) => n >= settings.referenceVotes),
    T,
    settings.epsilon,
  );
  const weights = model.map((m) => m.weight);
  const fit = weights.some((w) => w > 0)
    ? binaryRelevance(data, brSettings, { ...options, evidence: tagEvidence(predictions, weights, settings.epsilon) })
    : crowdOnly;
  return { fit, crowdOnly, model };
}

/** What the live loop needs to add the model to one clip: per tag (aligned with the taxonomy), the weight and the model's mean prediction. */
export interface LiveModelEvidence {
  readonly weights: readonly number[];
  readonly means: readonly number[];
}

/**
 * One clip's posteriors with the model's evidence added (the live loop, for clips with fewer
 * than minVotes votes): logit p_t + w_t · (logit q_t − logit q̄_t) on every tag not fixed by
 * gold. Without a prediction (undefined) the posteriors come back unchanged. O(T).
 *
 * @example
 * // crowd p 0.5, model q 0.8 with mean 0.5 and weight 0.5 → logit = 0.5 · log 4 → p = 2/3
 * withModelEvidence([0.5], [0.8], { weights: [0.5], means: [0.5] }, ['calm']) // [0.6667]
 */
export function withModelEvidence(
  posteriors: readonly number[],
  prediction: readonly number[] | undefined,
  evidence: LiveModelEvidence,
  tags: readonly string[],
  gold?: TagGold,
  epsilon = DEFAULT_CROWDLAB_SETTINGS.epsilon,
): number[] {
  if (!prediction) return [...posteriors];
  return posteriors.map((p, t) => {
    const q = prediction[t];
    const w = evidence.weights[t] ?? 0;
    if (w === 0 || q === undefined || Number.isNaN(q) || (gold && Object.hasOwn(gold, tags[t]))) return p;
    return sigmoid(logit(p) + w * (logit(Math.min(1 - epsilon, Math.max(epsilon, q))) - logit(evidence.means[t])));
  });
}
