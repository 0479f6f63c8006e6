/**
 * Per-tag probability calibration on held-out logits.
 *
 * Every model ends with p_t = σ(a_t·z_t + b_t): Platt scaling fits (a_t, b_t),
 * temperature scaling fits a_t = 1/T_t with b_t = 0, and 'none' keeps (1, 0).
 * Calibration is what undoes the bias that class weighting deliberately puts
 * into the raw logits (rare moods are up-weighted in training), so
 * probabilities mean what they say again.
 */
import { sigmoid, softplus } from './network';

export type CalibrationMethod = 'platt' | 'temperature' | 'none';

/** p_t = σ(scale[t]·z_t + bias[t]) for each of the T tags. */
export interface Calibration {
  method: CalibrationMethod;
  scale: Float64Array;
  bias: Float64Array;
}

/** Identity calibration (scale 1, bias 0) for T tags. */
export function identityCalibration(t: number): Calibration {
  return { method: 'none', scale: new Float64Array(t).fill(1), bias: new Float64Array(t) };
}

/** Hessian ridge of Lin, Lin & Weng (2007): keeps the 2×2 Newton system solvable when all z are equal. */
const HESSIAN_RIDGE = 1e-12;
const MAX_NEWTON_STEPS = 100;
const MIN_STEP = 1e-10;
/**
 * Stop when the gradient, per unit of example weight, is below this: the
 * objective is a sum over examples, so an absolute tolerance would be
 * unreachable in float64 on large validation splits.
 */
const GRADIENT_TOLERANCE = 1e-9;

/**
 * Platt scaling for one tag: fits p = σ(a·z + b) to labels by weighted
 * maximum likelihood.
 *
 * Model: minimise F(a,b) = Σ_i w_i [τ_i·softplus(−f_i) + (1−τ_i)·softplus(f_i)],
 * f_i = a·z_i + b, with Platt's smoothed targets τ_i = y_i·(N₊+1)/(N₊+2) +
 * (1−y_i)/(N₋+2) (N₊ = Σ w_i y_i, N₋ = Σ w_i (1−y_i)), which keep a tag with
 * no positives on the validation split from being pushed to p = 0.
 * Soft labels y ∈ [0,1] are allowed. Solved by Newton's method with
 * backtracking line search as in Lin, Lin & Weng, "A note on Platt's
 * probabilistic outputs for support vector machines", Machine Learning 68
 * (2007); Platt, "Probabilistic outputs for SVMs…" (1999). F is convex.
 * Items whose label is NaN are skipped.
 * Complexity O(n) per Newton step, typically < 10 steps.
 *
 * @example fitPlatt([-4, -2, 2, 4], [0, 1, 0, 1]).a  // → ≈ 0 (z carries no information)
 */
export function fitPlatt(
  z: ArrayLike<number>,
  y: ArrayLike<number>,
  w?: ArrayLike<number>,
): { a: number; b: number } {
  return fitScaling(z, y, w, true);
}

/**
 * Temperature scaling for one tag (Guo, Pleiss, Sun & Weinberger, "On
 * calibration of modern neural networks", ICML 2017): p = σ(z/T), the same
 * objective as {@link fitPlatt} with b fixed at 0 and a = 1/T, solved by 1-D
 * Newton. Fewer degrees of freedom than Platt, so safer on small validation
 * splits; cannot fix a shifted base rate. Complexity O(n) per Newton step.
 *
 * @example fitTemperature([-8, 8, -8, 8], [0, 1, 1, 0]).a // → ≈ 0 (T → large: logits are noise)
 */
export function fitTemperature(
  z: ArrayLike<number>,
  y: ArrayLike<number>,
  w?: ArrayLike<number>,
): { a: number; b: number } {
  return fitScaling(z, y, w, false);
}

function fitScaling(
  z: ArrayLike<number>,
  y: ArrayLike<number>,
  w: ArrayLike<number> | undefined,
  withBias: boolean,
): { a: number; b: number } {
  if (z.length !== y.length || (w && w.length !== z.length)) {
    throw new Error(`calibration: ${z.length} logits, ${y.length} labels, ${w?.length ?? z.length} weights`);
  }
  let nPos = 0;
  let nNeg = 0;
  for (let i = 0; i < z.length; i++) {
    if (Number.isNaN(y[i])) continue;
    const wi = w ? w[i] : 1;
    nPos += wi * y[i];
    nNeg += wi * (1 - y[i]);
  }
  if (nPos + nNeg <= 0) return { a: 1, b: 0 };
  const hi = (nPos + 1) / (nPos + 2);
  const lo = 1 / (nNeg + 2);

  const objective = (a: number, b: number): number => {
    let f = 0;
    for (let i = 0; i < z.length; i++) {
      if (Number.isNaN(y[i])) continue;
      const tau = y[i] * hi + (1 - y[i]) * lo;
      const fi = a * z[i] + b;
      f += (w ? w[i] : 1) * (tau * softplus(-fi) + (1 - tau) * softplus(fi));
    }
    return f;
  };

  const tolerance = GRADIENT_TOLERANCE * (nPos + nNeg);
  let a = 1;
  let b = 0;
  let f = objective(a, b);
  for (let step = 0; step < MAX_NEWTON_STEPS; step++) {
    let ga = 0;
    let gb = 0;
    let haa = HESSIAN_RIDGE;
    let hab = 0;
    let hbb = HESSIAN_RIDGE;
    for (let i = 0; i < z.length; i++) {
      if (Number.isNaN(y[i])) continue;
      const wi = w ? w[i] : 1;
      const tau = y[i] * hi + (1 - y[i]) * lo;
      const p = sigmoid(a * z[i] + b);
      const r = wi * (p - tau);
      const c = wi * p * (1 - p);
      ga += r * z[i];
      gb += r;
      haa += c * z[i] * z[i];
      hab += c * z[i];
      hbb += c;
    }
    let da: number;
    let db: number;
    if (withBias) {
      if (Math.abs(ga) < tolerance && Math.abs(gb) < tolerance) break;
      const det = haa * hbb - hab * hab;
      da = -(hbb * ga - hab * gb) / det;
      db = -(-hab * ga + haa * gb) / det;
    } else {
      if (Math.abs(ga) < tolerance) break;
      da = -ga / haa;
      db = 0;
    }
    // Backtracking (Armijo) line search: Newton's full step can overshoot on
    // nearly separable data, where F flattens out.
    const slope = ga * da + gb * db;
    let size = 1;
    let accepted = false;
    while (size >= MIN_STEP) {
      const fa = objective(a + size * da, b + size * db);
      if (fa <= f + 1e-4 * size * slope) {
        a += size * da;
        b += size * db;
        f = fa;
        accepted = true;
        break;
      }
      size /= 2;
    }
    if (!accepted) break;
  }
  return { a, b };
}

/**
 * Fits one calibration per tag on an n×t matrix of held-out logits.
 * Complexity O(n·t) per Newton step.
 *
 * @example fitCalibration('temperature', logits, labels, undefined, n, t).scale // → T values 1/T_t
 */
export function fitCalibration(
  method: CalibrationMethod,
  logits: ArrayLike<number>,
  labels: ArrayLike<number>,
  weights: ArrayLike<number> | undefined,
  n: number,
  t: number,
): Calibration {
  const cal = identityCalibration(t);
  cal.method = method;
  if (method === 'none' || n === 0) return cal;
  const z = new Float64Array(n);
  const y = new Float64Array(n);
  for (let tag = 0; tag < t; tag++) {
    for (let i = 0; i < n; i++) {
      z[i] = logits[i * t + tag];
      y[i] = labels[i * t + tag];
    }
    const fit = method === 'platt' ? fitPlatt(z, y, weights) : fitTemperature(z, y, weights);
    cal.scale[tag] = fit.a;
    cal.bias[tag] = fit.b;
  }
  return cal;
}

/**
 * Applies a calibration to an n×t logit matrix: out = σ(a_t·z + b_t).
 * When `calibratedLogits` is given it receives a_t·z + b_t (the logistic
 * model's embedding). O(n·t).
 */
export function applyCalibration(
  cal: Calibration,
  logits: ArrayLike<number>,
  n: number,
  t: number,
  probs: Float64Array | Float32Array,
  calibratedLogits?: Float64Array | Float32Array,
): void {
  for (let i = 0; i < n; i++) {
    for (let tag = 0; tag < t; tag++) {
      const f = cal.scale[tag] * logits[i * t + tag] + cal.bias[tag];
      if (calibratedLogits) calibratedLogits[i * t + tag] = f;
      probs[i * t + tag] = sigmoid(f);
    }
  }
}
