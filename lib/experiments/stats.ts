/**
 * Statistics for online experiments (canary rollouts and A/B tests of the recommender): pure
 * functions over per-arm counts, no I/O.
 *
 * The test is the mixture sequential probability ratio test (mSPRT) of Johari, Pekelis & Walsh,
 * "Always Valid Inference: Bringing Sequential Analysis to A/B Testing" (2015/2017), in its
 * normal approximation for a difference of two means: with a N(0, τ²) mixture over the effect,
 *
 *   Λₙ = √(V / (V + nτ²)) · exp( n²τ² (θ̂ₙ − θ₀)² / (2V(V + nτ²)) )
 *
 * where n is the per-arm sample size, θ̂ₙ the observed difference (treatment − control) and V the
 * variance of one treatment-minus-control pair (σ²_T + σ²_C). The always-valid p-value is
 * pₙ = min(pₙ₋₁, 1/Λₙ), and {θ₀ : Λₙ(θ₀) < 1/α} is a confidence sequence: both stay valid however
 * often and whenever the result is looked at, which a fixed-horizon z-test does not.
 */

/** Standard normal quantile (Acklam's rational approximation, relative error < 1.15e-9). */
export function normalQuantile(p: number): number {
  if (!(p > 0 && p < 1)) throw new RangeError(`normalQuantile: p must be in (0, 1), got ${p}`);
  const a = [-39.69683028665376, 220.9460984245205, -275.9285104469687, 138.357751867269, -30.66479806614716, 2.506628277459239];
  const b = [-54.47609879822406, 161.5858368580409, -155.6989798598866, 66.80131188771972, -13.28068155288572];
  const c = [-0.007784894002430293, -0.3223964580411365, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
  const d = [0.007784695709041462, 0.3224671290700398, 2.445134137142996, 3.754408661907416];
  const low = 0.02425;
  if (p < low) {
    const q = Math.sqrt(-2 * Math.log(p));
    return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
  }
  if (p <= 1 - low) {
    const q = p - 0.5;
    const r = q * q;
    return ((((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q) / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }
  const q = Math.sqrt(-2 * Math.log(1 - p));
  return -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
}

/**
 * Per-arm sessions for a fixed-horizon two-sided test of two proportions (unpooled variance):
 * n = (z₁₋α/₂ + z₁₋β)² · (p₁(1 − p₁) + p₂(1 − p₂)) / (p₂ − p₁)². The up-front estimate shown when an
 * experiment starts; the sequential test usually stops earlier on a large effect and later on a
 * small one.
 */
export function sampleSizePerArm(baseline: number, expected: number, alpha = 0.05, power = 0.8): number {
  if (!(baseline > 0 && baseline < 1 && expected > 0 && expected < 1)) throw new RangeError('sampleSizePerArm: rates must be in (0, 1)');
  if (baseline === expected) throw new RangeError('sampleSizePerArm: the expected rate must differ from the baseline');
  const z = normalQuantile(1 - alpha / 2) + normalQuantile(power);
  const variance = baseline * (1 - baseline) + expected * (1 - expected);
  return Math.ceil((z * z * variance) / (expected - baseline) ** 2);
}

/** One arm's observations of a per-session metric: count, sum and sum of squares. */
export interface ArmStats {
  n: number;
  sum: number;
  sumSq: number;
}

export function armOf(values: readonly number[]): ArmStats {
  let sum = 0;
  let sumSq = 0;
  for (const v of values) {
    sum += v;
    sumSq += v * v;
  }
  return { n: values.length, sum, sumSq };
}

const mean = (a: ArmStats) => a.sum / a.n;
/** Unbiased sample variance (0 with fewer than two observations). */
const variance = (a: ArmStats) => (a.n < 2 ? 0 : Math.max(0, (a.sumSq - (a.sum * a.sum) / a.n) / (a.n - 1)));

/** The mixture likelihood ratio Λₙ for H₀: difference = θ₀ (see the module comment). */
export function msprtLikelihoodRatio(n: number, difference: number, pairVariance: number, tau2: number, theta0 = 0): number {
  if (n <= 0 || pairVariance <= 0) return 1;
  const spread = pairVariance + n * tau2;
  return Math.sqrt(pairVariance / spread) * Math.exp((n * n * tau2 * (difference - theta0) ** 2) / (2 * pairVariance * spread));
}

/** Half-width of the (1 − α) confidence sequence around θ̂ₙ: where Λₙ(θ₀) = 1/α. */
export function confidenceSequenceHalfWidth(n: number, pairVariance: number, tau2: number, alpha: number): number {
  if (n <= 0) return Number.POSITIVE_INFINITY;
  if (pairVariance <= 0) return 0;
  const spread = pairVariance + n * tau2;
  return Math.sqrt(((2 * pairVariance * spread) / (n * n * tau2)) * (Math.log(1 / alpha) + 0.5 * Math.log(spread / pairVariance)));
}

export interface SequentialResult {
  /** Sessions per arm the test used (the smaller arm: pairs). */
  n: number;
  control: number;
  treatment: number;
  /** treatment − control. */
  difference: number;
  /** Always-valid confidence sequence for the difference at level 1 − α. */
  lower: number;
  upper: number;
  /** Always-valid p-value against "no difference" (this look only; carry the running minimum). */
  pValue: number;
}

/**
 * The sequential comparison of two arms of a per-session metric. `tau2` is the mixture variance:
 * the squared size of effect one expects (Johari et al. recommend choosing it from past
 * experiments; for rates around 0.1–0.5, effects of a few points: 1e-3 by default).
 */
export function compareArms(control: ArmStats, treatment: ArmStats, alpha = 0.05, tau2 = 1e-3): SequentialResult {
  const n = Math.min(control.n, treatment.n);
  const difference = n > 0 ? mean(treatment) - mean(control) : 0;
  const pairVariance = variance(control) + variance(treatment);
  const half = confidenceSequenceHalfWidth(n, pairVariance, tau2, alpha);
  return {
    n,
    control: control.n > 0 ? mean(control) : 0,
    treatment: treatment.n > 0 ? mean(treatment) : 0,
    difference,
    lower: difference - half,
    upper: difference + half,
    pValue: Math.min(1, 1 / msprtLikelihoodRatio(n, difference, pairVariance, tau2)),
  };
}

export type CanaryDecision = { action: 'promote' | 'rollback' | 'continue'; reason: string };

/**
 * What a canary's numbers say, for a metric where higher is better (like rate): roll back as soon
 * as the canary is worse with confidence (the whole interval below zero), promote once it is not
 * worse beyond `margin` (the interval's lower end above −margin) after `minSessions` per arm,
 * otherwise keep going.
 */
export function canaryDecision(result: SequentialResult, margin: number, minSessions: number): CanaryDecision {
  const pct = (x: number) => `${(x * 100).toFixed(1)} pts`;
  const interval = `difference ${pct(result.difference)}, ${pct(result.lower)} to ${pct(result.upper)}`;
  if (result.n > 0 && result.upper < 0) return { action: 'rollback', reason: `canary worse (${interval})` };
  if (result.n < minSessions) return { action: 'continue', reason: `${result.n} of ${minSessions} sessions per arm` };
  if (result.lower > -margin) return { action: 'promote', reason: `canary not worse than −${pct(margin)} (${interval})` };
  return { action: 'continue', reason: `not yet conclusive (${interval})` };
}

/**
 * Sticky arm assignment: a session sees the canary when the hash of (experiment, session) falls
 * under `share`. FNV-1a, so the same session gets the same arm in every process and after restarts.
 */
export function inCanary(experimentId: string | number, sessionId: string, share: number): boolean {
  let h = 0x811c9dc5;
  const key = `${experimentId}:${sessionId}`;
  for (let i = 0; i < key.length; i++) {
    h ^= key.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h / 2 ** 32 < share;
}
