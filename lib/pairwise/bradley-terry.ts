/**
 * Bradley–Terry scores from pairwise comparisons, fitted by the MM algorithm of Hunter (2004,
 * "MM algorithms for generalized Bradley–Terry models", Ann. Statist. 32(1), §3).
 *
 * Model: item i has a strength γ_i = e^{θ_i}; P(i beats j) = γ_i / (γ_i + γ_j) = σ(θ_i − θ_j).
 *
 * Prior (so the fit exists on sparse or disconnected graphs, where the plain maximum-likelihood
 * estimate runs off to ±∞): every item also plays `prior` virtual games against a phantom item of
 * strength 1 (θ = 0), half won and half lost. That is a proper, symmetric log-logistic prior on θ,
 * it anchors the scale (no renormalisation needed), and it keeps Hunter's MM form:
 *
 *   γ_i ← (W_i + ε) / ( Σ_c n_c / (γ_i + γ_other(c)) + 2ε / (γ_i + 1) ),   ε = prior / 2,
 *
 * where W_i is i's (possibly fractional) wins and the sum runs over the comparisons c that involve
 * i with weight n_c. Each update increases the log posterior (Hunter's minorisation plus the same
 * bound for the phantom games). With `prior: 0` it is Hunter's plain maximum-likelihood MM, which
 * needs a strongly connected comparison graph (Hunter's Assumption 1) and then fixes the scale by
 * centring.
 *
 * A tie ("same") counts as half a win for each side (Rao–Kupper/Davidson tie parameters are not
 * modelled): it pulls the two scores together without saying which is larger.
 *
 * Uncertainty: the Laplace approximation at the fit — the inverse of the Fisher information of θ
 * (the negative Hessian of the log posterior, which for the logit link equals the expected
 * information). `sd[i]` is the posterior standard deviation of θ_i on the phantom-anchored scale.
 */

import { sigmoid } from '@/lib/crowd/numeric';

/**
 * Comparisons as parallel arrays: comparison c says `winner[c]` beat `loser[c]` with weight
 * `weight[c]` (1 for a plain answer, ½ for each half of a tie, or a count for aggregated tables).
 */
export interface Comparisons {
  readonly winner: ArrayLike<number>;
  readonly loser: ArrayLike<number>;
  readonly weight: ArrayLike<number>;
}

export interface BradleyTerryOptions {
  /** Virtual games per item against a phantom item of score 0, half won, half lost (default 1). */
  prior?: number;
  maxIterations?: number;
  /** Stop when no θ moves by more than this between iterations (default 1e-9). */
  tolerance?: number;
  /** Start from these θ (e.g. the previous fit); default all 0. */
  initial?: ArrayLike<number>;
  /** Skip the covariance (faster inside an outer loop). */
  skipUncertainty?: boolean;
}

export interface BradleyTerryFit {
  /** Log-strengths θ_i (phantom-anchored with a prior, centred to mean 0 without one). */
  readonly theta: Float64Array;
  /** Posterior standard deviation of each θ_i (Laplace); NaN when `skipUncertainty`. */
  readonly sd: Float64Array;
  /** Full posterior covariance (row-major n×n) when computed (≤ FULL_COVARIANCE_LIMIT items), else null. */
  readonly covariance: Float64Array | null;
  readonly iterations: number;
  readonly converged: boolean;
}

export const DEFAULT_BT_PRIOR = 1;

/** Above this many items the covariance is approximated by the inverse of its diagonal. */
export const FULL_COVARIANCE_LIMIT = 1500;

function checkComparisons(items: number, data: Comparisons): void {
  const m = data.winner.length;
  if (data.loser.length !== m || data.weight.length !== m) throw new Error('comparisons: arrays differ in length');
  for (let c = 0; c < m; c++) {
    const w = data.winner[c];
    const l = data.loser[c];
    if (!(w >= 0 && w < items && l >= 0 && l < items) || !Number.isInteger(w) || !Number.isInteger(l))
      throw new Error(`comparison ${c}: item index out of range`);
    if (w === l) throw new Error(`comparison ${c}: an item compared with itself`);
    if (!(data.weight[c] >= 0) || !Number.isFinite(data.weight[c])) throw new Error(`comparison ${c}: bad weight`);
  }
}

/**
 * One MM step in place on γ (strengths). Returns the largest |Δθ|.
 * Exported for the EM of Crowd-BT, which calls it with its own weights.
 */
export function mmStep(items: number, data: Comparisons, gamma: Float64Array, prior: number): number {
  const eps = prior / 2;
  const wins = new Float64Array(items);
  const denom = new Float64Array(items);
  for (let c = 0; c < data.winner.length; c++) {
    const n = data.weight[c];
    if (n === 0) continue;
    const w = data.winner[c];
    const l = data.loser[c];
    wins[w] += n;
    const share = n / (gamma[w] + gamma[l]);
    denom[w] += share;
    denom[l] += share;
  }
  let change = 0;
  const next = new Float64Array(items);
  for (let i = 0; i < items; i++) {
    const num = wins[i] + eps;
    const den = denom[i] + (eps > 0 ? (2 * eps) / (gamma[i] + 1) : 0);
    // An item with no games and no prior keeps its strength (it has no information either way).
    next[i] = den > 0 ? num / den : gamma[i];
    if (!(next[i] > 0)) next[i] = 1e-300; // zero wins without a prior: the MLE is −∞; stay finite.
  }
  if (eps > 0) {
    // The comparisons do not see a common shift of every θ; only the phantom games do, and weakly,
    // so MM alone creeps along that direction for thousands of steps. Maximise the log posterior
    // exactly along it (Newton on a concave 1-D function): the fit still only goes up, in far fewer steps.
    let shift = 0;
    for (let step = 0; step < 20; step++) {
      let grad = 0;
      let curv = 0;
      for (let i = 0; i < items; i++) {
        const p = 1 / (1 + 1 / (next[i] * Math.exp(shift)));
        grad += 1 - 2 * p;
        curv += 2 * p * (1 - p);
      }
      if (!(curv > 0)) break;
      const delta = grad / curv;
      shift += delta;
      if (Math.abs(delta) < 1e-12) break;
    }
    if (Number.isFinite(shift)) for (let i = 0; i < items; i++) next[i] *= Math.exp(shift);
  } else {
    // No phantom anchor: fix the scale by the geometric mean (θ centred at 0).
    let meanLog = 0;
    for (let i = 0; i < items; i++) meanLog += Math.log(next[i]);
    meanLog /= items;
    for (let i = 0; i < items; i++) next[i] /= Math.exp(meanLog);
  }
  for (let i = 0; i < items; i++) {
    const d = Math.abs(Math.log(next[i]) - Math.log(gamma[i]));
    if (d > change) change = d;
    gamma[i] = next[i];
  }
  return change;
}

/** Log posterior (up to a constant) of θ under the Bradley–Terry likelihood and the phantom-game prior. */
export function btLogPosterior(items: number, data: Comparisons, theta: ArrayLike<number>, prior = DEFAULT_BT_PRIOR): number {
  let total = 0;
  for (let c = 0; c < data.winner.length; c++) {
    const n = data.weight[c];
    if (n === 0) continue;
    total += n * Math.log(sigmoid(theta[data.winner[c]] - theta[data.loser[c]]));
  }
  const eps = prior / 2;
  if (eps > 0) for (let i = 0; i < items; i++) total += eps * (Math.log(sigmoid(theta[i])) + Math.log(sigmoid(-theta[i])));
  return total;
}

/**
 * Posterior standard deviations from an information matrix `info` (n×n, row-major, symmetric
 * positive definite): sqrt of the diagonal of its inverse, by Cholesky. Above
 * {@link FULL_COVARIANCE_LIMIT} items, 1/sqrt(info_ii) (ignores correlations; a lower bound).
 * Also returns the full covariance when it was computed.
 */
export function covarianceFromInformation(
  n: number,
  info: Float64Array,
  centred = false,
): { sd: Float64Array; covariance: Float64Array | null } {
  const sd = new Float64Array(n);
  if (centred) {
    // Information with the null direction 1 (no prior): (H + 11ᵀ/n)⁻¹ − 11ᵀ/n is the covariance of
    // the centred scores (1 is an eigenvector of both terms).
    info = info.slice();
    for (let k = 0; k < n * n; k++) info[k] += 1 / n;
  }
  if (n > FULL_COVARIANCE_LIMIT) {
    for (let i = 0; i < n; i++) sd[i] = 1 / Math.sqrt(info[i * n + i] - (centred ? 1 / n : 0));
    return { sd, covariance: null };
  }
  // Cholesky L Lᵀ = info, then invert L and form (L⁻¹)ᵀ L⁻¹.
  const L = new Float64Array(n * n);
  for (let j = 0; j < n; j++) {
    let s = info[j * n + j];
    for (let k = 0; k < j; k++) s -= L[j * n + k] * L[j * n + k];
    if (!(s > 0)) throw new Error('information matrix is not positive definite (add a prior)');
    const d = Math.sqrt(s);
    L[j * n + j] = d;
    for (let i = j + 1; i < n; i++) {
      let t = info[i * n + j];
      for (let k = 0; k < j; k++) t -= L[i * n + k] * L[j * n + k];
      L[i * n + j] = t / d;
    }
  }
  const Linv = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    Linv[i * n + i] = 1 / L[i * n + i];
    for (let j = i + 1; j < n; j++) {
      let s = 0;
      for (let k = i; k < j; k++) s -= L[j * n + k] * Linv[k * n + i];
      Linv[j * n + i] = s / L[j * n + j];
    }
  }
  const cov = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = 0;
      for (let k = i; k < n; k++) s += Linv[k * n + i] * Linv[k * n + j];
      if (centred) s -= 1 / n;
      cov[i * n + j] = s;
      cov[j * n + i] = s;
    }
    sd[i] = Math.sqrt(cov[i * n + i]);
  }
  return { sd, covariance: cov };
}

/**
 * Fisher information of θ for the Bradley–Terry likelihood plus the phantom prior, optionally with a
 * per-comparison information factor (Crowd-BT passes the information of its mixture answer).
 */
export function btInformation(
  items: number,
  data: Comparisons,
  theta: ArrayLike<number>,
  prior: number,
  perComparison?: (c: number, p: number) => number,
): Float64Array {
  const info = new Float64Array(items * items);
  for (let c = 0; c < data.winner.length; c++) {
    const n = data.weight[c];
    if (n === 0) continue;
    const w = data.winner[c];
    const l = data.loser[c];
    const p = sigmoid(theta[w] - theta[l]);
    const j = n * (perComparison ? perComparison(c, p) : p * (1 - p));
    info[w * items + w] += j;
    info[l * items + l] += j;
    info[w * items + l] -= j;
    info[l * items + w] -= j;
  }
  const eps = prior / 2;
  for (let i = 0; i < items; i++) {
    const p = sigmoid(theta[i]);
    // Without a prior the information has the null direction 1; covarianceFromInformation(…, true) handles it.
    if (eps > 0) info[i * items + i] += 2 * eps * p * (1 - p);
  }
  return info;
}

/**
 * Fit Bradley–Terry scores to `items` items by Hunter's MM.
 *
 * @example
 * // a beats b twice, b beats a once
 * fitBradleyTerry(2, { winner: [0, 0, 1], loser: [1, 1, 0], weight: [1, 1, 1] }).theta
 */
export function fitBradleyTerry(items: number, data: Comparisons, options: BradleyTerryOptions = {}): BradleyTerryFit {
  checkComparisons(items, data);
  const prior = options.prior ?? DEFAULT_BT_PRIOR;
  if (!(prior >= 0)) throw new Error('prior must be ≥ 0');
  const maxIterations = options.maxIterations ?? 100_000;
  const tolerance = options.tolerance ?? 1e-9;
  const gamma = new Float64Array(items);
  for (let i = 0; i < items; i++) gamma[i] = Math.exp(options.initial?.[i] ?? 0);
  let iterations = 0;
  let converged = false;
  while (iterations < maxIterations) {
    iterations++;
    const change = mmStep(items, data, gamma, prior);
    if (change < tolerance) {
      converged = true;
      break;
    }
  }
  const theta = new Float64Array(items);
  for (let i = 0; i < items; i++) theta[i] = Math.log(gamma[i]);
  const { sd, covariance } = options.skipUncertainty
    ? { sd: new Float64Array(items).fill(NaN), covariance: null }
    : covarianceFromInformation(items, btInformation(items, data, theta, prior), prior === 0);
  return { theta, sd, covariance, iterations, converged };
}
