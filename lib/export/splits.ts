import { createRng, shuffleInPlace, type Rng } from '@/lib/util/random';
import { SPLITS, type Split } from './row';

/** A clip as the splitter sees it: its id and its hard labels. */
export interface SplitItem {
  id: string;
  labels: readonly string[];
}

export type SplitProportions = Record<Split, number>;

export const DEFAULT_SPLIT_PROPORTIONS: SplitProportions = { train: 0.8, validation: 0.1, test: 0.1 };

/**
 * From this many rows on, every split with a non-zero share holds at least max(1, ⌊N·share / 2⌋)
 * rows (at 0.8 / 0.1 / 0.1: validation and test get at least one row each from 10 rows, three
 * each from 64). Half the share, not all of it: label-first stratification may miss the exact
 * sizes by a few rows to keep rare labels balanced, and the floor is there to catch the
 * degenerate case (few rows, each label rare: every clip goes to train), not to overrule it.
 * Below the threshold a split may be empty: nine rows cannot be evaluated meaningfully.
 */
export const MIN_ROWS_FOR_EVERY_SPLIT = 10;

/** The split-size rule in words, for the /datasets form, the README and the datasheet. */
export const SPLIT_RULE_TEXT =
  `Splits are stratified by label (80 / 10 / 10). With ${MIN_ROWS_FOR_EVERY_SPLIT} or more rows each split gets at least ` +
  `half its share of the rows and never fewer than one, so validation and test are never empty. A clip keeps the split an ` +
  `earlier version gave it, so the minimum is met with new clips only.`;

export interface SplitOptions {
  /** Target share of each split; non-negative, summing to 1 (default 0.8 / 0.1 / 0.1). */
  proportions?: SplitProportions;
  /** Seed of the tie-breaking random source; same seed and same items give the same splits. */
  seed?: number;
}

/**
 * Assign train / validation / test to multi-label items by iterative stratification, so that
 * every label's positives are spread over the splits in the target proportions, rare labels first.
 *
 * Model (Sechidis, Tsoumakas & Vlahavas 2011, Algorithm 1): with N items, proportions r_j and
 * N^λ items carrying label λ, the desired counts are c_j = N·r_j and c_j^λ = N^λ·r_j. Repeatedly
 * take the label λ with the fewest (but > 0) unassigned items; give each of its items to the
 * split with the largest c_j^λ (ties: largest c_j, then random), decrementing c_j and c_j^μ for
 * every label μ of the item. Items without labels fill the splits with the largest remaining c_j.
 *
 * Determinism: items are sorted by id and shuffled with `seed` before the pass, so the result
 * depends on the set of items and the seed, not on input order.
 *
 * Complexity: O(N log N) for the ordering, plus O(Σ|Y_i|·k + L²) for the pass (k = 3 splits,
 * L labels); memory O(N + L·k).
 *
 * @see K. Sechidis, G. Tsoumakas, I. Vlahavas. "On the Stratification of Multi-label Data".
 *   ECML PKDD 2011, LNCS 6913, pp. 145–158. doi:10.1007/978-3-642-23808-6_10
 *
 * @example
 * iterativeStratification([{ id: 'a', labels: ['calm'] }, { id: 'b', labels: [] }], { seed: 1 })
 * // Map { 'a' => 'train', 'b' => … }
 */
export function iterativeStratification(items: readonly SplitItem[], options: SplitOptions = {}): Map<string, Split> {
  return assignStableSplits(new Map(), items, options);
}

/**
 * Splits for a new snapshot version that never move a clip already assigned by an earlier
 * version: clips in `existing` keep their split verbatim (so no clip goes from test to train),
 * and only the new clips are stratified, against what is still missing from the desired counts
 * of the whole set. With D = all `items`, E_j the existing clips of `items` in split j:
 * c_j = |D|·r_j − |E_j| and c_j^λ = |D^λ|·r_j − |E_j^λ|, using the items' current labels.
 *
 * `existing` is the persistent registry (every clip ever assigned, even ones absent from this
 * snapshot); the result covers exactly `items`, and its new entries are the ones to add to the
 * registry. Complexity as `iterativeStratification`, with N the number of new clips (plus O(|D|)
 * to count the existing ones).
 */
export function assignStableSplits(
  existing: ReadonlyMap<string, Split>,
  items: readonly SplitItem[],
  options: SplitOptions = {},
): Map<string, Split> {
  const n = items.length;
  const labelIndex = new Map<string, number>();
  const distinct = new Set<string>();
  for (const item of items) for (const label of item.labels) distinct.add(label);
  for (const label of [...distinct].sort()) labelIndex.set(label, labelIndex.size);

  // Label sets in CSR form (offsets + one flat array): a million clips cost two typed arrays, not a
  // million small JS arrays, which matters for memory and GC time at snapshot scale.
  const labelStart = new Int32Array(n + 1);
  const flat: number[] = [];
  for (let i = 0; i < n; i++) {
    for (const label of items[i].labels) {
      const l = labelIndex.get(label)!;
      if (!flat.includes(l, labelStart[i])) flat.push(l);
    }
    labelStart[i + 1] = flat.length;
  }

  // Sorting by id makes the result independent of input order and exposes duplicates as neighbours.
  const byId = Array.from({ length: n }, (_, i) => i).sort((a, b) =>
    items[a].id < items[b].id ? -1 : items[a].id > items[b].id ? 1 : 0,
  );
  for (let q = 1; q < n; q++) {
    if (items[byId[q]].id === items[byId[q - 1]].id) throw new Error(`duplicate clip id in split input: ${items[byId[q]].id}`);
  }
  const kept = new Int8Array(n).fill(-1);
  for (const i of byId) {
    const split = existing.get(items[i].id);
    if (split === undefined) continue;
    kept[i] = SPLITS.indexOf(split);
    if (kept[i] < 0) throw new Error(`invalid existing split for ${items[i].id}: ${String(split)}`);
  }

  const assignment = stratify({ n, byId, labelStart, labelFlat: Int32Array.from(flat), labelCount: labelIndex.size, kept }, options);
  const result = new Map<string, Split>();
  for (let i = 0; i < n; i++) result.set(items[i].id, SPLITS[assignment[i]]);
  return result;
}

/**
 * A large selection in flat arrays, for `assignStableSplitsFlat`: at a million clips the object
 * form (a string id and an object per clip, maps of ids) costs hundreds of MB of heap.
 */
export interface FlatSplitItems {
  /** 16 bytes a clip, its uuid (lib/util/uuid-bytes.ts); byte order is the order of the uuid's text. */
  ids: Uint8Array;
  /** Per clip, its hard labels as an index into `labelSets`. */
  labelSetOf: Int32Array;
  labelSets: readonly (readonly string[])[];
  /** Per clip, the index in SPLITS of the split an earlier version gave it, or −1 for a new clip. */
  kept: Int8Array;
}

/**
 * `assignStableSplits` over flat arrays: the same splits for the same clips, labels, registry and
 * seed (ids compared as bytes sort as their lowercase text does), as an index in SPLITS per clip.
 * O(N log N) time; memory about 40 bytes a clip.
 */
export function assignStableSplitsFlat(items: FlatSplitItems, options: SplitOptions = {}): Int8Array {
  const { ids, labelSetOf, labelSets, kept } = items;
  const n = labelSetOf.length;
  if (ids.length !== n * 16 || kept.length !== n) throw new Error(`flat split input: ${n} clips need ${n * 16} id bytes and ${n} kept entries`);
  for (let i = 0; i < n; i++) {
    if (kept[i] < -1 || kept[i] >= SPLITS.length) throw new Error(`invalid existing split index ${kept[i]} for clip ${i}`);
    if (labelSetOf[i] < 0 || labelSetOf[i] >= labelSets.length) throw new Error(`label set ${labelSetOf[i]} of clip ${i} does not exist`);
  }

  // Labels of the sets in use, indexed in sorted order as in `assignStableSplits`.
  const used = new Uint8Array(labelSets.length);
  for (let i = 0; i < n; i++) used[labelSetOf[i]] = 1;
  const distinct = new Set<string>();
  labelSets.forEach((set, s) => used[s] && set.forEach((label) => distinct.add(label)));
  const labelIndex = new Map([...distinct].sort().map((label, l) => [label, l]));
  const setIndices = labelSets.map((set, s) => (used[s] ? [...new Set(set.map((label) => labelIndex.get(label)!))] : []));

  const labelStart = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) labelStart[i + 1] = labelStart[i] + setIndices[labelSetOf[i]].length;
  const labelFlat = new Int32Array(labelStart[n]);
  for (let i = 0; i < n; i++) labelFlat.set(setIndices[labelSetOf[i]], labelStart[i]);

  // The first four bytes decide almost every comparison of random uuids; the rest breaks ties.
  const view = new DataView(ids.buffer, ids.byteOffset, ids.byteLength);
  const head = new Uint32Array(n);
  for (let i = 0; i < n; i++) head[i] = view.getUint32(i * 16);
  const compare = (a: number, b: number) => {
    if (head[a] !== head[b]) return head[a] < head[b] ? -1 : 1;
    for (let k = 4; k < 16; k++) {
      const d = ids[a * 16 + k] - ids[b * 16 + k];
      if (d !== 0) return d;
    }
    return 0;
  };
  const byId = new Int32Array(n);
  for (let i = 0; i < n; i++) byId[i] = i;
  byId.sort(compare);
  for (let q = 1; q < n; q++) {
    if (compare(byId[q], byId[q - 1]) === 0) throw new Error(`duplicate clip id in split input (clip ${byId[q]})`);
  }
  return stratify({ n, byId, labelStart, labelFlat, labelCount: labelIndex.size, kept }, options);
}

/**
 * The stratification itself over clip indices: `byId` the clips in id order, labels in CSR form,
 * `kept` the existing split of each clip (−1: new). Returns the split index of every clip.
 */
function stratify(
  c: { n: number; byId: ArrayLike<number>; labelStart: Int32Array; labelFlat: Int32Array; labelCount: number; kept: Int8Array },
  options: SplitOptions,
): Int8Array {
  const proportions = checkProportions(options.proportions ?? DEFAULT_SPLIT_PROPORTIONS);
  const rng = createRng(options.seed ?? 0);
  const k = SPLITS.length;
  const { n, byId, labelStart, labelFlat, labelCount, kept } = c;

  const totalByLabel = new Float64Array(labelCount);
  const keptTotal = new Float64Array(k);
  const keptByLabel = Array.from({ length: labelCount }, () => new Float64Array(k));
  const assignment = new Int8Array(n).fill(-1);
  const pendingList: number[] = [];
  for (let q = 0; q < n; q++) {
    const i = byId[q];
    for (let p = labelStart[i]; p < labelStart[i + 1]; p++) totalByLabel[labelFlat[p]]++;
    const j = kept[i];
    if (j < 0) {
      pendingList.push(i);
      continue;
    }
    assignment[i] = j;
    keptTotal[j]++;
    for (let p = labelStart[i]; p < labelStart[i + 1]; p++) keptByLabel[labelFlat[p]][j]++;
  }

  const desired = Float64Array.from(SPLITS, (split, j) => n * proportions[split] - keptTotal[j]);
  const desiredByLabel = Array.from({ length: labelCount }, (_, l) =>
    Float64Array.from(SPLITS, (split, j) => totalByLabel[l] * proportions[split] - keptByLabel[l][j]),
  );

  const pending = shuffleInPlace(pendingList, rng);

  // Items of each label in shuffled order, CSR again.
  const remaining = new Float64Array(labelCount);
  for (const i of pending) for (let p = labelStart[i]; p < labelStart[i + 1]; p++) remaining[labelFlat[p]]++;
  const byLabelStart = new Int32Array(labelCount + 1);
  for (let l = 0; l < labelCount; l++) byLabelStart[l + 1] = byLabelStart[l] + remaining[l];
  const byLabel = new Int32Array(byLabelStart[labelCount]);
  const fill = byLabelStart.slice(0, labelCount);
  for (const i of pending) for (let p = labelStart[i]; p < labelStart[i + 1]; p++) byLabel[fill[labelFlat[p]]++] = i;

  const assign = (i: number, j: number) => {
    assignment[i] = j;
    desired[j]--;
    for (let p = labelStart[i]; p < labelStart[i + 1]; p++) {
      desiredByLabel[labelFlat[p]][j]--;
      remaining[labelFlat[p]]--;
    }
  };

  for (let label = rarestLabel(remaining, rng); label >= 0; label = rarestLabel(remaining, rng)) {
    for (let q = byLabelStart[label]; q < byLabelStart[label + 1]; q++) {
      const i = byLabel[q];
      if (assignment[i] < 0) assign(i, argmaxSplit(desiredByLabel[label], desired, rng));
    }
  }
  for (const i of pending) {
    if (assignment[i] < 0) assign(i, argmaxSplit(desired, desired, rng));
  }

  if (n >= MIN_ROWS_FOR_EVERY_SPLIT) {
    fillEmptySplits({ n, proportions, assignment, pending, labelStart, labelFlat, totalByLabel, labelCount });
  }
  return assignment;
}

/**
 * The minimum-size rule: while a split j holds fewer than m_j = max(1, ⌊N·r_j / 2⌋) rows (r_j > 0),
 * move one *new* clip into it from the donor split with the most rows above its own minimum.
 * Of the donor's new clips the one moved maximises Σ_λ (s_donor^λ − s_j^λ) over its labels λ,
 * where s_k^λ = |clips of split k with λ| − N^λ·r_k is the label's surplus in split k: the clip
 * whose labels the donor has most to spare and the receiver most lacks (an unlabelled clip
 * scores 0). Ties go to the earlier clip in the seeded shuffle, so the result stays
 * deterministic. Clips assigned by earlier versions never move; when only those are left, the
 * split stays short. O(moves · new clips · labels per clip).
 */
function fillEmptySplits(ctx: {
  n: number;
  proportions: SplitProportions;
  assignment: Int8Array;
  pending: readonly number[];
  labelStart: Int32Array;
  labelFlat: Int32Array;
  totalByLabel: Float64Array;
  labelCount: number;
}): void {
  const { n, proportions, assignment, pending, labelStart, labelFlat, totalByLabel, labelCount } = ctx;
  const k = SPLITS.length;
  const minimum = SPLITS.map((split) => (proportions[split] > 0 ? Math.max(1, Math.floor((n * proportions[split]) / 2)) : 0));
  const size = new Float64Array(k);
  const byLabel = Array.from({ length: labelCount }, () => new Float64Array(k));
  for (let i = 0; i < n; i++) {
    size[assignment[i]]++;
    for (let p = labelStart[i]; p < labelStart[i + 1]; p++) byLabel[labelFlat[p]][assignment[i]]++;
  }
  const surplus = (l: number, j: number) => byLabel[l][j] - totalByLabel[l] * proportions[SPLITS[j]];
  const movable = new Set(pending);

  for (let receiver = 0; receiver < k; receiver++) {
    while (size[receiver] < minimum[receiver]) {
      let donor = -1;
      for (let j = 0; j < k; j++) {
        if (j === receiver || size[j] <= minimum[j]) continue;
        if (!pending.some((i) => movable.has(i) && assignment[i] === j)) continue;
        if (donor < 0 || size[j] - minimum[j] > size[donor] - minimum[donor]) donor = j;
      }
      if (donor < 0) return;
      let best = -1;
      let bestScore = -Infinity;
      for (const i of pending) {
        if (!movable.has(i) || assignment[i] !== donor) continue;
        let score = 0;
        for (let p = labelStart[i]; p < labelStart[i + 1]; p++) score += surplus(labelFlat[p], donor) - surplus(labelFlat[p], receiver);
        if (score > bestScore + 1e-12) {
          best = i;
          bestScore = score;
        }
      }
      assignment[best] = receiver;
      movable.delete(best);
      size[donor]--;
      size[receiver]++;
      for (let p = labelStart[best]; p < labelStart[best + 1]; p++) {
        byLabel[labelFlat[p]][donor]--;
        byLabel[labelFlat[p]][receiver]++;
      }
    }
  }
}

function checkProportions(p: SplitProportions): SplitProportions {
  const values = SPLITS.map((split) => p[split]);
  if (values.some((v) => !Number.isFinite(v) || v < 0)) throw new Error('split proportions must be non-negative numbers');
  const sum = values.reduce((a, b) => a + b, 0);
  if (Math.abs(sum - 1) > 1e-6) throw new Error(`split proportions must sum to 1, got ${sum}`);
  return p;
}

/** Label with the fewest (> 0) unassigned items, ties broken at random; −1 when none is left. O(L). */
function rarestLabel(remaining: Float64Array, rng: Rng): number {
  let best = -1;
  let ties = 0;
  for (let l = 0; l < remaining.length; l++) {
    if (remaining[l] <= 0) continue;
    if (best < 0 || remaining[l] < remaining[best]) {
      best = l;
      ties = 1;
    } else if (remaining[l] === remaining[best] && rng() * ++ties < 1) {
      // Reservoir choice keeps every tied label equally likely in one pass.
      best = l;
    }
  }
  return best;
}

/** Split with the largest `primary`, ties by largest `secondary`, then at random. O(k). */
function argmaxSplit(primary: Float64Array, secondary: Float64Array, rng: Rng): number {
  let best = 0;
  let ties = 1;
  for (let j = 1; j < primary.length; j++) {
    const cmp = primary[j] - primary[best] || secondary[j] - secondary[best];
    if (cmp > 0) {
      best = j;
      ties = 1;
    } else if (cmp === 0 && rng() * ++ties < 1) {
      best = j;
    }
  }
  return best;
}
