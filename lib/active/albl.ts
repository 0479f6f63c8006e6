/**
 * `auto`: Active Learning by Learning (Hsu & Lin, AAAI 2015) for batches — a bandit over the
 * query strategies that learns online which one buys the most model improvement per label and
 * shifts the labelling budget toward it. Pure: arrays and plain objects.
 *
 * Each round (one batch of labels, then a retrain) the bandit draws ONE strategy k with
 * probability p_k and labels that strategy's batch (the head of the live queue's order under
 * k). With the strategies as EXP4.P's experts and each expert advising its own batch, EXP4.P
 * (Beygelzimer et al., AISTATS 2011) reads, for N strategies, horizon T and δ:
 *   p_min = min(1/N, √(ln N / (N·T)))
 *   p_k   = (1 − N·p_min) · w_k / Σ w + p_min
 *   r̂_k   = r / p_k for the drawn k, 0 for the others     (importance-weighted reward)
 *   v̂_k   = 1 / p_k
 *   w_k  ← w_k · exp( p_min/2 · ( r̂_k + v̂_k · √(ln(N/δ) / (N·T)) ) )
 * kept as log-weights. ALBL's reward is the importance-weighted accuracy (IW-ACC) of the new
 * model on every clip queried so far, each weighted by 1/π (π = its probability of being
 * queried), an unbiased estimate of accuracy on the pool with no held-out labels. Two choices
 * for multi-label batches:
 * - the accuracy is micro-F1 from importance-weighted counts ({@link iwMicroF1}): Hamming
 *   accuracy is dominated by the many absent tags;
 * - the reward is the round's gain Δ = IW-F1(new model) − IW-F1(previous model) on the same
 *   weighted clips, mapped to [0, 1] as ½ + ½·clip(Δ / s, −1, 1) with s the mean |Δ| so far
 *   ({@link gainReward}) — self-scaling, so no constant is tuned to a data set; the level of
 *   accuracy, shared by all strategies and rising over time, cancels.
 * π of a clip queried in a round is Σ_k p_k·[clip ∈ batch_k], the random strategy contributing
 * p_random·B/|candidates| ({@link inclusionProbabilities}).
 */
import type { Rng } from '@/lib/util/random';
import type { QueueStrategy } from './policy';

/** The strategies `auto` chooses among (all available to the live queue; random keeps IW-ACC's weights bounded). */
export const AUTO_EXPERTS: readonly QueueStrategy[] = ['random', 'uncertainty', 'margin', 'hybrid'];

/** The live queue's horizon T: retrain rounds the bandit plans for (it keeps learning after). */
export const LIVE_AUTO_HORIZON = 20;

export interface BanditState {
  experts: string[];
  /** log w_k. */
  logWeights: number[];
  /** Rounds rewarded so far. */
  rounds: number;
  /** Σ |Δ| over rewarded rounds (the reward scale). */
  sumAbsGain: number;
  /** Per expert: times drawn and sum of rewards when drawn (for "why" on /models). */
  pulls: number[];
  rewardSum: number[];
  /** The draw awaiting its reward: expert index and the probabilities it was drawn with. */
  pending: { expert: number; probabilities: number[] } | null;
}

export interface BanditParams {
  /** Horizon T (rounds). */
  horizon: number;
  /** Default 1 (as libact's ALBL). */
  delta?: number;
}

export function initBandit(experts: readonly string[] = AUTO_EXPERTS): BanditState {
  const N = experts.length;
  if (N < 2) throw new Error('auto: need at least two strategies');
  return {
    experts: [...experts],
    logWeights: new Array(N).fill(0),
    rounds: 0,
    sumAbsGain: 0,
    pulls: new Array(N).fill(0),
    rewardSum: new Array(N).fill(0),
    pending: null,
  };
}

/** p_min = min(1/N, √(ln N / (N·T))). */
export function minProbability(N: number, horizon: number): number {
  if (!(horizon >= 1)) throw new Error('auto: horizon must be ≥ 1');
  return Math.min(1 / N, Math.sqrt(Math.log(N) / (N * horizon)));
}

/** p_k = (1 − N·p_min)·w_k/Σw + p_min. O(N). */
export function expertProbabilities(state: BanditState, params: BanditParams): number[] {
  const N = state.experts.length;
  const pMin = minProbability(N, params.horizon);
  const top = Math.max(...state.logWeights);
  const w = state.logWeights.map((l) => Math.exp(l - top));
  const W = w.reduce((a, b) => a + b, 0);
  return w.map((v) => (1 - N * pMin) * (v / W) + pMin);
}

/** Draws an expert from p (inverse CDF on one rng() draw) and records it as pending. */
export function drawExpert(state: BanditState, params: BanditParams, rng: Rng): { state: BanditState; expert: number; probabilities: number[] } {
  const probabilities = expertProbabilities(state, params);
  const u = rng();
  let expert = probabilities.length - 1;
  let acc = 0;
  for (let k = 0; k < probabilities.length; k++) {
    acc += probabilities[k];
    if (u < acc) {
      expert = k;
      break;
    }
  }
  return { state: { ...state, pending: { expert, probabilities } }, expert, probabilities };
}

/**
 * The EXP4.P update for the pending draw with reward r ∈ [0, 1] (see the module comment).
 * Returns a new state (pending cleared). O(N).
 */
export function updateBandit(state: BanditState, reward: number, params: BanditParams): BanditState {
  if (!state.pending) throw new Error('auto: no pending draw to reward');
  if (!(reward >= 0 && reward <= 1)) throw new Error(`auto: reward must be in [0, 1], got ${reward}`);
  const N = state.experts.length;
  const pMin = minProbability(N, params.horizon);
  const bonus = Math.sqrt(Math.log(N / (params.delta ?? 1)) / (N * params.horizon));
  const { expert, probabilities: p } = state.pending;
  const logWeights = state.logWeights.map((l, k) => {
    const rHat = k === expert ? reward / p[k] : 0;
    const vHat = 1 / p[k];
    return l + (pMin / 2) * (rHat + vHat * bonus);
  });
  const pulls = state.pulls.slice();
  const rewardSum = state.rewardSum.slice();
  pulls[expert]++;
  rewardSum[expert] += reward;
  return { ...state, logWeights, pulls, rewardSum, rounds: state.rounds + 1, pending: null };
}

/**
 * Reward from a round's gain Δ: ½ + ½·clip(Δ/s, −1, 1) with s the mean |Δ| over the rounds so
 * far including this one (½ when every gain so far is 0). Returns the reward and the new Σ|Δ|.
 * @example gainReward(0.02, 0, 0) // → { reward: 1, sumAbsGain: 0.02 }
 */
export function gainReward(gain: number, sumAbsGain: number, rounds: number): { reward: number; sumAbsGain: number } {
  if (!Number.isFinite(gain)) return { reward: 0.5, sumAbsGain };
  const total = sumAbsGain + Math.abs(gain);
  const scale = total / (rounds + 1);
  const reward = scale > 0 ? 0.5 + 0.5 * Math.max(-1, Math.min(1, gain / scale)) : 0.5;
  return { reward, sumAbsGain: total };
}

/**
 * Micro-F1 from importance-weighted counts: TP = Σ_i W_i·#{j: y_ij = 1, p_ij ≥ τ_j}, FP and FN
 * alike; 2TP / (2TP + FP + FN), 1 when there is nothing to find and nothing predicted.
 * `rows` index the n×t matrices; τ = the model's own per-tag thresholds (default ½ each), so a
 * model is rewarded as it predicts. O(|rows|·t).
 */
export function iwMicroF1(
  truth: ArrayLike<number>,
  probs: ArrayLike<number>,
  t: number,
  rows: readonly number[],
  weights: readonly number[],
  thresholds?: ArrayLike<number>,
): number {
  if (thresholds && thresholds.length !== t) throw new Error(`iwMicroF1: ${thresholds.length} thresholds for ${t} tags`);
  let tp = 0;
  let fp = 0;
  let fn = 0;
  rows.forEach((i, k) => {
    const w = weights[k];
    for (let j = 0; j < t; j++) {
      const y = truth[i * t + j] >= 0.5;
      const yhat = probs[i * t + j] >= (thresholds ? thresholds[j] : 0.5);
      if (y && yhat) tp += w;
      else if (yhat) fp += w;
      else if (y) fn += w;
    }
  });
  const denominator = 2 * tp + fp + fn;
  return denominator > 0 ? (2 * tp) / denominator : 1;
}

/**
 * π(x) for the clips of the drawn batch: Σ_k p_k·[x ∈ batch_k] over the non-random experts, plus
 * p_random·min(1, B/|candidates|) for the random one (a uniform B-subset). O(N·B).
 */
export function inclusionProbabilities(
  picked: readonly number[],
  batches: readonly (readonly number[])[],
  experts: readonly string[],
  probabilities: readonly number[],
  candidates: number,
): number[] {
  const sets = batches.map((b) => new Set(b));
  return picked.map((x) => {
    let pi = 0;
    experts.forEach((name, k) => {
      if (name === 'random') pi += probabilities[k] * Math.min(1, batches[k].length / Math.max(1, candidates));
      else if (sets[k].has(x)) pi += probabilities[k];
    });
    return pi;
  });
}

/** Which strategy `auto` favours now, for /models: the most probable one, with every probability and mean reward. */
export function banditSummary(state: BanditState, params: BanditParams) {
  const probabilities = expertProbabilities(state, params);
  const favoured = probabilities.indexOf(Math.max(...probabilities));
  return {
    favoured: state.experts[favoured],
    rounds: state.rounds,
    experts: state.experts.map((name, k) => ({
      strategy: name,
      probability: probabilities[k],
      pulls: state.pulls[k],
      meanReward: state.pulls[k] > 0 ? state.rewardSum[k] / state.pulls[k] : null,
    })),
  };
}

/** A stored state (models.metrics.auto) read back, or null when it is missing or malformed. */
export function parseBanditState(value: unknown): BanditState | null {
  const v = value as Partial<BanditState> | null;
  if (!v || !Array.isArray(v.experts) || !Array.isArray(v.logWeights) || v.experts.length !== v.logWeights.length) return null;
  const N = v.experts.length;
  if (N < 2 || !v.logWeights.every((x) => Number.isFinite(x))) return null;
  const arr = (a: unknown) => (Array.isArray(a) && a.length === N && a.every((x) => Number.isFinite(x)) ? (a as number[]) : new Array(N).fill(0));
  const pending =
    v.pending && Number.isInteger(v.pending.expert) && v.pending.expert >= 0 && v.pending.expert < N && Array.isArray(v.pending.probabilities)
      ? { expert: v.pending.expert, probabilities: v.pending.probabilities.map(Number) }
      : null;
  return {
    experts: v.experts.map(String),
    logWeights: v.logWeights.map(Number),
    rounds: Number(v.rounds) || 0,
    sumAbsGain: Number(v.sumAbsGain) || 0,
    pulls: arr(v.pulls),
    rewardSum: arr(v.rewardSum),
    pending,
  };
}
