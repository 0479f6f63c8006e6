/**
 * The recommender's database access: candidate metadata, mood scores, listener sessions and
 * events, KPIs and retention (embedding versions, and the handcrafted-feature fallback version,
 * are lib/embeddings'; the queries here that join `clip_embeddings` with clips or scores stay
 * single statements on the hot path). drizzle's `sql` template through `execRows`, on a database or an open transaction
 * (`DbOrTx`), so the same statements run on PGlite and on postgres.js; a transaction is drizzle's
 * `transaction`, which holds one connection for its whole length on a pool.
 *
 * What listeners may see: every clip that is not failed — gold (honeypot) clips included, on
 * exactly the same terms as any other clip. These routes are public, so leaving gold out (a 404,
 * "not in the catalog", a gap in the results) would tell any contributor which clips are gold
 * (issue 22, finding 1). Nothing here may depend on whether a clip is gold, except that a gold
 * answer is never used as a clip's mood (see {@link moodRowsSql}).
 *
 * Mood scores come from the active model's predictions (computed the same way for every clip),
 * or, before any model, from *settled* crowd labels only (consensus or expert decision): the
 * posterior of a clip still being voted on is other people's votes, which contributors must
 * not see before voting.
 *
 * Arrays are bound as one parameter with `sql.param` (inside drizzle's template a bare array
 * would become a parenthesised list of parameters).
 */
import { randomBytes } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import { execRows, type DbOrTx } from '@/db/client';
import type { EmbeddingRow } from './ann-index';
import type { FeedbackEvent } from './session';
import { dict } from '@/lib/util/dict';

// ---------------------------------------------------------------------------------------------
// Candidates

export interface ClipMeta {
  id: string;
  title: string;
  artist: string;
  durationS: number | null;
  tempoBpm: number | null;
  lufs: number | null;
  playbackGainDb: number;
  hasAudio: boolean;
}

/**
 * The clips the recommender may serve: all but failed ones. Deliberately no gold test here
 * (nor anywhere on the listener routes): gold clips must answer with the same status, body,
 * ordering and timing as other clips, or these public routes become a gold oracle.
 */
const LISTABLE = sql`c.status <> 'failed'`;

/** Metadata of the listable clips among `ids` (failed clips are left out; gold clips are not special). */
export async function clipMeta(db: DbOrTx, ids: readonly string[]): Promise<Map<string, ClipMeta>> {
  const out = new Map<string, ClipMeta>();
  if (ids.length === 0) return out;
  const rows = await execRows<{
    id: string;
    title: string;
    artist: string;
    duration_s: number | null;
    tempo_bpm: number | null;
    lufs: number | null;
    playback_gain_db: number;
    has_audio: boolean;
  }>(
    db,
    sql`select c.id::text as id, c.title, c.artist, c.duration_s, f.tempo_bpm, f.lufs, c.playback_gain_db,
               (c.audio_key is not null) as has_audio
          from clips c
          left join lateral (select tempo_bpm, lufs from clip_features x where x.clip_id = c.id
                              order by x.created_at desc limit 1) f on true
         where c.id = any(${sql.param([...new Set(ids)])}::uuid[]) and ${LISTABLE}`,
  );
  for (const r of rows) {
    out.set(r.id, {
      id: r.id,
      title: r.title,
      artist: r.artist,
      durationS: r.duration_s === null ? null : Number(r.duration_s),
      tempoBpm: r.tempo_bpm === null ? null : Number(r.tempo_bpm),
      lufs: r.lufs === null ? null : Number(r.lufs),
      playbackGainDb: Number(r.playback_gain_db),
      hasAudio: Boolean(r.has_audio),
    });
  }
  return out;
}

/** The clip's audio key if listeners may hear it (listable and in the given embedding version). */
export async function listenableAudio(
  db: DbOrTx,
  clipId: string,
  versionId: number,
): Promise<{ audioKey: string | null; mime: string | null } | null> {
  const [row] = await execRows<{ audio_key: string | null; mime: string | null }>(
    db,
    sql`select c.audio_key, c.mime from clips c
         where c.id = ${clipId} and ${LISTABLE}
           and exists (select 1 from clip_embeddings e where e.version_id = ${versionId} and e.clip_id = c.id)`,
  );
  return row ? { audioKey: row.audio_key, mime: row.mime } : null;
}

export interface CandidateFilter {
  tempoMin?: number;
  tempoMax?: number;
  lufsMin?: number;
  lufsMax?: number;
}

/**
 * Up to `limit` listable clips of a version with their embeddings, in a fixed pseudo-random
 * order (md5 of the id): the candidate pool when there is nothing to search with yet (a fresh
 * session without mood), and the top-up when hard tempo/energy filters emptied the ANN pool.
 * Depends on the arguments only.
 */
export async function sampleCandidates(
  db: DbOrTx,
  versionId: number,
  limit: number,
  filter: CandidateFilter = {},
  excludeIds: readonly string[] = [],
): Promise<EmbeddingRow[]> {
  const conds: SQL[] = [];
  if (filter.tempoMin !== undefined) conds.push(sql`and f.tempo_bpm >= ${filter.tempoMin}`);
  if (filter.tempoMax !== undefined) conds.push(sql`and f.tempo_bpm <= ${filter.tempoMax}`);
  if (filter.lufsMin !== undefined) conds.push(sql`and f.lufs >= ${filter.lufsMin}`);
  if (filter.lufsMax !== undefined) conds.push(sql`and f.lufs <= ${filter.lufsMax}`);
  const features =
    conds.length > 0
      ? sql`join lateral (select tempo_bpm, lufs from clip_features x where x.clip_id = c.id
                           order by x.created_at desc limit 1) f on true`
      : sql``;
  const rows = await execRows<{ id: string; embedding: number[] }>(
    db,
    sql`select e.clip_id::text as id, e.embedding
          from clip_embeddings e join clips c on c.id = e.clip_id
          ${features}
         where e.version_id = ${versionId} and ${LISTABLE} and not (e.clip_id = any(${sql.param([...excludeIds])}::uuid[]))
           ${sql.join(conds, sql` `)}
         order by md5(e.clip_id::text)
         limit ${limit}`,
  );
  return rows.map((r) => ({ id: r.id, embedding: r.embedding.map(Number) }));
}

/**
 * LUFS quantiles of the catalog (101 points, 0 %, 1 %, …, 100 %): energy is a clip's loudness
 * percentile, so it means the same on any catalog whatever its mastering level.
 */
export async function lufsQuantiles(db: DbOrTx): Promise<number[]> {
  const [row] = await execRows<{ q: number[] | null }>(
    db,
    sql`select percentile_cont((select array_agg(g / 100.0)::float8[] from generate_series(0, 100) g))
                 within group (order by f.lufs) as q
          from (select distinct on (clip_id) lufs from clip_features order by clip_id, created_at desc) f
         where f.lufs is not null and f.lufs <> 'NaN'::real`,
  );
  return (row?.q ?? []).map(Number);
}

// ---------------------------------------------------------------------------------------------
// Mood scores

export type MoodSource = { kind: 'model'; modelId: number; tags: string[] } | { kind: 'crowd' };

/** The active model if there is one, else settled crowd labels if any exist, else null. */
export async function moodSource(db: DbOrTx): Promise<MoodSource | null> {
  const [model] = await execRows<{ id: number; tag_keys: string[] }>(
    db,
    sql`select m.id, m.tag_keys from models m where m.status = 'active'
           and exists (select 1 from predictions p where p.model_id = m.id) limit 1`,
  );
  if (model) return { kind: 'model', modelId: Number(model.id), tags: model.tag_keys };
  const crowd = await execRows(
    db,
    sql`select 1 from aggregates a join clips c on c.id = a.clip_id
         where c.label_state in ('consensus', 'expert_resolved') limit 1`,
  );
  return crowd.length > 0 ? { kind: 'crowd' } : null;
}

/**
 * `(clip_id, tag, prob)` rows of the source for `tags`, as a SQL fragment.
 *
 * Crowd source: a gold clip's aggregates are its gold answer (the aggregator clamps gold tags),
 * and gold clips keep being served to contributors, so they have no crowd mood here — the same
 * as every clip a contributor is served (those are still open, and open clips have no settled
 * label either). The model source treats every clip alike.
 */
function moodRowsSql(source: MoodSource, tags: readonly string[]): SQL {
  const tagList = sql`${sql.param([...tags])}::text[]`;
  return source.kind === 'model'
    ? sql`select p.clip_id, t.tag, p.probs[t.ord]::float8 as prob
            from predictions p join models m on m.id = p.model_id,
                 unnest(m.tag_keys) with ordinality t(tag, ord)
           where p.model_id = ${source.modelId} and t.tag = any(${tagList})`
    : sql`select a.clip_id, a.tag, a.posterior::float8 as prob
            from aggregates a join clips c on c.id = a.clip_id
           where c.label_state in ('consensus', 'expert_resolved') and a.tag = any(${tagList})
             and not exists (select 1 from gold_answers g where g.clip_id = a.clip_id)`;
}

/** Per-clip tag probabilities of some clips (clips without scores are absent). */
export async function moodProbs(
  db: DbOrTx,
  source: MoodSource,
  ids: readonly string[],
  tags: readonly string[],
): Promise<Map<string, Record<string, number>>> {
  const out = new Map<string, Record<string, number>>();
  if (ids.length === 0 || tags.length === 0) return out;
  const rows = await execRows<{ clip_id: string; tag: string; prob: number }>(
    db,
    sql`select clip_id::text as clip_id, tag, prob from (${moodRowsSql(source, tags)}) m
         where m.clip_id = any(${sql.param([...new Set(ids)])}::uuid[])`,
  );
  for (const r of rows) {
    const probs = out.get(r.clip_id) ?? {};
    probs[r.tag] = Number(r.prob);
    out.set(r.clip_id, probs);
  }
  return out;
}

/** Clips a mood direction is estimated from at most (a uniform sample beyond that: the estimate's error shrinks as 1/√n). */
export const MOOD_DIRECTION_SAMPLE = 20_000;

/**
 * A direction in embedding space per tag: c_tag = Σ_i (p_i − p̄)·ê_i over the version's
 * clips that have a score, ê the unit embedding. Centring the weights makes it point from
 * tag-less toward tag-carrying clips (the covariance of the tag with each dimension) instead
 * of toward the catalog's mean, which raw means of non-centred embeddings all share. Only the
 * direction is used, so on a catalog larger than {@link MOOD_DIRECTION_SAMPLE} a fixed
 * Bernoulli sample of that many clips estimates it (REPEATABLE: the same sample every time).
 * O(min(n, sample)·d) per tag in SQL; the runtime caches it per version and source.
 */
export async function moodDirections(
  db: DbOrTx,
  versionId: number,
  source: MoodSource,
  tags: readonly string[],
  versionSize = 0,
): Promise<Record<string, number[]>> {
  if (tags.length === 0) return {};
  const percent = versionSize > MOOD_DIRECTION_SAMPLE ? Math.max(0.001, (100 * MOOD_DIRECTION_SAMPLE) / versionSize) : null;
  // TABLESAMPLE takes a constant; the percentage is a number computed here.
  const sample = percent === null ? sql`` : sql.raw(`tablesample bernoulli (${percent.toFixed(4)}) repeatable (7)`);
  const rows = await execRows<{ tag: string; i: number; s: number }>(
    db,
    sql`with e as (
          select clip_id, embedding, sqrt((select sum(x * x) from unnest(embedding) x)) as norm
            from clip_embeddings ${sample}
           where version_id = ${versionId}
        ),
        p as (select m.clip_id, m.tag, m.prob from (${moodRowsSql(source, tags)}) m join e using (clip_id)),
        pm as (select tag, avg(prob) as mean from p group by tag)
        select p.tag, u.i::int as i, sum((p.prob - pm.mean) * u.v / e.norm)::float8 as s
          from p join pm using (tag) join e using (clip_id), unnest(e.embedding) with ordinality u(v, i)
         where e.norm > 0
         group by p.tag, u.i
         order by p.tag, u.i`,
  );
  // Null-prototype: with `{}`, a tag named `constructor` found Object there and `.push` threw.
  const out = dict<number[]>();
  for (const r of rows) (out[r.tag] ??= []).push(Number(r.s));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Listener sessions and events

export interface SessionRow {
  id: string;
  personalization: boolean;
  state: unknown;
  /** When the session began: a canary serves only sessions created after it started. */
  createdAt: Date;
  updatedAt: Date;
  /** The exploration bandit's arm for this session (lib/recommend/exploration.ts), once it has one. */
  banditArm: string | null;
}

interface SessionDbRow {
  id: string;
  personalization: boolean;
  state: unknown;
  bandit_arm: string | null;
  created_at: Date | string;
  updated_at: Date | string;
}

const toSession = (row: SessionDbRow): SessionRow => ({
  id: row.id,
  personalization: row.personalization,
  state: row.state,
  createdAt: new Date(row.created_at),
  updatedAt: new Date(row.updated_at),
  banditArm: row.bandit_arm,
});

/** A new anonymous session: 18 random bytes as url-safe base64, nothing else about the listener. */
export async function createListenerSession(db: DbOrTx, personalization: boolean): Promise<SessionRow> {
  const id = randomBytes(18).toString('base64url');
  const [row] = await execRows<SessionDbRow>(
    db,
    sql`insert into listener_sessions (id, personalization, state) values (${id}, ${personalization}, '{}'::jsonb)
        returning id, personalization, state, bandit_arm, created_at, updated_at`,
  );
  return toSession(row);
}

export async function getListenerSession(db: DbOrTx, id: string, forUpdate = false): Promise<SessionRow | null> {
  const [row] = await execRows<SessionDbRow>(
    db,
    sql`select id, personalization, state, bandit_arm, created_at, updated_at from listener_sessions
         where id = ${id} ${forUpdate ? sql`for update` : sql``}`,
  );
  return row ? toSession(row) : null;
}

export async function saveSessionState(db: DbOrTx, id: string, state: unknown): Promise<void> {
  await db.execute(
    sql`update listener_sessions set state = ${JSON.stringify(state)}::jsonb, updated_at = now() where id = ${id}`,
  );
}

/** Stores a state rebuilt by a read, unless an event changed the session meanwhile (then that write wins). */
export async function saveSessionStateIfUnchanged(db: DbOrTx, id: string, state: unknown, previous: unknown): Promise<boolean> {
  const rows = await execRows(
    db,
    sql`update listener_sessions set state = ${JSON.stringify(state)}::jsonb
         where id = ${id} and state = ${JSON.stringify(previous)}::jsonb returning id`,
  );
  return rows.length > 0;
}

export async function insertListenerEvent(
  db: DbOrTx,
  e: { sessionId: string; clipId: string; kind: string; positionS: number | null; embeddingVersion: number | null },
): Promise<void> {
  await db.execute(
    sql`insert into listener_events (session_id, clip_id, kind, position_s, embedding_version)
        values (${e.sessionId}, ${e.clipId}, ${e.kind}, ${e.positionS}, ${e.embeddingVersion})`,
  );
}

/**
 * Gives the session its exploration arm unless it already has one; answers the arm it has (two
 * first requests of one session racing agree on the first one written).
 */
export async function claimSessionBanditArm(db: DbOrTx, sessionId: string, arm: string): Promise<string | null> {
  const [row] = await execRows<{ bandit_arm: string | null }>(
    db,
    sql`update listener_sessions set bandit_arm = coalesce(bandit_arm, ${arm}) where id = ${sessionId} returning bandit_arm`,
  );
  return row?.bandit_arm ?? null;
}

/** Whether the session already liked, skipped or disliked the clip (the bandit counts a track's first reaction only). */
export async function hasReacted(db: DbOrTx, sessionId: string, clipId: string): Promise<boolean> {
  const rows = await execRows<{ one: number }>(
    db,
    sql`select 1 as one from listener_events
         where session_id = ${sessionId} and clip_id = ${clipId} and kind in ('like', 'skip', 'dislike') limit 1`,
  );
  return rows.length > 0;
}

/** Facts about one clip that a feedback event needs (null when the clip is not listable). */
export async function clipForEvent(
  db: DbOrTx,
  clipId: string,
): Promise<{ durationS: number | null; tempoBpm: number | null } | null> {
  const meta = await clipMeta(db, [clipId]);
  const m = meta.get(clipId);
  return m ? { durationS: m.durationS, tempoBpm: m.tempoBpm } : null;
}

/** The session's most recent events (oldest first), as the session model folds them. */
export async function listSessionEvents(db: DbOrTx, sessionId: string, limit = 500): Promise<FeedbackEvent[]> {
  const rows = await execRows<{
    clip_id: string;
    kind: FeedbackEvent['type'];
    position_s: number | null;
    at: Date | string;
    duration_s: number | null;
    tempo_bpm: number | null;
  }>(
    db,
    sql`select * from (
          select e.id, e.clip_id::text as clip_id, e.kind, e.position_s, e.created_at as at, c.duration_s,
                 (select tempo_bpm from clip_features x where x.clip_id = e.clip_id
                   order by x.created_at desc limit 1) as tempo_bpm
            from listener_events e join clips c on c.id = e.clip_id
           where e.session_id = ${sessionId}
           order by e.id desc limit ${limit}) r
        order by r.id`,
  );
  return rows.map((r) => ({
    type: r.kind,
    clipId: r.clip_id,
    at: new Date(r.at).getTime(),
    positionS: r.position_s === null ? null : Number(r.position_s),
    durationS: r.duration_s === null ? null : Number(r.duration_s),
    tempoBpm: r.tempo_bpm === null ? null : Number(r.tempo_bpm),
  }));
}

/**
 * Like-sets of other sessions that share at least one like with `likedIds` (the most recent
 * 500 such sessions, up to 200 likes each): the input of `cooccurrenceScores`.
 */
export async function otherSessionsLikes(db: DbOrTx, sessionId: string, likedIds: readonly string[]): Promise<string[][]> {
  if (likedIds.length === 0) return [];
  const rows = await execRows<{ likes: string[] }>(
    db,
    sql`with peers as (
          select session_id, max(id) as last from listener_events
           where kind = 'like' and clip_id = any(${sql.param([...likedIds])}::uuid[]) and session_id <> ${sessionId}
           group by session_id order by max(id) desc limit 500
        )
        select (array_agg(distinct e.clip_id::text))[1:200] as likes
          from listener_events e join peers p using (session_id)
         where e.kind = 'like'
         group by e.session_id`,
  );
  return rows.map((r) => r.likes);
}

/** Plays and likes per clip over the last `days` (the popularity behind the novelty signal). */
export async function playCounts(db: DbOrTx, days = 30): Promise<Map<string, number>> {
  const rows = await execRows<{ clip_id: string; n: number }>(
    db,
    sql`select clip_id::text as clip_id, count(*)::int as n from listener_events
         where kind in ('play', 'like') and created_at > now() - make_interval(days => ${days})
         group by clip_id`,
  );
  return new Map(rows.map((r) => [r.clip_id, Number(r.n)]));
}

// ---------------------------------------------------------------------------------------------
// KPIs and retention

export interface KpiRow {
  embeddingVersion: number | null;
  source: string | null;
  sessions: number;
  events: number;
  tracks: number;
  plays: number;
  skips: number;
  likes: number;
  dislikes: number;
  skipRate: number | null;
  likeRate: number | null;
  meanSessionTracks: number | null;
  meanSessionMinutes: number | null;
}

/** Listener KPIs per embedding version over the last `days`. One grouped scan of the window. */
export async function listenKpis(db: DbOrTx, days: number): Promise<KpiRow[]> {
  const rows = await execRows<{
    version: number | null;
    source: string | null;
    sessions: number;
    events: number;
    tracks: number;
    plays: number;
    skips: number;
    likes: number;
    dislikes: number;
    mean_tracks: number | null;
    mean_minutes: number | null;
  }>(
    db,
    sql`with w as (
          select * from listener_events where created_at > now() - make_interval(days => ${days})
        ),
        per_session as (
          select embedding_version, session_id, count(distinct clip_id) as tracks,
                 extract(epoch from max(created_at) - min(created_at)) / 60 as minutes
            from w group by embedding_version, session_id
        )
        select w.embedding_version as version, v.source,
               count(distinct w.session_id)::int as sessions, count(*)::int as events,
               count(distinct (w.session_id, w.clip_id))::int as tracks,
               count(*) filter (where kind = 'play')::int as plays,
               count(*) filter (where kind = 'skip')::int as skips,
               count(*) filter (where kind = 'like')::int as likes,
               count(*) filter (where kind = 'dislike')::int as dislikes,
               (select avg(tracks)::float8 from per_session s
                 where s.embedding_version is not distinct from w.embedding_version) as mean_tracks,
               (select avg(minutes)::float8 from per_session s
                 where s.embedding_version is not distinct from w.embedding_version) as mean_minutes
          from w left join embedding_versions v on v.id = w.embedding_version
         group by w.embedding_version, v.source
         order by w.embedding_version desc nulls last`,
  );
  return rows.map((r) => {
    const tracks = Number(r.tracks);
    return {
      embeddingVersion: r.version === null ? null : Number(r.version),
      source: r.source,
      sessions: Number(r.sessions),
      events: Number(r.events),
      tracks,
      plays: Number(r.plays),
      skips: Number(r.skips),
      likes: Number(r.likes),
      dislikes: Number(r.dislikes),
      skipRate: tracks > 0 ? Number(r.skips) / tracks : null,
      likeRate: tracks > 0 ? Number(r.likes) / tracks : null,
      meanSessionTracks: r.mean_tracks === null ? null : Number(r.mean_tracks),
      meanSessionMinutes: r.mean_minutes === null ? null : Number(r.mean_minutes),
    };
  });
}

/**
 * Privacy retention for listener feedback: deletes events older than `days`, and sessions
 * idle that long (with whatever is left of them). A session that lost some events but is
 * still in use gets its derived state cleared, so its vector and seen-list are rebuilt from
 * the events that remain on the next request — nothing older than the window survives in it.
 * Batched by `limit` rows per statement so a large backlog never holds long locks; returns
 * what it deleted.
 */
export async function deleteExpiredListenerData(
  db: DbOrTx,
  days: number,
  limit = 10_000,
): Promise<{ events: number; sessions: number; resetSessions: number }> {
  let events = 0;
  const touched = new Set<string>();
  for (;;) {
    const rows = await execRows<{ session_id: string }>(
      db,
      sql`delete from listener_events where id in (
            select id from listener_events where created_at < now() - make_interval(days => ${days})
             order by id limit ${limit})
          returning session_id`,
    );
    events += rows.length;
    for (const r of rows) touched.add(r.session_id);
    if (rows.length < limit) break;
  }
  const gone = await execRows<{ id: string }>(
    db,
    sql`delete from listener_sessions where updated_at < now() - make_interval(days => ${days}) returning id`,
  );
  for (const g of gone) touched.delete(g.id);
  let resetSessions = 0;
  if (touched.size > 0) {
    const reset = await execRows(
      db,
      sql`update listener_sessions set state = '{}'::jsonb where id = any(${sql.param([...touched])}::text[]) returning id`,
    );
    resetSessions = reset.length;
  }
  return { events, sessions: gone.length, resetSessions };
}
