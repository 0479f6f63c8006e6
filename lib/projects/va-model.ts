/**
 * Valence–arousal regression heads: ridge regression from standardised clip feature vectors to a
 * rating project's aggregated (valence, arousal). Pure math, no I/O (lib/projects/va-heads.ts
 * reads the features and stores the heads).
 *
 * Model, per axis: y = b + wᵀx + ε, fitted by weighted ridge
 *   minimise Σ_i ω_i (y_i − b − wᵀx_i)² + λ‖w‖²   (the intercept is not penalised)
 * whose solution, with x̄ and ȳ the ω-weighted means and X_c = X − x̄,
 *   A = X_cᵀ Ω X_c + λ I,   w = A⁻¹ X_cᵀ Ω (y − ȳ),   b = ȳ − wᵀx̄.
 * ω_i = 1 / max(sd_i², SD_FLOOR²) from the clip's posterior spread, so a well-settled clip counts
 * more, then rescaled to mean 1 so λ means the same whatever the sd scale of a project.
 *
 * Both heads share X, so they share A and one λ: λ is the value of {@link LAMBDA_GRID} with the
 * smallest k-fold cross-validated weighted squared error summed over the two axes (ascending grid,
 * strict improvement: a tie keeps the smaller λ).
 *
 * Stability: A is symmetric positive definite with smallest eigenvalue ≥ λ ≥ 1e-3 and, with
 * standardised features and mean-1 weights, largest ≤ n·d + λ; at these sizes (n ≤ a few thousand
 * clips, d ≤ a few hundred features) its condition number stays below ~1e10, and Cholesky in
 * float64 (backward stable for SPD matrices) then keeps ≥ 5 significant digits — far finer than
 * the ratings' own noise. Forming XᵀX squares X's conditioning, which is exactly what the ridge
 * term bounds. O(n·d² + d³) per solve.
 *
 * Predictive sd per axis (residual-based): the out-of-sample error scale (the CV RMSE at the chosen
 * λ) widened by the uncertainty of the fitted line at x,
 *   sd(x) = rmse_cv · √(1 + 1/Σω + (x − x̄)ᵀ A⁻¹ (x − x̄)),
 * the ordinary-least-squares prediction interval with A⁻¹ in place of (XᵀX)⁻¹ — larger for clips
 * far from the rated ones, which is what the queue should ask about first.
 */

/** λ candidates: a fixed decade grid, 10⁻³ … 10³. */
export const LAMBDA_GRID = [1e-3, 1e-2, 1e-1, 1, 10, 100, 1000] as const;

/** Cross-validation folds (fewer when there are fewer rows). Row i is in fold i mod k. */
export const CV_FOLDS = 5;

/**
 * Floor on a clip's posterior sd before it becomes a weight: a clip rated by many agreeing people
 * could otherwise reach a near-zero sd and an unbounded weight that drowns every other clip.
 */
export const SD_FLOOR = 0.05;

/** Fewest rated clips (with features) the heads are trained on; below it a fit would be noise. */
export const MIN_RATED_CLIPS = 10;

/** One rated clip: its standardised features and the aggregate with its posterior spread. */
export interface VaTrainingRow {
  x: readonly number[];
  valence: number;
  valenceSd: number;
  arousal: number;
  arousalSd: number;
}

/** A ridge solution for one target. */
export interface RidgeFit {
  weights: number[];
  intercept: number;
  /** The ω-weighted feature means x̄. */
  center: number[];
  /** A⁻¹, row-major d×d (for the predictive sd). */
  covariance: number[];
  /** Σω. */
  weightSum: number;
}

/** The two fitted heads (JSON-safe: stored as is). */
export interface VaHeads {
  d: number;
  n: number;
  lambda: number;
  center: number[];
  covariance: number[];
  weightSum: number;
  valence: { weights: number[]; intercept: number; cvRmse: number };
  arousal: { weights: number[]; intercept: number; cvRmse: number };
}

export interface VaPrediction {
  valence: number;
  valenceSd: number;
  arousal: number;
  arousalSd: number;
}

/** Lower-triangular L with A = L Lᵀ (row-major d×d). Throws when A is not positive definite. */
export function cholesky(a: ArrayLike<number>, d: number): Float64Array {
  const l = new Float64Array(d * d);
  for (let i = 0; i < d; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * d + j];
      for (let k = 0; k < j; k++) s -= l[i * d + k] * l[j * d + k];
      if (i === j) {
        if (!(s > 0)) throw new Error(`cholesky: matrix is not positive definite (pivot ${i} = ${s})`);
        l[i * d + i] = Math.sqrt(s);
      } else l[i * d + j] = s / l[j * d + j];
    }
  }
  return l;
}

/** Solves L Lᵀ z = b by forward then back substitution. */
export function choleskySolve(l: Float64Array, d: number, b: ArrayLike<number>): Float64Array {
  const y = new Float64Array(d);
  for (let i = 0; i < d; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i * d + k] * y[k];
    y[i] = s / l[i * d + i];
  }
  const z = new Float64Array(d);
  for (let i = d - 1; i >= 0; i--) {
    let s = y[i];
    for (let k = i + 1; k < d; k++) s -= l[k * d + i] * z[k];
    z[i] = s / l[i * d + i];
  }
  return z;
}

/** The shared part of a weighted ridge fit: x̄, the Cholesky factor of A, and Σω. */
interface RidgeSystem {
  d: number;
  center: Float64Array;
  chol: Float64Array;
  weightSum: number;
  xs: readonly (readonly number[])[];
  w: readonly number[];
}

function ridgeSystem(xs: readonly (readonly number[])[], w: readonly number[], lambda: number): RidgeSystem {
  const n = xs.length;
  if (n === 0) throw new Error('ridge: no rows');
  const d = xs[0].length;
  if (d === 0) throw new Error('ridge: no features');
  if (w.length !== n) throw new Error(`ridge: ${w.length} weights for ${n} rows`);
  if (!(lambda > 0)) throw new Error(`ridge: λ must be positive, got ${lambda}`);
  let weightSum = 0;
  const center = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    if (xs[i].length !== d) throw new Error(`ridge: row ${i} has ${xs[i].length} features, expected ${d}`);
    if (!(w[i] > 0) || !Number.isFinite(w[i])) throw new Error(`ridge: weight ${i} is ${w[i]}`);
    weightSum += w[i];
    for (let k = 0; k < d; k++) center[k] += w[i] * xs[i][k];
  }
  for (let k = 0; k < d; k++) center[k] /= weightSum;
  const a = new Float64Array(d * d);
  const c = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < d; k++) c[k] = xs[i][k] - center[k];
    for (let p = 0; p < d; p++) {
      const wp = w[i] * c[p];
      for (let q = 0; q <= p; q++) a[p * d + q] += wp * c[q];
    }
  }
  for (let p = 0; p < d; p++) {
    a[p * d + p] += lambda;
    for (let q = 0; q < p; q++) a[q * d + p] = a[p * d + q];
  }
  return { d, center, chol: cholesky(a, d), weightSum, xs, w };
}

function solveTarget(sys: RidgeSystem, y: readonly number[]): { weights: Float64Array; intercept: number } {
  const { d, center, xs, w } = sys;
  let yBar = 0;
  for (let i = 0; i < xs.length; i++) yBar += w[i] * y[i];
  yBar /= sys.weightSum;
  const rhs = new Float64Array(d);
  for (let i = 0; i < xs.length; i++) {
    const r = w[i] * (y[i] - yBar);
    for (let k = 0; k < d; k++) rhs[k] += r * (xs[i][k] - center[k]);
  }
  const weights = choleskySolve(sys.chol, d, rhs);
  let intercept = yBar;
  for (let k = 0; k < d; k++) intercept -= weights[k] * center[k];
  return { weights, intercept };
}

function dot(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let s = 0;
  for (let k = 0; k < a.length; k++) s += a[k] * b[k];
  return s;
}

/** A⁻¹ from its Cholesky factor, column by column (d solves; d is small). */
function inverse(sys: RidgeSystem): number[] {
  const { d } = sys;
  const inv = new Array<number>(d * d);
  const e = new Float64Array(d);
  for (let j = 0; j < d; j++) {
    e.fill(0);
    e[j] = 1;
    const col = choleskySolve(sys.chol, d, e);
    for (let i = 0; i < d; i++) inv[i * d + j] = col[i];
  }
  return inv;
}

/** Weighted ridge for one target at a given λ (see the module comment). */
export function fitRidge(xs: readonly (readonly number[])[], y: readonly number[], w: readonly number[], lambda: number): RidgeFit {
  if (y.length !== xs.length) throw new Error(`ridge: ${y.length} targets for ${xs.length} rows`);
  const sys = ridgeSystem(xs, w, lambda);
  const { weights, intercept } = solveTarget(sys, y);
  return { weights: [...weights], intercept, center: [...sys.center], covariance: inverse(sys), weightSum: sys.weightSum };
}

/** ω_i = 1 / max(sd_i², SD_FLOOR²), rescaled to mean 1; a non-finite sd counts as sd 1 (the rating prior's). */
export function inverseVarianceWeights(sds: readonly number[]): number[] {
  const raw = sds.map((sd) => 1 / Math.max(Number.isFinite(sd) ? sd * sd : 1, SD_FLOOR * SD_FLOOR));
  const mean = raw.reduce((t, x) => t + x, 0) / raw.length;
  return raw.map((x) => x / mean);
}

/**
 * Cross-validated weighted mean squared error of both heads at one λ: row i is held out in fold
 * i mod k, predicted by the fit to the other folds; errors weighted by ω (the same weights the fit
 * uses, so the score and the objective agree).
 */
function crossValidate(
  xs: readonly (readonly number[])[],
  yv: readonly number[],
  ya: readonly number[],
  w: readonly number[],
  lambda: number,
  k: number,
): { valence: number; arousal: number } {
  let sv = 0;
  let sa = 0;
  let sw = 0;
  for (let fold = 0; fold < k; fold++) {
    const train = xs.map((_, i) => i).filter((i) => i % k !== fold);
    const sys = ridgeSystem(
      train.map((i) => xs[i]),
      train.map((i) => w[i]),
      lambda,
    );
    const hv = solveTarget(sys, train.map((i) => yv[i]));
    const ha = solveTarget(sys, train.map((i) => ya[i]));
    for (let i = fold; i < xs.length; i += k) {
      const ev = yv[i] - (hv.intercept + dot(hv.weights, xs[i]));
      const ea = ya[i] - (ha.intercept + dot(ha.weights, xs[i]));
      sv += w[i] * ev * ev;
      sa += w[i] * ea * ea;
      sw += w[i];
    }
  }
  return { valence: sv / sw, arousal: sa / sw };
}

/**
 * Fits both heads: weights from the rows' posterior sd, λ by k-fold CV over {@link LAMBDA_GRID}
 * (k = min(CV_FOLDS, n)), then the final fit on every row at that λ. Needs ≥ 2 rows.
 */
export function fitVaHeads(rows: readonly VaTrainingRow[]): VaHeads {
  const n = rows.length;
  if (n < 2) throw new Error(`fitVaHeads: need at least 2 rated clips, got ${n}`);
  const xs = rows.map((r) => r.x);
  const yv = rows.map((r) => r.valence);
  const ya = rows.map((r) => r.arousal);
  // One weight per clip for both heads: the clip's spread combined over the axes (root mean square).
  const w = inverseVarianceWeights(rows.map((r) => Math.sqrt((r.valenceSd ** 2 + r.arousalSd ** 2) / 2)));
  const k = Math.min(CV_FOLDS, n);
  let best: { lambda: number; mse: { valence: number; arousal: number } } | null = null;
  for (const lambda of LAMBDA_GRID) {
    const mse = crossValidate(xs, yv, ya, w, lambda, k);
    if (!best || mse.valence + mse.arousal < best.mse.valence + best.mse.arousal) best = { lambda, mse };
  }
  const { lambda, mse } = best!;
  const sys = ridgeSystem(xs, w, lambda);
  const hv = solveTarget(sys, yv);
  const ha = solveTarget(sys, ya);
  return {
    d: sys.d,
    n,
    lambda,
    center: [...sys.center],
    covariance: inverse(sys),
    weightSum: sys.weightSum,
    valence: { weights: [...hv.weights], intercept: hv.intercept, cvRmse: Math.sqrt(mse.valence) },
    arousal: { weights: [...ha.weights], intercept: ha.intercept, cvRmse: Math.sqrt(mse.arousal) },
  };
}

/** The heads' point and predictive sd for one standardised feature vector. */
export function predictVa(heads: VaHeads, x: readonly number[]): VaPrediction {
  const { d, center, covariance } = heads;
  if (x.length !== d) throw new Error(`predictVa: ${x.length} features, the heads take ${d}`);
  const c = x.map((v, k) => v - center[k]);
  let leverage = 0;
  for (let p = 0; p < d; p++) leverage += c[p] * dot(covariance.slice(p * d, p * d + d), c);
  const widen = Math.sqrt(1 + 1 / heads.weightSum + Math.max(0, leverage));
  return {
    valence: heads.valence.intercept + dot(heads.valence.weights, x),
    valenceSd: heads.valence.cvRmse * widen,
    arousal: heads.arousal.intercept + dot(heads.arousal.weights, x),
    arousalSd: heads.arousal.cvRmse * widen,
  };
}

/**
 * A prediction as stored and shown: the point clamped to the square (a rating is never outside
 * −1…1, and a linear head extrapolates past it) and each axis's spread capped at the rating
 * model's prior sd, which is what "nobody knows" means for a clip. Why the cap: with fewer rated
 * clips than features and a small λ, a clip with a component outside the rated clips' span gets a
 * leverage near ‖c‖²/λ (A⁻¹'s eigenvalue there is 1/λ), i.e. spreads of ±100 on a ±1 scale —
 * not more informative than the prior, so the queue treats such a clip as unrated.
 */
export function onThePlane(p: VaPrediction, priorSd: number): VaPrediction {
  const clamp = (v: number) => Math.min(1, Math.max(-1, v));
  return {
    valence: clamp(p.valence),
    valenceSd: Math.min(priorSd, p.valenceSd),
    arousal: clamp(p.arousal),
    arousalSd: Math.min(priorSd, p.arousalSd),
  };
}

/**
 * Active learning: the queue priority of each clip. A clip someone rated keeps its posterior
 * spread (the fit's priority); a clip nobody rated that the heads predicted gets the predicted
 * spread √(sd_v² + sd_a²) — the same combination over the axes as the posterior's — instead of
 * the flat prior, so the queue asks first about the clips the heads are least sure of.
 */
export function priorityWithPredictions(
  priorities: readonly { clipId: string; priority: number }[],
  answerCounts: ReadonlyMap<string, number>,
  predictions: ReadonlyMap<string, Pick<VaPrediction, 'valenceSd' | 'arousalSd'>>,
): { clipId: string; priority: number }[] {
  return priorities.map(({ clipId, priority }) => {
    const p = predictions.get(clipId);
    if ((answerCounts.get(clipId) ?? 0) > 0 || !p) return { clipId, priority };
    return { clipId, priority: Math.hypot(p.valenceSd, p.arousalSd) };
  });
}
