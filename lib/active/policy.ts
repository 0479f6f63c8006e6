/**
 * The queue's priority policy — ONE implementation for the live queue (lib/active/service.ts,
 * rescoring) and `chorus simulate` (./simulate.ts): strategy → scoring config, the blend, the
 * voted/unvoted split, novelty against a k-center cover of the labelled clips, and the batch
 * diversity re-ranking of the head of the queue. Pure: arrays in, arrays out.
 *
 * The live queue serves clips by `priority desc, id` (lib/queue/pick.ts); the simulation labels
 * the first `batch` clips of the same order. So, given the same model outputs, votes and
 * settings, the simulation's batch is exactly the clips the live queue hands out next (test:
 * tests/unit/active/policy.test.ts).
 */
import type { Rng } from '@/lib/util/random';
import { computeStandardization, standardizeRows } from '@/lib/model/standardize';
import { densityScores, kCenterGreedy, noveltyScores } from './diversity';
import type { PriorityTerm, PriorityWeights } from './priority';
import { scoreCandidates, selectFromScored, type ScoredCandidate, type SelectionPool, type StrategyConfig } from './select';

/** The strategies a project (and `chorus simulate`) can choose, besides the adaptive 'auto' (./albl). */
export const QUEUE_STRATEGIES = ['random', 'uncertainty', 'margin', 'entropy', 'density', 'disagreement', 'hybrid'] as const;
export type QueueStrategy = (typeof QUEUE_STRATEGIES)[number];

/** Clips the diversity pass treats as "the next batch" of leases (the head of the queue is 10× this). */
export const QUEUE_BATCH = 20;
/** λ: how much batch diversity trades against the score in 'hybrid' (Cardoso et al. 2017). */
export const HYBRID_DIVERSITY = 0.3;
/**
 * Artist quota: no artist (or source) takes more than this share of the next QUEUE_BATCH clips
 * (at least one each) — coverage across artists instead of a run on one album.
 */
export const QUEUE_GROUP_SHARE = 0.25;
/** Labelled clips novelty is measured against (a k-center cover of the labelled set). */
export const NOVELTY_REFERENCES = 128;
/** Queued clips information density is measured against (every ⌈|C|/512⌉-th one: a uniform subsample). */
export const DENSITY_REFERENCES = 512;

/**
 * Strategy name → scoring config, the single mapping (before issue 13 the CLI and the live queue
 * each had one, and they disagreed):
 * - uncertainty: least confidence, max over tags (the one mood the model is least sure of);
 * - margin: distance to the model's own per-tag decision thresholds (0.5 without them), mean over
 *   tags — the boundary the model decides at: with calibrated probabilities and thresholds
 *   chosen for micro-F1, a rare tag's boundary sits far below 0.5, and |p − 0.5| asks about
 *   clips the model has already decided on (Scheffer, Decomain & Wrobel 2001);
 * - entropy: binary entropy, mean over tags;
 * - density: entropy × information density (typicality of the clip among the queued clips in
 *   feature space, Settles & Craven 2008; applied in {@link queuePriorities});
 * - disagreement: a model committee's mean KL when one exists (the simulation trains a bootstrap
 *   committee; the live queue keeps none yet), else the crowd's posterior entropy;
 * - hybrid: blend of entropy, disagreement, novelty and votes needed, plus batch diversity λ.
 */
export function strategyConfigFor(
  strategy: QueueStrategy,
  weights: Partial<PriorityWeights> | undefined,
  options: { committee?: boolean; thresholds?: ArrayLike<number> } = {},
): StrategyConfig {
  const w = weights ? { weights: { ...weights } } : {};
  switch (strategy) {
    case 'random':
      return { strategy: 'random' };
    case 'uncertainty':
      return { strategy: 'least-confidence', aggregate: 'max', ...w };
    case 'margin':
      return { strategy: 'margin', aggregate: 'mean', ...(options.thresholds ? { thresholds: options.thresholds } : {}), ...w };
    case 'entropy':
    case 'density':
      return { strategy: 'entropy', aggregate: 'mean', ...w };
    case 'disagreement':
      return options.committee ? { strategy: 'committee', committeeMeasure: 'mean-kl', ...w } : { strategy: 'crowd', ...w };
    case 'hybrid':
      return { strategy: 'hybrid', aggregate: 'mean', hybridUncertainty: 'entropy', diversity: HYBRID_DIVERSITY, ...w };
    default:
      throw new Error(`unknown strategy "${strategy as string}" (expected ${QUEUE_STRATEGIES.join(', ')})`);
  }
}

/** What the queue knows about n clips (row-major matrices over all of them). */
export interface QueueState {
  n: number;
  t: number;
  /** Rows still in a queue (open or disputed), the ones that get a priority. */
  candidates: number[];
  /** Rows with a settled label (the novelty and diversity reference). */
  labelled: number[];
  /** Model probabilities n×t. */
  probs: ArrayLike<number>;
  /** The model's per-tag decision thresholds (length t; the ONNX file's chorus.thresholds). */
  thresholds?: ArrayLike<number>;
  /** Model embeddings n×h. */
  embedding?: ArrayLike<number>;
  h?: number;
  /** Crowd posteriors n×t (NaN = no votes on that tag) and whether a clip has any (0/1 per clip). */
  posteriors?: ArrayLike<number>;
  hasVotes?: ArrayLike<number>;
  /** Per clip, votes still needed / overlap, in [0,1]. */
  votesNeeded?: ArrayLike<number>;
  /** Per clip (n), drift from the labelled clips and listener feedback in [0,1] (./drift): 'hybrid' terms. */
  drift?: ArrayLike<number>;
  feedback?: ArrayLike<number>;
  /** Committee members' n×t probabilities (only the simulation has one today). */
  committee?: ArrayLike<number>[];
  /** Artist (or source) per clip; null/'' = none. Enables the artist quota on the next batch. */
  groups?: ArrayLike<string | number | null | undefined>;
  /** Feature vectors n×d (raw; 'density' standardises them). Needed by 'density'. */
  features?: ArrayLike<number>;
  d?: number;
  /**
   * Warm-up: while fewer than this many clips are labelled, every strategy ranks at random (the
   * cold-start remedy: an uncertainty ranking from a model trained on a handful of labels is
   * mostly noise). Default 0 (none).
   */
  warmup?: number;
  /**
   * Where hybrid's novelty is measured: the model's embedding (default; for the logistic model its
   * calibrated logits) or the z-scored feature vectors (`features`).
   */
  noveltySpace?: 'embedding' | 'features';
}

export interface QueuePriorities {
  /** = state.candidates; priority[r] and terms[r] belong to rows[r]. */
  rows: number[];
  priority: Float64Array;
  terms: PriorityTerm[][];
  /**
   * priority − the blended score, per row: nonzero only at the head of the queue, where batch
   * diversity moved a clip up (> 0) or down (< 0); stored as the `batch` term so the terms still
   * sum to the priority.
   */
  adjustment: Float64Array;
  /** Candidate rows in serving order: priority desc, then row (the clips are in id order). */
  order: number[];
}

/**
 * Queue priorities of the candidate rows under a strategy:
 * 1. score ({@link scoreCandidates}) with {@link strategyConfigFor}; for 'hybrid' and crowd
 *    'disagreement', clips with votes and clips without are scored as two pools, so a clip nobody
 *    voted on is not counted as "the crowd disagrees" next to votesNeeded (a missing posterior
 *    reads as undecided); hybrid's novelty is the distance to a k-center cover (≤ 128) of the
 *    labelled rows in embedding space;
 * 2. when the strategy has batch diversity (λ > 0, embeddings present) or clips have artists, the
 *    head of the queue is re-ordered: the first QUEUE_BATCH clips are {@link selectFromScored}'s
 *    greedy picks among the top 10·QUEUE_BATCH (score traded against distance to
 *    labelled-or-picked clips; no artist above QUEUE_GROUP_SHARE of the batch), and take the
 *    head's largest priorities in pick order, so serving by priority serves that batch first.
 * `rng` drives 'random' only. O(scoring + 10·B²·h + |C|·R·h).
 */
export function queuePriorities(
  state: QueueState,
  strategy: QueueStrategy,
  weights: Partial<PriorityWeights> | undefined,
  rng: Rng,
): QueuePriorities {
  const { n, t, candidates } = state;
  if (state.thresholds && state.thresholds.length !== t)
    throw new Error(`queuePriorities: ${state.thresholds.length} thresholds for ${t} tags`);
  if (state.warmup && state.labelled.length < state.warmup) strategy = 'random';
  const config = strategyConfigFor(strategy, weights, {
    committee: Boolean(state.committee?.length),
    ...(state.thresholds ? { thresholds: state.thresholds } : {}),
  });
  const h = state.h ?? 0;
  const hasEmbedding = Boolean(state.embedding && h > 0);
  const cover =
    hasEmbedding && state.labelled.length > NOVELTY_REFERENCES
      ? kCenterGreedy(state.embedding as ArrayLike<number>, h, state.labelled, NOVELTY_REFERENCES)
      : state.labelled;
  const novelty =
    config.strategy !== 'hybrid'
      ? undefined
      : state.noveltySpace === 'features'
        ? featureNovelty(state)
        : hasEmbedding
          ? noveltyAgainst(state.embedding!, h, n, candidates, cover)
          : undefined;
  const base: SelectionPool = {
    n,
    t,
    probs: state.probs,
    ...(state.votesNeeded ? { votesNeeded: state.votesNeeded } : {}),
    ...(state.drift ? { drift: state.drift } : {}),
    ...(state.feedback ? { feedback: state.feedback } : {}),
    ...(novelty ? { novelty } : {}),
    ...(state.committee?.length ? { committee: state.committee } : {}),
  };
  const scored: ScoredCandidate[] = [];
  const crowdPools = config.strategy === 'hybrid' || config.strategy === 'crowd';
  if (crowdPools && config.strategy === 'hybrid') {
    const voted = candidates.filter((i) => state.hasVotes?.[i]);
    const unvoted = candidates.filter((i) => !state.hasVotes?.[i]);
    if (voted.length && state.posteriors)
      scored.push(...scoreCandidates({ ...base, candidates: voted, posteriors: state.posteriors }, config, rng));
    else if (voted.length) scored.push(...scoreCandidates({ ...base, candidates: voted }, config, rng));
    if (unvoted.length) scored.push(...scoreCandidates({ ...base, candidates: unvoted }, config, rng));
  } else if (candidates.length) {
    const posteriors = state.posteriors ?? (config.strategy === 'crowd' ? new Float64Array(n * t).fill(NaN) : undefined);
    scored.push(...scoreCandidates({ ...base, candidates, ...(posteriors ? { posteriors } : {}) }, config, rng));
  }

  if (strategy === 'density') weighByDensity(state, scored);
  const byIndex = new Map(scored.map((s) => [s.index, s]));
  const value = new Map(scored.map((s) => [s.index, s.priority]));
  const lambda = config.diversity ?? 0;
  const diverse = lambda > 0 && hasEmbedding;
  const groups = state.groups
    ? Array.from({ length: n }, (_, i) => {
        const g = state.groups![i];
        return g === '' || g === undefined ? null : g;
      })
    : undefined;
  if ((diverse || groups) && scored.length > 1) {
    const ranked = scored.slice().sort((a, b) => b.priority - a.priority || a.index - b.index);
    const head = ranked.slice(0, Math.min(ranked.length, 10 * QUEUE_BATCH));
    const picks = selectFromScored(
      head,
      {
        n,
        t,
        ...(diverse ? { embeddings: state.embedding, embeddingDim: h, labeled: cover } : {}),
        ...(groups ? { groups } : {}),
      },
      { ...config, diversity: diverse ? lambda : 0, poolFactor: 10, maxGroupFraction: groups ? QUEUE_GROUP_SHARE : 1 },
      Math.min(QUEUE_BATCH, head.length),
    ).items;
    // The picks take the head's largest priorities in pick order; the rest of the head follows.
    const picked = new Set(picks.map((c) => c.index));
    const headOrder = [...picks.map((c) => c.index), ...head.filter((c) => !picked.has(c.index)).map((c) => c.index)];
    // Strictly decreasing (a step above the 10 significant digits priorities are stored with), so
    // ties cannot reorder the batch.
    let last = Infinity;
    head.forEach((c, k) => {
      last = Math.min(c.priority, last - 1e-9);
      value.set(headOrder[k], last);
    });
  }
  const priority = new Float64Array(candidates.length);
  const adjustment = new Float64Array(candidates.length);
  const terms = candidates.map((i, r) => {
    priority[r] = value.get(i) ?? 0;
    adjustment[r] = priority[r] - (byIndex.get(i)?.priority ?? 0);
    return byIndex.get(i)?.terms ?? [];
  });
  const position = new Map(candidates.map((i, r) => [i, r]));
  const order = candidates.slice().sort((a, b) => priority[position.get(b)!] - priority[position.get(a)!] || a - b);
  return { rows: candidates, priority, terms, adjustment, order };
}

/**
 * 'density': each scored clip's priority and terms × its information density among the queued
 * clips ({@link densityScores} against a uniform subsample of ≤ DENSITY_REFERENCES of them).
 * In place. O(n·d + |C|·R·d).
 */
function weighByDensity(state: QueueState, scored: ScoredCandidate[]): void {
  const d = state.d ?? 0;
  if (!state.features || !(d > 0)) throw new Error("strategy 'density' needs the clips' feature vectors");
  const { candidates } = state;
  const step = Math.max(1, Math.ceil(candidates.length / DENSITY_REFERENCES));
  const reference = candidates.filter((_, k) => k % step === 0);
  const density = densityScores(
    state.features,
    state.n,
    d,
    scored.map((s) => s.index),
    reference,
  );
  scored.forEach((s, k) => {
    s.priority *= density[k];
    s.terms = s.terms.map((term) => ({ ...term, score: term.score * density[k], contribution: term.contribution * density[k] }));
    s.reason = `${s.reason} · typical of the queue (${density[k].toFixed(2)})`;
  });
}

/** Hybrid's novelty in z-scored feature space against a k-center cover (≤ NOVELTY_REFERENCES) of the labelled rows. */
function featureNovelty(state: QueueState): Float64Array {
  const d = state.d ?? 0;
  if (!state.features || !(d > 0)) throw new Error("novelty in feature space needs the clips' feature vectors");
  const z = standardizeRows(state.features, state.n, d, computeStandardization(state.features, state.n, d));
  const cover =
    state.labelled.length > NOVELTY_REFERENCES ? kCenterGreedy(z, d, state.labelled, NOVELTY_REFERENCES) : state.labelled;
  return noveltyAgainst(z, d, state.n, state.candidates, cover);
}

/** Novelty of the candidate rows (others stay 0) w.r.t. the reference rows; all 1 with none. */
export function noveltyAgainst(
  e: ArrayLike<number>,
  h: number,
  n: number,
  candidates: number[],
  reference: number[],
): Float64Array {
  const out = new Float64Array(n);
  if (reference.length === 0) {
    for (const i of candidates) out[i] = 1;
    return out;
  }
  const scores = noveltyScores(e, h, candidates, reference);
  candidates.forEach((i, c) => (out[i] = scores[c]));
  return out;
}
