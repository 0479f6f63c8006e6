/**
 * Most representative excerpt of a clip, for playback in the labeling UI.
 */

export interface ExcerptResult {
  /** Start offset, seconds from the beginning of the clip. */
  startS: number;
  durationS: number;
  /** Mean squared z-distance of the window to the whole clip (lower = more typical). */
  distance: number;
}

/**
 * Choose the window of `windowBlocks` consecutive blocks whose mean feature
 * vector is closest to the clip's mean vector.
 *
 * Method: features of each ~1 s block (MFCC, chroma, RMS…) are z-scored per
 * dimension across blocks; a window's score is the mean squared distance
 * between its average and the clip average (which is 0 after z-scoring).
 * Blocks quieter than a tenth of the median block energy are excluded, so
 * a fade or a silent gap is never chosen when the clip has music elsewhere.
 * Ties go to the earlier window. The clip-mean criterion is the cheapest
 * "summary" excerpt (cf. Cooper & Foote 2002, who use self-similarity; with
 * B blocks that costs O(B²), this costs O(B·d)).
 *
 * @param blocks row-major block vectors (blockCount × dim)
 * @param energy per-block energy (e.g. mean RMS), length blockCount
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
  const mean = new Float64Array(dim);
  const sd = new Float64Array(dim);
  for (let b = 0; b < blockCount; b++) for (let d = 0; d < dim; d++) mean[d] += blocks[b * dim + d];
  for (let d = 0; d < dim; d++) mean[d] /= blockCount;
  for (let b = 0; b < blockCount; b++) for (let d = 0; d < dim; d++) sd[d] += (blocks[b * dim + d] - mean[d]) ** 2;
  for (let d = 0; d < dim; d++) sd[d] = Math.sqrt(sd[d] / blockCount) || 1;
  // Prefix sums of z-scores for O(1) window means.
  const prefix = new Float64Array((blockCount + 1) * dim);
  for (let b = 0; b < blockCount; b++) {
    for (let d = 0; d < dim; d++) {
      prefix[(b + 1) * dim + d] = prefix[b * dim + d] + (blocks[b * dim + d] - mean[d]) / sd[d];
    }
  }
  const sortedEnergy = Array.from(energy).sort((a, b) => a - b);
  const floor = 0.1 * sortedEnergy[sortedEnergy.length >> 1];
  const quiet = new Int32Array(blockCount + 1);
  for (let b = 0; b < blockCount; b++) quiet[b + 1] = quiet[b] + (energy[b] < floor ? 1 : 0);
  let bestStart = 0;
  let bestScore = Number.POSITIVE_INFINITY;
  let bestQuiet = Number.POSITIVE_INFINITY;
  for (let s = 0; s + w <= blockCount; s++) {
    const q = quiet[s + w] - quiet[s];
    let score = 0;
    for (let d = 0; d < dim; d++) {
      const m = (prefix[(s + w) * dim + d] - prefix[s * dim + d]) / w;
      score += m * m;
    }
    score /= dim;
    // Fewer quiet blocks first, then closeness to the clip mean.
    if (q < bestQuiet || (q === bestQuiet && score < bestScore - 1e-12)) {
      bestQuiet = q;
      bestScore = score;
      bestStart = s;
    }
  }
  return { startS: bestStart * blockSeconds, durationS: w * blockSeconds, distance: bestScore };
}
