/**
 * Continuous ratings (one dimension, e.g. valence or arousal) aggregated with a model of each
 * annotator's bias, scale and noise:
 *
 *   x_ij = a_j + b_j · μ_i + ε_ij,   ε_ij ~ N(0, σ_j²)
 *
 * for clip i rated by annotator j. a_j is the annotator's bias (rates everything higher or lower),
 * b_j > 0 their scale (uses more or less of the range), σ_j their noise. The clip's value μ_i has a
 * Gaussian posterior; its mean is the aggregate and its standard deviation the uncertainty (what
 * active learning ranks by).
 *
 * Fitting: EM with μ as the latent variable (a factor-analysis model with one factor).
 *   E-step (exact, given a, b, σ): precision P_i = 1/τ² + Σ_j b_j²/σ_j²,
 *           mean m_i = (μ₀/τ² + Σ_j b_j (x_ij − a_j)/σ_j²) / P_i, variance v_i = 1/P_i.
 *   M-step per annotator: (a_j, b_j) by ridge-regularised least squares of x on μ using
 *           E[μ] = m and E[μ²] = m² + v; σ_j² = (Σ E[(x − a − bμ)²] + ν₀ s₀²) / (n_j + ν₀ + 2)
 *           (inverse-gamma prior, MAP), so an annotator with two ratings is not declared noiseless.
 * Identifiability: the model is unchanged by μ → dμ + c, b → b/d, a → a − bc/d. After each M-step
 * the fit is moved to the frame where the mean bias is 0 and the mean log-scale is 0 (μ is on the
 * scale of the average annotator). b_j is kept ≥ {@link MIN_SCALE}: an annotator whose ratings run
 * against everyone else's is treated as near-uninformative rather than as a reversed scale.
 *
 * Priors (defaults, documented in the README): μ_i ~ N(0, 1); a_j ~ N(0, 1/λ_a) and
 * b_j ~ N(1, 1/λ_b) with λ_a = λ_b = 1 (a weak pull of annotators with few ratings toward an unbiased
 * unit scale); σ_j² with ν₀ = 2 pseudo-ratings of spread s₀ = 0.1.
 */

export interface Ratings {
  readonly item: ArrayLike<number>;
  readonly worker: ArrayLike<number>;
  readonly value: ArrayLike<number>;
}

export interface RatingModelOptions {
  /** Prior on each clip value: N(priorMean, priorSd²). */
  priorMean?: number;
  priorSd?: number;
  /** Ridge strength pulling a_j toward 0 and b_j toward 1. */
  biasRidge?: number;
  scaleRidge?: number;
  /** Inverse-gamma prior on σ_j²: ν₀ pseudo-ratings with spread s₀. */
  noisePriorCount?: number;
  noisePriorSd?: number;
  maxIterations?: number;
  tolerance?: number;
}

export interface RatingFit {
  /** Posterior mean of each clip value (NaN for a clip with no ratings). */
  readonly mean: Float64Array;
  /** Posterior standard deviation of each clip value (given the annotator parameters). */
  readonly sd: Float64Array;
  readonly bias: Float64Array;
  readonly scale: Float64Array;
  readonly noise: Float64Array;
  readonly ratingsPerItem: Int32Array;
  readonly ratingsPerWorker: Int32Array;
  readonly iterations: number;
  readonly converged: boolean;
}

export const MIN_SCALE = 0.05;
const MIN_NOISE_VAR = 1e-10;

/**
 * Posterior N(mean, sd²) of one clip's value from its ratings, given the raters' bias, scale and
 * noise and the prior N(priorMean, priorSd²) (the E-step, exported for hand-worked checks).
 */
export function clipPosterior(
  ratings: readonly { value: number; bias: number; scale: number; noise: number }[],
  priorMean = 0,
  priorSd = 1,
): { mean: number; sd: number } {
  let precision = 1 / (priorSd * priorSd);
  let weighted = priorMean * precision;
  for (const r of ratings) {
    const w = 1 / Math.max(r.noise * r.noise, MIN_NOISE_VAR);
    precision += r.scale * r.scale * w;
    weighted += r.scale * (r.value - r.bias) * w;
  }
  return { mean: weighted / precision, sd: Math.sqrt(1 / precision) };
}

/**
 * Fit the bias–scale–noise model to ratings of `items` clips by `workers` annotators.
 *
 * @example
 * fitRatingModel(2, 2, { item: [0, 0, 1, 1], worker: [0, 1, 0, 1], value: [0.1, 0.3, -0.2, 0.0] })
 */
export function fitRatingModel(items: number, workers: number, data: Ratings, options: RatingModelOptions = {}): RatingFit {
  const m = data.item.length;
  if (data.worker.length !== m || data.value.length !== m) throw new Error('ratings: arrays differ in length');
  const ratingsPerItem = new Int32Array(items);
  const ratingsPerWorker = new Int32Array(workers);
  for (let r = 0; r < m; r++) {
    const i = data.item[r];
    const j = data.worker[r];
    if (!Number.isInteger(i) || i < 0 || i >= items) throw new Error(`rating ${r}: item index out of range`);
    if (!Number.isInteger(j) || j < 0 || j >= workers) throw new Error(`rating ${r}: worker index out of range`);
    if (!Number.isFinite(data.value[r])) throw new Error(`rating ${r}: value is not a finite number`);
    ratingsPerItem[i]++;
    ratingsPerWorker[j]++;
  }
  const priorMean = options.priorMean ?? 0;
  const priorSd = options.priorSd ?? 1;
  const lambdaA = options.biasRidge ?? 1;
  const lambdaB = options.scaleRidge ?? 1;
  const nu0 = options.noisePriorCount ?? 2;
  const s0 = options.noisePriorSd ?? 0.1;
  const maxIterations = options.maxIterations ?? 1000;
  const tolerance = options.tolerance ?? 1e-8;

  const bias = new Float64Array(workers);
  const scale = new Float64Array(workers).fill(1);
  const noiseVar = new Float64Array(workers).fill(s0 * s0 || 0.01);
  const mean = new Float64Array(items);
  const variance = new Float64Array(items);

  const eStep = () => {
    const precision = new Float64Array(items).fill(1 / (priorSd * priorSd));
    const weighted = new Float64Array(items).fill(priorMean / (priorSd * priorSd));
    for (let r = 0; r < m; r++) {
      const i = data.item[r];
      const j = data.worker[r];
      const w = 1 / noiseVar[j];
      precision[i] += scale[j] * scale[j] * w;
      weighted[i] += scale[j] * (data.value[r] - bias[j]) * w;
    }
    for (let i = 0; i < items; i++) {
      mean[i] = weighted[i] / precision[i];
      variance[i] = 1 / precision[i];
    }
  };

  let iterations = 0;
  let converged = false;
  eStep();
  while (iterations < maxIterations) {
    iterations++;
    // M-step: per-annotator sufficient statistics.
    const n = new Float64Array(workers);
    const sx = new Float64Array(workers);
    const sm = new Float64Array(workers);
    const smm = new Float64Array(workers);
    const sxm = new Float64Array(workers);
    const sxx = new Float64Array(workers);
    for (let r = 0; r < m; r++) {
      const i = data.item[r];
      const j = data.worker[r];
      const x = data.value[r];
      n[j]++;
      sx[j] += x;
      sm[j] += mean[i];
      smm[j] += mean[i] * mean[i] + variance[i];
      sxm[j] += x * mean[i];
      sxx[j] += x * x;
    }
    let change = 0;
    for (let j = 0; j < workers; j++) {
      if (n[j] === 0) continue;
      // Ridge in units of the annotator's noise: minimise Σ E[(x − a − bμ)²]/σ² + λ_a a² + λ_b (b − 1)².
      const s2 = noiseVar[j];
      const A11 = n[j] + lambdaA * s2;
      const A12 = sm[j];
      const A22 = smm[j] + lambdaB * s2;
      const r1 = sx[j];
      const r2 = sxm[j] + lambdaB * s2;
      const det = A11 * A22 - A12 * A12;
      let a = det > 0 ? (r1 * A22 - r2 * A12) / det : bias[j];
      let b = det > 0 ? (A11 * r2 - A12 * r1) / det : scale[j];
      if (!(b >= MIN_SCALE)) {
        b = MIN_SCALE;
        a = (r1 - b * A12) / A11;
      }
      const sse = sxx[j] - 2 * a * sx[j] - 2 * b * sxm[j] + a * a * n[j] + 2 * a * b * sm[j] + b * b * smm[j];
      const v = Math.max(MIN_NOISE_VAR, (Math.max(sse, 0) + nu0 * s0 * s0) / (n[j] + nu0 + 2));
      change = Math.max(change, Math.abs(a - bias[j]), Math.abs(b - scale[j]), Math.abs(Math.sqrt(v) - Math.sqrt(noiseVar[j])));
      bias[j] = a;
      scale[j] = b;
      noiseVar[j] = v;
    }
    normalise(workers, n, bias, scale, mean, variance);
    const before = Float64Array.from(mean);
    eStep();
    for (let i = 0; i < items; i++) change = Math.max(change, Math.abs(mean[i] - before[i]));
    if (change < tolerance) {
      converged = true;
      break;
    }
  }
  const sd = new Float64Array(items);
  for (let i = 0; i < items; i++) {
    sd[i] = Math.sqrt(variance[i]);
    if (ratingsPerItem[i] === 0) {
      mean[i] = NaN;
      sd[i] = NaN;
    }
  }
  const noise = noiseVar.map(Math.sqrt);
  return { mean, sd, bias, scale, noise, ratingsPerItem, ratingsPerWorker, iterations, converged };
}

/**
 * Move (a, b, μ) to the frame with mean bias 0 and mean log-scale 0 over annotators who rated
 * something: μ' = dμ + c, b' = b/d, a' = a − b'c, with d = exp(mean log b), c = mean(a)/mean(b').
 */
function normalise(
  workers: number,
  counts: Float64Array,
  bias: Float64Array,
  scale: Float64Array,
  mean: Float64Array,
  variance: Float64Array,
): void {
  let active = 0;
  let logSum = 0;
  for (let j = 0; j < workers; j++) {
    if (counts[j] === 0) continue;
    active++;
    logSum += Math.log(scale[j]);
  }
  if (active === 0) return;
  const d = Math.exp(logSum / active);
  let aSum = 0;
  let bSum = 0;
  for (let j = 0; j < workers; j++) {
    scale[j] /= d;
    if (counts[j] === 0) continue;
    aSum += bias[j];
    bSum += scale[j];
  }
  const c = aSum / active / (bSum / active);
  for (let j = 0; j < workers; j++) bias[j] -= scale[j] * c;
  for (let i = 0; i < mean.length; i++) {
    mean[i] = d * mean[i] + c;
    variance[i] *= d * d;
  }
}
