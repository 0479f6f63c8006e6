/**
 * The recommender's use cases, as the API serves them: similar tracks, tracks for a mood,
 * listener sessions with feedback, "next tracks" (hybrid ranking), KPIs and retention.
 *
 * Each request pins one index (`rec.index()`) and does every step with it — seed vector,
 * ANN search, session replay, ranking — so its answer belongs to one embedding version, and
 * says which. Pure ranking lives in ./rank and ./session; SQL in ./repo.
 */
import type { DbHandle, DbOrTx } from '@/db/client';
import { AppError, notFound } from '@/lib/errors';
import { getProjectSettings } from '@/lib/settings/repo';
import { getActiveTaxonomy } from '@/lib/taxonomy/repo';
import { embeddingsOf, embeddingVersionById } from '@/lib/embeddings/repo';
import type { AnnIndex, EmbeddingRow } from './ann-index';
import {
  cooccurrenceScores,
  DEFAULT_RANK_PARAMS,
  moodTarget,
  rankCandidates,
  retrievalQuery,
  type Candidate,
  type RankContext,
  type RankedTrack,
  type RankParams,
  type Range,
} from './rank';
import {
  clipForEvent,
  clipMeta,
  createListenerSession,
  deleteExpiredListenerData,
  getListenerSession,
  hasReacted,
  insertListenerEvent,
  listenableAudio,
  listenKpis,
  listSessionEvents,
  moodProbs,
  otherSessionsLikes,
  sampleCandidates,
  saveSessionState,
  saveSessionStateIfUnchanged,
  type CandidateFilter,
  type ClipMeta,
  type MoodSource,
  type SessionRow,
} from './repo';
import type { Recommender } from './runtime';
import type {
  CreateSessionInput,
  KpiResponse,
  ListenEventInput,
  MoodBlend,
  MoodQuery,
  NextQuery,
  RecommendedTrack,
  RecommendResponse,
  SimilarQuery,
} from './schemas';
import { parseSessionState, replaySession, updateSessionVector, type SessionState } from './session';
import { armParams, explorationFor, labelExplorationPicks, type SessionExploration } from './exploration';
import { creditBanditArm } from '@/lib/experiments/repo';

/** ANN candidates fetched per request before ranking (the "next tracks" recipe of ./index.ts). */
const CANDIDATES = 200;
/** Co-occurring tracks from other sessions added to the pool even when the ANN search missed them. */
const COOCCURRENCE_EXTRA = 20;

// ---------------------------------------------------------------------------------------------
// Shared steps

const emptyResponse = (personalization: boolean, extra: Partial<RecommendResponse> = {}): RecommendResponse => ({
  embeddingVersion: null,
  backend: null,
  moodSource: null,
  personalization,
  results: [],
  ...extra,
});

/** Checks the blend's tags against the active taxonomy (422 UNKNOWN_TAG) and normalises it. */
async function validBlend(rec: Recommender, blend: MoodBlend | undefined): Promise<Record<string, number> | null> {
  if (!blend || Object.keys(blend).length === 0) return null;
  const taxonomy = await getActiveTaxonomy(rec.db);
  const known = new Set(taxonomy.tags.map((t) => t.key));
  const unknown = Object.keys(blend).filter((t) => !known.has(t));
  if (unknown.length > 0) {
    throw new AppError('UNKNOWN_TAG', `Unknown mood tag(s): ${unknown.join(', ')}; known: ${[...known].join(', ')}`);
  }
  const target = moodTarget(blend);
  if (!target) throw new AppError('BAD_REQUEST', 'The mood blend needs at least one positive weight');
  return target;
}

/**
 * Energy = the clip's loudness percentile in the catalog, from 101 LUFS quantiles by linear
 * interpolation. O(log 101).
 */
export function energyFromLufs(lufs: number | null, quantiles: readonly number[]): number | null {
  if (lufs === null || !Number.isFinite(lufs) || quantiles.length < 2) return null;
  const n = quantiles.length - 1;
  if (lufs <= quantiles[0]) return 0;
  if (lufs >= quantiles[n]) return 1;
  let lo = 0;
  let hi = n;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (quantiles[mid] <= lufs) lo = mid;
    else hi = mid;
  }
  const span = quantiles[hi] - quantiles[lo];
  return (lo + (span > 0 ? (lufs - quantiles[lo]) / span : 0)) / n;
}

/** The LUFS at an energy percentile (the inverse of {@link energyFromLufs}), for SQL filters. */
function lufsAtEnergy(energy: number, quantiles: readonly number[]): number | undefined {
  if (quantiles.length < 2) return undefined;
  const x = Math.min(1, Math.max(0, energy)) * (quantiles.length - 1);
  const lo = Math.floor(x);
  const hi = Math.min(quantiles.length - 1, lo + 1);
  return quantiles[lo] + (quantiles[hi] - quantiles[lo]) * (x - lo);
}

interface Filters {
  tempoRange: Range | null;
  energyRange: Range | null;
}

function rangesOf(q: { tempoMin?: number; tempoMax?: number; energyMin?: number; energyMax?: number }): Filters {
  const range = (min?: number, max?: number): Range | null => {
    if (min === undefined && max === undefined) return null;
    if (min !== undefined && max !== undefined && min > max) throw new AppError('BAD_REQUEST', `range minimum ${min} is above its maximum ${max}`);
    return { ...(min !== undefined ? { min } : {}), ...(max !== undefined ? { max } : {}) };
  };
  return { tempoRange: range(q.tempoMin, q.tempoMax), energyRange: range(q.energyMin, q.energyMax) };
}

interface Pool {
  rows: EmbeddingRow[];
  meta: Map<string, ClipMeta>;
}

/**
 * The candidate pool: ANN neighbours of `query` (or, with nothing to search with, a fixed
 * sample of the version), plus `extraIds`; when hard filters leave fewer than `k`, topped up
 * with clips of the version that pass the filters in SQL. Only listable clips survive
 * (metadata join). Everything comes from `index`'s version.
 */
async function candidatePool(
  rec: Recommender,
  index: AnnIndex,
  input: { query: Float32Array | null; k: number; excludeIds: readonly string[]; extraIds?: readonly string[]; filters: Filters },
): Promise<Pool> {
  const { query, k, excludeIds, filters } = input;
  const hasFilters = filters.tempoRange !== null || filters.energyRange !== null;
  const fetch = hasFilters ? CANDIDATES * 3 : CANDIDATES;
  let rows: EmbeddingRow[];
  if (query) {
    const res = await index.search(query, fetch, { excludeIds, withVectors: true });
    rows = res.ids.map((id, i) => ({ id, embedding: res.vectors![i] }));
  } else {
    rows = await sampleCandidates(rec.db, index.versionId, fetch, {}, excludeIds);
  }
  const have = new Set(rows.map((r) => r.id));
  const extra = (input.extraIds ?? []).filter((id) => !have.has(id) && !excludeIds.includes(id));
  if (extra.length > 0) {
    const vectors = await embeddingsOf(rec.db, index.versionId, extra);
    for (const [id, embedding] of vectors) {
      rows.push({ id, embedding });
      have.add(id);
    }
  }
  let meta = await clipMeta(rec.db, rows.map((r) => r.id));
  if (hasFilters) {
    const quantiles = filters.energyRange ? await rec.lufsQuantiles() : [];
    const passes = (m: ClipMeta) =>
      inRange(m.tempoBpm, filters.tempoRange) && inRange(energyFromLufs(m.lufs, quantiles), filters.energyRange);
    const passing = [...meta.values()].filter(passes).length;
    if (passing < k) {
      const filter: CandidateFilter = {
        tempoMin: filters.tempoRange?.min,
        tempoMax: filters.tempoRange?.max,
        lufsMin: filters.energyRange?.min !== undefined ? lufsAtEnergy(filters.energyRange.min, quantiles) : undefined,
        lufsMax: filters.energyRange?.max !== undefined ? lufsAtEnergy(filters.energyRange.max, quantiles) : undefined,
      };
      const more = await sampleCandidates(rec.db, index.versionId, CANDIDATES, filter, [...excludeIds, ...have]);
      if (more.length > 0) {
        rows = rows.concat(more);
        const moreMeta = await clipMeta(rec.db, more.map((r) => r.id));
        meta = new Map([...meta, ...moreMeta]);
      }
    }
  }
  return { rows: rows.filter((r) => meta.has(r.id)), meta };
}

function inRange(value: number | null, range: Range | null): boolean {
  if (!range) return true;
  if (value === null) return false;
  return (range.min === undefined || value >= range.min) && (range.max === undefined || value <= range.max);
}

async function toCandidates(
  rec: Recommender,
  pool: Pool,
  options: { source: MoodSource | null; tags: readonly string[]; cooccurrence?: Map<string, number>; popularity: boolean },
): Promise<Candidate[]> {
  const ids = pool.rows.map((r) => r.id);
  const [probs, quantiles, plays] = await Promise.all([
    options.source && options.tags.length > 0 ? moodProbs(rec.db, options.source, ids, options.tags) : Promise.resolve(new Map<string, Record<string, number>>()),
    rec.lufsQuantiles(),
    options.popularity ? rec.playCounts() : Promise.resolve(null),
  ]);
  const maxPlays = plays ? Math.max(0, ...plays.values()) : 0;
  return pool.rows.map((r) => {
    const m = pool.meta.get(r.id)!;
    const n = plays?.get(r.id) ?? 0;
    return {
      clipId: r.id,
      embedding: r.embedding,
      artist: m.artist || null,
      moods: probs.get(r.id) ?? null,
      tempoBpm: m.tempoBpm,
      energy: energyFromLufs(m.lufs, quantiles),
      cooccurrence: options.cooccurrence ? (options.cooccurrence.get(r.id) ?? 0) : null,
      // Log-scaled so one hit does not make everything else look unplayed.
      popularity: plays ? (maxPlays > 0 ? Math.log1p(n) / Math.log1p(maxPlays) : 0) : null,
    };
  });
}

/**
 * Who sees what: `detail` (engineers, admins) gets each result's score and signal values and
 * the mood probabilities in the why; everyone else — listeners are anonymous, and a contributor
 * may be one — gets the why with the mood named but not scored, and no numbers that are (or
 * reveal) a model or crowd probability of a clip they may be asked to label.
 */
export interface Audience {
  detail: boolean;
}

/** "calm 0.82, dreamy 0.61" → "calm, dreamy" for the blend's tags (the mood phrase of ./rank's why). */
export function withoutMoodScores(why: string, tags: readonly string[]): string {
  let out = why;
  for (const tag of tags) out = out.split(new RegExp(`\\b${tag.replace(/[.*+?^${}()|[\]\\-]/g, '\\$&')} -?\\d+\\.\\d+`, 'g')).join(tag);
  return out;
}

function present(ranked: RankedTrack[], pool: Pool, candidates: Candidate[], audience: Audience, tags: readonly string[] = []): RecommendedTrack[] {
  const energy = new Map(candidates.map((c) => [c.clipId, c.energy ?? null]));
  return ranked.map((r) => {
    const m = pool.meta.get(r.clipId)!;
    if (!audience.detail) {
      return {
        clipId: r.clipId,
        title: m.title,
        artist: m.artist,
        durationS: m.durationS,
        tempoBpm: m.tempoBpm,
        energy: energy.get(r.clipId) ?? null,
        audioUrl: m.hasAudio ? `/api/listen/clips/${r.clipId}/audio` : null,
        playbackGainDb: m.playbackGainDb,
        why: withoutMoodScores(r.why, tags),
      };
    }
    return {
      clipId: r.clipId,
      title: m.title,
      artist: m.artist,
      durationS: m.durationS,
      tempoBpm: m.tempoBpm,
      energy: energy.get(r.clipId) ?? null,
      audioUrl: m.hasAudio ? `/api/listen/clips/${r.clipId}/audio` : null,
      playbackGainDb: m.playbackGainDb,
      score: r.score,
      why: r.why,
      components: r.components,
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Similar tracks and mood

/**
 * The k nearest neighbours of a clip in the active embedding space, nearest first (cosine),
 * the clip itself left out. With `diversify`, MMR (λ = 0.7) and the artist cap re-rank them.
 * Depends on the request only.
 */
export async function similarTracks(rec: Recommender, q: SimilarQuery, audience: Audience = { detail: false }): Promise<RecommendResponse> {
  const index = await rec.index();
  if (!index) throw notFound('No embeddings yet: the catalog has no extracted features');
  const [seedMeta] = (await clipMeta(rec.db, [q.clipId])).values();
  const seed = seedMeta ? await index.getVector(q.clipId) : null;
  if (!seedMeta || !seed) throw notFound(`Clip ${q.clipId} is not in the recommender's catalog`);
  const pool = await candidatePool(rec, index, { query: seed, k: q.k, excludeIds: [q.clipId], filters: { tempoRange: null, energyRange: null } });
  const candidates = await toCandidates(rec, pool, { source: null, tags: [], popularity: false });
  const ranked = rankCandidates(
    candidates,
    { personalization: false, seed, excludeIds: [q.clipId], embeddingVersion: index.versionId },
    { ...DEFAULT_RANK_PARAMS, k: q.k, ...(q.diversify ? {} : { lambda: 1, maxPerArtist: q.k }) },
  );
  const results = present(ranked, pool, candidates, audience).map((t) => ({ ...t, why: t.why.replace('the chosen track', `“${seedMeta.title}”`) }));
  return {
    embeddingVersion: index.versionId,
    backend: index.backend,
    moodSource: null,
    personalization: false,
    seed: { clipId: seedMeta.id, title: seedMeta.title, artist: seedMeta.artist },
    results,
  };
}

/** Tracks for a mood blend within optional tempo and energy ranges; MMR and the artist cap apply. Depends on the request only. */
export async function moodTracks(rec: Recommender, q: MoodQuery, audience: Audience = { detail: false }): Promise<RecommendResponse> {
  const blend = await validBlend(rec, q.blend);
  const filters = rangesOf(q);
  const index = await rec.index();
  if (!index) return emptyResponse(false);
  return rankForContext(rec, index, { personalization: false, moodBlend: blend, ...filters }, { k: q.k, excludeIds: [], audience });
}

async function rankForContext(
  rec: Recommender,
  index: AnnIndex,
  ctx: RankContext & Filters,
  options: {
    k: number;
    excludeIds: readonly string[];
    cooccurrence?: Map<string, number>;
    sessionId?: string;
    audience: Audience;
    /** A ranking A/B experiment's setting for this session, or its exploration arm's. */
    params?: Partial<RankParams>;
    /** The exploration bandit's arm for this session (its setting is `params`) and the greedy arm. */
    exploration?: SessionExploration | null;
  },
): Promise<RecommendResponse> {
  const tags = ctx.moodBlend ? Object.keys(ctx.moodBlend) : [];
  const source = tags.length > 0 ? await rec.moodSource() : null;
  const directions = source ? await rec.moodDirections(index.versionId, source, tags, index.size) : {};
  const context: RankContext = { ...ctx, embeddingVersion: index.versionId };
  const query = retrievalQuery(context, directions);
  const extraIds = options.cooccurrence
    ? [...options.cooccurrence.entries()].sort((a, b) => b[1] - a[1]).slice(0, COOCCURRENCE_EXTRA).map(([id]) => id)
    : [];
  const pool = await candidatePool(rec, index, { query, k: options.k, excludeIds: options.excludeIds, extraIds, filters: ctx });
  const candidates = await toCandidates(rec, pool, {
    source,
    tags,
    cooccurrence: options.cooccurrence,
    popularity: ctx.personalization,
  });
  let ranked = rankCandidates(candidates, context, { ...DEFAULT_RANK_PARAMS, ...options.params, k: options.k });
  const exploration = options.exploration;
  if (exploration && exploration.arm.key !== exploration.greedy.key) {
    const usual = rankCandidates(candidates, context, { ...DEFAULT_RANK_PARAMS, ...armParams(exploration.greedy), k: options.k });
    ranked = labelExplorationPicks(ranked, usual, exploration.arm);
  }
  return {
    embeddingVersion: index.versionId,
    backend: index.backend,
    moodSource: source?.kind ?? null,
    personalization: ctx.personalization,
    ...(options.sessionId ? { sessionId: options.sessionId } : {}),
    results: present(ranked, pool, candidates, options.audience, tags),
  };
}

// ---------------------------------------------------------------------------------------------
// Listener sessions

export async function startListenerSession(rec: Recommender, input: CreateSessionInput): Promise<{ sessionId: string; personalization: boolean }> {
  const row = await createListenerSession(rec.db, input.personalization);
  return { sessionId: row.id, personalization: row.personalization };
}

async function requireSession(db: DbOrTx, id: string, forUpdate = false): Promise<SessionRow> {
  const row = await getListenerSession(db, id, forUpdate);
  if (!row) throw notFound('No such listener session (it may have expired); start a new one');
  return row;
}

/**
 * The session's state in `index`'s embedding space: the stored one when it was built there,
 * else rebuilt by replaying the stored events with this version's embeddings (after a
 * version switch or rollback, or after retention cleared it). O(events·d).
 */
async function sessionStateIn(db: DbOrTx, session: SessionRow, index: AnnIndex): Promise<{ state: SessionState; rebuilt: boolean }> {
  let state: SessionState | null = null;
  try {
    state = parseSessionState(session.state);
  } catch {
    state = null; // empty ('{}') or from an older shape: rebuild
  }
  if (state && state.embeddingVersion === index.versionId && state.dim === index.dim) return { state, rebuilt: false };
  const events = await listSessionEvents(db, session.id);
  const vectors = await embeddingsOf(db, index.versionId, events.map((e) => e.clipId));
  return { state: replaySession(events, (id) => vectors.get(id) ?? null, index.dim, index.versionId), rebuilt: true };
}

/**
 * Records one feedback event and folds it into the session vector, in one transaction that
 * holds the session row (two events of one session cannot lose each other's update).
 */
export async function recordListenerEvent(
  rec: Recommender,
  sessionId: string,
  input: ListenEventInput,
): Promise<{ sessionId: string; embeddingVersion: number | null; events: number; likes: number }> {
  const index = await rec.indexFor(await requireSession(rec.db, sessionId));
  // Read before the transaction: on PGlite a read outside it would wait for it forever.
  const { exploration } = await getProjectSettings(rec.db);
  return rec.db.transaction(async (tx) => {
    // Inside the transaction every read goes through `tx`: on PGlite another query would wait for it forever.
    const session = await requireSession(tx, sessionId, true);
    const clip = await clipForEvent(tx, input.clipId);
    if (!clip) throw notFound(`Clip ${input.clipId} is not in the recommender's catalog`);
    // The bandit learns from the sessions it serves (while it is on), from each track's first reaction.
    if (exploration && session.personalization && session.banditArm && input.type !== 'play' && !(await hasReacted(tx, sessionId, input.clipId))) {
      await creditBanditArm(tx, session.banditArm, input.type === 'like');
    }
    const servedBy =
      input.embeddingVersion !== undefined && (await embeddingVersionById(tx, input.embeddingVersion)) !== null
        ? input.embeddingVersion
        : (index?.versionId ?? null);
    await insertListenerEvent(tx, {
      sessionId,
      clipId: input.clipId,
      kind: input.type,
      positionS: input.positionS ?? null,
      embeddingVersion: servedBy,
    });
    // No embedding version yet (no features extracted): the event is kept; the state is built on first use.
    if (!index) {
      await saveSessionState(tx, sessionId, {});
      return { sessionId, embeddingVersion: null, events: 0, likes: 0 };
    }
    const { state: current, rebuilt } = await sessionStateIn(tx, session, index);
    // A rebuild replayed the stored events, this one included.
    const state = rebuilt
      ? current
      : updateSessionVector(
          current,
          { type: input.type, clipId: input.clipId, at: Date.now(), positionS: input.positionS ?? null, durationS: clip.durationS, tempoBpm: clip.tempoBpm },
          (await embeddingsOf(tx, index.versionId, [input.clipId])).get(input.clipId) ?? null,
        );
    await saveSessionState(tx, sessionId, state);
    return { sessionId, embeddingVersion: index.versionId, events: state.events, likes: state.likes.length };
  });
}

/**
 * The next tracks for a session: hybrid ranking (./rank) of ANN candidates around the blend
 * of the session direction and the requested mood, with co-occurrence in other sessions'
 * likes, novelty, MMR diversity and the artist cap; already-heard tracks are left out. A ranking
 * experiment's arm sets λ and the cap, else, with exploration on, the session's bandit arm
 * (./exploration). With personalization off none of the session, its history, other listeners,
 * popularity or the bandit is read: the answer depends on the request only.
 */
export async function nextTracks(
  rec: Recommender,
  sessionId: string,
  q: NextQuery,
  audience: Audience = { detail: false },
): Promise<RecommendResponse> {
  const session = await requireSession(rec.db, sessionId);
  const personalization = q.personalization ?? session.personalization;
  const blend = await validBlend(rec, q.mood);
  const filters = rangesOf(q);
  const index = await rec.indexFor(session);
  if (!index) return emptyResponse(personalization, { sessionId });
  const params = await rec.rankingFor(session);
  if (!personalization) {
    return rankForContext(rec, index, { personalization: false, moodBlend: blend, ...filters }, { k: q.k, excludeIds: [], sessionId, audience, params });
  }
  const { state, rebuilt } = await sessionStateIn(rec.db, session, index);
  if (rebuilt) await saveSessionStateIfUnchanged(rec.db, session.id, state, session.state);
  const likes = state.likes.map((l) => l.clipId);
  const cooccurrence = likes.length > 0 ? cooccurrenceScores(likes, await otherSessionsLikes(rec.db, sessionId, likes)) : new Map<string, number>();
  // Null for a session in an experiment's or canary's arm: `params` (the experiment's) stand.
  const exploration = await explorationFor(rec, session, true);
  return rankForContext(
    rec,
    index,
    { personalization: true, session: state, moodBlend: blend, ...filters },
    { k: q.k, excludeIds: state.seen, cooccurrence, sessionId, audience, params: exploration ? armParams(exploration.arm) : params, exploration },
  );
}

// ---------------------------------------------------------------------------------------------
// Audio, KPIs, retention

/**
 * The audio of a clip listeners may hear (not failed, in the served embedding version), else
 * 404. Gold clips answer like any other clip (see the note at the top of ./repo).
 */
export async function listenerAudio(rec: Recommender, clipId: string): Promise<{ audioKey: string; mime: string | null }> {
  const index = await rec.index();
  const row = index ? await listenableAudio(rec.db, clipId, index.versionId) : null;
  if (!row) throw notFound('No such track');
  if (!row.audioKey) throw notFound('The audio of this track was deleted under the retention policy');
  return { audioKey: row.audioKey, mime: row.mime };
}

export async function listenerKpis(rec: Recommender, days: number): Promise<KpiResponse> {
  return { days, versions: await listenKpis(rec.db, days) };
}

/** Deletes listener feedback older than the project's `feedbackRetentionDays` (see repo). */
export async function applyFeedbackRetention(handle: DbHandle): Promise<{ days: number; events: number; sessions: number; resetSessions: number }> {
  const { feedbackRetentionDays: days } = await getProjectSettings(handle.db);
  return { days, ...(await deleteExpiredListenerData(handle.db, days)) };
}
