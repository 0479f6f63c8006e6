/**
 * Dense-vector primitives for the recommender: dot product, norms, cosine
 * similarity, the exact (brute-force) k-nearest-neighbour search that every
 * approximate index is measured against, and recall@k.
 *
 * Pure: arrays in, arrays out; nothing here knows about SQL or HTTP.
 */

/** Anything indexable as numbers: `Float32Array`, `number[]`, … */
export type Vec = ArrayLike<number>;

/**
 * Inner product ⟨a, b⟩ = Σᵢ aᵢ·bᵢ. O(d).
 * @example dot([1, 2], [3, 4]) // 11
 */
export function dot(a: Vec, b: Vec): number {
  if (a.length !== b.length) throw new RangeError(`dimension mismatch: ${a.length} vs ${b.length}`);
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * b[i];
  return s;
}

/** Euclidean norm ‖a‖₂. O(d). @example norm([3, 4]) // 5 */
export function norm(a: Vec): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += a[i] * a[i];
  return Math.sqrt(s);
}

/**
 * a / ‖a‖₂ as a new `Float32Array`. The zero vector stays zero (it has no
 * direction; callers treat it as "no signal"). O(d).
 * @example normalize([3, 4]) // Float32Array [0.6, 0.8]
 */
export function normalize(a: Vec): Float32Array {
  const n = norm(a);
  const out = new Float32Array(a.length);
  if (n === 0) return out;
  for (let i = 0; i < a.length; i++) out[i] = a[i] / n;
  return out;
}

/**
 * Cosine similarity ⟨a, b⟩ / (‖a‖·‖b‖) ∈ [−1, 1]; 0 when either is the
 * zero vector. Cosine distance, as reported by hnswlib and pgvector's `<=>`,
 * is 1 − cosine. O(d).
 * @example cosine([1, 0], [1, 1]) // 0.7071…
 */
export function cosine(a: Vec, b: Vec): number {
  if (a.length !== b.length) throw new RangeError(`dimension mismatch: ${a.length} vs ${b.length}`);
  let ab = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    ab += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return aa === 0 || bb === 0 ? 0 : ab / Math.sqrt(aa * bb);
}

/** Result of a k-NN search over a packed matrix: row indices, best first. */
export interface KnnResult {
  indices: number[];
  /** Cosine similarity of each returned row to the query. */
  similarities: number[];
}

/**
 * Exact cosine k-nearest neighbours by linear scan — the reference that
 * approximate indexes are checked against (recall@k).
 *
 * `rows` is an n×d row-major matrix (one embedding per row), so a million
 * rows stay one typed array rather than a million JS objects. A bounded
 * min-heap keeps the k best: O(n·d + n·log k) time, O(k) extra space.
 * Zero rows have similarity 0.
 *
 * @example exactKnn(new Float32Array([1, 0, 0, 1]), 2, [1, 0.1], 1) // { indices: [0], … }
 */
export function exactKnn(rows: Float32Array, dim: number, query: Vec, k: number): KnnResult {
  if (query.length !== dim) throw new RangeError(`query has ${query.length} dims, index has ${dim}`);
  if (rows.length % dim !== 0) throw new RangeError('rows length is not a multiple of dim');
  const n = rows.length / dim;
  const kk = Math.min(k, n);
  const qn = norm(query);
  // Min-heap on similarity: the root is the worst of the current best k.
  const heapSim = new Float64Array(kk);
  const heapIdx = new Int32Array(kk);
  let size = 0;
  for (let r = 0; r < n; r++) {
    const off = r * dim;
    let ab = 0;
    let bb = 0;
    for (let i = 0; i < dim; i++) {
      const x = rows[off + i];
      ab += x * query[i];
      bb += x * x;
    }
    const sim = bb === 0 || qn === 0 ? 0 : ab / (Math.sqrt(bb) * qn);
    if (size < kk) {
      let i = size++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (heapSim[p] <= sim) break;
        heapSim[i] = heapSim[p];
        heapIdx[i] = heapIdx[p];
        i = p;
      }
      heapSim[i] = sim;
      heapIdx[i] = r;
    } else if (kk > 0 && sim > heapSim[0]) {
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= kk) break;
        const c = l + 1 < kk && heapSim[l + 1] < heapSim[l] ? l + 1 : l;
        if (heapSim[c] >= sim) break;
        heapSim[i] = heapSim[c];
        heapIdx[i] = heapIdx[c];
        i = c;
      }
      heapSim[i] = sim;
      heapIdx[i] = r;
    }
  }
  const order = Array.from({ length: size }, (_, i) => i).sort((a, b) => heapSim[b] - heapSim[a]);
  return { indices: order.map((i) => heapIdx[i]), similarities: order.map((i) => heapSim[i]) };
}

/**
 * recall@k = |approx[:k] ∩ exact[:k]| / min(k, |exact|) — the share of the
 * true k nearest neighbours that the approximate search returned. O(k).
 * @example recallAtK(['a', 'b', 'x'], ['a', 'b', 'c'], 3) // 0.666…
 */
export function recallAtK<T>(approx: readonly T[], exact: readonly T[], k: number): number {
  const truth = new Set(exact.slice(0, k));
  if (truth.size === 0) return 1;
  let hit = 0;
  for (const id of approx.slice(0, k)) if (truth.has(id)) hit++;
  return hit / truth.size;
}
