/**
 * PostgreSQL array literals and binary arrays for bulk statements: a batch goes in as a few array
 * parameters in PostgreSQL's text array syntax (`'{…}'::real[]`, sliced per row in SQL) rather
 * than one bind parameter per value — a 5,000-row batch of 64-d vectors is one statement with
 * three parameters on both postgres.js and PGlite (a JS array in drizzle's `sql` template would
 * become a record, not an array); vectors come back as `array_send(real[])` bytes.
 */

/** `{a,b,c}` — a PostgreSQL array literal of strings that need no quoting (uuids, tag keys of [a-z0-9_-]). */
export function pgTextArray(values: readonly string[]): string {
  for (const v of values) {
    if (!/^[A-Za-z0-9_.:-]+$/.test(v)) throw new Error(`pgTextArray: "${v}" would need quoting`);
  }
  return `{${values.join(',')}}`;
}

/**
 * `{1.5,2.25,…}` for values[start, end) with `digits` significant digits — 8 (the default)
 * round-trips a float32; scores and embeddings are written with 6, which is far below their
 * meaning and saves formatting and parsing. NaN as PostgreSQL's `NaN`.
 */
export function pgFloatArray(values: ArrayLike<number>, start = 0, end = values.length, digits = 8): string {
  const parts = new Array<string>(end - start);
  for (let i = start; i < end; i++) {
    const v = values[i];
    parts[i - start] = Number.isFinite(v)
      ? v === 0
        ? '0'
        : v.toPrecision(digits)
      : Number.isNaN(v)
        ? 'NaN'
        : v > 0
          ? 'Infinity'
          : '-Infinity';
  }
  return `{${parts.join(',')}}`;
}

/** Significant digits for model outputs (probabilities, uncertainty, embeddings) written to the database. */
export const OUTPUT_DIGITS = 6;

/**
 * Decodes PostgreSQL's binary array format (`array_send(real[])`) into `out` at `offset`:
 * int32 ndim, int32 has-nulls flag, int32 element type oid, ndim × (int32 length, int32 lower
 * bound), then per element an int32 byte length (-1 = NULL → NaN) and the big-endian float4.
 * Returns the element count. Reading vectors this way instead of as text arrays cuts the
 * client's parse time about fourfold at 100,000 × 128 (see bench/results/loop.md). O(length).
 */
export function decodeFloat4Array(bytes: Uint8Array, out: Float32Array, offset: number, expected: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ndim = view.getInt32(0);
  if (ndim === 0) return 0;
  if (ndim !== 1) throw new Error(`expected a one-dimensional array, got ${ndim} dimensions`);
  const oid = view.getInt32(8);
  if (oid !== 700) throw new Error(`expected real[] (float4, oid 700), got element type oid ${oid}`);
  const length = view.getInt32(12);
  if (length !== expected) return length;
  let at = 20;
  for (let k = 0; k < length; k++) {
    const size = view.getInt32(at);
    at += 4;
    if (size === -1) {
      out[offset + k] = NaN;
      continue;
    }
    out[offset + k] = view.getFloat32(at);
    at += size;
  }
  return length;
}
