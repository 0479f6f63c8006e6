/**
 * Small numeric helpers shared by the aggregation models. Everything here is
 * allocation-free on scalars so it can sit inside the EM hot loops.
 */

/**
 * Floor applied to a probability before taking its logarithm. Priors keep the
 * learned probabilities strictly positive, but a caller may pass zero
 * pseudo-counts or a hand-made reliability of exactly 0 or 1; log(0) would
 * then poison a whole clip's posterior with -Infinity / NaN.
 */
export const LOG_EPSILON = 1e-12;

/** log(max(p, LOG_EPSILON)). */
export function safeLog(p: number): number {
  return Math.log(p < LOG_EPSILON ? LOG_EPSILON : p);
}

/** Clamp p into [LOG_EPSILON, 1 − LOG_EPSILON]. */
export function clampProbability(p: number): number {
  if (p < LOG_EPSILON) return LOG_EPSILON;
  if (p > 1 - LOG_EPSILON) return 1 - LOG_EPSILON;
  return p;
}

/** Logistic function σ(x) = 1 / (1 + e^−x), written to never overflow. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x));
  const e = Math.exp(x);
  return e / (1 + e);
}

/** softplus(x) = log(1 + e^x), stable for large |x|; log σ(x) = −softplus(−x). */
export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x));
}

/** logit(p) = log(p / (1 − p)), with p clamped away from 0 and 1. */
export function logit(p: number): number {
  const q = clampProbability(p);
  return Math.log(q) - Math.log1p(-q);
}

/** Mean and standard deviation of a Beta(a, b) distribution. */
export function betaMeanStd(a: number, b: number): { mean: number; std: number } {
  const s = a + b;
  return { mean: a / s, std: Math.sqrt((a * b) / (s * s * (s + 1))) };
}

/**
 * Pearson correlation of two equally long samples; NaN when either is constant.
 * O(n).
 */
export function pearson(x: ArrayLike<number>, y: ArrayLike<number>): number {
  const n = x.length;
  if (n !== y.length) throw new Error(`pearson: lengths differ (${n} vs ${y.length})`);
  let mx = 0;
  let my = 0;
  for (let i = 0; i < n; i++) {
    mx += x[i];
    my += y[i];
  }
  mx /= n;
  my /= n;
  let sxy = 0;
  let sxx = 0;
  let syy = 0;
  for (let i = 0; i < n; i++) {
    const dx = x[i] - mx;
    const dy = y[i] - my;
    sxy += dx * dy;
    sxx += dx * dx;
    syy += dy * dy;
  }
  return sxy / Math.sqrt(sxx * syy);
}

/** Ranks 1..n with ties given their average rank. O(n log n). */
function averageRanks(x: ArrayLike<number>): Float64Array {
  const order = Array.from({ length: x.length }, (_, i) => i).sort((a, b) => x[a] - x[b]);
  const ranks = new Float64Array(x.length);
  for (let start = 0; start < order.length; ) {
    let end = start + 1;
    while (end < order.length && x[order[end]] === x[order[start]]) end++;
    const rank = (start + end + 1) / 2;
    for (let j = start; j < end; j++) ranks[order[j]] = rank;
    start = end;
  }
  return ranks;
}

/** Spearman rank correlation (Pearson on average ranks). O(n log n). */
export function spearman(x: ArrayLike<number>, y: ArrayLike<number>): number {
  return pearson(averageRanks(x), averageRanks(y));
}
