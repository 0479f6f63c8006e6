/**
 * Hybrid ranking of ANN candidates: relevance from several signals, then
 * Maximal Marginal Relevance re-ranking for diversity, an artist cap, and a
 * short human "why" per result.
 *
 * Pure: candidates (already fetched with their metadata) in, ranked list out.
 */
import { sessionDirection, type SessionState } from './session';
import { cosine, dot, normalize, type Vec } from './vector-math';
import { dict, own } from '@/lib/util/dict';

/** A track that the ANN search returned, with what ranking needs to know about it. */
export interface Candidate {
  clipId: string;
  embedding: Vec;
  artist?: string | null;
  /** The active model's per-tag probabilities, e.g. { calm: 0.82, dreamy: 0.4 }. */
  moods?: Readonly<Record<string, number>> | null;
  tempoBpm?: number | null;
  /** Energy on the catalog's scale (e.g. RMS loudness mapped to [0, 1]). */
  energy?: number | null;
  /** Co-occurrence with this session's likes in other sessions' likes, in [0, 1] (see {@link cooccurrenceScores}). */
  cooccurrence?: number | null;
  /** Global play share in [0, 1]; novelty = 1 − popularity. */
  popularity?: number | null;
}

/** Inclusive range; an open end is omitted. */
export interface Range {
  min?: number;
  max?: number;
}

/** What the request (and, if allowed, the listener's session) asks for. */
export interface RankContext {
  /** false → session, history and co-occurrence are ignored: the result depends on the request only. */
  personalization: boolean;
  session?: SessionState | null;
  /** Version of the index that produced the candidates; a session built in another version is not used. */
  embeddingVersion?: number | null;
  /** Embedding of the clip for "similar tracks to this clip". */
  seed?: Vec | null;
  /** Target mood blend, e.g. { calm: 0.7, dreamy: 0.3 }; weights need not sum to 1. */
  moodBlend?: Readonly<Record<string, number>> | null;
  /** Hard filters; a candidate without the value is dropped when a range is set. */
  tempoRange?: Range | null;
  energyRange?: Range | null;
  /** Ids the request excludes (e.g. the seed clip itself). */
  excludeIds?: readonly string[];
}

export interface RankWeights {
  session: number;
  seed: number;
  mood: number;
  cooccurrence: number;
  novelty: number;
}

export interface RankParams {
  /** Number of results. */
  k: number;
  weights: RankWeights;
  /** MMR trade-off λ ∈ [0, 1]: 1 = pure relevance, 0 = pure diversity. */
  lambda: number;
  /** At most this many results per artist. */
  maxPerArtist: number;
  /** Relative tempo difference under which two tracks have "similar tempo" (0.06 = ±6 %). */
  tempoTolerance: number;
}

/**
 * Defaults: the session and the explicit request (seed, mood) carry most of
 * the weight; co-occurrence nudges; novelty only breaks near-ties. λ = 0.7
 * is the usual MMR setting for short lists that must stay on topic.
 */
export const DEFAULT_RANK_PARAMS: RankParams = {
  k: 20,
  weights: { session: 1, seed: 1, mood: 1, cooccurrence: 0.3, novelty: 0.1 },
  lambda: 0.7,
  maxPerArtist: 2,
  tempoTolerance: 0.06,
};

/** Per-result signal values; null when the signal was not in play for this request. */
export interface ScoreComponents {
  /** cos(session direction, track) ∈ [−1, 1]. */
  session: number | null;
  /** cos(seed clip, track) ∈ [−1, 1]. */
  seed: number | null;
  /** Σ_tag t_tag·p_tag ∈ [0, 1]; see {@link moodMatch}. */
  mood: number | null;
  cooccurrence: number | null;
  novelty: number | null;
  /** max cos(track, tracks ranked above it): what MMR subtracted. */
  redundancy: number;
}

export interface RankedTrack {
  clipId: string;
  /** Hybrid relevance before the diversity penalty (the list is in MMR order). */
  score: number;
  why: string;
  components: ScoreComponents;
}

/**
 * Normalise a mood blend to a probability vector over tags: drops
 * non-positive and non-finite weights, divides by the sum. Returns null when
 * nothing remains. O(tags).
 * @example moodTarget({ calm: 7, dreamy: 3 }) // { calm: 0.7, dreamy: 0.3 }
 */
export function moodTarget(blend: Readonly<Record<string, number>>): Record<string, number> | null {
  const entries = Object.entries(blend).filter(([, w]) => Number.isFinite(w) && w > 0);
  const total = entries.reduce((s, [, w]) => s + w, 0);
  if (total === 0) return null;
  return dict(entries.map(([tag, w]) => [tag, w / total]));
}

/**
 * Mood match of a track to a target blend: moodMatch = Σ_tag t_tag·p_tag,
 * with t the normalised blend and p the track's per-tag probabilities (tags
 * are multi-label, so p does not sum to 1). It is the probability that the
 * track carries a tag drawn from the blend, in [0, 1]; a missing tag counts
 * as p = 0. O(tags in the blend).
 * @example moodMatch({ calm: 0.7, dreamy: 0.3 }, { calm: 0.9, dreamy: 0.5 }) // 0.78
 */
export function moodMatch(
  target: Readonly<Record<string, number>>,
  probs: Readonly<Record<string, number>> | null | undefined,
): number {
  if (!probs) return 0;
  let s = 0;
  for (const [tag, t] of Object.entries(target)) s += t * (own(probs, tag) ?? 0);
  return s;
}

/**
 * Item co-occurrence in other sessions' likes, normalised to [0, 1]:
 *   c(x) ∝ Σ_{S ∋ x} |S ∩ L| / |S|
 * over other sessions' like-sets S, with L this session's likes. Dividing by
 * |S| discounts listeners who like everything (the inverse-user-frequency
 * idea of item-based collaborative filtering, Sarwar et al., WWW 2001).
 * Items already in L are left out. O(Σ|S|).
 * @example cooccurrenceScores(['a'], [['a', 'b'], ['b', 'c']]) // Map { 'b' => 1 }
 */
export function cooccurrenceScores(
  likedIds: readonly string[],
  otherSessionsLikes: Iterable<readonly string[]>,
): Map<string, number> {
  const liked = new Set(likedIds);
  const raw = new Map<string, number>();
  for (const likes of otherSessionsLikes) {
    const overlap = likes.reduce((n, id) => n + (liked.has(id) ? 1 : 0), 0);
    if (overlap === 0) continue;
    for (const id of likes) {
      if (!liked.has(id)) raw.set(id, (raw.get(id) ?? 0) + overlap / likes.length);
    }
  }
  const max = Math.max(0, ...raw.values());
  for (const [id, v] of raw) raw.set(id, v / max);
  return raw;
}

/**
 * The vector to send to the ANN index: the unit-normalised weighted sum
 *   q = w_seed·ŝeed + w_session·ŝession + w_mood·m̂,   m = Σ_tag t_tag·centroid_tag
 * of whatever the request provides (the session only with personalization).
 * `moodCentroids` maps a tag to the mean embedding of tracks carrying it.
 * Returns null when there is nothing to search with (then the caller falls
 * back to, e.g., a mood-probability query in SQL). O(d·(tags + 2)).
 */
export function retrievalQuery(
  context: Pick<RankContext, 'personalization' | 'session' | 'embeddingVersion' | 'seed' | 'moodBlend'>,
  moodCentroids: Readonly<Record<string, Vec>> = {},
  weights: RankWeights = DEFAULT_RANK_PARAMS.weights,
): Float32Array | null {
  const parts: Array<[Vec, number]> = [];
  if (context.seed) parts.push([context.seed, weights.seed]);
  const session =
    context.personalization && context.session ? sessionDirection(context.session, context.embeddingVersion) : null;
  if (session) parts.push([session, weights.session]);
  const target = context.moodBlend ? moodTarget(context.moodBlend) : null;
  if (target) {
    let mood: Float32Array | null = null;
    for (const [tag, t] of Object.entries(target)) {
      const c = moodCentroids[tag];
      if (!c) continue;
      const unit = normalize(c);
      mood ??= new Float32Array(unit.length);
      for (let i = 0; i < unit.length; i++) mood[i] += t * unit[i];
    }
    if (mood) parts.push([mood, weights.mood]);
  }
  if (parts.length === 0) return null;
  const dim = parts[0][0].length;
  const q = new Float32Array(dim);
  for (const [v, w] of parts) {
    if (v.length !== dim) throw new RangeError('retrieval parts differ in dimension');
    const unit = normalize(v);
    for (let i = 0; i < dim; i++) q[i] += w * unit[i];
  }
  const out = normalize(q);
  return out.some((x) => x !== 0) ? out : null;
}

function inRange(value: number | null | undefined, range: Range | null | undefined): boolean {
  if (!range || (range.min === undefined && range.max === undefined)) return true;
  if (value === null || value === undefined || !Number.isFinite(value)) return false;
  return (range.min === undefined || value >= range.min) && (range.max === undefined || value <= range.max);
}

type Signal = Exclude<keyof ScoreComponents, 'redundancy'>;

interface Scored {
  candidate: Candidate;
  unit: Float32Array;
  artist: string | null;
  relevance: number;
  components: ScoreComponents;
  contributions: Array<[Signal, number]>;
}

/**
 * Rank ANN candidates for one request.
 *
 * 1. Filter: request excludes, tempo/energy ranges, and (personalization on)
 *    every clip the session has already seen.
 * 2. Relevance, a weighted mean over the signals in play for this request:
 *      rel(x) = Σ_c w_c·x_c / Σ_c w_c,
 *    c ∈ {session: cos(ŝ, x), seed: cos(seed, x), mood: {@link moodMatch},
 *    cooccurrence, novelty: 1 − popularity}. With `personalization: false`
 *    the session, seen-list and co-occurrence are not read at all, so the
 *    output depends on the request only.
 * 3. MMR (Carbonell & Goldstein, SIGIR 1998): greedily pick
 *      argmax_x λ·rel(x) − (1 − λ)·max_{y∈S} cos(x, y)
 *    over the unpicked x, skipping artists that already have `maxPerArtist`
 *    tracks in the selection S.
 * 4. why: the two strongest positive weighted contributions, in words
 *    ("calm 0.82 · similar tempo to a track you liked").
 *
 * Complexity O(n·d·(k + 1)) for n candidates of d dims (the max-similarity
 * to S is updated incrementally with each pick). Ties keep input order, so
 * the result is deterministic.
 */
export function rankCandidates(
  candidates: readonly Candidate[],
  context: RankContext,
  params: RankParams = DEFAULT_RANK_PARAMS,
): RankedTrack[] {
  const { weights } = params;
  const personal = context.personalization;
  const session = personal && context.session ? context.session : null;
  const sessionDir = session ? sessionDirection(session, context.embeddingVersion) : null;
  const target = context.moodBlend ? moodTarget(context.moodBlend) : null;
  const excluded = new Set(context.excludeIds ?? []);
  if (session) for (const id of session.seen) excluded.add(id);

  const pool = candidates.filter(
    (c) => !excluded.has(c.clipId) && inRange(c.tempoBpm, context.tempoRange) && inRange(c.energy, context.energyRange),
  );
  const active = {
    session: sessionDir !== null && weights.session > 0,
    seed: !!context.seed && weights.seed > 0,
    mood: target !== null && weights.mood > 0,
    cooccurrence: personal && weights.cooccurrence > 0 && pool.some((c) => c.cooccurrence != null),
    novelty: weights.novelty > 0 && pool.some((c) => c.popularity != null),
  };
  const weightSum = (Object.keys(active) as Signal[]).reduce((s, k) => s + (active[k] ? weights[k] : 0), 0);

  const scored: Scored[] = pool.map((candidate) => {
    const unit = normalize(candidate.embedding);
    const components: ScoreComponents = {
      session: active.session ? cosine(sessionDir!, unit) : null,
      seed: active.seed ? cosine(context.seed!, unit) : null,
      mood: active.mood ? moodMatch(target!, candidate.moods) : null,
      cooccurrence: active.cooccurrence ? (candidate.cooccurrence ?? 0) : null,
      novelty: active.novelty ? 1 - (candidate.popularity ?? 0) : null,
      redundancy: 0,
    };
    const contributions: Array<[Signal, number]> = [];
    let relevance = 0;
    for (const key of Object.keys(active) as Signal[]) {
      const x = components[key];
      if (x === null) continue;
      const c = (weights[key] * x) / weightSum;
      relevance += c;
      contributions.push([key, c]);
    }
    const artist = candidate.artist?.trim().toLowerCase() || null;
    return { candidate, unit, artist, relevance, components, contributions };
  });

  const picked: RankedTrack[] = [];
  const perArtist = new Map<string, number>();
  // max cos(x, S); −∞ until the first pick, when the penalty term is 0.
  const maxSim = new Float64Array(scored.length).fill(-Infinity);
  const taken = new Uint8Array(scored.length);
  while (picked.length < params.k) {
    let best = -1;
    let bestValue = -Infinity;
    for (let i = 0; i < scored.length; i++) {
      if (taken[i]) continue;
      const artist = scored[i].artist;
      if (artist !== null && (perArtist.get(artist) ?? 0) >= params.maxPerArtist) continue;
      const redundancy = picked.length === 0 ? 0 : maxSim[i];
      const value = params.lambda * scored[i].relevance - (1 - params.lambda) * redundancy;
      if (value > bestValue) {
        bestValue = value;
        best = i;
      }
    }
    if (best < 0) break;
    taken[best] = 1;
    const s = scored[best];
    if (s.artist !== null) perArtist.set(s.artist, (perArtist.get(s.artist) ?? 0) + 1);
    picked.push({
      clipId: s.candidate.clipId,
      score: s.relevance,
      why: explain(s, target, session, params.tempoTolerance),
      components: { ...s.components, redundancy: picked.length === 0 ? 0 : maxSim[best] },
    });
    for (let i = 0; i < scored.length; i++) {
      if (!taken[i]) maxSim[i] = Math.max(maxSim[i], dot(scored[i].unit, s.unit));
    }
  }
  return picked;
}

const fmt = (x: number) => x.toFixed(2);

function explain(
  s: Scored,
  target: Record<string, number> | null,
  session: SessionState | null,
  tempoTolerance: number,
): string {
  const phrases = s.contributions
    .filter(([, c]) => c > 0)
    .sort((a, b) => b[1] - a[1])
    .slice(0, 2)
    .map(([signal]) => phrase(signal, s, target, session, tempoTolerance));
  return phrases.length > 0 ? phrases.join(' · ') : 'picked for variety';
}

function phrase(
  signal: Signal,
  s: Scored,
  target: Record<string, number> | null,
  session: SessionState | null,
  tempoTolerance: number,
): string {
  const { candidate: c, components } = s;
  switch (signal) {
    case 'mood': {
      // Name the tag that contributes most to the match, and a second one
      // when the track clearly carries it too.
      const tags = Object.entries(target!)
        .map(([tag, t]) => ({ tag, p: c.moods?.[tag] ?? 0, share: t * (c.moods?.[tag] ?? 0) }))
        .sort((a, b) => b.share - a.share);
      const shown = tags.filter((t, i) => i === 0 || (i === 1 && t.p >= 0.5));
      return shown.map((t) => `${t.tag} ${fmt(t.p)}`).join(', ');
    }
    case 'session': {
      const tempo = c.tempoBpm;
      const likes = session?.likes ?? [];
      const closeTempo =
        tempo != null &&
        likes.some((l) => l.tempoBpm != null && Math.abs(l.tempoBpm - tempo) <= tempoTolerance * l.tempoBpm);
      if (closeTempo) return 'similar tempo to a track you liked';
      return likes.length > 0 ? `close to tracks you liked ${fmt(components.session!)}` : `fits this session ${fmt(components.session!)}`;
    }
    case 'seed':
      return `sounds like the chosen track ${fmt(components.seed!)}`;
    case 'cooccurrence':
      return 'liked by listeners with similar taste';
    case 'novelty':
      return 'a less-played find';
  }
}
