import { decideLabels, encodeGold, encodeWorkerWeights, voteShares, workerReliability } from './encode';
import { runEm, normaliseLogRows } from './em';
import { leaveOneOutAgreement } from './majority';
import { logit, safeLog, sigmoid, softplus } from './numeric';
import { isNonNegative, isPositive, isPositiveInteger, resolveSettings } from './settings';
import type { CategoricalGold, CategoricalResult, EncodedVotes, IterationReport } from './types';

/** What the caller tunes; never changed by fitting. */
export interface GladSettings {
  readonly maxIterations: number;
  /** Converged when no posterior probability moves by more than this in one iteration. */
  readonly tolerance: number;
  /** Gaussian prior on each worker's ability α_w: mean… */
  readonly abilityPriorMean: number;
  /** …and standard deviation. */
  readonly abilityPriorStd: number;
  /** Gaussian prior N(0, σ²) on log β_i (β_i = 1 / difficulty of item i). */
  readonly logInverseDifficultyPriorStd: number;
  /** Pseudo-count added to every class of the class prior. */
  readonly classPseudoCount: number;
  /** Newton steps on (α, log β) per M-step; one suffices for a generalised EM and is cheapest overall. */
  readonly newtonSteps: number;
}

export const DEFAULT_GLAD_SETTINGS: GladSettings = {
  maxIterations: 100,
  tolerance: 1e-6,
  abilityPriorMean: 1,
  abilityPriorStd: 1,
  logInverseDifficultyPriorStd: 1,
  classPseudoCount: 1,
  newtonSteps: 1,
};

/**
 * Largest change of one parameter in one Newton step: the diagonal Newton
 * step can overshoot wildly for a worker whose votes are all explained
 * (curvature ≈ prior only); capping it keeps EM stable at no cost once close.
 */
const MAX_NEWTON_STEP = 2;

export interface GladOptions {
  readonly gold?: CategoricalGold;
  readonly workerWeights?: ReadonlyMap<string, number>;
  readonly onIteration?: (report: IterationReport) => void;
}

export interface GladResult extends CategoricalResult {
  readonly method: 'glad';
  readonly settings: GladSettings;
  /** α_w per worker: > 0 helpful, ≈ 0 guessing, < 0 adversarial. */
  readonly ability: Float64Array;
  /** β_i per item (> 0): large = easy, → 0 = nobody can tell. */
  readonly inverseDifficulty: Float64Array;
  readonly classPrior: Float64Array;
  /** Log-likelihood + log-prior after each iteration. */
  readonly objectiveHistory: readonly number[];
}

/**
 * GLAD — Generative model of Labels, Abilities and Difficulties (Whitehill,
 * Ruvolo, Wu, Bergsma & Movellan 2009, "Whose vote should count more", NIPS),
 * extended to K classes with errors spread uniformly over the wrong labels.
 *
 * Model: z_i ~ Categorical(p); worker w with ability α_w ∈ ℝ on item i with
 * inverse difficulty β_i = e^{s_i} > 0 answers
 *   P(l = z_i) = σ(α_w β_i),   P(l = k ≠ z_i) = (1 − σ(α_w β_i)) / (K − 1).
 * Priors α_w ~ N(μ_α, σ_α²), s_i ~ N(0, σ_s²), p ~ Dirichlet(c + 1).
 *   E-step: T_ik ∝ p_k Π_{v on i} P(l_v | z_i = k)^{ω_w}   (log space)
 *   M-step: with q_v = T_{i_v, l_v} (chance that vote v is right) and x_v = α_w β_i,
 *           ∂Q/∂α_w = Σ_v ω (q_v − σ(x_v)) β_i − (α_w − μ_α)/σ_α²,
 *           ∂Q/∂s_i = Σ_v ω (q_v − σ(x_v)) x_v − s_i/σ_s²,
 *           taken as diagonal Gauss–Newton steps (curvature Σ ω σ(1−σ)·(∂x)² + 1/σ²), both
 *           blocks from one gradient pass, each step capped at ±MAX_NEWTON_STEP.
 * Initialised from soft majority vote (T) and leave-one-out agreement
 * (α_w = logit a_w). Gold items are clamped to their tolerated answers.
 * Worker reliability is reported like Dawid–Skene's: Beta(1 + Σ_v q_v, 1 + n_w − Σ_v q_v).
 *
 * Complexity: O(V) per Newton step and O(V + N·K) per E-step; memory O(V + N·K + W).
 *
 * @example
 * const fit = glad(encodeVotes(votes));
 * fit.ability[w] < 0   // worker w is worse than chance; their votes count against their answer
 */
export function glad(data: EncodedVotes, overrides: Partial<GladSettings> = {}, options: GladOptions = {}): GladResult {
  const settings = resolveSettings('glad', DEFAULT_GLAD_SETTINGS, overrides, {
    maxIterations: isPositiveInteger,
    tolerance: isNonNegative,
    abilityPriorMean: Number.isFinite,
    abilityPriorStd: isPositive,
    logInverseDifficultyPriorStd: isPositive,
    classPseudoCount: isNonNegative,
    newtonSteps: isPositiveInteger,
  });
  const K = data.labels.length;
  const N = data.items.length;
  const W = data.workers.length;
  const V = data.item.length;
  const { item, worker, label } = data;
  const gold = encodeGold(data, options.gold);
  const weight = encodeWorkerWeights(data.workers, options.workerWeights);
  const logWrongShare = K > 1 ? Math.log(K - 1) : 0;
  const precisionAbility = 1 / settings.abilityPriorStd ** 2;
  const precisionLogBeta = 1 / settings.logInverseDifficultyPriorStd ** 2;

  let posterior = voteShares(data, gold);
  let next: Float64Array = new Float64Array(N * K);
  const ability = new Float64Array(W);
  const logBeta = new Float64Array(N);
  const beta = new Float64Array(N).fill(1);
  const classPrior = new Float64Array(K);
  const logClassPrior = new Float64Array(K);
  const gradAbility = new Float64Array(W);
  const curvAbility = new Float64Array(W);
  const gradLogBeta = new Float64Array(N);
  const curvLogBeta = new Float64Array(N);
  const itemBase = new Float64Array(N);

  const agreement = leaveOneOutAgreement(data, gold);
  const initial = workerReliability(data, (v) => agreement[v]);
  for (let w = 0; w < W; w++) ability[w] = logit(initial.reliability[w]);

  const newtonStep = (g: number, h: number): number => {
    const step = g / h;
    return step > MAX_NEWTON_STEP ? MAX_NEWTON_STEP : step < -MAX_NEWTON_STEP ? -MAX_NEWTON_STEP : step;
  };

  /** M-step; returns the log-prior of the new parameters. */
  const maximise = (): number => {
    classPrior.fill(0);
    for (let i = 0; i < N; i++) for (let k = 0; k < K; k++) classPrior[k] += posterior[i * K + k];
    let logPrior = 0;
    for (let k = 0; k < K; k++) {
      classPrior[k] = (classPrior[k] + settings.classPseudoCount) / (N + K * settings.classPseudoCount);
      logClassPrior[k] = safeLog(classPrior[k]);
      logPrior += settings.classPseudoCount * logClassPrior[k];
    }
    // Both parameter blocks take their Newton step from the same gradient pass
    // (one sigmoid per vote and step): half the cost of alternating the blocks.
    for (let step = 0; step < settings.newtonSteps; step++) {
      gradAbility.fill(0);
      curvAbility.fill(0);
      gradLogBeta.fill(0);
      curvLogBeta.fill(0);
      for (let v = 0; v < V; v++) {
        const i = item[v];
        const w = worker[v];
        const wt = weight[w];
        const x = ability[w] * beta[i];
        const s = sigmoid(x);
        const residual = wt * (posterior[i * K + label[v]] - s);
        const spread = wt * s * (1 - s);
        gradAbility[w] += residual * beta[i];
        curvAbility[w] += spread * beta[i] * beta[i];
        gradLogBeta[i] += residual * x;
        curvLogBeta[i] += spread * x * x;
      }
      for (let w = 0; w < W; w++) {
        const g = gradAbility[w] - (ability[w] - settings.abilityPriorMean) * precisionAbility;
        ability[w] += newtonStep(g, curvAbility[w] + precisionAbility);
      }
      for (let i = 0; i < N; i++) {
        const g = gradLogBeta[i] - logBeta[i] * precisionLogBeta;
        logBeta[i] += newtonStep(g, curvLogBeta[i] + precisionLogBeta);
        beta[i] = Math.exp(logBeta[i]);
      }
    }
    for (let w = 0; w < W; w++) logPrior -= 0.5 * precisionAbility * (ability[w] - settings.abilityPriorMean) ** 2;
    for (let i = 0; i < N; i++) logPrior -= 0.5 * precisionLogBeta * logBeta[i] ** 2;
    return logPrior;
  };

  /** E-step into `next`; returns the log-likelihood and the largest posterior change. */
  const expect = (): { logLikelihood: number; maxChange: number } => {
    for (let i = 0; i < N; i++) next.set(logClassPrior, i * K);
    itemBase.fill(0);
    for (let v = 0; v < V; v++) {
      const i = item[v];
      const wt = weight[worker[v]];
      const x = ability[worker[v]] * beta[i];
      const logRight = -softplus(-x);
      // log(1 − σ(x)) = log σ(x) − x: one softplus per vote instead of two.
      const logWrong = logRight - x - logWrongShare;
      // Every hypothesis k ≠ l_v gets logWrong; only k = l_v differs, so add the difference there.
      itemBase[i] += wt * logWrong;
      next[i * K + label[v]] += wt * (logRight - logWrong);
    }
    return normaliseLogRows(next, posterior, N, K, gold, itemBase);
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
    method: 'glad',
    settings,
    items: data.items,
    workers: data.workers,
    labels: data.labels,
    posterior: finalPosterior,
    ...decideLabels(finalPosterior, N, K),
    ...workerReliability(data, (v) => finalPosterior[item[v] * K + label[v]]),
    iterations,
    converged,
    ability,
    inverseDifficulty: beta,
    classPrior,
    objectiveHistory,
  };
}
