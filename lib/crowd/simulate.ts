import { createRng, shuffleInPlace, type Rng } from '../util/random';
import type { EncodedMultiLabelVotes } from './binary-relevance';
import type { EncodedVotes } from './types';

/**
 * Simulated crowds with planted truth, for tests, benchmarks and the demo
 * seed. Kinds of worker:
 *   good        right with probability U(0.80, 0.95), otherwise a uniform wrong answer
 *   mediocre    right with probability U(0.55, 0.75)
 *   spammer     answers uniformly at random (multi-label: ticks each tag with a fixed U(0.1, 0.5) rate)
 *   constant    always gives the same answer (multi-label: always the same tag set)
 *   adversarial right with probability U(0.05, 0.20) — meaningful for binary questions
 */
export type WorkerKind = 'good' | 'mediocre' | 'spammer' | 'constant' | 'adversarial';

/** Share of each kind; normalised, so { good: 3, spammer: 1 } means 75 % / 25 %. */
export type WorkerMix = Partial<Record<WorkerKind, number>>;

export interface CategoricalSimulationSettings {
  readonly items: number;
  readonly workers: number;
  readonly labels: number;
  /** Distinct workers per item (≤ workers). */
  readonly votesPerItem: number;
  readonly seed: number;
  readonly mix?: WorkerMix;
}

export interface CategoricalSimulation {
  readonly data: EncodedVotes;
  readonly truth: Int32Array;
  readonly workerKind: readonly WorkerKind[];
  /** Planted P(vote correct) per worker (for constant workers, the prior of their label). */
  readonly workerAccuracy: Float64Array;
}

const DEFAULT_MIX: WorkerMix = { good: 0.5, mediocre: 0.25, spammer: 0.15, constant: 0.1 };

/** Worker kinds in proportion to the mix, in shuffled order. */
function drawKinds(count: number, mix: WorkerMix, rng: Rng): WorkerKind[] {
  const entries = Object.entries(mix).filter(([, share]) => (share ?? 0) > 0) as [WorkerKind, number][];
  const total = entries.reduce((acc, [, share]) => acc + share, 0);
  const kinds: WorkerKind[] = [];
  let cumulative = 0;
  for (const [kind, share] of entries) {
    cumulative += share;
    while (kinds.length < Math.round((cumulative / total) * count)) kinds.push(kind);
  }
  return shuffleInPlace(kinds, rng);
}

const uniform = (rng: Rng, lo: number, hi: number) => lo + (hi - lo) * rng();

/** `count` distinct workers out of `workers`, by rejection (count ≪ workers in practice). */
function pickWorkers(count: number, workers: number, rng: Rng, out: Int32Array): void {
  for (let j = 0; j < count; j++) {
    let w: number;
    do {
      w = Math.floor(rng() * workers);
    } while (out.subarray(0, j).includes(w));
    out[j] = w;
  }
}

function checkSizes(s: { items: number; workers: number; votesPerItem: number }): void {
  if (!(s.votesPerItem >= 1 && s.votesPerItem <= s.workers && s.items >= 1)) {
    throw new RangeError(`simulation: need 1 ≤ votesPerItem (${s.votesPerItem}) ≤ workers (${s.workers}) and items ≥ 1`);
  }
}

/**
 * Categorical votes with uniformly drawn true labels. O(items·votesPerItem).
 *
 * @example
 * const sim = simulateCategoricalVotes({ items: 1000, workers: 50, labels: 4, votesPerItem: 5, seed: 1 });
 * sim.truth[0]; sim.data.label.length // 5000
 */
export function simulateCategoricalVotes(settings: CategoricalSimulationSettings): CategoricalSimulation {
  checkSizes(settings);
  const { items: N, workers: W, labels: K, votesPerItem: M } = settings;
  const rng = createRng(settings.seed);
  const workerKind = drawKinds(W, settings.mix ?? DEFAULT_MIX, rng);
  const workerAccuracy = new Float64Array(W);
  const constantLabel = new Int32Array(W);
  workerKind.forEach((kind, w) => {
    constantLabel[w] = Math.floor(rng() * K);
    workerAccuracy[w] =
      kind === 'good' ? uniform(rng, 0.8, 0.95)
      : kind === 'mediocre' ? uniform(rng, 0.55, 0.75)
      : kind === 'adversarial' ? uniform(rng, 0.05, 0.2)
      : 1 / K;
  });
  const truth = new Int32Array(N);
  const item = new Int32Array(N * M);
  const worker = new Int32Array(N * M);
  const label = new Int32Array(N * M);
  const chosen = new Int32Array(M);
  for (let i = 0; i < N; i++) {
    truth[i] = Math.floor(rng() * K);
    pickWorkers(M, W, rng, chosen);
    for (let j = 0; j < M; j++) {
      const v = i * M + j;
      const w = chosen[j];
      item[v] = i;
      worker[v] = w;
      if (workerKind[w] === 'constant') label[v] = constantLabel[w];
      else if (workerKind[w] === 'spammer') label[v] = Math.floor(rng() * K);
      else if (rng() < workerAccuracy[w] || K === 1) label[v] = truth[i];
      else label[v] = (truth[i] + 1 + Math.floor(rng() * (K - 1))) % K;
    }
  }
  const data: EncodedVotes = {
    items: Array.from({ length: N }, (_, i) => `item-${i}`),
    workers: Array.from({ length: W }, (_, w) => `worker-${w}`),
    labels: Array.from({ length: K }, (_, k) => `label-${k}`),
    item,
    worker,
    label,
  };
  return { data, truth, workerKind, workerAccuracy };
}

export interface MultiLabelSimulationSettings {
  readonly items: number;
  readonly workers: number;
  readonly tags: number;
  /** P(a tag applies), the same for every tag. */
  readonly prevalence: number;
  readonly votesPerItem: number;
  readonly seed: number;
  readonly mix?: WorkerMix;
}

export interface MultiLabelSimulation {
  readonly data: EncodedMultiLabelVotes;
  /** N × T, 1 when the tag applies. */
  readonly truth: Uint8Array;
  readonly workerKind: readonly WorkerKind[];
  /** Planted per-worker rates (the same for every tag). */
  readonly sensitivity: Float64Array;
  readonly specificity: Float64Array;
}

/**
 * Multi-label votes: each tag applies independently with `prevalence`; a
 * worker ticks an applying tag with their sensitivity and a non-applying one
 * with 1 − specificity. O(items·votesPerItem·tags).
 *
 * @example
 * simulateMultiLabelVotes({ items: 500, workers: 30, tags: 6, prevalence: 0.3, votesPerItem: 5, seed: 7 })
 */
export function simulateMultiLabelVotes(settings: MultiLabelSimulationSettings): MultiLabelSimulation {
  checkSizes(settings);
  const { items: N, workers: W, tags: T, votesPerItem: M, prevalence } = settings;
  const rng = createRng(settings.seed);
  const workerKind = drawKinds(W, settings.mix ?? DEFAULT_MIX, rng);
  const sensitivity = new Float64Array(W);
  const specificity = new Float64Array(W);
  workerKind.forEach((kind, w) => {
    if (kind === 'good') {
      sensitivity[w] = uniform(rng, 0.75, 0.95);
      specificity[w] = uniform(rng, 0.9, 0.99);
    } else if (kind === 'mediocre') {
      sensitivity[w] = uniform(rng, 0.5, 0.7);
      specificity[w] = uniform(rng, 0.75, 0.9);
    } else if (kind === 'spammer') {
      const rate = uniform(rng, 0.1, 0.5);
      sensitivity[w] = rate;
      specificity[w] = 1 - rate;
    } else if (kind === 'adversarial') {
      sensitivity[w] = uniform(rng, 0.05, 0.2);
      specificity[w] = uniform(rng, 0.05, 0.3);
    } else {
      // A constant worker never ticks anything: the commonest lazy answer.
      sensitivity[w] = 0;
      specificity[w] = 1;
    }
  });
  const truth = new Uint8Array(N * T);
  const item = new Int32Array(N * M);
  const worker = new Int32Array(N * M);
  const yes = new Uint8Array(N * M * T);
  const chosen = new Int32Array(M);
  for (let i = 0; i < N; i++) {
    for (let t = 0; t < T; t++) truth[i * T + t] = rng() < prevalence ? 1 : 0;
    pickWorkers(M, W, rng, chosen);
    for (let j = 0; j < M; j++) {
      const v = i * M + j;
      const w = chosen[j];
      item[v] = i;
      worker[v] = w;
      for (let t = 0; t < T; t++) {
        const pYes = truth[i * T + t] ? sensitivity[w] : 1 - specificity[w];
        yes[v * T + t] = rng() < pYes ? 1 : 0;
      }
    }
  }
  const data: EncodedMultiLabelVotes = {
    items: Array.from({ length: N }, (_, i) => `item-${i}`),
    workers: Array.from({ length: W }, (_, w) => `worker-${w}`),
    tags: Array.from({ length: T }, (_, t) => `tag-${t}`),
    item,
    worker,
    yes,
  };
  return { data, truth, workerKind, sensitivity, specificity };
}
