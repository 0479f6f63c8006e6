import { decideLabels, encodeGold, encodeWorkerWeights, workerReliability } from './encode';
import { runEm, normaliseLogRows } from './em';
import { isNonNegative, isPositive, isPositiveInteger, resolveSettings } from './settings';
import type { CategoricalGold, CategoricalResult, EncodedVotes, IterationReport } from './types';

/** What the caller tunes; never changed by fitting. */
export interface MaceSettings {
  /** 50 in the paper's tool and in Crowd-Kit. */
  readonly maxIterations: number;
  /** Converged when no posterior probability moves by more than this in one iteration. */
  readonly tolerance: number;
  /** Beta(a, b) prior on each worker's spamming probability: a (spamming)… */
  readonly spamPriorA: number;
  /** …and b (knowing). */
  readonly spamPriorB: number;
  /** Symmetric Dirichlet prior on each worker's spamming strategy ξ_w. */
  readonly strategyPrior: number;
}

/** The paper's variational-Bayes defaults (also MACE's and Crowd-Kit's): Beta(0.5, 0.5), Dirichlet(10). */
export const DEFAULT_MACE_SETTINGS: MaceSettings = {
  maxIterations: 50,
  tolerance: 1e-6,
  spamPriorA: 0.5,
  spamPriorB: 0.5,
  strategyPrior: 10,
};

export interface MaceOptions {
  readonly gold?: CategoricalGold;
  readonly workerWeights?: ReadonlyMap<string, number>;
  readonly onIteration?: (report: IterationReport) => void;
}

export interface MaceResult extends CategoricalResult {
  readonly method: 'mace';
  readonly settings: MaceSettings;
  /** Per worker: the (variational) probability of answering from knowledge rather than spamming. */
  readonly competence: Float64Array;
  /** W × K, strategy[w·K + l] = P(worker w answers l | spamming) (variational weights). */
  readonly strategy: Float64Array;
  /** Log marginal likelihood of the votes after each iteration. */
  readonly objectiveHistory: readonly number[];
}

/**
 * MACE — Multi-Annotator Competence Estimation (Hovy, Berg-Kirkpatrick, Vaswani & Hovy 2013,
 * "Learning Whom to Trust with MACE", NAACL-HLT), trained with the paper's variational Bayes.
 *
 * Model: z_i ~ Uniform(K); on each item worker w spams with probability θ_w (S_v = 1), and then
 * answers from a strategy ξ_w ~ Dirichlet(γ); otherwise answers z_i. So
 *   P(l | z_i = k) = θ_w ξ_w[l] + (1 − θ_w)·[l = k],   θ_w ~ Beta(a, b).
 *   E-step: T_ik ∝ Π_{v on i} (θ_w ξ_w[l_v] + (1 − θ_w)[l_v = k])^{ω_w}   (log space)
 *           expected counts per vote: spam_v = Σ_k T_ik θ ξ[l_v] / (θ ξ[l_v] + (1 − θ)[l_v = k]),
 *           know_v = T_{i,l_v} (1 − θ) / (θ ξ[l_v] + 1 − θ)
 *   VB M-step: θ_w ← exp ψ(Σ spam + a) / exp ψ(Σ spam + Σ know + a + b),
 *              1 − θ_w ← exp ψ(Σ know + b) / (same),
 *              ξ_w[l] ← exp ψ(Σ_{v: l_v = l} spam_v + γ) / exp ψ(Σ_v spam_v + Kγ)
 *   (ψ = digamma; the variational weights sum to slightly less than one, which is what shrinks a
 *   worker with few votes towards the prior).
 * The paper and Crowd-Kit start from random parameters and keep the best of several restarts; here
 * every worker starts at θ = ½ and a uniform ξ, whose first posterior is a soft majority vote: one
 * deterministic run, so the result does not depend on the order of workers, items or votes.
 * Gold items are clamped to their tolerated answers. Worker reliability is Beta(1 + Σ_v T_{i,l_v}, …)
 * as for the other methods.
 *
 * Complexity O(V·K) per iteration; memory O(V + N·K + W·K).
 *
 * @example
 * const fit = mace(encodeVotes(votes));
 * fit.competence[w]   // ≈ 0 for a worker who answers regardless of the item
 */
export function mace(data: EncodedVotes, overrides: Partial<MaceSettings> = {}, options: MaceOptions = {}): MaceResult {
  const settings = resolveSettings('mace', DEFAULT_MACE_SETTINGS, overrides, {
    maxIterations: isPositiveInteger,
    tolerance: isNonNegative,
    spamPriorA: isPositive,
    spamPriorB: isPositive,
    strategyPrior: isPositive,
  });
  const K = data.labels.length;
  const N = data.items.length;
  const W = data.workers.length;
  const V = data.item.length;
  const { item, worker, label } = data;
  const gold = encodeGold(data, options.gold);
  const weight = encodeWorkerWeights(data.workers, options.workerWeights);

  let posterior: Float64Array = new Float64Array(N * K);
  let next: Float64Array = new Float64Array(N * K);
  const spam = new Float64Array(W).fill(0.5);
  const know = new Float64Array(W).fill(0.5);
  const strategy = new Float64Array(W * K).fill(1 / K);
  const spamCount = new Float64Array(W);
  const knowCount = new Float64Array(W);
  const strategyCount = new Float64Array(W * K);
  const itemBase = new Float64Array(N);

  /** Variational M-step from the expected counts of the current posterior; MACE has no log prior term here. */
  const maximise = (): number => {
    spamCount.fill(0);
    knowCount.fill(0);
    strategyCount.fill(0);
    for (let v = 0; v < V; v++) {
      const w = worker[v];
      const row = item[v] * K;
      const l = label[v];
      const spamming = spam[w] * strategy[w * K + l];
      // Σ_k T_ik · spamming / (spamming + know·[l = k]): every k ≠ l contributes T_ik (the vote can only be spam).
      const pSpam = 1 - posterior[row + l] + (posterior[row + l] * spamming) / (spamming + know[w]);
      spamCount[w] += weight[w] * pSpam;
      knowCount[w] += weight[w] * (1 - pSpam);
      strategyCount[w * K + l] += weight[w] * pSpam;
    }
    for (let w = 0; w < W; w++) {
      const total = Math.exp(digamma(spamCount[w] + knowCount[w] + settings.spamPriorA + settings.spamPriorB));
      spam[w] = Math.exp(digamma(spamCount[w] + settings.spamPriorA)) / total;
      know[w] = Math.exp(digamma(knowCount[w] + settings.spamPriorB)) / total;
      let spamTotal = 0;
      for (let l = 0; l < K; l++) spamTotal += strategyCount[w * K + l];
      const norm = Math.exp(digamma(spamTotal + K * settings.strategyPrior));
      for (let l = 0; l < K; l++) strategy[w * K + l] = Math.exp(digamma(strategyCount[w * K + l] + settings.strategyPrior)) / norm;
    }
    return 0;
  };

  /** E-step into `next`; returns the log marginal likelihood and the largest posterior change. */
  const expect = (): { logLikelihood: number; maxChange: number } => {
    next.fill(-Math.log(K));
    itemBase.fill(0);
    for (let v = 0; v < V; v++) {
      const w = worker[v];
      const i = item[v];
      const spamming = spam[w] * strategy[w * K + label[v]];
      // Hypotheses k ≠ l_v see only the spam term; k = l_v adds the knowing term.
      itemBase[i] += weight[w] * Math.log(spamming);
      next[i * K + label[v]] += weight[w] * (Math.log(spamming + know[w]) - Math.log(spamming));
    }
    return normaliseLogRows(next, posterior, N, K, gold, itemBase);
  };
  const swap = (): void => {
    [posterior, next] = [next, posterior];
  };

  expect();
  swap();
  const { iterations, converged, objectiveHistory } = runEm(settings, { maximise, expect, swap }, options.onIteration);

  const finalPosterior = posterior;
  return {
    method: 'mace',
    settings,
    items: data.items,
    workers: data.workers,
    labels: data.labels,
    posterior: finalPosterior,
    ...decideLabels(finalPosterior, N, K),
    ...workerReliability(data, (v) => finalPosterior[item[v] * K + label[v]]),
    iterations,
    converged,
    competence: know,
    strategy,
    objectiveHistory,
  };
}

/**
 * Digamma ψ(x) for x > 0: the recurrence ψ(x) = ψ(x + 1) − 1/x up to x ≥ 10, then the asymptotic
 * series ln x − 1/(2x) − 1/(12x²) + 1/(120x⁴) − 1/(252x⁶) + 1/(240x⁸) − 1/(132x¹⁰); absolute error < 1e-13.
 */
export function digamma(x: number): number {
  let shift = 0;
  while (x < 10) {
    shift -= 1 / x;
    x += 1;
  }
  const inv2 = 1 / (x * x);
  return shift + Math.log(x) - 0.5 / x - inv2 * (1 / 12 - inv2 * (1 / 120 - inv2 * (1 / 252 - inv2 * (1 / 240 - inv2 / 132))));
}
