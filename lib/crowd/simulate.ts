import { createRng, gaussian, shuffleInPlace, type Rng } from '../util/random';
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

// ───────────────────────── a crowd that behaves like people ─────────────────────────

/**
 * Moods people confuse with each other (symmetric). A worker who errs on a mood mostly leaves
 * it out; when they tick a mood that does not apply, it is usually a neighbour of one that does.
 */
export const MOOD_NEIGHBOURS: Readonly<Record<string, readonly string[]>> = Object.freeze({
  calm: ['dreamy'],
  dreamy: ['calm', 'sad'],
  sad: ['dreamy', 'dark'],
  dark: ['sad', 'tense'],
  tense: ['dark', 'energetic'],
  energetic: ['tense', 'happy', 'uplifting'],
  happy: ['energetic', 'uplifting'],
  uplifting: ['happy', 'energetic'],
});

/** The neighbours of a set of moods that are not in the set themselves. */
export function neighboursOf(tags: readonly string[], neighbours: Readonly<Record<string, readonly string[]>> = MOOD_NEIGHBOURS): string[] {
  const out = new Set<string>();
  for (const t of tags) for (const n of neighbours[t] ?? []) if (!tags.includes(n)) out.add(n);
  return [...out];
}

/**
 *   careful   listens to most of the clip; errs as its accuracy says
 *   quick     as accurate, but decides within a few seconds (a good, fast listener)
 *   spammer   ticks each mood at a fixed rate whatever the clip, answering in a second or two
 *   constant  always gives the same answer, quickly
 */
export type CrowdWorkerKind = 'careful' | 'quick' | 'spammer' | 'constant';

export interface CrowdWorkerSpec {
  readonly kind: CrowdWorkerKind;
  /** Planted balanced accuracy per tag, (sensitivity + specificity) / 2; 0.5 for spammers and constant workers. */
  readonly accuracy?: number;
}

export interface CrowdWorker {
  readonly name: string;
  readonly kind: CrowdWorkerKind;
  /** Planted per-tag accuracy: the mean over tags of (sensitivity + specificity) / 2. */
  readonly accuracy: number;
  /** Per tag (aligned with the crowd's tags): P(tick | the mood applies). */
  readonly sensitivity: readonly number[];
  /** Per tag: P(tick | the mood does not apply), averaged over clips (neighbours draw more of it). */
  readonly falseAlarm: readonly number[];
  /** Spammer: P(tick) for every tag; constant worker: the one answer. */
  readonly spamRate?: number;
  readonly constantTags?: readonly string[];
  /** Listening time: log-normal with this median (ms, or a fraction of the playable length) and log-sd. */
  readonly listen: { readonly medianMs?: number; readonly medianFraction?: number; readonly sigma: number };
}

/** The crowd of issue 11's figures: 3 at 0.95 (one of them quick), 6 at 0.8, 2 at 0.65, 1 spammer. */
export const DEFAULT_CROWD: readonly CrowdWorkerSpec[] = Object.freeze([
  { kind: 'quick', accuracy: 0.95 },
  { kind: 'careful', accuracy: 0.95 },
  { kind: 'careful', accuracy: 0.95 },
  ...Array.from({ length: 6 }, () => ({ kind: 'careful' as const, accuracy: 0.8 })),
  { kind: 'careful', accuracy: 0.65 },
  { kind: 'careful', accuracy: 0.65 },
  { kind: 'spammer' },
]);

/** Share of a worker's errors that are omissions (a mood left out) rather than false alarms. */
export const OMISSION_SHARE = 0.75;
/** A neighbour of an applying mood is this many times likelier to be ticked by mistake than any other mood. */
export const NEIGHBOUR_FACTOR = 4;

const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

/**
 * Plants a crowd: per worker and tag a sensitivity and a false-alarm rate whose mean balanced
 * accuracy is the worker's planted accuracy a, with errors omission-heavy:
 *   miss = 2(1 − a)·OMISSION_SHARE,  false alarm = 2(1 − a)·(1 − OMISSION_SHARE)
 * each jittered per tag by ±20 % (the jitter is symmetric and mean-preserving over tags). Pure,
 * seeded. O(workers·tags).
 *
 * @example
 * plantCrowd(DEFAULT_CROWD, ['calm', 'sad'], 1)[3].sensitivity // ≈ [0.7, 0.7] (a = 0.8: miss 0.3)
 */
export function plantCrowd(specs: readonly CrowdWorkerSpec[], tags: readonly string[], seed: number): CrowdWorker[] {
  const rng = createRng(seed);
  const T = tags.length;
  return specs.map((spec, w) => {
    const name = `sim-${String(w + 1).padStart(2, '0')}`;
    if (spec.kind === 'spammer' || spec.kind === 'constant') {
      const spamRate = uniform(rng, 0.2, 0.4);
      const constantTags = [tags[Math.floor(rng() * T)]];
      return {
        name,
        kind: spec.kind,
        accuracy: 0.5,
        sensitivity: new Array<number>(T).fill(spec.kind === 'spammer' ? spamRate : 0),
        falseAlarm: new Array<number>(T).fill(spec.kind === 'spammer' ? spamRate : 0),
        spamRate,
        constantTags,
        listen: { medianMs: spec.kind === 'spammer' ? 1_500 : 2_500, sigma: 0.4 },
      };
    }
    const a = clamp(spec.accuracy ?? 0.8, 0.5, 1);
    const miss = 2 * (1 - a) * OMISSION_SHARE;
    const fa = 2 * (1 - a) * (1 - OMISSION_SHARE);
    // Antithetic jitter: tag t gets +δ, its partner −δ, so the mean over tags stays planted.
    const jitter = new Array<number>(T).fill(0);
    for (let t = 0; t + 1 < T; t += 2) {
      const d = uniform(rng, -0.2, 0.2);
      jitter[t] = d;
      jitter[t + 1] = -d;
    }
    return {
      name,
      kind: spec.kind,
      accuracy: a,
      sensitivity: jitter.map((d) => clamp(1 - miss * (1 + d), 0, 1)),
      falseAlarm: jitter.map((d) => clamp(fa * (1 - d), 0, 1)),
      listen: spec.kind === 'quick' ? { medianMs: 5_000, sigma: 0.3 } : { medianFraction: 0.7, sigma: 0.25 },
    };
  });
}

export interface SimulatedAnswer {
  readonly tags: string[];
  readonly listenedMs: number;
}

/**
 * One answer of `worker` to a clip whose true moods are `truth`, played for at most
 * `playableMs`. A mood that applies is ticked with the worker's sensitivity; one that does not
 * with its false-alarm rate, redistributed so that neighbours of an applying mood get
 * NEIGHBOUR_FACTOR times the rate of the others (the per-clip mean stays the worker's rate):
 *   f_other = f·(|N| + |O|) / (k·|N| + |O|),  f_neighbour = min(0.95, k·f_other)
 * The interface needs at least one tick: an empty answer is drawn again (up to 20 times), then
 * the worker ticks one applying mood. Listening time is log-normal, within [0.3 s, playable].
 * Pure given `rng`. O(tags).
 *
 * @example
 * simulateAnswer(worker, ['calm'], ['calm', 'dreamy', 'dark'], 20_000, rng) // { tags: ['calm'], listenedMs: 13_900 }
 */
export function simulateAnswer(
  worker: CrowdWorker,
  truth: readonly string[],
  tags: readonly string[],
  playableMs: number,
  rng: Rng,
  neighbours: Readonly<Record<string, readonly string[]>> = MOOD_NEIGHBOURS,
): SimulatedAnswer {
  const { medianMs, medianFraction, sigma } = worker.listen;
  const median = medianMs ?? (medianFraction ?? 0.7) * playableMs;
  const listenedMs = Math.round(clamp(median * Math.exp(sigma * gaussian(rng)), 300, Math.max(300, playableMs)));
  if (worker.kind === 'constant') return { tags: [...(worker.constantTags ?? [tags[0]])], listenedMs };
  const near = new Set(neighboursOf(truth, neighbours));
  const others = tags.filter((t) => !truth.includes(t) && !near.has(t)).length;
  const scale = worker.kind === 'spammer' ? 1 : (near.size + others) / (NEIGHBOUR_FACTOR * near.size + others || 1);
  for (let attempt = 0; attempt < 20; attempt++) {
    const chosen = tags.filter((tag, t) => {
      if (worker.kind === 'spammer') return rng() < (worker.spamRate ?? 0.3);
      if (truth.includes(tag)) return rng() < worker.sensitivity[t];
      const f = worker.falseAlarm[t] * scale;
      return rng() < (near.has(tag) ? Math.min(0.95, NEIGHBOUR_FACTOR * f) : f);
    });
    if (chosen.length > 0) return { tags: chosen, listenedMs };
  }
  const pool = truth.length > 0 ? truth : tags;
  return { tags: [pool[Math.floor(rng() * pool.length)]], listenedMs };
}

/** Per-(clip, tag) and exact-set agreement of answers with the truth, and balanced accuracy. */
export interface AnswerScore {
  readonly tagAccuracy: number;
  /** Mean over tags (that had both cases) of (sensitivity + specificity) / 2. */
  readonly balancedAccuracy: number;
  readonly exactSetAccuracy: number;
  readonly answers: number;
}

/**
 * Scores answers against planted truth: plain per-(clip, tag) accuracy, exact-set accuracy,
 * and balanced accuracy (sensitivity and specificity per tag, averaged; tags that never applied
 * or always applied count with their one defined rate). O(answers·tags).
 *
 * @example
 * scoreAnswers([['calm']], [['calm', 'dreamy']], ['calm', 'dreamy', 'dark'])
 * // tagAccuracy 2/3, exactSetAccuracy 0, balancedAccuracy mean(calm se 1, dreamy se 0, dark sp 1) = 2/3
 */
export function scoreAnswers(answers: readonly (readonly string[])[], truths: readonly (readonly string[])[], tags: readonly string[]): AnswerScore {
  const T = tags.length;
  const tp = new Float64Array(T);
  const pos = new Float64Array(T);
  const tn = new Float64Array(T);
  const neg = new Float64Array(T);
  let right = 0;
  let exact = 0;
  answers.forEach((answer, i) => {
    let all = true;
    tags.forEach((tag, t) => {
      const applies = truths[i].includes(tag);
      const said = answer.includes(tag);
      if (applies) {
        pos[t]++;
        if (said) tp[t]++;
      } else {
        neg[t]++;
        if (!said) tn[t]++;
      }
      if (applies === said) right++;
      else all = false;
    });
    if (all) exact++;
  });
  let balanced = 0;
  let counted = 0;
  for (let t = 0; t < T; t++) {
    const rates = [pos[t] > 0 ? tp[t] / pos[t] : NaN, neg[t] > 0 ? tn[t] / neg[t] : NaN].filter(Number.isFinite);
    if (rates.length === 0) continue;
    balanced += rates.reduce((x, y) => x + y, 0) / rates.length;
    counted++;
  }
  const n = answers.length;
  return {
    tagAccuracy: n > 0 ? right / (n * T) : NaN,
    balancedAccuracy: counted > 0 ? balanced / counted : NaN,
    exactSetAccuracy: n > 0 ? exact / n : NaN,
    answers: n,
  };
}

/**
 * Per-tag majority vote of several answers: a tag applies when more than half the answers
 * ticked it (a tie says no). O(answers·tags).
 *
 * @example
 * majorityTags([['calm'], ['calm', 'sad'], ['sad']], ['calm', 'sad', 'dark']) // ['calm', 'sad'] (2 of 3 each)
 */
export function majorityTags(answers: readonly (readonly string[])[], tags: readonly string[]): string[] {
  return tags.filter((tag) => 2 * answers.filter((a) => a.includes(tag)).length > answers.length);
}
