import { clampRowToGold, decideLabels, encodeGold, voteShares, workerReliability, type GoldMask } from './encode';
import { clampProbability, logit } from './numeric';
import type { CategoricalGold, CategoricalResult, EncodedVotes } from './types';

export interface MajorityOptions {
  readonly gold?: CategoricalGold;
}

/**
 * Per vote v on item i with label l: the share of the *other* votes on i that
 * also say l (leave-one-out agreement), 1/0 on gold items (is l a tolerated
 * answer?), NaN when v is the only vote on a non-gold item. Used as a
 * model-free proxy for each worker's accuracy. O(V + N·K).
 */
export function leaveOneOutAgreement(data: EncodedVotes, gold: GoldMask | null): Float64Array {
  const K = data.labels.length;
  const counts = new Int32Array(data.items.length * K);
  const perItem = new Int32Array(data.items.length);
  for (let v = 0; v < data.item.length; v++) {
    counts[data.item[v] * K + data.label[v]]++;
    perItem[data.item[v]]++;
  }
  const agreement = new Float64Array(data.item.length);
  for (let v = 0; v < data.item.length; v++) {
    const i = data.item[v];
    const cell = i * K + data.label[v];
    if (gold && gold.isGold[i]) agreement[v] = gold.allowed[cell];
    else agreement[v] = perItem[i] > 1 ? (counts[cell] - 1) / (perItem[i] - 1) : Number.NaN;
  }
  return agreement;
}

/**
 * Majority vote (MV): the label most workers chose.
 *
 * Model: none — posterior(i, k) is reported as the share of i's votes that say
 * k (not a calibrated probability). Gold items are restricted to their
 * tolerated answers. Worker reliability = Beta posterior of leave-one-out
 * agreement (see {@link leaveOneOutAgreement}). Ties go to the lowest label
 * index (labels sort by code unit), so vote order never matters.
 *
 * Complexity O(V + N·K) time and memory.
 *
 * @example
 * // c1: a, a, b → label a, confidence 2/3
 * majorityVote(encodeVotes([{item:'c1',worker:'x',label:'a'}, {item:'c1',worker:'y',label:'a'}, {item:'c1',worker:'z',label:'b'}]))
 */
export function majorityVote(data: EncodedVotes, options: MajorityOptions = {}): CategoricalResult {
  const gold = encodeGold(data, options.gold);
  const posterior = voteShares(data, gold);
  const agreement = leaveOneOutAgreement(data, gold);
  return {
    method: 'mv',
    items: data.items,
    workers: data.workers,
    labels: data.labels,
    posterior,
    ...decideLabels(posterior, data.items.length, data.labels.length),
    ...workerReliability(data, (v) => agreement[v]),
    iterations: 0,
    converged: true,
  };
}

export interface WeightedMajorityOptions extends MajorityOptions {
  /**
   * Known accuracy per worker id (e.g. from gold or from a previous
   * Dawid–Skene run). Workers not listed get their leave-one-out agreement.
   */
  readonly workerAccuracy?: ReadonlyMap<string, number>;
}

/**
 * Reliability-weighted majority vote (WMV).
 *
 * Model (one-coin, Nitzan & Paroush 1982): worker w is right with probability
 * a_w and otherwise picks one of the K − 1 wrong labels uniformly. With a
 * uniform class prior the exact posterior is then
 *   P(z_i = k | votes) ∝ exp(Σ_{v on i, l_v = k} ω_w),  ω_w = log((K − 1)·a_w / (1 − a_w)),
 * so a worse-than-chance worker (ω_w < 0) counts *against* the label they pick.
 * a_w comes from `workerAccuracy` or, failing that, from leave-one-out
 * agreement (Beta-smoothed, so three votes cannot give a_w = 1).
 *
 * Complexity O(V + N·K).
 *
 * @example
 * // x (a = 0.9) says a; y and z (a = 0.55 each) say b: ω_x = 2.20 > ω_y + ω_z = 0.40 → a
 */
export function weightedMajorityVote(data: EncodedVotes, options: WeightedMajorityOptions = {}): CategoricalResult {
  const K = data.labels.length;
  const N = data.items.length;
  const gold = encodeGold(data, options.gold);
  const agreement = leaveOneOutAgreement(data, gold);
  const estimated = workerReliability(data, (v) => agreement[v]);
  const weight = new Float64Array(data.workers.length);
  for (let w = 0; w < data.workers.length; w++) {
    const a = clampProbability(options.workerAccuracy?.get(data.workers[w]) ?? estimated.reliability[w]);
    weight[w] = K > 1 ? logit(a) + Math.log(K - 1) : 0;
  }
  const score = new Float64Array(N * K);
  for (let v = 0; v < data.item.length; v++) score[data.item[v] * K + data.label[v]] += weight[data.worker[v]];
  // Softmax in place: the raw scores are not needed once normalised.
  const posterior = score;
  for (let i = 0; i < N; i++) {
    const base = i * K;
    let max = -Infinity;
    for (let k = 0; k < K; k++) if (score[base + k] > max) max = score[base + k];
    let sum = 0;
    for (let k = 0; k < K; k++) {
      posterior[base + k] = Math.exp(score[base + k] - max);
      sum += posterior[base + k];
    }
    for (let k = 0; k < K; k++) posterior[base + k] /= sum;
    if (gold) clampRowToGold(posterior, i, K, gold);
  }
  return {
    method: 'wmv',
    items: data.items,
    workers: data.workers,
    labels: data.labels,
    posterior,
    ...decideLabels(posterior, N, K),
    ...estimated,
    iterations: 0,
    converged: true,
  };
}

/**
 * Wawa — worker agreement with aggregate (as in Crowd-Kit's `Wawa`; Appen/Figure Eight's
 * "trust"-weighted vote): (1) majority vote; (2) each worker's skill = the share of their votes
 * that agree with the majority label; (3) majority vote again, each vote counting its worker's
 * skill:  posterior(i, k) = Σ_{v on i, l_v = k} skill_w / Σ_{v on i} skill_w.
 * Not a probability model: a linear weight, so a worse-than-chance worker still counts (a little)
 * for their answer. Gold items take part in step 1 with their tolerated answers and are clamped
 * in step 3. Worker reliability = Beta posterior of agreement with the step-1 label. Ties go to
 * the lowest label index.
 *
 * Complexity O(V + N·K) time and memory.
 *
 * @example
 * // x, y agree with the majority everywhere (skill 1), z on half its items (skill ½):
 * // on an item where x says a and z, z′ (skill ½ each) say b, a wins 1 to 1 → tie → lowest label
 */
export function wawa(data: EncodedVotes, options: MajorityOptions = {}): CategoricalResult {
  const K = data.labels.length;
  const N = data.items.length;
  const W = data.workers.length;
  const gold = encodeGold(data, options.gold);
  const shares = voteShares(data, gold);
  const majority = decideLabels(shares, N, K).label;
  const agree = new Float64Array(W);
  const votes = new Float64Array(W);
  for (let v = 0; v < data.item.length; v++) {
    votes[data.worker[v]]++;
    if (data.label[v] === majority[data.item[v]]) agree[data.worker[v]]++;
  }
  const posterior = new Float64Array(N * K);
  const total = new Float64Array(N);
  for (let v = 0; v < data.item.length; v++) {
    const skill = agree[data.worker[v]] / votes[data.worker[v]];
    posterior[data.item[v] * K + data.label[v]] += skill;
    total[data.item[v]] += skill;
  }
  for (let i = 0; i < N; i++) {
    // Every voter of i has skill 0 (never agreed with a majority label): fall back to counting heads.
    for (let k = 0; k < K; k++) posterior[i * K + k] = total[i] > 0 ? posterior[i * K + k] / total[i] : shares[i * K + k];
    if (gold) clampRowToGold(posterior, i, K, gold);
  }
  return {
    method: 'wawa',
    items: data.items,
    workers: data.workers,
    labels: data.labels,
    posterior,
    ...decideLabels(posterior, N, K),
    ...workerReliability(data, (v) => (data.label[v] === majority[data.item[v]] ? 1 : 0)),
    iterations: 0,
    converged: true,
  };
}
