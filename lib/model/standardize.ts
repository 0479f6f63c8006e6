/**
 * Feature standardisation with the extractor version's statistics.
 *
 * The classifier never learns its own scaling: the mean/std come from the
 * feature extractor version (computed once over the catalog), so two models
 * trained on the same extractor version see identically scaled inputs and the
 * ONNX graph can bake the same numbers in as Sub/Div.
 */

/** Per-column mean and standard deviation of a row-major feature matrix. */
export interface Standardization {
  mean: Float32Array;
  std: Float32Array;
}

/**
 * A standard deviation below this is treated as a constant column: dividing by
 * it would turn float noise into huge inputs, so such a column is only centred.
 */
export const MIN_STD = 1e-8;

/**
 * Column mean and (population) standard deviation of an n×d row-major matrix.
 *
 * Model: μ_k = (1/n) Σ_i x_ik, σ_k = sqrt((1/n) Σ_i (x_ik − μ_k)²), with
 * σ_k replaced by 1 when σ_k < MIN_STD (see {@link sanitizeStandardization}).
 * Two-pass algorithm (no catastrophic cancellation; Chan, Golub & LeVeque 1983).
 * Complexity O(n·d) time, O(d) memory.
 *
 * @example computeStandardization(Float32Array.of(1, 10, 3, 10), 2, 2)
 *   // → { mean: [2, 10], std: [1, 1] }  (second column constant → std 1)
 */
export function computeStandardization(x: ArrayLike<number>, n: number, d: number): Standardization {
  assertShape(x.length, n, d, 'x');
  if (n === 0) throw new Error('computeStandardization: need at least one row');
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const off = i * d;
    for (let k = 0; k < d; k++) mean[k] += x[off + k];
  }
  for (let k = 0; k < d; k++) mean[k] /= n;
  const varSum = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    const off = i * d;
    for (let k = 0; k < d; k++) {
      const c = x[off + k] - mean[k];
      varSum[k] += c * c;
    }
  }
  const std = new Float32Array(d);
  for (let k = 0; k < d; k++) std[k] = Math.sqrt(varSum[k] / n);
  return sanitizeStandardization({ mean: Float32Array.from(mean), std }, d);
}

/**
 * Validates caller-supplied statistics and returns float32 copies with
 * degenerate deviations (σ < MIN_STD or non-finite) replaced by 1, so the
 * training code and the exported ONNX graph divide by exactly the same numbers.
 * Complexity O(d).
 *
 * @example sanitizeStandardization({ mean: [0, 1], std: [2, 0] }, 2).std // → [2, 1]
 */
export function sanitizeStandardization(
  stats: { mean: ArrayLike<number>; std: ArrayLike<number> },
  d: number,
): Standardization {
  if (stats.mean.length !== d || stats.std.length !== d) {
    throw new Error(
      `standardization has ${stats.mean.length} means and ${stats.std.length} deviations, expected ${d} each`,
    );
  }
  const mean = new Float32Array(d);
  const std = new Float32Array(d);
  for (let k = 0; k < d; k++) {
    if (!Number.isFinite(stats.mean[k])) throw new Error(`standardization mean[${k}] is not finite`);
    mean[k] = stats.mean[k];
    const s = stats.std[k];
    std[k] = Number.isFinite(s) && s >= MIN_STD ? s : 1;
  }
  return { mean, std };
}

/**
 * Returns z_ik = (x_ik − μ_k) / σ_k as a new float32 n×d matrix.
 * Float32 halves the memory traffic of the training loops, which are bound by
 * reading these rows; accumulation stays in float64. Complexity O(n·d).
 *
 * @example standardizeRows(Float32Array.of(3, 5), 1, 2, { mean: Float32Array.of(1, 1), std: Float32Array.of(2, 4) })
 *   // → [1, 1]
 */
export function standardizeRows(x: ArrayLike<number>, n: number, d: number, stats: Standardization): Float32Array {
  assertShape(x.length, n, d, 'x');
  const out = new Float32Array(n * d);
  const { mean, std } = stats;
  for (let i = 0; i < n; i++) {
    const off = i * d;
    for (let k = 0; k < d; k++) out[off + k] = (x[off + k] - mean[k]) / std[k];
  }
  return out;
}

/**
 * Concatenates two row-major matrices column-wise: [a ‖ b], n×(da+db).
 * This is how a learned (ONNX encoder) embedding joins the handcrafted
 * feature vector before standardisation. Complexity O(n·(da+db)).
 *
 * @example concatColumns(Float32Array.of(1, 2), 1, Float32Array.of(3), 1, 2) // → [1, 3, 2]
 */
export function concatColumns(
  a: ArrayLike<number>,
  da: number,
  b: ArrayLike<number>,
  db: number,
  n: number,
): Float32Array {
  assertShape(a.length, n, da, 'a');
  assertShape(b.length, n, db, 'b');
  const d = da + db;
  const out = new Float32Array(n * d);
  for (let i = 0; i < n; i++) {
    for (let k = 0; k < da; k++) out[i * d + k] = a[i * da + k];
    for (let k = 0; k < db; k++) out[i * d + da + k] = b[i * db + k];
  }
  return out;
}

/**
 * Throws unless a flat row-major buffer of `length` values is rows × cols,
 * naming the argument, so shape mistakes surface at the API boundary rather
 * than as NaN deep inside a loop. O(1).
 *
 * @example assertShape(6, 2, 3, 'x') // ok; assertShape(5, 2, 3, 'x') throws "x: has 5 values, expected 2×3 = 6"
 */
export function assertShape(length: number, rows: number, cols: number, name: string): void {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 0 || cols < 0) {
    throw new Error(`${name}: shape ${rows}×${cols} is not a pair of non-negative integers`);
  }
  if (length !== rows * cols) {
    throw new Error(`${name}: has ${length} values, expected ${rows}×${cols} = ${rows * cols}`);
  }
}
