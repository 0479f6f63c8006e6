/**
 * The recommender's database access: embedding versions (and the handcrafted-feature
 * fallback version), candidate metadata, mood scores, listener sessions and events, KPIs and
 * retention. Raw SQL through a {@link SqlRunner} (a database handle or an open transaction),
 * so the same statements run on PGlite and on postgres.js.
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
 */
import { randomBytes } from 'node:crypto';
import type { DbHandle } from '@/db/client';
import type { Sql } from 'postgres';
import type { EmbeddingRow, SqlRunner } from './ann-index';
import { pgVectorIndexName } from './pgvector-index';
import { pgliteSqlRunner, postgresSqlRunner } from './sql-runners';
import type { FeedbackEvent } from './session';
import { dict } from '@/lib/util/dict';

// ---------------------------------------------------------------------------------------------
// Handles

/** A {@link SqlRunner} with transactions over the process's database handle (PGlite or postgres.js). */
export function sqlRunnerFor(handle: DbHandle): SqlRunner {
  if (handle.pglite) return pgliteSqlRunner(handle.pglite);
  // drizzle keeps the postgres.js client it was built from; `begin` pins one pooled connection.
  const client = (handle.db as unknown as { $client?: Sql }).$client;
  if (client && typeof client.begin === 'function') return postgresSqlRunner(client);
  return { query: (text, params) => handle.query(text, params) };
}

function runnerOf(db: DbHandle | SqlRunner): SqlRunner {
  return 'mode' in db ? sqlRunnerFor(db) : db;
}

async function inTransaction<T>(sql: SqlRunner, fn: (tx: SqlRunner) => Promise<T>): Promise<T> {
  if (sql.transaction) return sql.transaction(fn);
  await sql.query('begin');
  try {
    const out = await fn(sql);
    await sql.query('commit');
    return out;
  } catch (err) {
    await sql.query('rollback').catch(() => {});
    throw err;
  }
}

// ---------------------------------------------------------------------------------------------
// Embedding versions

export interface ActiveVersion {
  id: number;
  dim: number;
  source: string;
  count: number;
  createdAt: Date;
}

/** The active embedding version, one indexed row (the partial unique index allows one). */
export async function activeEmbeddingVersion(sql: SqlRunner): Promise<ActiveVersion | null> {
  const [row] = await sql.query<{ id: number; dim: number; source: string; count: number; created_at: Date }>(
    `select id, dim, source, count, created_at from embedding_versions where status = 'active' limit 1`,
  );
  return row ? { id: Number(row.id), dim: Number(row.dim), source: row.source, count: Number(row.count), createdAt: new Date(row.created_at) } : null;
}

/** One embedding version by id, whatever its status (a canary's is 'ready'). */
export async function embeddingVersionById(sql: SqlRunner, id: number): Promise<ActiveVersion | null> {
  const [row] = await sql.query<{ id: number; dim: number; source: string; count: number; created_at: Date }>(
    `select id, dim, source, count, created_at from embedding_versions where id = $1`,
    [id],
  );
  return row ? { id: Number(row.id), dim: Number(row.dim), source: row.source, count: Number(row.count), createdAt: new Date(row.created_at) } : null;
}

export async function embeddingVersionExists(sql: SqlRunner, id: number): Promise<boolean> {
  const rows = await sql.query(`select 1 from embedding_versions where id = $1`, [id]);
  return rows.length > 0;
}

/** Embeddings of some clips in one version (absent clips are missing from the map). */
export async function embeddingsOf(sql: SqlRunner, versionId: number, ids: readonly string[]): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  if (ids.length === 0) return out;
  const rows = await sql.query<{ id: string; embedding: number[] }>(
    `select clip_id::text as id, embedding from clip_embeddings where version_id = $1 and clip_id = any($2::uuid[])`,
    [versionId, [...new Set(ids)]],
  );
  for (const r of rows) out.set(r.id, r.embedding.map(Number));
  return out;
}

/** Feature-fallback versions kept after a newer one replaces them (for rollback). */
const KEEP_FEATURE_VERSIONS = 3;

/** Serialises feature-embedding builds across processes (pg_advisory_xact_lock key). */
const FEATURE_BUILD_LOCK = 731_820_501;

export interface EnsureResult {
  versionId: number;
  /** True when this call built and activated a new 'features' version. */
  created: boolean;
  source: string;
}

/**
 * Until a model pushes embeddings, the handcrafted feature vectors serve as embeddings.
 *
 * When no embedding version is active — or the active one is a 'features' version and the
 * features changed since (new clips extracted, an extractor upgrade: `feature_stats` refreshed
 * after the version was built) — builds a version from `clip_features` of the extractor
 * version with the most clips: each vector standardised with that version's `feature_stats`
 * (z = (x − mean) / std, 0 where std = 0 or x is not finite), then L2-normalised; zero
 * vectors are left out (no cosine direction). Source 'features'. A version pushed by a model
 * is never replaced.
 *
 * Idempotent and concurrency-safe: one transaction takes an advisory lock (concurrent callers,
 * in any process, queue behind it and then find the work done), re-checks, inserts the rows
 * of a 'building' version, then — under a SHARE ROW EXCLUSIVE lock on embedding_versions that
 * a model push's UPDATE must wait for — checks once more that no model version became active
 * meanwhile, retires the old version and activates the new one. Readers see the old or the
 * new complete set, never a half-built one. Returns the active version (null when there are
 * no features yet). O(n·d) in SQL.
 */
export async function ensureFeatureEmbeddings(db: DbHandle | SqlRunner): Promise<EnsureResult | null> {
  const sql = runnerOf(db);
  const quick = await featureEmbeddingPlan(sql);
  if (quick.action === 'keep') return quick.result;
  if (quick.action === 'none') return null;
  const built = await inTransaction(sql, async (tx) => {
    await tx.query('select pg_advisory_xact_lock($1)', [FEATURE_BUILD_LOCK]);
    const plan = await featureEmbeddingPlan(tx);
    if (plan.action !== 'build') return plan.action === 'keep' ? plan.result : null;
    const [{ id }] = await tx.query<{ id: number }>(
      `insert into embedding_versions (source, dim, status) values ('features', $1, 'building') returning id`,
      [plan.dim],
    );
    const versionId = Number(id);
    const statsCte = plan.hasStats
      ? `s as (select u.i, u.mean::float8 as mean, st.std[u.i]::float8 as std
                 from feature_stats st, unnest(st.mean) with ordinality u(mean, i)
                where st.extractor_version = $2)`
      : `s as (select u.i, avg(u.v)::float8 as mean, coalesce(stddev_pop(u.v), 0)::float8 as std
                 from f, unnest(f.vector) with ordinality u(v, i) group by u.i)`;
    await tx.query(
      `with f as (
         select f.clip_id, f.vector from clip_features f join clips c on c.id = f.clip_id
          where f.extractor_version = $2 and c.status <> 'failed' and array_length(f.vector, 1) = $3
       ), ${statsCte},
       z as (
         select f.clip_id, u.i,
                case when s.std > 1e-12 and u.v not in ('NaN'::real, 'Infinity'::real, '-Infinity'::real)
                     then (u.v - s.mean) / s.std else 0 end as z
           from f, unnest(f.vector) with ordinality u(v, i) join s on s.i = u.i
       ),
       n as (select clip_id, sqrt(sum(z * z)) as norm from z group by clip_id)
       insert into clip_embeddings (version_id, clip_id, embedding)
       select $1, z.clip_id, array_agg((z.z / n.norm)::real order by z.i)
         from z join n using (clip_id)
        where n.norm > 1e-12
        group by z.clip_id`,
      [versionId, plan.extractorVersion, plan.dim],
    );
    await tx.query('lock table embedding_versions in share row exclusive mode');
    const active = await activeEmbeddingVersion(tx);
    if (active && active.source !== 'features') {
      await tx.query(`delete from embedding_versions where id = $1`, [versionId]);
      return { versionId: active.id, created: false, source: active.source };
    }
    await tx.query(`update embedding_versions set status = 'retired' where status = 'active'`);
    await tx.query(
      `update embedding_versions
          set status = 'active', activated_at = now(),
              count = (select count(*)::int from clip_embeddings where version_id = $1)
        where id = $1`,
      [versionId],
    );
    return { versionId, created: true, source: 'features' };
  });
  if (built?.created) await pruneFeatureVersions(sql);
  return built;
}

type FeaturePlan =
  | { action: 'keep'; result: EnsureResult }
  | { action: 'none' }
  | { action: 'build'; extractorVersion: string; dim: number; hasStats: boolean };

/**
 * Decides what {@link ensureFeatureEmbeddings} must do. Reads the active version and
 * `feature_stats` (one row per extractor version; `count` is its number of vectors) — two
 * tiny queries, cheap enough to run every few seconds; `clip_features` is only scanned
 * when no statistics exist at all.
 */
async function featureEmbeddingPlan(sql: SqlRunner): Promise<FeaturePlan> {
  const active = await activeEmbeddingVersion(sql);
  const keep = (v: ActiveVersion): FeaturePlan => ({ action: 'keep', result: { versionId: v.id, created: false, source: v.source } });
  if (active && active.source !== 'features') return keep(active);
  // The extractor version with the most clips (the current one once re-extraction caught up).
  let [best] = await sql.query<{ extractor_version: string; dim: number; at: Date | null; stats: boolean }>(
    `select extractor_version, array_length(mean, 1) as dim, updated_at as at, true as stats
       from feature_stats where count > 0 order by count desc, updated_at desc limit 1`,
  );
  if (!best) {
    [best] = await sql.query<{ extractor_version: string; dim: number; at: Date | null; stats: boolean }>(
      `select extractor_version, mode() within group (order by array_length(vector, 1)) as dim, null::timestamptz as at, false as stats
         from clip_features group by extractor_version order by count(*) desc limit 1`,
    );
  }
  if (!best?.dim) return active ? keep(active) : { action: 'none' };
  const build: FeaturePlan = { action: 'build', extractorVersion: best.extractor_version, dim: Number(best.dim), hasStats: Boolean(best.stats) };
  if (!active) return build;
  const featuresChanged = best.at !== null && new Date(best.at).getTime() > active.createdAt.getTime();
  return featuresChanged || active.dim !== Number(best.dim) ? build : keep(active);
}

/** Deletes retired 'features' versions beyond the newest few, with their pgvector index if one was built. */
async function pruneFeatureVersions(sql: SqlRunner): Promise<number[]> {
  const rows = await sql.query<{ id: number }>(
    `delete from embedding_versions
      where source = 'features' and status = 'retired'
        and id not in (select id from embedding_versions where source = 'features' and status <> 'building' order by id desc limit $1)
      returning id`,
    [KEEP_FEATURE_VERSIONS],
  );
  const ids = rows.map((r) => Number(r.id));
  for (const id of ids) await sql.query(`drop index if exists ${pgVectorIndexName(id)}`).catch(() => {});
  return ids;
}

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
const LISTABLE = `c.status <> 'failed'`;

/** Metadata of the listable clips among `ids` (failed clips are left out; gold clips are not special). */
export async function clipMeta(sql: SqlRunner, ids: readonly string[]): Promise<Map<string, ClipMeta>> {
  const out = new Map<string, ClipMeta>();
  if (ids.length === 0) return out;
  const rows = await sql.query<{ id: string; title: string; artist: string; duration_s: number | null; tempo_bpm: number | null; lufs: number | null; playback_gain_db: number; has_audio: boolean }>(
    `select c.id::text as id, c.title, c.artist, c.duration_s, f.tempo_bpm, f.lufs, c.playback_gain_db, (c.audio_key is not null) as has_audio
       from clips c
       left join lateral (select tempo_bpm, lufs from clip_features x where x.clip_id = c.id order by x.created_at desc limit 1) f on true
      where c.id = any($1::uuid[]) and ${LISTABLE}`,
    [[...new Set(ids)]],
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
  sql: SqlRunner,
  clipId: string,
  versionId: number,
): Promise<{ audioKey: string | null; mime: string | null } | null> {
  const [row] = await sql.query<{ audio_key: string | null; mime: string | null }>(
    `select c.audio_key, c.mime from clips c
      where c.id = $1 and ${LISTABLE}
        and exists (select 1 from clip_embeddings e where e.version_id = $2 and e.clip_id = c.id)`,
    [clipId, versionId],
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
  sql: SqlRunner,
  versionId: number,
  limit: number,
  filter: CandidateFilter = {},
  excludeIds: readonly string[] = [],
): Promise<EmbeddingRow[]> {
  const conds: string[] = [];
  const params: unknown[] = [versionId, limit, [...excludeIds]];
  const add = (expr: string, value: number | undefined) => {
    if (value === undefined) return;
    params.push(value);
    conds.push(expr.replace('?', `$${params.length}`));
  };
  add('f.tempo_bpm >= ?', filter.tempoMin);
  add('f.tempo_bpm <= ?', filter.tempoMax);
  add('f.lufs >= ?', filter.lufsMin);
  add('f.lufs <= ?', filter.lufsMax);
  const needsFeatures = conds.length > 0;
  const rows = await sql.query<{ id: string; embedding: number[] }>(
    `select e.clip_id::text as id, e.embedding
       from clip_embeddings e join clips c on c.id = e.clip_id
       ${needsFeatures ? 'join lateral (select tempo_bpm, lufs from clip_features x where x.clip_id = c.id order by x.created_at desc limit 1) f on true' : ''}
      where e.version_id = $1 and ${LISTABLE} and not (e.clip_id = any($3::uuid[]))
        ${conds.map((c) => `and ${c}`).join(' ')}
      order by md5(e.clip_id::text)
      limit $2`,
    params,
  );
  return rows.map((r) => ({ id: r.id, embedding: r.embedding.map(Number) }));
}

/**
 * LUFS quantiles of the catalog (101 points, 0 %, 1 %, …, 100 %): energy is a clip's loudness
 * percentile, so it means the same on any catalog whatever its mastering level.
 */
export async function lufsQuantiles(sql: SqlRunner): Promise<number[]> {
  const [row] = await sql.query<{ q: number[] | null }>(
    `select percentile_cont((select array_agg(g / 100.0)::float8[] from generate_series(0, 100) g)) within group (order by f.lufs) as q
       from (select distinct on (clip_id) lufs from clip_features order by clip_id, created_at desc) f
      where f.lufs is not null and f.lufs <> 'NaN'::real`,
  );
  return (row?.q ?? []).map(Number);
}

// ---------------------------------------------------------------------------------------------
// Mood scores

export type MoodSource = { kind: 'model'; modelId: number; tags: string[] } | { kind: 'crowd' };

/** The active model if there is one, else settled crowd labels if any exist, else null. */
export async function moodSource(sql: SqlRunner): Promise<MoodSource | null> {
  const [model] = await sql.query<{ id: number; tag_keys: string[] }>(
    `select m.id, m.tag_keys from models m where m.status = 'active'
        and exists (select 1 from predictions p where p.model_id = m.id) limit 1`,
  );
  if (model) return { kind: 'model', modelId: Number(model.id), tags: model.tag_keys };
  const crowd = await sql.query(
    `select 1 from aggregates a join clips c on c.id = a.clip_id
      where c.label_state in ('consensus', 'expert_resolved') limit 1`,
  );
  return crowd.length > 0 ? { kind: 'crowd' } : null;
}

/**
 * `(clip_id, tag, prob)` rows of the source, as a SQL fragment; `$T` is a text[] of tags.
 *
 * Crowd source: a gold clip's aggregates are its gold answer (the aggregator clamps gold tags),
 * and gold clips keep being served to contributors, so they have no crowd mood here — the same
 * as every clip a contributor is served (those are still open, and open clips have no settled
 * label either). The model source treats every clip alike.
 */
function moodRowsSql(source: MoodSource, tagsParam: string, modelParam: string): string {
  return source.kind === 'model'
    ? `select p.clip_id, t.tag, p.probs[t.ord]::float8 as prob
         from predictions p join models m on m.id = p.model_id,
              unnest(m.tag_keys) with ordinality t(tag, ord)
        where p.model_id = ${modelParam} and t.tag = any(${tagsParam}::text[])`
    : `select a.clip_id, a.tag, a.posterior::float8 as prob
         from aggregates a join clips c on c.id = a.clip_id
        where c.label_state in ('consensus', 'expert_resolved') and a.tag = any(${tagsParam}::text[])
          and not exists (select 1 from gold_answers g where g.clip_id = a.clip_id)`;
}

/** Per-clip tag probabilities of some clips (clips without scores are absent). */
export async function moodProbs(
  sql: SqlRunner,
  source: MoodSource,
  ids: readonly string[],
  tags: readonly string[],
): Promise<Map<string, Record<string, number>>> {
  const out = new Map<string, Record<string, number>>();
  if (ids.length === 0 || tags.length === 0) return out;
  const rows = await sql.query<{ clip_id: string; tag: string; prob: number }>(
    `select clip_id::text as clip_id, tag, prob from (${moodRowsSql(source, '$2', '$3')}) m where m.clip_id = any($1::uuid[])`,
    source.kind === 'model' ? [[...new Set(ids)], [...tags], source.modelId] : [[...new Set(ids)], [...tags]],
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
  sql: SqlRunner,
  versionId: number,
  source: MoodSource,
  tags: readonly string[],
  versionSize = 0,
): Promise<Record<string, number[]>> {
  if (tags.length === 0) return {};
  const percent = versionSize > MOOD_DIRECTION_SAMPLE ? Math.max(0.001, (100 * MOOD_DIRECTION_SAMPLE) / versionSize) : null;
  const rows = await sql.query<{ tag: string; i: number; s: number }>(
    `with e as (
       select clip_id, embedding, sqrt((select sum(x * x) from unnest(embedding) x)) as norm
         from clip_embeddings ${percent === null ? '' : `tablesample bernoulli (${percent.toFixed(4)}) repeatable (7)`}
        where version_id = $1
     ),
     p as (select m.clip_id, m.tag, m.prob from (${moodRowsSql(source, '$2', '$3')}) m join e using (clip_id)),
     pm as (select tag, avg(prob) as mean from p group by tag)
     select p.tag, u.i::int as i, sum((p.prob - pm.mean) * u.v / e.norm)::float8 as s
       from p join pm using (tag) join e using (clip_id), unnest(e.embedding) with ordinality u(v, i)
      where e.norm > 0
      group by p.tag, u.i
      order by p.tag, u.i`,
    source.kind === 'model' ? [versionId, [...tags], source.modelId] : [versionId, [...tags]],
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
}

/** A new anonymous session: 18 random bytes as url-safe base64, nothing else about the listener. */
export async function createListenerSession(sql: SqlRunner, personalization: boolean): Promise<SessionRow> {
  const id = randomBytes(18).toString('base64url');
  const [row] = await sql.query<{ id: string; personalization: boolean; state: unknown; created_at: Date; updated_at: Date }>(
    `insert into listener_sessions (id, personalization, state) values ($1, $2, '{}'::jsonb) returning id, personalization, state, created_at, updated_at`,
    [id, personalization],
  );
  return { id: row.id, personalization: row.personalization, state: row.state, createdAt: new Date(row.created_at), updatedAt: new Date(row.updated_at) };
}

export async function getListenerSession(sql: SqlRunner, id: string, forUpdate = false): Promise<SessionRow | null> {
  const [row] = await sql.query<{ id: string; personalization: boolean; state: unknown; created_at: Date; updated_at: Date }>(
    `select id, personalization, state, created_at, updated_at from listener_sessions where id = $1 ${forUpdate ? 'for update' : ''}`,
    [id],
  );
  return row
    ? { id: row.id, personalization: row.personalization, state: row.state, createdAt: new Date(row.created_at), updatedAt: new Date(row.updated_at) }
    : null;
}

export async function saveSessionState(sql: SqlRunner, id: string, state: unknown): Promise<void> {
  await sql.query(`update listener_sessions set state = $2::jsonb, updated_at = now() where id = $1`, [id, JSON.stringify(state)]);
}

/** Stores a state rebuilt by a read, unless an event changed the session meanwhile (then that write wins). */
export async function saveSessionStateIfUnchanged(sql: SqlRunner, id: string, state: unknown, previous: unknown): Promise<boolean> {
  const rows = await sql.query(
    `update listener_sessions set state = $2::jsonb where id = $1 and state = $3::jsonb returning id`,
    [id, JSON.stringify(state), JSON.stringify(previous)],
  );
  return rows.length > 0;
}

export async function insertListenerEvent(
  sql: SqlRunner,
  e: { sessionId: string; clipId: string; kind: string; positionS: number | null; embeddingVersion: number | null },
): Promise<void> {
  await sql.query(
    `insert into listener_events (session_id, clip_id, kind, position_s, embedding_version) values ($1, $2, $3, $4, $5)`,
    [e.sessionId, e.clipId, e.kind, e.positionS, e.embeddingVersion],
  );
}

/** Facts about one clip that a feedback event needs (null when the clip is not listable). */
export async function clipForEvent(sql: SqlRunner, clipId: string): Promise<{ durationS: number | null; tempoBpm: number | null } | null> {
  const meta = await clipMeta(sql, [clipId]);
  const m = meta.get(clipId);
  return m ? { durationS: m.durationS, tempoBpm: m.tempoBpm } : null;
}

/** The session's most recent events (oldest first), as the session model folds them. */
export async function listSessionEvents(sql: SqlRunner, sessionId: string, limit = 500): Promise<FeedbackEvent[]> {
  const rows = await sql.query<{ clip_id: string; kind: FeedbackEvent['type']; position_s: number | null; at: Date; duration_s: number | null; tempo_bpm: number | null }>(
    `select * from (
       select e.id, e.clip_id::text as clip_id, e.kind, e.position_s, e.created_at as at, c.duration_s,
              (select tempo_bpm from clip_features x where x.clip_id = e.clip_id order by x.created_at desc limit 1) as tempo_bpm
         from listener_events e join clips c on c.id = e.clip_id
        where e.session_id = $1
        order by e.id desc limit $2) r
     order by r.id`,
    [sessionId, limit],
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
export async function otherSessionsLikes(sql: SqlRunner, sessionId: string, likedIds: readonly string[]): Promise<string[][]> {
  if (likedIds.length === 0) return [];
  const rows = await sql.query<{ likes: string[] }>(
    `with peers as (
       select session_id, max(id) as last from listener_events
        where kind = 'like' and clip_id = any($2::uuid[]) and session_id <> $1
        group by session_id order by max(id) desc limit 500
     )
     select (array_agg(distinct e.clip_id::text))[1:200] as likes
       from listener_events e join peers p using (session_id)
      where e.kind = 'like'
      group by e.session_id`,
    [sessionId, [...likedIds]],
  );
  return rows.map((r) => r.likes);
}

/** Plays and likes per clip over the last `days` (the popularity behind the novelty signal). */
export async function playCounts(sql: SqlRunner, days = 30): Promise<Map<string, number>> {
  const rows = await sql.query<{ clip_id: string; n: number }>(
    `select clip_id::text as clip_id, count(*)::int as n from listener_events
      where kind in ('play', 'like') and created_at > now() - make_interval(days => $1)
      group by clip_id`,
    [days],
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
export async function listenKpis(sql: SqlRunner, days: number): Promise<KpiRow[]> {
  const rows = await sql.query<{
    version: number | null; source: string | null; sessions: number; events: number; tracks: number;
    plays: number; skips: number; likes: number; dislikes: number; mean_tracks: number | null; mean_minutes: number | null;
  }>(
    `with w as (
       select * from listener_events where created_at > now() - make_interval(days => $1)
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
            (select avg(tracks)::float8 from per_session s where s.embedding_version is not distinct from w.embedding_version) as mean_tracks,
            (select avg(minutes)::float8 from per_session s where s.embedding_version is not distinct from w.embedding_version) as mean_minutes
       from w left join embedding_versions v on v.id = w.embedding_version
      group by w.embedding_version, v.source
      order by w.embedding_version desc nulls last`,
    [days],
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
  sql: SqlRunner,
  days: number,
  limit = 10_000,
): Promise<{ events: number; sessions: number; resetSessions: number }> {
  let events = 0;
  const touched = new Set<string>();
  for (;;) {
    const rows = await sql.query<{ session_id: string }>(
      `delete from listener_events where id in (
         select id from listener_events where created_at < now() - make_interval(days => $1) order by id limit $2)
       returning session_id`,
      [days, limit],
    );
    events += rows.length;
    for (const r of rows) touched.add(r.session_id);
    if (rows.length < limit) break;
  }
  const gone = await sql.query<{ id: string }>(
    `delete from listener_sessions where updated_at < now() - make_interval(days => $1) returning id`,
    [days],
  );
  for (const g of gone) touched.delete(g.id);
  let resetSessions = 0;
  if (touched.size > 0) {
    const reset = await sql.query(`update listener_sessions set state = '{}'::jsonb where id = any($1::text[]) returning id`, [[...touched]]);
    resetSessions = reset.length;
  }
  return { events, sessions: gone.length, resetSessions };
}
