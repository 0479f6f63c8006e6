import { betaMeanStd } from './numeric';
import type { CategoricalGold, CategoricalResult, EncodedVotes, ItemRow, Vote, WorkerRow } from './types';

/**
 * Turn (item, worker, label) triples into integer columns. Items and workers
 * are numbered in order of first appearance; labels are sorted by code unit
 * (not locale) unless `labels` fixes the order, so the label numbering — and
 * with it every tie-break — does not depend on the order of the votes.
 *
 * A worker voting twice on one item counts twice: de-duplicate upstream (the
 * app keeps one vote per clip and worker).
 *
 * O(V). Throws when `labels` is given and a vote uses another label.
 *
 * @example
 * encodeVotes([{ item: 'c1', worker: 'w1', label: 'sad' }]).label // Int32Array [0]
 */
export function encodeVotes(
  votes: readonly Vote[],
  options: { readonly labels?: readonly string[] } = {},
): EncodedVotes {
  const labels = options.labels ? [...options.labels] : sortedUnique(votes.map((v) => v.label));
  const labelIndex = new Map(labels.map((l, i) => [l, i]));
  const itemIndex = new Map<string, number>();
  const workerIndex = new Map<string, number>();
  const items: string[] = [];
  const workers: string[] = [];
  const item = new Int32Array(votes.length);
  const worker = new Int32Array(votes.length);
  const label = new Int32Array(votes.length);
  for (let v = 0; v < votes.length; v++) {
    const vote = votes[v];
    let i = itemIndex.get(vote.item);
    if (i === undefined) {
      i = items.push(vote.item) - 1;
      itemIndex.set(vote.item, i);
    }
    let w = workerIndex.get(vote.worker);
    if (w === undefined) {
      w = workers.push(vote.worker) - 1;
      workerIndex.set(vote.worker, w);
    }
    const k = labelIndex.get(vote.label);
    if (k === undefined) throw new Error(`vote ${v}: label "${vote.label}" is not one of the known labels`);
    item[v] = i;
    worker[v] = w;
    label[v] = k;
  }
  return { items, workers, labels, item, worker, label };
}

/** Distinct strings sorted by UTF-16 code unit, independent of locale. */
export function sortedUnique(values: Iterable<string>): string[] {
  return [...new Set(values)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/**
 * Gold answers as a mask over (item, label): allowed[i·K + k] = 1 when label k
 * is acceptable for item i (every label for non-gold items). Gold items that
 * received no vote are ignored. O(N·K + G).
 */
export interface GoldMask {
  readonly isGold: Uint8Array;
  readonly allowed: Uint8Array;
}

export function encodeGold(data: EncodedVotes, gold: CategoricalGold | undefined): GoldMask | null {
  if (!gold || gold.size === 0) return null;
  const K = data.labels.length;
  const labelIndex = new Map(data.labels.map((l, i) => [l, i]));
  const isGold = new Uint8Array(data.items.length);
  const allowed = new Uint8Array(data.items.length * K).fill(1);
  let any = false;
  for (let i = 0; i < data.items.length; i++) {
    const accepted = gold.get(data.items[i]);
    if (!accepted) continue;
    const known = accepted.map((l) => labelIndex.get(l)).filter((k): k is number => k !== undefined);
    if (known.length === 0) {
      throw new Error(`gold item "${data.items[i]}": none of its answers (${accepted.join(', ')}) is a known label`);
    }
    isGold[i] = 1;
    allowed.fill(0, i * K, (i + 1) * K);
    for (const k of known) allowed[i * K + k] = 1;
    any = true;
  }
  return any ? { isGold, allowed } : null;
}

/**
 * Restrict item i's posterior row to its gold answers and renormalise —
 * conditioning on "the truth is one of the tolerated answers". If the row gives
 * them no mass at all, they share it equally.
 */
export function clampRowToGold(posterior: Float64Array, i: number, K: number, gold: GoldMask): void {
  if (!gold.isGold[i]) return;
  const base = i * K;
  let sum = 0;
  for (let k = 0; k < K; k++) {
    if (!gold.allowed[base + k]) posterior[base + k] = 0;
    sum += posterior[base + k];
  }
  if (sum > 0) {
    for (let k = 0; k < K; k++) posterior[base + k] /= sum;
    return;
  }
  let allowedCount = 0;
  for (let k = 0; k < K; k++) allowedCount += gold.allowed[base + k];
  for (let k = 0; k < K; k++) posterior[base + k] = gold.allowed[base + k] / allowedCount;
}

/** Arg-max label and its probability per item; ties go to the lowest label index. O(N·K). */
export function decideLabels(posterior: Float64Array, nItems: number, K: number): { label: Int32Array; confidence: Float64Array } {
  const label = new Int32Array(nItems);
  const confidence = new Float64Array(nItems);
  for (let i = 0; i < nItems; i++) {
    let best = 0;
    let bestP = posterior[i * K];
    for (let k = 1; k < K; k++) {
      if (posterior[i * K + k] > bestP) {
        bestP = posterior[i * K + k];
        best = k;
      }
    }
    label[i] = best;
    confidence[i] = bestP;
  }
  return { label, confidence };
}

/**
 * Worker reliability as Beta(1 + c_w, 1 + n_w − c_w), where c_w = Σ_v correct(v)
 * over the worker's n_w informative votes, `correct(v)` ∈ [0, 1] is the
 * expected correctness of vote v, and NaN marks a vote that says nothing about
 * its worker (e.g. the only vote on an item, for leave-one-out agreement). O(V + W).
 */
export function workerReliability(
  data: EncodedVotes,
  correct: (v: number) => number,
): { reliability: Float64Array; reliabilityStd: Float64Array; workerVotes: Int32Array } {
  const W = data.workers.length;
  const hits = new Float64Array(W);
  const informative = new Float64Array(W);
  const workerVotes = new Int32Array(W);
  for (let v = 0; v < data.worker.length; v++) {
    const w = data.worker[v];
    workerVotes[w]++;
    const c = correct(v);
    if (Number.isNaN(c)) continue;
    hits[w] += c;
    informative[w] += 1;
  }
  const reliability = new Float64Array(W);
  const reliabilityStd = new Float64Array(W);
  for (let w = 0; w < W; w++) {
    const { mean, std } = betaMeanStd(1 + hits[w], 1 + informative[w] - hits[w]);
    reliability[w] = mean;
    reliabilityStd[w] = std;
  }
  return { reliability, reliabilityStd, workerVotes };
}

/** Soft majority vote: each item's row is its share of votes per label (gold-clamped). O(V + N·K). */
export function voteShares(data: EncodedVotes, gold: GoldMask | null): Float64Array {
  const K = data.labels.length;
  const N = data.items.length;
  const shares = new Float64Array(N * K);
  for (let v = 0; v < data.item.length; v++) shares[data.item[v] * K + data.label[v]] += 1;
  for (let i = 0; i < N; i++) {
    let total = 0;
    for (let k = 0; k < K; k++) total += shares[i * K + k];
    for (let k = 0; k < K; k++) shares[i * K + k] /= total;
    if (gold) clampRowToGold(shares, i, K, gold);
  }
  return shares;
}

/** One `{item, label, confidence}` row per item, in item order. O(N). */
export function itemRows(result: CategoricalResult): ItemRow[] {
  return result.items.map((item, i) => ({
    item,
    label: result.labels[result.label[i]],
    confidence: result.confidence[i],
  }));
}

/** One `{worker, reliability, reliabilityStd, votes}` row per worker. O(W). */
export function workerRows(result: CategoricalResult): WorkerRow[] {
  return result.workers.map((worker, w) => ({
    worker,
    reliability: result.reliability[w],
    reliabilityStd: result.reliabilityStd[w],
    votes: result.workerVotes[w],
  }));
}

/**
 * Per-worker vote weights (default 1) from an id → weight map, e.g. the
 * multipliers from {@link assessContributor}. A weight scales the worker's
 * log-likelihood terms (a tempered likelihood): 0 ignores them, 1 trusts the
 * model fully. O(W).
 */
export function encodeWorkerWeights(workers: readonly string[], weights: ReadonlyMap<string, number> | undefined): Float64Array {
  const out = new Float64Array(workers.length).fill(1);
  if (!weights) return out;
  for (let w = 0; w < workers.length; w++) {
    const x = weights.get(workers[w]);
    if (x === undefined) continue;
    if (!(Number.isFinite(x) && x >= 0)) throw new RangeError(`worker "${workers[w]}": weight must be a finite number ≥ 0, got ${x}`);
    out[w] = x;
  }
  return out;
}
