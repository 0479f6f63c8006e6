/**
 * From the catalog's crowd labels to a training set and a held-out split (pure: arrays in,
 * arrays out; the database side is lib/model/catalog-matrix.ts `loadCatalogMatrix`).
 *
 * ## Which clips teach the model, and how much
 *   - consensus and expert_resolved clips: soft labels y = aggregates.posterior, example weight
 *     w = mean over tags of aggregates.confidence (∈ [0.5, 1]; an expert decision is 1);
 *   - open clips that already have votes: the same soft labels at OPEN_CLIP_WEIGHT × that weight —
 *     a partial posterior is still evidence, but the crowd has not settled it;
 *   - disputed clips: left out (the crowd could not agree; experts settle them, then they count);
 *   - clips without votes: unlabelled.
 *   A tag without an aggregate row is NaN (unknown) and drops out of that clip's loss.
 *
 * ## Held-out split (stable across runs, identical for the candidate and the active model)
 *   A clip's split is its row in dataset_splits when it has one (the export's stable,
 *   stratified split), otherwise a hash of its id: FNV-1a(id) mod 100 < 20 → test,
 *   < 35 → validation, else train. Test clips are never trained on, whatever their state, and
 *   only settled (consensus / expert_resolved) test clips are scored, against truth
 *   posterior ≥ 0.5. Validation rows drive early stopping and calibration.
 */
import { hashString } from '@/lib/util/random';

export type SplitName = 'train' | 'validation' | 'test';

/** Example weight factor for open clips with votes (vs settled clips). */
export const OPEN_CLIP_WEIGHT = 0.5;
export const HASH_TEST_PERCENT = 20;
export const HASH_VALIDATION_PERCENT = 15;

/**
 * The split of one clip: its stored split, else the hash rule above. O(|id|).
 *
 * @example splitOf('0b7c…', 'test') // → 'test';  splitOf(id, null) // → hash-decided, same every run
 */
export function splitOf(clipId: string, stored: SplitName | null | undefined): SplitName {
  if (stored) return stored;
  const bucket = hashString(clipId) % 100;
  if (bucket < HASH_TEST_PERCENT) return 'test';
  if (bucket < HASH_TEST_PERCENT + HASH_VALIDATION_PERCENT) return 'validation';
  return 'train';
}

export interface LabelledCatalog {
  n: number;
  d: number;
  t: number;
  ids: readonly string[];
  x: Float32Array;
  labelState: readonly string[];
  storedSplit: readonly (SplitName | null)[];
  posteriors: Float32Array;
  confidences: Float32Array;
  hasAggregates: Uint8Array;
}

export interface TrainingSet {
  /** Fitting rows (train + validation), as a TrainingData for trainClassifier. */
  x: Float32Array;
  y: Float32Array;
  weights: Float64Array;
  n: number;
  d: number;
  t: number;
  /** Catalog row of each fitting row. */
  rows: Int32Array;
  /** Indices into the fitting rows that form the validation split. */
  validationIndices: Int32Array;
  /** Held-out: catalog rows of settled test clips, their features and 0/1-able truth. */
  test: { rows: Int32Array; x: Float32Array; truth: Float32Array; n: number };
  counts: { settled: number; open: number; validation: number; test: number; storedSplits: number; excludedTestRows: number };
}

const SETTLED = new Set(['consensus', 'expert_resolved']);

/**
 * Builds the fitting rows, the validation indices and the held-out test set from a catalog
 * matrix (see the module comment for the rules). O(n·(d + t)).
 *
 * @example buildTrainingSet(catalog).test.n // settled clips in the test split
 */
export function buildTrainingSet(c: LabelledCatalog): TrainingSet {
  const { n, d, t } = c;
  const fit: number[] = [];
  const weights: number[] = [];
  const validation: number[] = [];
  const test: number[] = [];
  let settled = 0;
  let open = 0;
  let storedSplits = 0;
  let excludedTestRows = 0;
  for (let i = 0; i < n; i++) {
    const state = c.labelState[i];
    const isSettled = SETTLED.has(state);
    const isOpenVoted = state === 'open' && c.hasAggregates[i] === 1;
    if (!isSettled && !isOpenVoted) continue;
    if (!c.hasAggregates[i]) continue;
    if (c.storedSplit[i]) storedSplits++;
    const split = splitOf(c.ids[i], c.storedSplit[i]);
    if (split === 'test') {
      if (isSettled) test.push(i);
      else excludedTestRows++;
      continue;
    }
    let conf = 0;
    let known = 0;
    for (let j = 0; j < t; j++) {
      const v = c.confidences[i * t + j];
      if (!Number.isNaN(v)) {
        conf += v;
        known++;
      }
    }
    if (known === 0) continue;
    const w = (conf / known) * (isSettled ? 1 : OPEN_CLIP_WEIGHT);
    if (!(w > 0)) continue;
    if (split === 'validation') validation.push(fit.length);
    fit.push(i);
    weights.push(w);
    if (isSettled) settled++;
    else open++;
  }
  const m = fit.length;
  const x = new Float32Array(m * d);
  const y = new Float32Array(m * t);
  fit.forEach((i, r) => {
    x.set(c.x.subarray(i * d, (i + 1) * d), r * d);
    for (let j = 0; j < t; j++) {
      const p = c.posteriors[i * t + j];
      y[r * t + j] = Number.isNaN(p) ? NaN : Math.min(1, Math.max(0, p));
    }
  });
  const testX = new Float32Array(test.length * d);
  const truth = new Float32Array(test.length * t);
  test.forEach((i, r) => {
    testX.set(c.x.subarray(i * d, (i + 1) * d), r * d);
    // A settled clip missing a tag's aggregate counts as "no" for that tag.
    for (let j = 0; j < t; j++) {
      const p = c.posteriors[i * t + j];
      truth[r * t + j] = Number.isNaN(p) ? 0 : p;
    }
  });
  return {
    x,
    y,
    weights: Float64Array.from(weights),
    n: m,
    d,
    t,
    rows: Int32Array.from(fit),
    validationIndices: Int32Array.from(validation),
    test: { rows: Int32Array.from(test), x: testX, truth, n: test.length },
    counts: { settled, open, validation: validation.length, test: test.length, storedSplits, excludedTestRows },
  };
}

export interface TagConfusion {
  tags: string[];
  /** matrix[a][b]: held-out clips whose truth has tag a and whose prediction has tag b (diagonal = true positives). */
  matrix: number[][];
  /** Clips with true tag a (row totals of the co-occurrence, not of the matrix). */
  support: number[];
  /** Clips predicted with tag b. */
  predicted: number[];
  /** Clips with true tag a for which no tag at all was predicted. */
  missedEntirely: number[];
}

/**
 * Tag confusion for a multi-label problem: co-occurrence of true tags (rows) and predicted
 * tags (columns) over the held-out clips, at the decision threshold. Off-diagonal mass shows
 * which moods the model mistakes for which. O(n·t²).
 *
 * @example tagConfusion([1, 0], [0.2, 0.9], 1, 2, ['sad', 'dark']).matrix // → [[0, 1], [0, 0]]
 */
export function tagConfusion(
  truth: ArrayLike<number>,
  probs: ArrayLike<number>,
  n: number,
  t: number,
  tags: string[],
  threshold = 0.5,
): TagConfusion {
  const matrix = Array.from({ length: t }, () => new Array<number>(t).fill(0));
  const support = new Array<number>(t).fill(0);
  const predicted = new Array<number>(t).fill(0);
  const missedEntirely = new Array<number>(t).fill(0);
  for (let i = 0; i < n; i++) {
    let anyPredicted = false;
    for (let b = 0; b < t; b++) {
      if (probs[i * t + b] >= threshold) {
        predicted[b]++;
        anyPredicted = true;
      }
    }
    for (let a = 0; a < t; a++) {
      if (!(truth[i * t + a] >= 0.5)) continue;
      support[a]++;
      if (!anyPredicted) missedEntirely[a]++;
      for (let b = 0; b < t; b++) if (probs[i * t + b] >= threshold) matrix[a][b]++;
    }
  }
  return { tags, matrix, support, predicted, missedEntirely };
}
