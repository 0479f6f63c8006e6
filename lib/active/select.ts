/**
 * Strategy scoring and batch selection: which clips to ask about next.
 */
import type { Rng } from '@/lib/util/random';
import { assertShape } from '@/lib/model/standardize';
import { committeeDisagreement, crowdDisagreement, type CommitteeMeasure } from './disagreement';
import { kCenterGreedy, noveltyScores, squaredDistance } from './diversity';
import { blendPriority, type Priority, type PrioritySignals, type PriorityWeights } from './priority';
import { uncertaintyScores, type TagAggregation, type UncertaintyMeasure } from './uncertainty';

export const STRATEGIES = [
  'random',
  'least-confidence',
  'margin',
  'entropy',
  'committee',
  'crowd',
  'hybrid',
  'cold-start',
] as const;
export type StrategyName = (typeof STRATEGIES)[number];

/** A project's query-strategy settings (stored per project). */
export interface StrategyConfig {
  strategy: StrategyName;
  /** How per-tag scores combine into one per clip. Default 'mean'. */
  aggregate?: TagAggregation;
  /** The uncertainty measure inside 'hybrid'. Default 'entropy'. */
  hybridUncertainty?: UncertaintyMeasure;
  /** Default 'mean-kl'. */
  committeeMeasure?: CommitteeMeasure;
  /** Per-tag decision thresholds for 'margin'. Default 0.5 each. */
  thresholds?: ArrayLike<number>;
  /** Blend weights for 'hybrid'. */
  weights?: Partial<PriorityWeights>;
  /**
   * λ ∈ [0,1]: how much batch diversity trades against the strategy score
   * when picking a batch (needs embeddings). Default 0.3 for 'hybrid', 0
   * otherwise ('cold-start' is all diversity by definition).
   */
  diversity?: number;
  /** The diversity pass looks at the top poolFactor × batch clips by score. Default 10. */
  poolFactor?: number;
  /** No group (artist) may exceed this fraction of a batch (at least one clip each). Default 1. */
  maxGroupFraction?: number;
}

/**
 * What is known about the clips. Matrices are row-major and cover all n
 * clips; `candidates` and `labeled` are indices into them.
 */
export interface SelectionPool {
  n: number;
  t: number;
  /** Clips that may be picked (unlabelled, not leased). Default all. */
  candidates?: ArrayLike<number>;
  /** Clips already labelled (the diversity reference). */
  labeled?: ArrayLike<number>;
  /** Active model's n×t probabilities. */
  probs?: ArrayLike<number>;
  /** Committee members' n×t probabilities. */
  committee?: ArrayLike<number>[];
  /** Aggregator's n×t posteriors (NaN = no votes on that tag). */
  posteriors?: ArrayLike<number>;
  /**
   * Per-clip novelty in [0,1] when already known (e.g. distance to the
   * nearest labelled clip from an ANN index, scaled). Otherwise it is
   * computed from `embeddings` and `labeled`, at O(|candidates|·|labeled|·h).
   */
  novelty?: ArrayLike<number>;
  /** n×embeddingDim embeddings (before any model: standardised features). */
  embeddings?: ArrayLike<number>;
  embeddingDim?: number;
  /** Artist (or any group) per clip. */
  groups?: ArrayLike<string | number | null | undefined>;
  /** Per clip, votes still needed / overlap, in [0,1]. */
  votesNeeded?: ArrayLike<number>;
  /** Per clip, drift from the labelled clips and listener feedback in [0,1] (./drift); 'hybrid' blends them. */
  drift?: ArrayLike<number>;
  feedback?: ArrayLike<number>;
}

export interface ScoredCandidate extends Priority {
  index: number;
}

export interface BatchSelection {
  items: ScoredCandidate[];
  /** Clips the batch is short of batchSize (quotas, duplicates, or too few candidates). */
  shortfall: number;
}

/** Below this fraction of the pool's spread, two embeddings count as the same clip. */
const DUPLICATE_RADIUS = 1e-6;

/**
 * Scores every candidate under a strategy, returning priority and its terms
 * (the queue's priority column and its "why is this clip here").
 *
 * - random: uniform score from `rng` (Lewis & Gale 1994's baseline);
 * - least-confidence / margin / entropy: {@link uncertaintyScores} of `probs`;
 * - committee: {@link committeeDisagreement} of the members;
 * - crowd: {@link crowdDisagreement} of the posteriors;
 * - hybrid: {@link blendPriority} of uncertainty (probs), disagreement (mean
 *   of committee and crowd, whichever exist), diversity (novelty w.r.t.
 *   `labeled`, when embeddings exist) and votesNeeded;
 * - cold-start: novelty only (the real work happens in {@link selectBatch}).
 * Complexity O(|C|·t·M) plus O(|C|·|labeled|·h) when novelty is computed.
 *
 * @example scoreCandidates({ n: 2, t: 1, probs: [0.9, 0.5] }, { strategy: 'entropy' }, rng)[0].index // → 1
 */
export function scoreCandidates(pool: SelectionPool, config: StrategyConfig, rng: Rng): ScoredCandidate[] {
  const { n, t } = pool;
  if (!STRATEGIES.includes(config.strategy)) {
    throw new Error(`unknown strategy "${config.strategy as string}" (expected ${STRATEGIES.join(', ')})`);
  }
  const candidates = candidateList(pool);
  const aggregate = config.aggregate ?? 'mean';
  const pick = (all: ArrayLike<number>) => candidates.map((i) => all[i]);
  const need = <K extends keyof SelectionPool>(key: K): NonNullable<SelectionPool[K]> => {
    if (pool[key] === undefined) throw new Error(`strategy "${config.strategy}" needs ${key}`);
    return pool[key] as NonNullable<SelectionPool[K]>;
  };
  const single = (name: 'uncertainty' | 'disagreement' | 'diversity', scores: number[]) =>
    candidates.map((index, c) => ({ index, ...blendPriority({ [name]: scores[c] }, { [name]: 1 }) }));

  let scored: ScoredCandidate[];
  switch (config.strategy) {
    case 'random':
      scored = candidates.map((index) => {
        const priority = rng();
        return { index, priority, terms: [], reason: 'random sample' };
      });
      break;
    case 'least-confidence':
    case 'margin':
    case 'entropy':
      scored = single('uncertainty', pick(uncertaintyScores(need('probs'), n, t, config.strategy, aggregate, config.thresholds)));
      break;
    case 'committee':
      scored = single('disagreement', pick(committeeDisagreement(need('committee'), n, t, config.committeeMeasure, aggregate)));
      break;
    case 'crowd':
      scored = single('disagreement', pick(crowdDisagreement(need('posteriors'), n, t, aggregate)));
      break;
    case 'cold-start':
      need('embeddings');
      scored = single('diversity', pool.novelty ? pick(pool.novelty) : Array.from(novelty(pool, candidates)));
      break;
    case 'hybrid': {
      const u = pool.probs
        ? pick(uncertaintyScores(pool.probs, n, t, config.hybridUncertainty ?? 'entropy', aggregate, config.thresholds))
        : null;
      const committee = pool.committee ? pick(committeeDisagreement(pool.committee, n, t, config.committeeMeasure, aggregate)) : null;
      const crowd = pool.posteriors ? pick(crowdDisagreement(pool.posteriors, n, t, aggregate)) : null;
      const div = pool.novelty
        ? pick(pool.novelty)
        : pool.embeddings && pool.labeled?.length
          ? novelty(pool, candidates)
          : null;
      scored = candidates.map((index, c) => {
        const parts = [committee?.[c], crowd?.[c]].filter((v): v is number => v !== undefined);
        const signals: PrioritySignals = {
          uncertainty: u?.[c],
          disagreement: parts.length ? parts.reduce((a, b) => a + b, 0) / parts.length : undefined,
          diversity: div?.[c],
          votesNeeded: pool.votesNeeded?.[index],
          drift: pool.drift?.[index],
          feedback: pool.feedback?.[index],
        };
        return { index, ...blendPriority(signals, config.weights) };
      });
      break;
    }
  }
  return scored;
}

/**
 * Picks a batch: scores candidates ({@link scoreCandidates}), then fills the
 * batch greedily from the best, trading score against diversity and
 * enforcing group quotas.
 *
 * Model: with λ = config.diversity and embeddings present, among the top
 * poolFactor·B candidates repeatedly pick argmax (1−λ)·s_i + λ·min(1, d_i/D),
 * where s_i is the priority rescaled to [0,1] over the pool, d_i the distance to the
 * nearest clip already picked or labelled, and D = 2·max distance to the
 * pool centroid (an upper bound on pairwise distances) — the ranked
 * batch-mode scheme of Cardoso et al. (2017) with k-center distances
 * (Sener & Savarese 2018). 'cold-start' is pure k-center greedy
 * ({@link kCenterGreedy}) relative to `labeled`. Clips whose embedding
 * coincides with a picked one (d ≤ 1e-6·D) are never picked, whatever λ.
 * Quota: no group above max(1, ⌊maxGroupFraction·B⌋) clips; a batch that
 * cannot be filled under the quota comes back short (see `shortfall`) rather
 * than breaking it.
 * Complexity O(scoring + P·B·h + P·|labeled|·h) with P = pool size.
 *
 * @example selectBatch(pool, { strategy: 'hybrid', maxGroupFraction: 0.2 }, 10, createRng(1)).items.map((c) => c.index)
 */
export function selectBatch(pool: SelectionPool, config: StrategyConfig, batchSize: number, rng: Rng): BatchSelection {
  if (!Number.isInteger(batchSize) || batchSize < 0) throw new Error(`selectBatch: batch size must be a non-negative integer`);
  const maxFraction = config.maxGroupFraction ?? 1;
  if (!(maxFraction > 0 && maxFraction <= 1)) throw new Error('selectBatch: maxGroupFraction must be in (0, 1]');
  const maxPerGroup = Math.max(1, Math.floor(maxFraction * batchSize));
  const lambda = config.diversity ?? (config.strategy === 'hybrid' ? 0.3 : 0);
  if (!(lambda >= 0 && lambda <= 1)) throw new Error('selectBatch: diversity must be in [0, 1]');
  const h = pool.embeddingDim ?? 0;
  if (pool.embeddings) {
    if (!(h > 0)) throw new Error('selectBatch: embeddings need embeddingDim');
    assertShape(pool.embeddings.length, pool.n, h, 'embeddings');
  }

  return selectFromScored(scoreCandidates(pool, config, rng), pool, config, batchSize);
}

/**
 * The batch-filling half of {@link selectBatch} over candidates already scored (by
 * {@link scoreCandidates} or the queue's shared scoring in ./policy): diversity re-ranking within
 * the top poolFactor·B, group quotas, the duplicate guard. Same model and complexity.
 */
export function selectFromScored(
  scored: ScoredCandidate[],
  pool: SelectionPool,
  config: StrategyConfig,
  batchSize: number,
): BatchSelection {
  if (!Number.isInteger(batchSize) || batchSize < 0) throw new Error(`selectBatch: batch size must be a non-negative integer`);
  const maxFraction = config.maxGroupFraction ?? 1;
  if (!(maxFraction > 0 && maxFraction <= 1)) throw new Error('selectBatch: maxGroupFraction must be in (0, 1]');
  const maxPerGroup = Math.max(1, Math.floor(maxFraction * batchSize));
  const lambda = config.diversity ?? (config.strategy === 'hybrid' ? 0.3 : 0);
  if (!(lambda >= 0 && lambda <= 1)) throw new Error('selectBatch: diversity must be in [0, 1]');
  const h = pool.embeddingDim ?? 0;
  if (config.strategy === 'cold-start') {
    const byIndex = new Map(scored.map((s) => [s.index, s]));
    const picked = kCenterGreedy(pool.embeddings as ArrayLike<number>, h, scored.map((s) => s.index), batchSize, {
      reference: pool.labeled,
      groups: pool.groups,
      maxPerGroup,
    });
    return { items: picked.map((i) => byIndex.get(i) as ScoredCandidate), shortfall: batchSize - picked.length };
  }

  const ranked = scored.slice().sort((a, b) => b.priority - a.priority || a.index - b.index);
  const groupCount = new Map<string | number, number>();
  const groupOf = (i: number) => pool.groups?.[i];
  const fits = (i: number) => {
    const g = groupOf(i);
    return g === null || g === undefined || (groupCount.get(g) ?? 0) < maxPerGroup;
  };
  const items: ScoredCandidate[] = [];
  const take = (c: ScoredCandidate) => {
    items.push(c);
    const g = groupOf(c.index);
    if (g !== null && g !== undefined) groupCount.set(g, (groupCount.get(g) ?? 0) + 1);
  };

  if (!pool.embeddings) {
    for (const c of ranked) {
      if (items.length >= batchSize) break;
      if (fits(c.index)) take(c);
    }
    return { items, shortfall: batchSize - items.length };
  }

  const e = pool.embeddings;
  const poolSize = lambda > 0 ? Math.min(ranked.length, Math.max(batchSize, (config.poolFactor ?? 10) * batchSize)) : ranked.length;
  const head = ranked.slice(0, poolSize);
  const spread = 2 * maxDistanceToCentroid(e, h, head.map((c) => c.index)) || 1;
  const dupRadius = DUPLICATE_RADIUS * spread;
  // Distance to the nearest clip picked into this batch (duplicate guard),
  // and to the nearest picked-or-labelled clip (the diversity term).
  const batchDist = new Float64Array(ranked.length).fill(Infinity);
  const coverDist = new Float64Array(ranked.length).fill(Infinity);
  if (lambda > 0 && pool.labeled) {
    for (let c = 0; c < poolSize; c++) {
      for (let r = 0; r < pool.labeled.length; r++) {
        coverDist[c] = Math.min(coverDist[c], Math.sqrt(squaredDistance(e, h, ranked[c].index, pool.labeled[r])));
      }
    }
  }
  const lo = head.length ? head[head.length - 1].priority : 0;
  const range = head.length ? head[0].priority - lo : 0;
  const taken = new Uint8Array(ranked.length);
  const pickFrom = (end: number, useLambda: number): boolean => {
    let best = -1;
    let bestValue = -Infinity;
    for (let c = 0; c < end; c++) {
      if (taken[c] || batchDist[c] <= dupRadius || !fits(ranked[c].index)) continue;
      // Without diversity the ranking decides: the first admissible clip wins.
      if (useLambda === 0) {
        best = c;
        break;
      }
      const s = range > 0 ? (ranked[c].priority - lo) / range : 1;
      const value = (1 - useLambda) * s + useLambda * Math.min(1, coverDist[c] / spread);
      if (value > bestValue) {
        bestValue = value;
        best = c;
      }
    }
    if (best < 0) return false;
    taken[best] = 1;
    take(ranked[best]);
    for (let c = 0; c < ranked.length; c++) {
      if (taken[c]) continue;
      const dist = Math.sqrt(squaredDistance(e, h, ranked[c].index, ranked[best].index));
      batchDist[c] = Math.min(batchDist[c], dist);
      coverDist[c] = Math.min(coverDist[c], dist);
    }
    return true;
  };
  while (items.length < batchSize && pickFrom(poolSize, lambda));
  // The diverse pool ran dry (quotas or duplicates): continue down the ranking.
  while (items.length < batchSize && pickFrom(ranked.length, 0));
  return { items, shortfall: batchSize - items.length };
}

function candidateList(pool: SelectionPool): number[] {
  const { n, t } = pool;
  if (!Number.isInteger(n) || n < 0 || !Number.isInteger(t) || t < 0) throw new Error('selection pool: n and t must be non-negative integers');
  for (const key of ['probs', 'posteriors'] as const) {
    const m = pool[key];
    if (m) assertShape(m.length, n, t, key);
  }
  for (const key of ['novelty', 'votesNeeded'] as const) {
    const v = pool[key];
    if (v && v.length !== n) throw new Error(`selection pool: ${key} has ${v.length} values for ${n} clips`);
  }
  const list = pool.candidates ? Array.from(pool.candidates) : Array.from({ length: n }, (_, i) => i);
  const seen = new Set<number>();
  for (const i of list) {
    if (!Number.isInteger(i) || i < 0 || i >= n) throw new Error(`selection pool: candidate ${i} is out of range`);
    if (seen.has(i)) throw new Error(`selection pool: candidate ${i} is listed twice`);
    seen.add(i);
  }
  return list;
}

function novelty(pool: SelectionPool, candidates: number[]): Float64Array {
  const h = pool.embeddingDim ?? 0;
  if (!(h > 0)) throw new Error('selection pool: embeddings need embeddingDim');
  return noveltyScores(pool.embeddings as ArrayLike<number>, h, candidates, pool.labeled ?? []);
}

function maxDistanceToCentroid(e: ArrayLike<number>, h: number, rows: number[]): number {
  if (!rows.length) return 0;
  const centroid = new Float64Array(h);
  for (const r of rows) for (let k = 0; k < h; k++) centroid[k] += e[r * h + k] / rows.length;
  let max = 0;
  for (const r of rows) {
    let s = 0;
    for (let k = 0; k < h; k++) s += (e[r * h + k] - centroid[k]) ** 2;
    max = Math.max(max, s);
  }
  return Math.sqrt(max);
}
