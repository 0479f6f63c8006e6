import type { GoldMask } from './encode';
import type { IterationReport } from './types';

export interface EmSteps {
  /** M-step from the current posterior; returns the log prior of the parameters (for the objective). */
  maximise(): number;
  /** E-step into the spare buffer; returns the log-likelihood and the largest posterior change. */
  expect(): { logLikelihood: number; maxChange: number };
  /** Makes the freshly computed posterior the current one. */
  swap(): void;
}

export interface EmDriverSettings {
  readonly maxIterations: number;
  /** Converged when no posterior probability moves by more than this in one iteration. */
  readonly tolerance: number;
  /**
   * Also converged when the objective rose by less than this in one iteration (absolute; the
   * caller scales it, e.g. by the number of votes). Unset: only `tolerance` decides.
   */
  readonly objectiveTolerance?: number;
}

/**
 * The EM driver shared by Dawid–Skene, GLAD, MACE and binary relevance: alternate M and E steps
 * until no posterior moves by more than `tolerance` (or the objective stalls, see
 * `objectiveTolerance`), or `maxIterations` are spent. The objective (log-likelihood + log prior)
 * is recorded per iteration; it never decreases for a correct (generalised) EM. Callers that start
 * from parameters rather than from a posterior run their E-step once before calling this.
 */
export function runEm(
  settings: EmDriverSettings,
  steps: EmSteps,
  onIteration?: (report: IterationReport) => void,
): { iterations: number; converged: boolean; objectiveHistory: number[] } {
  const objectiveHistory: number[] = [];
  let iterations = 0;
  while (iterations < settings.maxIterations) {
    const logPrior = steps.maximise();
    const { logLikelihood, maxChange } = steps.expect();
    steps.swap();
    iterations++;
    const objective = logLikelihood + logPrior;
    objectiveHistory.push(objective);
    onIteration?.({ iteration: iterations, maxChange, objective });
    if (maxChange < settings.tolerance) return { iterations, converged: true, objectiveHistory };
    const previous = objectiveHistory.at(-2);
    if (settings.objectiveTolerance !== undefined && previous !== undefined && objective - previous < settings.objectiveTolerance) {
      return { iterations, converged: true, objectiveHistory };
    }
  }
  return { iterations, converged: false, objectiveHistory };
}

/**
 * Turns the per-item class log-scores in `next` (N × K) into posteriors in place: gold items are
 * restricted to their allowed classes, each row is normalised with log-sum-exp. Returns the sum
 * of the rows' log-normalisers plus `base[i]` (the log-likelihood) and the largest change against
 * `previous`. O(N·K).
 */
export function normaliseLogRows(
  next: Float64Array,
  previous: Float64Array,
  N: number,
  K: number,
  gold: GoldMask | null,
  base?: Float64Array,
): { logLikelihood: number; maxChange: number } {
  let logLikelihood = 0;
  let maxChange = 0;
  for (let i = 0; i < N; i++) {
    const row = i * K;
    if (gold && gold.isGold[i]) {
      for (let k = 0; k < K; k++) if (!gold.allowed[row + k]) next[row + k] = -Infinity;
    }
    let max = -Infinity;
    for (let k = 0; k < K; k++) if (next[row + k] > max) max = next[row + k];
    let sum = 0;
    for (let k = 0; k < K; k++) {
      next[row + k] = Math.exp(next[row + k] - max);
      sum += next[row + k];
    }
    logLikelihood += (base ? base[i] : 0) + max + Math.log(sum);
    for (let k = 0; k < K; k++) {
      next[row + k] /= sum;
      const change = Math.abs(next[row + k] - previous[row + k]);
      if (change > maxChange) maxChange = change;
    }
  }
  return { logLikelihood, maxChange };
}
