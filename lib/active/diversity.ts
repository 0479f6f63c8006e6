/**
 * Diversity over embeddings: k-center greedy batches and novelty scores.
 * Embeddings are an n×h row-major matrix covering every item; candidate and
 * reference (already labelled) items are given as indices into it.
 */
import { assertShape } from '@/lib/model/standardize';

/** Squared Euclidean distance between rows a and b of an n×h matrix. O(h). */
export function squaredDistance(e: ArrayLike<number>, h: number, a: number, b: number): number {
  let s = 0;
  const ao = a * h;
  const bo = b * h;
  for (let k = 0; k < h; k++) {
    const diff = e[ao + k] - e[bo + k];
    s += diff * diff;
  }
  return s;
}

export interface KCenterOptions {
  /** Items already labelled: the batch should cover what they do not. */
  reference?: ArrayLike<number>;
  /** Group (artist) of each item, indexed like the embeddings; null/undefined = no group. */
  groups?: ArrayLike<string | number | null | undefined>;
  /** At most this many items of one group in the result. */
  maxPerGroup?: number;
}

/**
 * k-center greedy (farthest-first traversal): repeatedly adds the candidate
 * farthest from everything chosen or referenced so far.
 *
 * Model: choose S, |S| = k, to approximately minimise
 * max_{c ∈ C} min_{s ∈ S ∪ R} ‖e_c − e_s‖; the greedy is a 2-approximation
 * (Gonzalez 1985) and is the core-set query of Sener & Savarese, "Active
 * learning for convolutional neural networks: a core-set approach", ICLR 2018.
 * With no reference the first pick is the candidate nearest the candidates'
 * centroid (the most typical item, deterministic), not an outlier.
 * Exact duplicates of a chosen item are never chosen (their distance is 0);
 * ties go to the lower index. Items of a full group are skipped.
 * Complexity O(|C|·(|R| + k)·h) time, O(|C|) memory.
 *
 * @example
 *   // three well-separated pairs → one item per pair
 *   kCenterGreedy([0,0, 0,0.1, 5,5, 5,5.1, -5,5, -5,5.1], 2, [0,1,2,3,4,5], 3) // → e.g. [0, 2, 4]
 */
export function kCenterGreedy(
  embeddings: ArrayLike<number>,
  h: number,
  candidates: ArrayLike<number>,
  k: number,
  options: KCenterOptions = {},
): number[] {
  if (h <= 0 || embeddings.length % h !== 0)
    throw new Error(`kCenterGreedy: ${embeddings.length} values is not a multiple of h=${h}`);
  const n = embeddings.length / h;
  const cand = Array.from(candidates);
  for (const c of cand) if (!(c >= 0 && c < n)) throw new Error(`kCenterGreedy: candidate ${c} is out of range`);
  const minDist = new Float64Array(cand.length).fill(Infinity);
  const reference = options.reference ? Array.from(options.reference) : [];
  for (let c = 0; c < cand.length; c++) {
    for (const r of reference) minDist[c] = Math.min(minDist[c], squaredDistance(embeddings, h, cand[c], r));
  }
  const groupCount = new Map<string | number, number>();
  const maxPerGroup = options.maxPerGroup ?? Infinity;
  const blocked = (c: number) => {
    const g = options.groups?.[cand[c]];
    return g !== null && g !== undefined && (groupCount.get(g) ?? 0) >= maxPerGroup;
  };
  const taken = new Uint8Array(cand.length);
  const chosen: number[] = [];

  while (chosen.length < k) {
    let best = -1;
    if (chosen.length === 0 && reference.length === 0) {
      best = nearestToCentroid(embeddings, h, cand, blocked);
    } else {
      let bestDist = 0;
      for (let c = 0; c < cand.length; c++) {
        if (taken[c] || blocked(c)) continue;
        if (minDist[c] > bestDist) {
          bestDist = minDist[c];
          best = c;
        }
      }
    }
    if (best < 0) break;
    taken[best] = 1;
    chosen.push(cand[best]);
    const g = options.groups?.[cand[best]];
    if (g !== null && g !== undefined) groupCount.set(g, (groupCount.get(g) ?? 0) + 1);
    for (let c = 0; c < cand.length; c++) {
      if (!taken[c]) minDist[c] = Math.min(minDist[c], squaredDistance(embeddings, h, cand[c], cand[best]));
    }
  }
  return chosen;
}

function nearestToCentroid(e: ArrayLike<number>, h: number, cand: number[], blocked: (c: number) => boolean): number {
  if (!cand.length) return -1;
  const centroid = new Float64Array(h);
  for (const c of cand) for (let k = 0; k < h; k++) centroid[k] += e[c * h + k] / cand.length;
  let best = -1;
  let bestDist = Infinity;
  for (let c = 0; c < cand.length; c++) {
    if (blocked(c)) continue;
    let s = 0;
    for (let k = 0; k < h; k++) s += (e[cand[c] * h + k] - centroid[k]) ** 2;
    if (s < bestDist) {
      bestDist = s;
      best = c;
    }
  }
  return best;
}

/**
 * Novelty of each candidate: its Euclidean distance to the nearest
 * reference (labelled) item, divided by the largest such distance among the
 * candidates, so the farthest candidate scores 1 and a copy of a labelled
 * item 0. With no reference every candidate scores 1 (all equally new).
 * Complexity O(|C|·|R|·h).
 *
 * @example noveltyScores([0, 1, 3], 1, [1, 2], [0]) // → [1/3, 1]
 */
export function noveltyScores(
  embeddings: ArrayLike<number>,
  h: number,
  candidates: ArrayLike<number>,
  reference: ArrayLike<number>,
): Float64Array {
  assertShape(embeddings.length, embeddings.length / h, h, 'embeddings');
  const out = new Float64Array(candidates.length);
  if (reference.length === 0) return out.fill(1);
  let max = 0;
  for (let c = 0; c < candidates.length; c++) {
    let m = Infinity;
    for (let r = 0; r < reference.length; r++) m = Math.min(m, squaredDistance(embeddings, h, candidates[c], reference[r]));
    out[c] = Math.sqrt(m);
    max = Math.max(max, out[c]);
  }
  if (max > 0) for (let c = 0; c < out.length; c++) out[c] /= max;
  return out;
}

/**
 * Information density (Settles & Craven, "An analysis of active learning strategies for sequence
 * labeling tasks", EMNLP 2008, eq. 5 with β = 1): how typical each candidate is of the pool —
 * the mean cosine similarity, mapped from [−1, 1] to [0, 1] as (1 + cos)/2, between the
 * candidate and the reference rows, in the space of the features standardised per column over
 * all n rows (z-scores; a constant column is left out). Multiplying an uncertainty score by it
 * steers a query away from outliers the model is unsure of only because nothing resembles them.
 * A candidate that is itself a reference row counts its self-similarity like any other (as in
 * the paper's average over the pool). A zero row (all features at their means) has similarity
 * ½ to everything. Complexity O(n·d + |C|·|R|·d).
 *
 * @example densityScores([1, 0, 0, 1, 1, 0.1, -1, 0], 4, 2, [0, 1, 2, 3], [0, 1, 2, 3])
 */
export function densityScores(
  x: ArrayLike<number>,
  n: number,
  d: number,
  candidates: ArrayLike<number>,
  reference: ArrayLike<number>,
): Float64Array {
  assertShape(x.length, n, d, 'features');
  const out = new Float64Array(candidates.length);
  if (reference.length === 0) return out.fill(1);
  const mean = new Float64Array(d);
  const sd = new Float64Array(d);
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) mean[k] += x[i * d + k] / n;
  for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) sd[k] += (x[i * d + k] - mean[k]) ** 2 / n;
  for (let k = 0; k < d; k++) sd[k] = Math.sqrt(sd[k]);
  // Unit-length z-score rows of the rows involved.
  const unit = new Map<number, Float64Array>();
  const unitRow = (i: number) => {
    let u = unit.get(i);
    if (u) return u;
    u = new Float64Array(d);
    let norm = 0;
    for (let k = 0; k < d; k++) {
      const v = sd[k] > 1e-12 ? (x[i * d + k] - mean[k]) / sd[k] : 0;
      u[k] = Number.isFinite(v) ? v : 0;
      norm += u[k] * u[k];
    }
    norm = Math.sqrt(norm);
    if (norm > 0) for (let k = 0; k < d; k++) u[k] /= norm;
    unit.set(i, u);
    return u;
  };
  const refs = Array.from(reference, unitRow);
  for (let c = 0; c < candidates.length; c++) {
    const u = unitRow(candidates[c]);
    let s = 0;
    for (const r of refs) {
      let dot = 0;
      for (let k = 0; k < d; k++) dot += u[k] * r[k];
      s += (1 + dot) / 2;
    }
    out[c] = s / refs.length;
  }
  return out;
}
