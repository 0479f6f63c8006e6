import { decideLabels, encodeGold, encodeWorkerWeights, workerReliability } from './encode';
import { runEm, normaliseLogRows } from './em';
import { sigmoid, softplus } from './numeric';
import { isNonNegative, isPositive, isPositiveInteger, resolveSettings } from './settings';
import type { CategoricalGold, CategoricalResult, EncodedVotes, IterationReport } from './types';

/** What the caller tunes; never changed by fitting. */
export interface GladSettings {
  readonly maxIterations: number;
  /**
   * Converged when the objective (log-likelihood + log prior) rises by less than this per vote
   * and class in one EM iteration — Crowd-Kit's `tol` (1e-5), whose published accuracies were
   * measured with it. GLAD's EM creeps on for many iterations after the labels have settled
   * within a point or so of their limit; a tighter value runs to the exact MAP.
   */
  readonly tolerance: number;
  /** Gaussian prior on each worker's ability α_w: mean… */
  readonly abilityPriorMean: number;
  /** …and standard deviation. */
  readonly abilityPriorStd: number;
  /** Gaussian prior on s_i = log β_i (β_i = 1 / difficulty of item i): mean… */
  readonly logInverseDifficultyPriorMean: number;
  /** …and standard deviation. */
  readonly logInverseDifficultyPriorStd: number;
  /** Block-coordinate rounds (all α, then all s) per M-step. */
  readonly mStepRounds: number;
  /** Newton passes per block and round at most… */
  readonly newtonSteps: number;
  /** …stopping early once no parameter moves by more than this. */
  readonly newtonTolerance: number;
}

/**
 * Priors as in Whitehill et al.'s reference code and Crowd-Kit: α ~ N(1, 1) (workers are
 * presumed somewhat helpful) and log β ~ N(1, 1).
 */
export const DEFAULT_GLAD_SETTINGS: GladSettings = {
  maxIterations: 100,
  tolerance: 1e-5,
  abilityPriorMean: 1,
  abilityPriorStd: 1,
  logInverseDifficultyPriorMean: 1,
  logInverseDifficultyPriorStd: 1,
  mStepRounds: 2,
  newtonSteps: 10,
  newtonTolerance: 1e-6,
};

/**
 * Largest move of one parameter in one Newton step. Backtracking already guarantees the M-step
 * never lowers the objective; the cap keeps β = e^s from overflowing on a wild first step.
 */
const MAX_NEWTON_STEP = 4;

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
  /** P(true label = k): uniform, as in the paper (GLAD does not learn it). */
  readonly classPrior: Float64Array;
  /** Log-likelihood + log-prior after each iteration; non-decreasing. */
  readonly objectiveHistory: readonly number[];
}

/**
 * GLAD — Generative model of Labels, Abilities and Difficulties (Whitehill, Ruvolo, Wu, Bergsma &
 * Movellan 2009, "Whose vote should count more", NIPS), in the K-class form of the paper's
 * section 3 and Crowd-Kit: a wrong answer is spread uniformly over the K − 1 wrong labels.
 *
 * Model: z_i ~ Uniform(K); worker w with ability α_w ∈ ℝ on item i with inverse difficulty
 * β_i = e^{s_i} answers
 *   P(l = z_i) = σ(α_w β_i),   P(l = k ≠ z_i) = (1 − σ(α_w β_i)) / (K − 1).
 * Priors α_w ~ N(μ_α, σ_α²), s_i ~ N(μ_s, σ_s²) make this a MAP estimate.
 *   E-step: T_ik ∝ Π_{v on i} P(l_v | z_i = k)^{ω_w}   (log space)
 *   M-step: maximise Q = Σ_v ω_w [q_v log σ(x_v) + (1 − q_v)(log(1 − σ(x_v)) − log(K − 1))] + log priors,
 *           q_v = T_{i_v, l_v}, x_v = α_w β_i, by block-coordinate ascent: all α with s fixed (each
 *           α_w its own concave 1-D problem, Newton), then all s with α fixed (Gauss–Newton), each
 *           step halved until that parameter's own term of Q does not fall. Q never decreases, so
 *           this is a generalised EM and the objective log P(votes | α, β) + log prior rises every
 *           iteration; it stops when that rise is below `tolerance` per vote and class.
 *   ∂Q/∂α_w = Σ_v ω (q_v − σ(x_v)) β_i − (α_w − μ_α)/σ_α²,   ∂Q/∂s_i = Σ_v ω (q_v − σ(x_v)) x_v − (s_i − μ_s)/σ_s².
 * Starts from the priors' means (α = μ_α, s = μ_s) and the posterior they imply, as the reference
 * code does. Gold items are clamped to their tolerated answers. Worker reliability is reported like
 * Dawid–Skene's: Beta(1 + Σ_v q_v, 1 + n_w − Σ_v q_v).
 *
 * Complexity: O(V) per Newton pass (at most 2 · mStepRounds · newtonSteps passes per M-step) and
 * O(V + N·K) per E-step; memory O(V + N·K + W).
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
    logInverseDifficultyPriorMean: Number.isFinite,
    logInverseDifficultyPriorStd: isPositive,
    mStepRounds: isPositiveInteger,
    newtonSteps: isPositiveInteger,
    newtonTolerance: isNonNegative,
  });
  const K = data.labels.length;
  const N = data.items.length;
  const W = data.workers.length;
  const V = data.item.length;
  const { item, worker, label } = data;
  const gold = encodeGold(data, options.gold);
  const weight = encodeWorkerWeights(data.workers, options.workerWeights);
  const logWrongShare = K > 1 ? Math.log(K - 1) : 0;
  const classPrior = new Float64Array(K).fill(1 / K);
  const logClassPrior = -Math.log(K);

  let posterior: Float64Array = new Float64Array(N * K);
  let next: Float64Array = new Float64Array(N * K);
  const ability = new Float64Array(W).fill(settings.abilityPriorMean);
  const logBeta = new Float64Array(N).fill(settings.logInverseDifficultyPriorMean);
  const beta = new Float64Array(N).fill(Math.exp(settings.logInverseDifficultyPriorMean));
  const itemBase = new Float64Array(N);

  const abilityBlock: Block = {
    size: W,
    group: worker,
    value: ability,
    priorMean: settings.abilityPriorMean,
    priorPrecision: 1 / settings.abilityPriorStd ** 2,
    // x = α β: ∂x/∂α = β
    slope: (v) => beta[item[v]],
    apply: () => {},
  };
  const difficultyBlock: Block = {
    size: N,
    group: item,
    value: logBeta,
    priorMean: settings.logInverseDifficultyPriorMean,
    priorPrecision: 1 / settings.logInverseDifficultyPriorStd ** 2,
    // x = α e^s: ∂x/∂s = x
    slope: (_v, x) => x,
    apply: () => {
      for (let i = 0; i < N; i++) beta[i] = Math.exp(logBeta[i]);
    },
  };

  /**
   * Newton ascent on one block with the other fixed. Per group g (a worker or an item) the part
   * of Q that depends on its parameter is f_g; every pass evaluates f, its slope and curvature
   * at the trial values, accepts a trial that does not lower f_g and otherwise halves the step.
   */
  const ascend = (block: Block): void => {
    const { size, group, value } = block;
    const current = Float64Array.from(value);
    const currentF = new Float64Array(size).fill(-Infinity);
    const step = new Float64Array(size);
    const f = new Float64Array(size);
    const grad = new Float64Array(size);
    const curv = new Float64Array(size);
    for (let pass = 0; pass <= settings.newtonSteps; pass++) {
      f.fill(0);
      grad.fill(0);
      curv.fill(0);
      block.apply();
      for (let v = 0; v < V; v++) {
        const i = item[v];
        const wt = weight[worker[v]];
        const x = ability[worker[v]] * beta[i];
        const q = posterior[i * K + label[v]];
        const g = group[v];
        f[g] += wt * (-q * softplus(-x) - (1 - q) * (softplus(x) + logWrongShare));
        const s = sigmoid(x);
        const dx = block.slope(v, x);
        grad[g] += wt * (q - s) * dx;
        curv[g] += wt * s * (1 - s) * dx * dx;
      }
      let moving = false;
      for (let g = 0; g < size; g++) {
        const offset = value[g] - block.priorMean;
        const objective = f[g] - 0.5 * block.priorPrecision * offset * offset;
        if (objective >= currentF[g]) {
          current[g] = value[g];
          currentF[g] = objective;
          const raw = (grad[g] - block.priorPrecision * offset) / (curv[g] + block.priorPrecision);
          step[g] = Math.max(-MAX_NEWTON_STEP, Math.min(MAX_NEWTON_STEP, raw));
        } else {
          step[g] /= 2;
        }
        if (Math.abs(step[g]) > settings.newtonTolerance) moving = true;
        value[g] = current[g] + step[g];
      }
      if (!moving) break;
    }
    value.set(current);
    block.apply();
  };

  /** M-step; returns the log-prior of the new parameters (up to a constant). */
  const maximise = (): number => {
    for (let round = 0; round < settings.mStepRounds; round++) {
      ascend(abilityBlock);
      ascend(difficultyBlock);
    }
    let logPrior = 0;
    for (let w = 0; w < W; w++) logPrior -= 0.5 * abilityBlock.priorPrecision * (ability[w] - abilityBlock.priorMean) ** 2;
    for (let i = 0; i < N; i++) logPrior -= 0.5 * difficultyBlock.priorPrecision * (logBeta[i] - difficultyBlock.priorMean) ** 2;
    return logPrior;
  };

  /** E-step into `next`; returns the log-likelihood and the largest posterior change. */
  const expect = (): { logLikelihood: number; maxChange: number } => {
    next.fill(logClassPrior);
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
  const swap = (): void => {
    [posterior, next] = [next, posterior];
  };

  expect();
  swap();
  const { iterations, converged, objectiveHistory } = runEm(
    { maxIterations: settings.maxIterations, tolerance: 0, objectiveTolerance: settings.tolerance * Math.max(1, V * K) },
    { maximise, expect, swap },
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

/** One parameter block of GLAD's M-step: one parameter per group (worker or item). */
interface Block {
  readonly size: number;
  /** Group of each vote. */
  readonly group: Int32Array;
  readonly value: Float64Array;
  readonly priorMean: number;
  readonly priorPrecision: number;
  /** ∂x_v/∂parameter, given x_v = α_w β_i. */
  readonly slope: (v: number, x: number) => number;
  /** Propagates `value` to what the vote loop reads (β = e^s). */
  readonly apply: () => void;
}
