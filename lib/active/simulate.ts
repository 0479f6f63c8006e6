/**
 * The offline active-learning loop behind `chorus simulate`: simulated
 * annotators, retraining each round, evaluation on a held-out split.
 */
import { createRng, hashString, shuffleInPlace } from '@/lib/util/random';
import { predictCommittee, trainBootstrapCommittee } from '@/lib/model/ensemble';
import { evaluateMultiLabel } from '@/lib/model/metrics';
import { computeStandardization, assertShape } from '@/lib/model/standardize';
import { predict, trainClassifier, type TrainOptions } from '@/lib/model/train';
import { liveTrainOptions, trainLive } from '@/lib/model/live-train';
import { splitOf } from '@/lib/model/training-set';
import { ProjectSettingsFields } from '@/lib/settings/schemas';
import type { Rng } from '@/lib/util/random';
import type { PriorityWeights } from './priority';
import { QUEUE_STRATEGIES, queuePriorities, type QueueStrategy } from './policy';
import {
  AUTO_EXPERTS,
  banditSummary,
  drawExpert,
  gainReward,
  inclusionProbabilities,
  initBandit,
  iwMicroF1,
  updateBandit,
  type BanditState,
} from './albl';

export const SIMULATION_STRATEGIES = [...QUEUE_STRATEGIES, 'auto'] as const;
export type SimulationStrategy = (typeof SIMULATION_STRATEGIES)[number];

/** Items with numeric features and 0/1 truth per tag. */
export interface SimulationData {
  x: Float32Array | Float64Array;
  n: number;
  d: number;
  y: ArrayLike<number>;
  t: number;
}

export interface SimulationOptions {
  strategy: SimulationStrategy;
  seed?: number;
  /** Items labelled at random before the first model. Default 20. */
  initial?: number;
  /** Items labelled per round. Default 20. */
  batch?: number;
  /** Rounds after the initial model. Default 10. */
  rounds?: number;
  /** Simulated annotators per item. Default 1. */
  annotators?: number;
  /** Probability that an annotator's vote on a tag is right. Default 1. */
  annotatorAccuracy?: number;
  /** Held-out fraction for evaluation. Default 0.25. */
  testFraction?: number;
  /** Committee size for 'disagreement' and 'hybrid'. Default 5. */
  committeeSize?: number;
  /** Overrides of the live trainer's options (kind, epochs, l2, …). */
  model?: Partial<Omit<TrainOptions, 'standardization' | 'seed'>>;
  /** Blend weights; default the product's (a new project's settings.priorityWeights). */
  weights?: Partial<PriorityWeights>;
  /** Labels below which every strategy picks at random (QueueState.warmup). Default 0. */
  warmup?: number;
  /**
   * The pool probabilities the strategies rank by: the round's model ('model', the default, as
   * the live queue), the mean of a bootstrap committee of `committeeSize` members ('bootstrap'),
   * or the mean of `committeeSize` models each trained without one fold of the labelled clips
   * ('crossfit'). The curve is always the round's model's.
   */
  poolScoring?: 'model' | 'bootstrap' | 'crossfit';
  /** Where hybrid measures novelty (QueueState.noveltySpace). Default 'embedding', as live. */
  noveltySpace?: 'embedding' | 'features';
  /** The strategies 'auto' chooses among. Default the live queue's (AUTO_EXPERTS). */
  autoExperts?: readonly QueueStrategy[];
}

/** One point of the learning curve (snake_case: this is the CLI's JSON contract). */
export interface LearningCurvePoint {
  labels_used: number;
  micro_f1: number;
  macro_f1: number;
  subset_accuracy: number;
  hamming_loss: number;
}

export interface SimulationResult {
  curve: LearningCurvePoint[];
  /** Row indices of `data` in the order they were labelled. */
  labeledOrder: number[];
  testIndices: number[];
  /** With strategy 'auto': the strategy drawn each round and what the bandit favours at the end. */
  auto?: { drawn: string[]; rewards: number[]; summary: ReturnType<typeof banditSummary> };
}

/**
 * The fixed recipe the simulation trained with before it ran the live trainer (logistic, 200
 * full-batch Adam epochs, λ = 1e-3, balanced class weights, no calibration, threshold 0.5):
 * bench/classifier-real.ts's base configuration, kept so its figures stay reproducible.
 */
export const SIMULATION_MODEL: Partial<TrainOptions> = {
  kind: 'logistic',
  epochs: 200,
  batchSize: 4096,
  learningRate: 0.05,
  l2: 1e-3,
  validationFraction: 0,
  calibration: 'none',
  classWeighting: 'balanced',
};

/** The product's defaults (what a new project starts with). */
function productSettings() {
  return ProjectSettingsFields.parse({});
}

/** The product's default blend weights (what a new project starts with). */
export function productPriorityWeights(): PriorityWeights {
  return productSettings().priorityWeights as PriorityWeights;
}

/**
 * The live split rule on the simulated pool: row r is a validation clip when
 * lib/model/training-set.ts `splitOf` puts a clip named `${seed}:${r}` there (a hash, 15 % of
 * rows), fixed per seed and the same for every strategy. The live rule's test bucket is not
 * held out again: the simulation's held-out third plays that role. O(P).
 */
export function simulationValidationSplit(P: number, seed: number): Uint8Array {
  return Uint8Array.from({ length: P }, (_, r) => (splitOf(`${seed}:${r}`, null) === 'validation' ? 1 : 0));
}

/** One round's view of the simulated pool, in the live queue's terms. */
export interface SimulationRound {
  /** Pool size; rows 0..P−1. */
  P: number;
  t: number;
  isLabeled: ArrayLike<number>;
  /** The model's P×t probabilities and P×h embeddings on the pool (as rescoring writes them). */
  probs: ArrayLike<number>;
  embedding: ArrayLike<number>;
  h: number;
  /** The model's per-tag decision thresholds. */
  thresholds?: ArrayLike<number>;
  committee?: ArrayLike<number>[];
  /** Artist per pool row, when the data have one (the live queue's artist quota). */
  groups?: ArrayLike<string | number | null | undefined>;
  /** Feature vectors P×d ('density'). */
  features?: ArrayLike<number>;
  d?: number;
  /** QueueState.warmup. */
  warmup?: number;
  /** QueueState.noveltySpace. */
  noveltySpace?: 'embedding' | 'features';
}

/**
 * The clips the simulation labels next: the live queue's order ({@link queuePriorities}, the
 * same code rescoring runs) over a pool where labelled clips are settled and every other clip is
 * open with no votes yet (votes needed = 1), cut at `batch`. O(queuePriorities).
 */
export function simulationPicks(
  round: SimulationRound,
  strategy: QueueStrategy,
  weights: Partial<PriorityWeights>,
  batch: number,
  rng: Rng,
): number[] {
  const candidates: number[] = [];
  const labelled: number[] = [];
  const votesNeeded = new Float64Array(round.P);
  for (let i = 0; i < round.P; i++) {
    if (round.isLabeled[i]) labelled.push(i);
    else {
      candidates.push(i);
      votesNeeded[i] = 1;
    }
  }
  const result = queuePriorities(
    {
      n: round.P,
      t: round.t,
      candidates,
      labelled,
      probs: round.probs,
      embedding: round.embedding,
      h: round.h,
      votesNeeded,
      ...(round.committee ? { committee: round.committee } : {}),
      ...(round.groups ? { groups: round.groups } : {}),
      ...(round.thresholds ? { thresholds: round.thresholds } : {}),
      ...(round.features ? { features: round.features, d: round.d } : {}),
      ...(round.warmup ? { warmup: round.warmup } : {}),
      ...(round.noveltySpace ? { noveltySpace: round.noveltySpace } : {}),
    },
    strategy,
    weights,
    rng,
  );
  return result.order.slice(0, batch);
}

/**
 * Runs pool-based active learning offline (Settles 2009, §2.3): split off a
 * test set; label `initial` random pool items; then for each round train a
 * classifier on the labelled items, evaluate it on the test set, and label
 * the `batch` pool items the strategy picks ({@link selectBatch}).
 *
 * Labels come from simulated annotators: each of A annotators gets each tag
 * right with probability `annotatorAccuracy`, and the item's label is the
 * majority (ties by a fair coin). Votes are drawn once per item up front, so
 * every strategy sees the same noisy answer for the same item under a seed,
 * and the split and initial set are the same for every strategy too.
 * The curve has rounds+1 points (fewer if the pool runs out); labels_used
 * counts labelled items. Deterministic under `seed`.
 * Complexity per round: one training run (× committee size for
 * 'disagreement'/'hybrid') plus scoring the pool.
 *
 * @example simulateLoop(makeSyntheticMoodData({ n: 600, d: 8, t: 4, seed: 1 }), { strategy: 'uncertainty' }).curve
 */
export function simulateLoop(data: SimulationData, options: SimulationOptions): SimulationResult {
  const { n, d, t } = data;
  assertShape(data.x.length, n, d, 'x');
  assertShape(data.y.length, n, t, 'y');
  const o = resolveOptions(options);
  for (let i = 0; i < n * t; i++) {
    if (data.y[i] !== 0 && data.y[i] !== 1)
      throw new Error(`label at row ${Math.floor(i / t)}, tag ${i % t} is ${data.y[i]}, expected 0 or 1`);
  }

  const stream = (name: string) => createRng(hashString(`${o.seed}:${name}`));
  const { poolRows, testRows: testIndices, poolX, testX, testY, poolY } = simulationSplit(data, o.seed, o.testFraction);
  if (poolRows.length < o.initial) {
    throw new Error(`the pool has ${poolRows.length} items after the test split, fewer than --initial ${o.initial}`);
  }

  const P = poolRows.length;
  const standardization = computeStandardization(poolX, P, d);
  const observed = simulateAnnotations(poolY, P, t, o.annotators, o.annotatorAccuracy, stream('annotators'));

  const isLabeled = new Uint8Array(P);
  const labeled = shuffleInPlace(
    Array.from({ length: P }, (_, i) => i),
    stream('initial'),
  ).slice(0, o.initial);
  for (const i of labeled) isLabeled[i] = 1;
  const selectionRng = stream('strategy');
  const validation = simulationValidationSplit(P, o.seed);
  // The live trainer's recipe (lib/model/live-train.ts) at the product's epochs, on the labelled
  // rows with the live split rule's validation rows; `model` overrides it (kind, …).
  const trainOptions = (seed: number, rows: readonly number[]): TrainOptions => ({
    ...liveTrainOptions({
      kind: 'logistic',
      standardization,
      seed,
      epochs: productSettings().trainEpochs,
      validationIndices: rows.flatMap((row, k) => (validation[row] ? [k] : [])),
    }),
    ...o.model,
  });

  // 'auto' (./albl): the bandit, the clips it queried with their importance weights 1/π (the
  // initial random set included, π = initial/P), and the previous model's pool probabilities.
  const horizon = Math.max(1, Math.min(o.rounds, Math.ceil((P - o.initial) / o.batch)));
  let bandit: BanditState | null = o.strategy === 'auto' ? initBandit(o.autoExperts) : null;
  const queried: number[] = o.strategy === 'auto' ? labeled.slice() : [];
  const queriedWeights: number[] = queried.map(() => P / o.initial);
  let previousPoolProbs: { probs: ArrayLike<number>; thresholds: ArrayLike<number> } | null = null;
  const drawn: string[] = [];
  const rewards: number[] = [];

  const curve: LearningCurvePoint[] = [];
  for (let round = 0; ; round++) {
    const trainSet = {
      x: gatherRows(poolX, d, labeled),
      n: labeled.length,
      d,
      y: gatherRows(observed, t, labeled),
      t,
    };
    const roundSeed = hashString(`${o.seed}:train:${round}`);
    const model = trainLive(trainSet, trainOptions(roundSeed, labeled));
    const m = evaluateMultiLabel(testY, predict(model, testX, testIndices.length).probs, testIndices.length, t, {
      thresholds: model.thresholds,
    });
    curve.push({
      labels_used: labeled.length,
      micro_f1: m.microF1,
      macro_f1: m.macroF1,
      subset_accuracy: m.subsetAccuracy,
      hamming_loss: m.hammingLoss,
    });
    const remaining = P - labeled.length;
    if (round >= o.rounds || remaining === 0) break;

    const needsCommittee = o.strategy === 'disagreement';
    const committee = needsCommittee
      ? predictCommittee(trainBootstrapCommittee(trainSet, trainOptions(roundSeed, labeled), o.committeeSize), poolX, P)
      : undefined;
    const scored = predict(model, poolX, P);
    const rankBy =
      o.poolScoring === 'model'
        ? scored.probs
        : meanProbs(poolCommittee(o.poolScoring, trainSet, trainOptions, roundSeed, labeled, o.committeeSize, poolX, P));
    const roundView = {
      P,
      t,
      isLabeled,
      probs: rankBy,
      features: poolX,
      d,
      warmup: o.warmup,
      noveltySpace: o.noveltySpace,
      embedding: scored.embedding,
      h: model.h,
      thresholds: model.thresholds,
      committee,
    };
    const size = Math.min(o.batch, remaining);
    let picked: number[];
    if (bandit) {
      // Reward the last draw with the gain in importance-weighted micro-F1 on every queried clip.
      if (bandit.pending && previousPoolProbs) {
        const gain =
          iwMicroF1(observed, scored.probs, t, queried, queriedWeights, model.thresholds) -
          iwMicroF1(observed, previousPoolProbs.probs, t, queried, queriedWeights, previousPoolProbs.thresholds);
        const r = gainReward(gain, bandit.sumAbsGain, bandit.rounds);
        bandit = updateBandit({ ...bandit, sumAbsGain: r.sumAbsGain }, r.reward, { horizon });
        rewards.push(r.reward);
      }
      const draw = drawExpert(bandit, { horizon }, selectionRng);
      bandit = draw.state;
      const batches = o.autoExperts.map((name) => simulationPicks(roundView, name, o.weights, size, selectionRng));
      picked = batches[draw.expert];
      const pi = inclusionProbabilities(picked, batches, o.autoExperts, draw.probabilities, P - labeled.length);
      picked.forEach((x, k) => {
        queried.push(x);
        queriedWeights.push(1 / pi[k]);
      });
      drawn.push(o.autoExperts[draw.expert]);
      previousPoolProbs = { probs: scored.probs, thresholds: model.thresholds };
    } else {
      picked = simulationPicks(roundView, o.strategy as QueueStrategy, o.weights, size, selectionRng);
    }
    for (const index of picked) {
      isLabeled[index] = 1;
      labeled.push(index);
    }
  }
  return {
    curve,
    labeledOrder: labeled.map((i) => poolRows[i]),
    testIndices,
    ...(bandit ? { auto: { drawn, rewards, summary: banditSummary(bandit, { horizon }) } } : {}),
  };
}

/**
 * The simulation's split under a seed: a random `testFraction` of the rows (rounded) is the test
 * set, the rest the pool, both in row order, with their features and labels gathered. The same
 * rows for every strategy and for bench/classifier-real.ts. O(n·(d + t)).
 */
export function simulationSplit(data: SimulationData, seed: number, testFraction: number) {
  const { n, d, t } = data;
  const order = shuffleInPlace(
    Array.from({ length: n }, (_, i) => i),
    createRng(hashString(`${seed}:split`)),
  );
  const testSize = Math.round(testFraction * n);
  if (testSize < 1) throw new Error(`the test split is empty: ${n} items × testFraction ${testFraction}`);
  const testRows = order.slice(0, testSize).sort((a, b) => a - b);
  const poolRows = order.slice(testSize).sort((a, b) => a - b);
  return {
    poolRows,
    testRows,
    poolX: gatherRows(data.x, d, poolRows),
    poolY: gatherRows(data.y, t, poolRows),
    testX: gatherRows(data.x, d, testRows),
    testY: gatherRows(data.y, t, testRows),
  };
}

function resolveOptions(options: SimulationOptions) {
  const o = {
    strategy: options.strategy,
    seed: options.seed ?? 1,
    initial: options.initial ?? 20,
    batch: options.batch ?? 20,
    rounds: options.rounds ?? 10,
    annotators: options.annotators ?? 1,
    annotatorAccuracy: options.annotatorAccuracy ?? 1,
    testFraction: options.testFraction ?? 0.25,
    committeeSize: options.committeeSize ?? 5,
    model: options.model,
    warmup: options.warmup ?? 0,
    poolScoring: options.poolScoring ?? 'model',
    autoExperts: options.autoExperts ?? AUTO_EXPERTS,
    noveltySpace: options.noveltySpace ?? 'embedding',
    weights: options.weights ?? productPriorityWeights(),
  };
  if (!SIMULATION_STRATEGIES.includes(o.strategy)) {
    throw new Error(`unknown strategy "${o.strategy as string}" (expected ${SIMULATION_STRATEGIES.join(', ')})`);
  }
  for (const [name, value, min] of [
    ['initial', o.initial, 1],
    ['batch', o.batch, 1],
    ['rounds', o.rounds, 0],
    ['annotators', o.annotators, 1],
    ['committeeSize', o.committeeSize, 2],
    ['warmup', o.warmup, 0],
  ] as const) {
    if (!Number.isInteger(value) || value < min) throw new Error(`${name} must be an integer ≥ ${min}, got ${value}`);
  }
  if (!Number.isFinite(o.seed)) throw new Error(`seed must be a number, got ${o.seed}`);
  if (!(o.annotatorAccuracy >= 0 && o.annotatorAccuracy <= 1)) {
    throw new Error(`annotator accuracy must be in [0, 1], got ${o.annotatorAccuracy}`);
  }
  if (o.autoExperts.length < 2 || !o.autoExperts.every((e) => (QUEUE_STRATEGIES as readonly string[]).includes(e)))
    throw new Error(`autoExperts must name at least two of ${QUEUE_STRATEGIES.join(', ')}, got ${o.autoExperts.join(', ')}`);
  if (!['model', 'bootstrap', 'crossfit'].includes(o.poolScoring))
    throw new Error(`poolScoring must be model, bootstrap or crossfit, got ${o.poolScoring}`);
  if (!(o.testFraction > 0 && o.testFraction < 1)) throw new Error(`testFraction must be in (0, 1), got ${o.testFraction}`);
  return o;
}

/**
 * Majority of A noisy annotators per (item, tag): each vote equals the truth
 * with probability `accuracy`; a tie is settled by a fair coin. O(n·t·A).
 */
function simulateAnnotations(
  truth: Float32Array,
  n: number,
  t: number,
  annotators: number,
  accuracy: number,
  rng: () => number,
): Float32Array {
  const out = new Float32Array(n * t);
  for (let k = 0; k < n * t; k++) {
    let on = 0;
    for (let a = 0; a < annotators; a++) {
      const right = rng() < accuracy;
      if ((truth[k] === 1) === right) on++;
    }
    const coin = rng() < 0.5;
    out[k] = 2 * on > annotators ? 1 : 2 * on < annotators ? 0 : coin ? 1 : 0;
  }
  return out;
}

/**
 * The members whose mean probabilities rank the pool under poolScoring 'bootstrap' (a bootstrap
 * committee, ../model/ensemble) or 'crossfit' (member f trained on the labelled clips outside
 * fold f of `members` random folds, with the live recipe and its validation rows among them).
 * O(members · one training run).
 */
function poolCommittee(
  kind: 'bootstrap' | 'crossfit',
  trainSet: { x: Float32Array; n: number; d: number; y: Float32Array; t: number },
  trainOptions: (seed: number, rows: readonly number[]) => TrainOptions,
  roundSeed: number,
  labeled: readonly number[],
  members: number,
  poolX: Float32Array,
  P: number,
): Float64Array[] {
  if (kind === 'bootstrap')
    return predictCommittee(trainBootstrapCommittee(trainSet, trainOptions(roundSeed, labeled), members), poolX, P);
  const { n, d, t } = trainSet;
  const order = shuffleInPlace(
    Array.from({ length: n }, (_, k) => k),
    createRng(hashString(`${roundSeed}:folds`)),
  );
  const fold = new Int32Array(n);
  order.forEach((k, r) => (fold[k] = r % members));
  const out: Float64Array[] = [];
  for (let f = 0; f < members; f++) {
    const keep = order.filter((k) => fold[k] !== f).sort((a, b) => a - b);
    const sub = { x: gatherRows(trainSet.x, d, keep), n: keep.length, d, y: gatherRows(trainSet.y, t, keep), t };
    const member = trainClassifier(
      sub,
      trainOptions(
        hashString(`${roundSeed}:fold:${f}`),
        keep.map((k) => labeled[k]),
      ),
    );
    out.push(predict(member, poolX, P).probs);
  }
  return out;
}

function meanProbs(members: ArrayLike<number>[]): Float64Array {
  const out = new Float64Array(members[0].length);
  for (const m of members) for (let k = 0; k < out.length; k++) out[k] += m[k] / members.length;
  return out;
}

function gatherRows(m: ArrayLike<number>, width: number, rows: number[]): Float32Array {
  const out = new Float32Array(rows.length * width);
  for (let r = 0; r < rows.length; r++) {
    for (let k = 0; k < width; k++) out[r * width + k] = m[rows[r] * width + k];
  }
  return out;
}
