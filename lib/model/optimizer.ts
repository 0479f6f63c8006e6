/**
 * Adam over one flat parameter vector (Kingma & Ba, "Adam: a method for
 * stochastic optimization", ICLR 2015). Kept as explicit state so training
 * stays a plain loop that can snapshot and restore parameters.
 */
export interface AdamState {
  m: Float64Array;
  v: Float64Array;
  step: number;
}

export const ADAM_BETA1 = 0.9;
export const ADAM_BETA2 = 0.999;
export const ADAM_EPSILON = 1e-8;

/** Zeroed Adam moments for `size` parameters. O(size). */
export function createAdam(size: number): AdamState {
  return { m: new Float64Array(size), v: new Float64Array(size), step: 0 };
}

/**
 * One Adam update θ ← θ − η·m̂/(√v̂ + ε) with bias-corrected first and second
 * moment estimates m̂ = m/(1−β₁ᵗ), v̂ = v/(1−β₂ᵗ). O(|θ|).
 *
 * @example
 *   const s = createAdam(1); const th = Float64Array.of(1);
 *   adamStep(th, Float64Array.of(2), s, 0.1); // th → [0.9]: the first step is ±η
 */
export function adamStep(theta: Float64Array, grad: Float64Array, state: AdamState, learningRate: number): void {
  state.step += 1;
  const c1 = 1 / (1 - Math.pow(ADAM_BETA1, state.step));
  const c2 = 1 / (1 - Math.pow(ADAM_BETA2, state.step));
  const { m, v } = state;
  for (let i = 0; i < theta.length; i++) {
    const g = grad[i];
    m[i] = ADAM_BETA1 * m[i] + (1 - ADAM_BETA1) * g;
    v[i] = ADAM_BETA2 * v[i] + (1 - ADAM_BETA2) * g * g;
    theta[i] -= (learningRate * (m[i] * c1)) / (Math.sqrt(v[i] * c2) + ADAM_EPSILON);
  }
}
