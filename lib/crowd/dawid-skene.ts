import { decideLabels, encodeGold, encodeWorkerWeights, voteShares, workerReliability } from './encode';
import { runEm, normaliseLogRows } from './em';
import { safeLog } from './numeric';
import { isNonNegative, isPositiveInteger, resolveSettings } from './settings';
import type { CategoricalGold, CategoricalResult, EncodedVotes, IterationReport } from './types';

/** What the caller tunes; never changed by fitting. */
export interface DawidSkeneSettings {
  /** Iteration cap (one iteration = M-step then E-step). */
  readonly maxIterations: number;
  /** Converged when no posterior probability moves by more than this in one iteration. */
  readonly tolerance: number;
  /**
   * Dirichlet pseudo-count on each confusion row's diagonal. Together with
   * `errorPseudoCount` it is a prior worth (correct + error) votes saying the
   * worker is right correct / (correct + error) of the time, so a worker with
   * three votes gets a smoothed, not a degenerate 0/1, confusion matrix.
   */
  readonly correctPseudoCount: number;
  /** Pseudo-count spread evenly over each row's K − 1 off-diagonal cells. */
  readonly errorPseudoCount: number;
  /** Pseudo-count added to every class of the class prior. */
  readonly classPseudoCount: number;
}

export const DEFAULT_DAWID_SKENE_SETTINGS: DawidSkeneSettings = {
  maxIterations: 100,
  tolerance: 1e-6,
  correctPseudoCount: 2,
  errorPseudoCount: 1,
  classPseudoCount: 1,
};

export interface DawidSkeneOptions {
  /** Honeypot items: their posterior is restricted to the tolerated answers in every E-step. */
  readonly gold?: CategoricalGold;
  /** Per-worker vote weight in [0, ∞) (default 1), e.g. from spam signals. */
  readonly workerWeights?: ReadonlyMap<string, number>;
  /**
   * N × K log-likelihoods of outside evidence per item and class (e.g. a model's prediction,
   * ./crowdlab.ts), added to every E-step; 0 = none.
   */
  readonly evidence?: Float64Array;
  /** Called after every iteration (progress for jobs, sampling for benches). */
  readonly onIteration?: (report: IterationReport) => void;
}

/** Learned state of a Dawid–Skene fit, next to the settings that produced it. */
export interface DawidSkeneResult extends CategoricalResult {
  readonly method: 'ds';
  readonly settings: DawidSkeneSettings;
  /** W × K × K, confusion[(w·K + k)·K + l] = P(worker w answers l | true label k). */
  readonly confusion: Float64Array;
  /** P(true label = k), length K. */
  readonly classPrior: Float64Array;
  /** Log-likelihood + log-prior after each iteration; non-decreasing (EM). */
  readonly objectiveHistory: readonly number[];
}

/**
 * Dawid–Skene: EM over one confusion matrix per worker (Dawid & Skene 1979,
 * "Maximum likelihood estimation of observer error-rates using the EM
 * algorithm", J. R. Stat. Soc. C 28(1)), here as a MAP estimate with
 * Dirichlet priors.
 *
 * Model: item i has a hidden true label z_i ~ Categorical(p); worker w,
 * independently given z_i, answers l with probability π_w[z_i][l].
 *   E-step: T_ik ∝ p_k · Π_{v on i} π_{w_v}[k][l_v]^{ω_w}          (log space)
 *   M-step: π_w[k][l] = (Σ_{v by w, l_v = l} ω_w T_{i_v k} + α_kl) / (Σ_{v by w} ω_w T_{i_v k} + Σ_l α_kl)
 *           p_k       = (Σ_i T_ik + c) / (N + K·c)
 * with α_kk = correctPseudoCount, α_kl = errorPseudoCount / (K − 1) (k ≠ l),
 * c = classPseudoCount and ω_w the worker's weight (1 by default).
 * Initialised from soft majority vote (T = vote shares); gold items are
 * clamped to their tolerated answers in the initialisation and every E-step.
 * Stops when max |ΔT| < tolerance or after maxIterations.
 *
 * Worker reliability = Beta(1 + c_w, 1 + n_w − c_w) with c_w = Σ_{v by w} T_{i_v, l_v},
 * the expected number of the worker's votes that are correct.
 *
 * Complexity: O(V·K) per iteration; memory O(V + N·K + W·K²) in typed arrays.
 *
 * @example
 * const fit = dawidSkene(encodeVotes(votes));
 * fit.labels[fit.label[0]]   // most probable label of the first item
 * fit.confusion[(w * K + k) * K + l]
 */
export function dawidSkene(
  data: EncodedVotes,
  overrides: Partial<DawidSkeneSettings> = {},
  options: DawidSkeneOptions = {},
): DawidSkeneResult {
  const settings = resolveSettings('dawidSkene', DEFAULT_DAWID_SKENE_SETTINGS, overrides, {
    maxIterations: isPositiveInteger,
    tolerance: isNonNegative,
    correctPseudoCount: isNonNegative,
    errorPseudoCount: isNonNegative,
    classPseudoCount: isNonNegative,
  });
  const K = data.labels.length;
  const N = data.items.length;
  const W = data.workers.length;
  const V = data.item.length;
  const { item, worker, label } = data;
  const gold = encodeGold(data, options.gold);
  const weight = encodeWorkerWeights(data.workers, options.workerWeights);
  const evidence = options.evidence ?? null;
  if (evidence && evidence.length !== N * K)
    throw new RangeError(`dawidSkene: evidence has ${evidence.length} cells, want ${N * K}`);

  const offPseudo = K > 1 ? settings.errorPseudoCount / (K - 1) : 0;
  const rowPseudo = settings.correctPseudoCount + (K - 1) * offPseudo;

  let posterior = voteShares(data, gold);
  let next: Float64Array = new Float64Array(N * K);
  const confusion = new Float64Array(W * K * K);
  const logConfusion = new Float64Array(W * K * K);
  const classPrior = new Float64Array(K);
  const logClassPrior = new Float64Array(K);

  /** M-step; returns the log-prior of the new parameters. */
  const maximise = (): number => {
    confusion.fill(0);
    for (let v = 0; v < V; v++) {
      const row = item[v] * K;
      const cell = worker[v] * K * K + label[v];
      const wt = weight[worker[v]];
      for (let k = 0; k < K; k++) confusion[cell + k * K] += wt * posterior[row + k];
    }
    let logPrior = 0;
    for (let wk = 0; wk < W * K; wk++) {
      const base = wk * K;
      let rowSum = 0;
      for (let l = 0; l < K; l++) rowSum += confusion[base + l];
      const trueClass = wk % K;
      for (let l = 0; l < K; l++) {
        const alpha = l === trueClass ? settings.correctPseudoCount : offPseudo;
        const p = (confusion[base + l] + alpha) / (rowSum + rowPseudo);
        confusion[base + l] = p;
        logConfusion[base + l] = safeLog(p);
        logPrior += alpha * logConfusion[base + l];
      }
    }
    classPrior.fill(0);
    for (let i = 0; i < N; i++) for (let k = 0; k < K; k++) classPrior[k] += posterior[i * K + k];
    for (let k = 0; k < K; k++) {
      classPrior[k] = (classPrior[k] + settings.classPseudoCount) / (N + K * settings.classPseudoCount);
      logClassPrior[k] = safeLog(classPrior[k]);
      logPrior += settings.classPseudoCount * logClassPrior[k];
    }
    return logPrior;
  };

  /** E-step into `next`; returns the log-likelihood and the largest posterior change. */
  const expect = (): { logLikelihood: number; maxChange: number } => {
    for (let i = 0; i < N; i++) next.set(logClassPrior, i * K);
    if (evidence) for (let x = 0; x < N * K; x++) next[x] += evidence[x];
    for (let v = 0; v < V; v++) {
      const row = item[v] * K;
      const cell = worker[v] * K * K + label[v];
      const wt = weight[worker[v]];
      for (let k = 0; k < K; k++) next[row + k] += wt * logConfusion[cell + k * K];
    }
    return normaliseLogRows(next, posterior, N, K, gold);
  };

  const { iterations, converged, objectiveHistory } = runEm(
    settings,
    {
      maximise,
      expect,
      swap: () => {
        [posterior, next] = [next, posterior];
      },
    },
    options.onIteration,
  );

  const finalPosterior = posterior;
  return {
    method: 'ds',
    settings,
    items: data.items,
    workers: data.workers,
    labels: data.labels,
    posterior: finalPosterior,
    ...decideLabels(finalPosterior, N, K),
    ...workerReliability(data, (v) => finalPosterior[item[v] * K + label[v]]),
    iterations,
    converged,
    confusion,
    classPrior,
    objectiveHistory,
  };
}

/** Worker w's confusion matrix as rows (true label) × columns (answer). O(K²). */
export function workerConfusion(result: DawidSkeneResult, w: number): number[][] {
  const K = result.labels.length;
  return Array.from({ length: K }, (_, k) => Array.from(result.confusion.subarray((w * K + k) * K, (w * K + k + 1) * K)));
}
