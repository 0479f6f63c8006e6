/**
 * Most representative excerpt of a clip, for playback in the labeling UI.
 */

export interface ExcerptResult {
  /** Start offset, seconds from the beginning of the clip. */
  startS: number;
  durationS: number;
  /** Mean z-space distance of the window's blocks to the clip's blocks (lower = more typical). */
  distance: number;
}

/** Reference blocks used for the typicality score (evenly spaced). */
const MAX_REFERENCE_BLOCKS = 512;

/**
 * Choose the window of consecutive ~1 s blocks that best represents the clip.
 *
 * Method: block features (MFCC, chroma, level…) are z-scored per dimension;
 * each block's typicality is its mean Euclidean distance to the other
 * (non-quiet) blocks — a self-similarity criterion (cf. Cooper & Foote 2002,
 * "Automatic music summarization via similarity analysis") evaluated against
 * at most 512 evenly spaced reference blocks so it stays linear in clip
 * length. The window with the lowest mean block distance wins. Unlike
 * "closest to the clip mean", a window straddling the main section and an
 * intro/outro scores worse than one inside the main section. Quiet blocks
 * (below a tenth of the 90th-percentile block level) are avoided first:
 * a window with fewer of them always wins. Ties go to the earlier window.
 *
 * Complexity O(B·min(B, 512)·d) for B blocks of d dims; memory O(B·d).
 *
 * @param blocks row-major block vectors (blockCount × dim)
 * @param energy per-block level (e.g. mean RMS), length blockCount
 * @param blockSeconds duration of one block
 */
export function selectExcerpt(
  blocks: ArrayLike<number>,
  blockCount: number,
  dim: number,
  energy: ArrayLike<number>,
  blockSeconds: number,
  windowSeconds: number,
): ExcerptResult {
  const total = blockCount * blockSeconds;
  if (blockCount === 0) return { startS: 0, durationS: 0, distance: 0 };
  const w = Math.max(1, Math.min(blockCount, Math.round(windowSeconds / blockSeconds)));
  if (w >= blockCount) return { startS: 0, durationS: total, distance: 0 };

  const sortedEnergy = Array.from(energy).sort((a, b) => a - b);
  const floor = 0.1 * sortedEnergy[Math.floor(0.9 * (sortedEnergy.length - 1))];
  const quiet = new Uint8Array(blockCount);
  for (let b = 0; b < blockCount; b++) quiet[b] = energy[b] < floor ? 1 : 0;

  const mean = new Float64Array(dim);
  const sd = new Float64Array(dim);
  for (let b = 0; b < blockCount; b++) for (let d = 0; d < dim; d++) mean[d] += blocks[b * dim + d];
  for (let d = 0; d < dim; d++) mean[d] /= blockCount;
  for (let b = 0; b < blockCount; b++) for (let d = 0; d < dim; d++) sd[d] += (blocks[b * dim + d] - mean[d]) ** 2;
  for (let d = 0; d < dim; d++) sd[d] = Math.sqrt(sd[d] / blockCount) || 1;
  const z = new Float64Array(blockCount * dim);
  for (let b = 0; b < blockCount; b++) for (let d = 0; d < dim; d++) z[b * dim + d] = (blocks[b * dim + d] - mean[d]) / sd[d];

  const loud: number[] = [];
  for (let b = 0; b < blockCount; b++) if (!quiet[b]) loud.push(b);
  const pool = loud.length ? loud : Array.from({ length: blockCount }, (_, b) => b);
  const refs: number[] = [];
  const nRef = Math.min(pool.length, MAX_REFERENCE_BLOCKS);
  for (let i = 0; i < nRef; i++) refs.push(pool[Math.floor((i * pool.length) / nRef)]);

  const score = new Float64Array(blockCount);
  for (let b = 0; b < blockCount; b++) {
    let s = 0;
    for (const r of refs) {
      let d2 = 0;
      for (let d = 0; d < dim; d++) {
        const v = z[b * dim + d] - z[r * dim + d];
        d2 += v * v;
      }
      s += Math.sqrt(d2);
    }
    score[b] = s / refs.length;
  }

  const prefix = new Float64Array(blockCount + 1);
  const quietPrefix = new Int32Array(blockCount + 1);
  for (let b = 0; b < blockCount; b++) {
    prefix[b + 1] = prefix[b] + score[b];
    quietPrefix[b + 1] = quietPrefix[b] + quiet[b];
  }
  let bestStart = 0;
  let bestScore = Number.POSITIVE_INFINITY;
  let bestQuiet = Number.POSITIVE_INFINITY;
  for (let s = 0; s + w <= blockCount; s++) {
    const q = quietPrefix[s + w] - quietPrefix[s];
    const m = (prefix[s + w] - prefix[s]) / w;
    if (q < bestQuiet || (q === bestQuiet && m < bestScore - 1e-12)) {
      bestQuiet = q;
      bestScore = m;
      bestStart = s;
    }
  }
  return { startS: bestStart * blockSeconds, durationS: w * blockSeconds, distance: bestScore };
}
