/**
 * Crowd-BT (Chen, Bennett, Collins-Thompson, Horvitz, "Pairwise ranking aggregation in a
 * crowdsourced setting", WSDM 2013): Bradley–Terry scores fitted jointly with a reliability η_k per
 * annotator. Annotator k answers per the true order with probability η_k and reverses it with
 * probability 1 − η_k, so
 *
 *   P(k says i ≻ j) = η_k σ(θ_i − θ_j) + (1 − η_k) σ(θ_j − θ_i).
 *
 * η_k = 1 is a perfect annotator, 0.5 a coin flip (a spammer), below 0.5 an adversary whose answers
 * are informative once reversed.
 *
 * Chen et al. fit the model online by moment matching; this module fits the same likelihood in batch
 * by EM (maximum a posteriori): the latent variable is whether an answer followed the true order.
 *   E-step: r_c = η_k p_c / (η_k p_c + (1 − η_k)(1 − p_c)), p_c = σ(θ_winner − θ_loser).
 *   M-step η: η_k = (α − 1 + Σ_c n_c r_c) / (α + β − 2 + Σ_c n_c)   (Beta(α, β) prior, MAP).
 *   M-step θ: a Bradley–Terry fit in which answer c counts as r_c of a win for its winner and
 *             1 − r_c of a win for its loser (a few of Hunter's MM steps: generalised EM).
 * Each step does not decrease the log posterior ({@link crowdBtLogPosterior}). The EM starts from
 * a Bradley–Terry fit in which every annotator has the same total weight, and from each annotator's
 * agreement with it: the model is symmetric under θ → −θ, η → 1 − η, and this start picks the mode
 * in which most annotators (not most answers) are honest, so one prolific adversary cannot flip it.
 *
 * Ties count as half an answer each way (see bradley-terry.ts). Uncertainty: the inverse Fisher
 * information of θ at the fit with η held fixed; a comparison by an annotator of reliability η
 * carries information ((2η − 1) p(1 − p))² / (q(1 − q)), q = η p + (1 − η)(1 − p): nothing at η = ½.
 */

import { clampProbability, sigmoid } from '@/lib/crowd/numeric';
import {
  btInformation,
  type Comparisons,
  covarianceFromInformation,
  DEFAULT_BT_PRIOR,
  fitBradleyTerry,
  mmStep,
} from './bradley-terry';

/** Comparisons with the annotator who answered each (index into 0..workers−1). */
export interface AnnotatedComparisons extends Comparisons {
  readonly worker: ArrayLike<number>;
}

export interface CrowdBtOptions {
  /** Bradley–Terry phantom-game prior on θ (see bradley-terry.ts). */
  prior?: number;
  /** Beta(α, β) prior on each η (default Beta(4, 1): mean 0.8, mode 1; an annotator with few answers is trusted). */
  etaPrior?: readonly [number, number];
  maxIterations?: number;
  /** Stop when no θ or η moves by more than this (default 1e-7). */
  tolerance?: number;
  /** MM steps on θ per M-step (default 5). */
  innerSteps?: number;
  /** Called after each EM iteration with its log posterior (for progress and the monotonicity test). */
  onIteration?: (iteration: number, logPosterior: number) => void;
}

export interface CrowdBtFit {
  readonly theta: Float64Array;
  readonly sd: Float64Array;
  readonly covariance: Float64Array | null;
  /** Reliability of each annotator. */
  readonly eta: Float64Array;
  /** Answers (ties count ½ each way, so a tie is 1) per annotator. */
  readonly answers: Float64Array;
  readonly iterations: number;
  readonly converged: boolean;
  readonly logPosterior: number;
}

export const DEFAULT_ETA_PRIOR: readonly [number, number] = [4, 1];

/** Posterior probability that an answer "winner ≻ loser" by an annotator of reliability η followed the true order. */
export function truthfulResponsibility(eta: number, p: number): number {
  const a = eta * p;
  const b = (1 - eta) * (1 - p);
  return a + b > 0 ? a / (a + b) : 0.5;
}

/** Fisher information about θ_i − θ_j carried by one answer of an annotator with reliability η, at p = σ(θ_i − θ_j). */
export function answerInformation(eta: number, p: number): number {
  const q = clampProbability(eta * p + (1 - eta) * (1 - p));
  const slope = (2 * eta - 1) * p * (1 - p);
  return (slope * slope) / (q * (1 - q));
}

/** Log posterior (up to a constant) of Crowd-BT at (θ, η). */
export function crowdBtLogPosterior(
  items: number,
  data: AnnotatedComparisons,
  theta: ArrayLike<number>,
  eta: ArrayLike<number>,
  prior = DEFAULT_BT_PRIOR,
  etaPrior: readonly [number, number] = DEFAULT_ETA_PRIOR,
): number {
  let total = 0;
  for (let c = 0; c < data.winner.length; c++) {
    const n = data.weight[c];
    if (n === 0) continue;
    const p = sigmoid(theta[data.winner[c]] - theta[data.loser[c]]);
    const e = eta[data.worker[c]];
    total += n * Math.log(clampProbability(e * p + (1 - e) * (1 - p)));
  }
  const eps = prior / 2;
  if (eps > 0) for (let i = 0; i < items; i++) total += eps * (Math.log(sigmoid(theta[i])) + Math.log(sigmoid(-theta[i])));
  const [a, b] = etaPrior;
  for (let k = 0; k < eta.length; k++) {
    const e = clampProbability(eta[k]);
    total += (a - 1) * Math.log(e) + (b - 1) * Math.log(1 - e);
  }
  return total;
}

const ETA_FLOOR = 1e-4;

/**
 * Fit Crowd-BT to `items` items answered by `workers` annotators.
 *
 * @example
 * fitCrowdBt(3, 2, { winner: [0, 1], loser: [1, 2], weight: [1, 1], worker: [0, 1] })
 */
export function fitCrowdBt(items: number, workers: number, data: AnnotatedComparisons, options: CrowdBtOptions = {}): CrowdBtFit {
  const m = data.winner.length;
  if (data.worker.length !== m) throw new Error('comparisons: worker array differs in length');
  for (let c = 0; c < m; c++) {
    const k = data.worker[c];
    if (!Number.isInteger(k) || k < 0 || k >= workers) throw new Error(`comparison ${c}: worker index out of range`);
  }
  const prior = options.prior ?? DEFAULT_BT_PRIOR;
  const etaPrior = options.etaPrior ?? DEFAULT_ETA_PRIOR;
  const [alpha, beta] = etaPrior;
  if (!(alpha >= 1 && beta >= 1)) throw new Error('etaPrior: α and β must be ≥ 1 (a MAP needs a proper mode)');
  const maxIterations = options.maxIterations ?? 2000;
  const tolerance = options.tolerance ?? 1e-7;
  const innerSteps = options.innerSteps ?? 5;

  // Start: Bradley–Terry with one voice per annotator (each answer weighted by 1 / its annotator's
  // answers, rescaled to the total), so one prolific annotator cannot set the starting order; then
  // each annotator's (prior-smoothed) agreement with it.
  const answers = new Float64Array(workers);
  for (let c = 0; c < m; c++) answers[data.worker[c]] += data.weight[c];
  let total = 0;
  let active = 0;
  for (let k = 0; k < workers; k++) {
    total += answers[k];
    if (answers[k] > 0) active++;
  }
  const equalVoice = new Float64Array(m);
  for (let c = 0; c < m; c++) {
    const k = data.worker[c];
    equalVoice[c] = answers[k] > 0 ? (data.weight[c] * total) / (active * answers[k]) : 0;
  }
  const start = fitBradleyTerry(
    items,
    { winner: data.winner, loser: data.loser, weight: equalVoice },
    { prior, skipUncertainty: true, tolerance: 1e-6 },
  );
  const theta = Float64Array.from(start.theta);
  const agree = new Float64Array(workers);
  for (let c = 0; c < m; c++) {
    agree[data.worker[c]] += data.weight[c] * sigmoid(theta[data.winner[c]] - theta[data.loser[c]]);
  }
  const eta = new Float64Array(workers);
  const etaFrom = (sum: number, k: number) =>
    Math.min(1 - ETA_FLOOR, Math.max(ETA_FLOOR, (alpha - 1 + sum) / (alpha + beta - 2 + answers[k] || 1)));
  for (let k = 0; k < workers; k++) eta[k] = etaFrom(agree[k], k);

  // Reweighted comparisons for the θ M-step: each answer appears once as given (weight n r) and once reversed (n (1 − r)).
  const winner = new Int32Array(2 * m);
  const loser = new Int32Array(2 * m);
  const weight = new Float64Array(2 * m);
  for (let c = 0; c < m; c++) {
    winner[2 * c] = data.winner[c];
    loser[2 * c] = data.loser[c];
    winner[2 * c + 1] = data.loser[c];
    loser[2 * c + 1] = data.winner[c];
  }
  const gamma = new Float64Array(items);
  let iterations = 0;
  let converged = false;
  let logPost = crowdBtLogPosterior(items, data, theta, eta, prior, etaPrior);
  while (iterations < maxIterations) {
    iterations++;
    // E-step.
    const truthful = new Float64Array(workers);
    for (let c = 0; c < m; c++) {
      const n = data.weight[c];
      const r = truthfulResponsibility(eta[data.worker[c]], sigmoid(theta[data.winner[c]] - theta[data.loser[c]]));
      weight[2 * c] = n * r;
      weight[2 * c + 1] = n * (1 - r);
      truthful[data.worker[c]] += n * r;
    }
    // M-step: η in closed form, θ by a few MM steps on the reweighted comparisons.
    let change = 0;
    for (let k = 0; k < workers; k++) {
      const next = etaFrom(truthful[k], k);
      change = Math.max(change, Math.abs(next - eta[k]));
      eta[k] = next;
    }
    for (let i = 0; i < items; i++) gamma[i] = Math.exp(theta[i]);
    for (let s = 0; s < innerSteps; s++) mmStep(items, { winner, loser, weight }, gamma, prior);
    for (let i = 0; i < items; i++) {
      const next = Math.log(gamma[i]);
      change = Math.max(change, Math.abs(next - theta[i]));
      theta[i] = next;
    }
    logPost = crowdBtLogPosterior(items, data, theta, eta, prior, etaPrior);
    options.onIteration?.(iterations, logPost);
    if (change < tolerance) {
      converged = true;
      break;
    }
  }
  const info = btInformation(items, data, theta, prior, (c, p) => answerInformation(eta[data.worker[c]], p));
  const { sd, covariance } = covarianceFromInformation(items, info, prior === 0);
  return { theta, sd, covariance, eta, answers, iterations, converged, logPosterior: logPost };
}
