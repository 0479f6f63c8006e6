/**
 * Database side of scoring: the catalog matrix (features, label state, crowd posteriors) that
 * retraining and rescoring read, and the bulk writes rescoring makes — predictions, queue
 * priorities with their terms, and versioned embeddings for the recommender.
 *
 * Bulk writes send a batch as a few array parameters in PostgreSQL's text array syntax
 * (`'{…}'::real[]`, sliced per row in SQL) rather than one bind parameter per value: a
 * 5,000-row batch of 64-d embeddings is one statement with three parameters on both postgres.js
 * and PGlite. (A JS array in drizzle's `sql` template would become a record, not an array.)
 */
import { sql } from 'drizzle-orm';
import { execRows, type Db, type DbOrTx } from '@/db/client';

export type LabelStateName = 'open' | 'consensus' | 'disputed' | 'expert_resolved';
export type StoredSplit = 'train' | 'validation' | 'test' | null;

/**
 * Every clip that has a feature vector of one extractor version, in clip-id order, as typed
 * arrays: the shared input of training (the labelled rows) and rescoring (all rows).
 * `posteriors`/`confidences` are n×t aligned with `tags`; NaN where the clip has no aggregate
 * for that tag (never voted on).
 */
export interface CatalogMatrix {
  featureVersion: string;
  tags: string[];
  n: number;
  d: number;
  t: number;
  ids: string[];
  x: Float32Array;
  labelState: LabelStateName[];
  voteCount: Int32Array;
  overlapTarget: Int32Array;
  artist: string[];
  /** The clip's stored split in dataset_splits, or null when it has none yet. */
  storedSplit: StoredSplit[];
  posteriors: Float32Array;
  confidences: Float32Array;
  /** Whether the clip has any aggregate row (someone voted, or an expert decided). */
  hasAggregates: Uint8Array;
}

const PAGE = 5000;

/** `{a,b,c}` — a PostgreSQL array literal of strings that need no quoting (uuids, tag keys of [a-z0-9_-]). */
export function pgTextArray(values: readonly string[]): string {
  for (const v of values) {
    if (!/^[A-Za-z0-9_.:-]+$/.test(v)) throw new Error(`pgTextArray: "${v}" would need quoting`);
  }
  return `{${values.join(',')}}`;
}

/**
 * `{1.5,2.25,…}` for values[start, end) with `digits` significant digits — 8 (the default)
 * round-trips a float32; scores and embeddings are written with 6, which is far below their
 * meaning and saves formatting and parsing. NaN as PostgreSQL's `NaN`.
 */
export function pgFloatArray(values: ArrayLike<number>, start = 0, end = values.length, digits = 8): string {
  const parts = new Array<string>(end - start);
  for (let i = start; i < end; i++) {
    const v = values[i];
    parts[i - start] = Number.isFinite(v)
      ? v === 0
        ? '0'
        : v.toPrecision(digits)
      : Number.isNaN(v)
        ? 'NaN'
        : v > 0
          ? 'Infinity'
          : '-Infinity';
  }
  return `{${parts.join(',')}}`;
}

/** Significant digits for model outputs (probabilities, uncertainty, embeddings) written to the database. */
export const OUTPUT_DIGITS = 6;

/**
 * Decodes PostgreSQL's binary array format (`array_send(real[])`) into `out` at `offset`:
 * int32 ndim, int32 has-nulls flag, int32 element type oid, ndim × (int32 length, int32 lower
 * bound), then per element an int32 byte length (-1 = NULL → NaN) and the big-endian float4.
 * Returns the element count. Reading vectors this way instead of as text arrays cuts the
 * client's parse time about fourfold at 100,000 × 128 (see bench/results/loop.md). O(length).
 */
export function decodeFloat4Array(bytes: Uint8Array, out: Float32Array, offset: number, expected: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ndim = view.getInt32(0);
  if (ndim === 0) return 0;
  if (ndim !== 1) throw new Error(`expected a one-dimensional array, got ${ndim} dimensions`);
  const oid = view.getInt32(8);
  if (oid !== 700) throw new Error(`expected real[] (float4, oid 700), got element type oid ${oid}`);
  const length = view.getInt32(12);
  if (length !== expected) return length;
  let at = 20;
  for (let k = 0; k < length; k++) {
    const size = view.getInt32(at);
    at += 4;
    if (size === -1) {
      out[offset + k] = NaN;
      continue;
    }
    out[offset + k] = view.getFloat32(at);
    at += size;
  }
  return length;
}

/**
 * Reads the catalog matrix: clips with features page by page (keyset on clip id, 5,000 rows
 * per statement, vectors in binary), then the posteriors of every clip that has aggregates in
 * one grouped scan. O(n·(d + t)) memory.
 */
export async function loadCatalogMatrix(
  db: DbOrTx,
  options: { featureVersion: string; tags: readonly string[]; onPage?: (rows: number) => Promise<void> | void },
): Promise<CatalogMatrix> {
  const { featureVersion } = options;
  const tags = [...options.tags];
  const t = tags.length;
  const ids: string[] = [];
  const labelState: LabelStateName[] = [];
  const artist: string[] = [];
  const storedSplit: StoredSplit[] = [];
  const voteCount: number[] = [];
  const overlapTarget: number[] = [];
  let x = new Float32Array(0);
  let d = -1;
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const rows = await execRows<{
      id: string;
      label_state: LabelStateName;
      vote_count: number;
      overlap_target: number;
      artist: string;
      split: StoredSplit;
      vector: Uint8Array;
      dim: number;
    }>(
      db,
      sql`select c.id, c.label_state, c.vote_count, c.overlap_target, c.artist, s.split,
                 array_send(f.vector) as vector, coalesce(array_length(f.vector, 1), 0) as dim
          from clips c
          join clip_features f on f.clip_id = c.id and f.extractor_version = ${featureVersion}
          left join dataset_splits s on s.clip_id = c.id
          where c.id > ${after}::uuid and c.status <> 'failed'
          order by c.id
          limit ${PAGE}`,
    );
    if (rows.length === 0) break;
    for (const row of rows) {
      const i = ids.length;
      if (d < 0) {
        d = Number(row.dim);
        x = new Float32Array(PAGE * 4 * d);
      }
      if (Number(row.dim) !== d)
        throw new Error(`clip ${row.id}: feature vector has ${row.dim} values, expected ${d} (${featureVersion})`);
      if ((i + 1) * d > x.length) x = grow(x, 2 * x.length);
      decodeFloat4Array(row.vector, x, i * d, d);
      ids.push(row.id);
      labelState.push(row.label_state);
      voteCount.push(Number(row.vote_count));
      overlapTarget.push(Number(row.overlap_target));
      artist.push(row.artist);
      storedSplit.push(row.split ?? null);
    }
    after = rows[rows.length - 1].id;
    await options.onPage?.(ids.length);
    if (rows.length < PAGE) break;
  }
  const n = ids.length;
  if (d < 0) d = 0;
  const posteriors = new Float32Array(n * t).fill(NaN);
  const confidences = new Float32Array(n * t).fill(NaN);
  const hasAggregates = new Uint8Array(n);
  if (n > 0 && t > 0) {
    const index = new Map(ids.map((id, i) => [id, i]));
    // One grouped scan of aggregates (a lateral probe per clip costs ~3× more at 100,000 clips).
    const rows = await execRows<{ clip_id: string; ords: number[]; post: number[]; conf: number[] }>(
      db,
      sql`select a.clip_id, array_agg(k.ord::int) as ords, array_agg(a.posterior) as post, array_agg(a.confidence) as conf
          from aggregates a
          join unnest(${pgTextArray(tags)}::text[]) with ordinality k(tag, ord) on k.tag = a.tag
          group by a.clip_id`,
    );
    for (const row of rows) {
      const i = index.get(row.clip_id);
      if (i === undefined) continue;
      hasAggregates[i] = 1;
      for (let m = 0; m < row.ords.length; m++) {
        const j = Number(row.ords[m]) - 1;
        posteriors[i * t + j] = Number(row.post[m]);
        confidences[i * t + j] = Number(row.conf[m]);
      }
    }
  }
  return {
    featureVersion,
    tags,
    n,
    d,
    t,
    ids,
    x: x.slice(0, n * d),
    labelState,
    voteCount: Int32Array.from(voteCount),
    overlapTarget: Int32Array.from(overlapTarget),
    artist,
    storedSplit,
    posteriors,
    confidences,
    hasAggregates,
  };
}

function grow<T extends Float32Array | Uint8Array>(a: T, size: number): T {
  const next = new (a.constructor as new (n: number) => T)(size);
  next.set(a);
  return next;
}

/** Upserts one model's predictions (probabilities n×t, mean uncertainty n) in batches. */
export async function writePredictions(
  db: DbOrTx,
  modelId: number,
  ids: readonly string[],
  probs: ArrayLike<number>,
  t: number,
  uncertainty: ArrayLike<number>,
  batch = 5000,
): Promise<void> {
  for (let start = 0; start < ids.length; start += batch) {
    const end = Math.min(ids.length, start + batch);
    await db.execute(
      sql`insert into predictions (clip_id, model_id, probs, uncertainty, created_at)
          select u.id, ${modelId}, p.probs[(u.ord - 1) * ${t} + 1 : u.ord * ${t}], u.unc, now()
          from unnest(${pgTextArray(ids.slice(start, end))}::uuid[], ${pgFloatArray(uncertainty, start, end, OUTPUT_DIGITS)}::real[])
                 with ordinality u(id, unc, ord),
               (select ${pgFloatArray(probs, start * t, end * t, OUTPUT_DIGITS)}::real[] as probs) p
          on conflict (clip_id, model_id) do update
            set probs = excluded.probs, uncertainty = excluded.uncertainty, created_at = excluded.created_at`,
    );
  }
}

/** Drops predictions of every model except `keepModelId` and the active one (only those are read). */
export async function deleteOtherPredictions(db: DbOrTx, keepModelId: number | null): Promise<void> {
  await db.execute(
    sql`delete from predictions
        where model_id not in (select id from models where status = 'active')
          ${keepModelId === null ? sql`` : sql`and model_id <> ${keepModelId}`}`,
  );
}

/** Sets clips.priority and clips.priority_terms ({ term: contribution }) in batches. */
export async function writePriorities(
  db: DbOrTx,
  ids: readonly string[],
  priority: ArrayLike<number>,
  terms: readonly Record<string, number>[],
  batch = 5000,
): Promise<void> {
  for (let start = 0; start < ids.length; start += batch) {
    const end = Math.min(ids.length, start + batch);
    await db.execute(
      sql`update clips c set priority = u.p, priority_terms = t.terms
          from unnest(${pgTextArray(ids.slice(start, end))}::uuid[], ${pgFloatArray(priority, start, end, 10)}::float8[])
                 with ordinality u(id, p, ord)
          join jsonb_array_elements(${JSON.stringify(terms.slice(start, end))}::jsonb) with ordinality t(terms, ord) using (ord)
          where c.id = u.id`,
    );
  }
}

// ---------------------------------------------------------------------------------------------
// Embedding versions: build → (one transaction) switch → prune.

export interface EmbeddingVersionRow {
  id: number;
  modelId: number | null;
  source: string;
  dim: number;
  status: string;
  count: number;
  createdAt: Date;
  activatedAt: Date | null;
}

/** Starts a version in status 'building'; readers never see it until {@link activateEmbeddingVersion}. */
export async function createEmbeddingVersion(
  db: DbOrTx,
  v: { modelId: number | null; source: string; dim: number },
): Promise<number> {
  const [row] = await execRows<{ id: number }>(
    db,
    sql`insert into embedding_versions (model_id, source, dim, status) values (${v.modelId}, ${v.source}, ${v.dim}, 'building') returning id`,
  );
  return Number(row.id);
}

/** Inserts a version's rows (n×h, row-major) in batches; only allowed while it is building. */
export async function insertEmbeddings(
  db: DbOrTx,
  versionId: number,
  ids: readonly string[],
  embedding: ArrayLike<number>,
  h: number,
  options: { batch?: number; onBatch?: (done: number) => Promise<void> | void } = {},
): Promise<void> {
  const batch = options.batch ?? 5000;
  for (let start = 0; start < ids.length; start += batch) {
    const end = Math.min(ids.length, start + batch);
    await db.execute(
      sql`insert into clip_embeddings (version_id, clip_id, embedding)
          select ${versionId}, u.id, e.v[(u.ord - 1) * ${h} + 1 : u.ord * ${h}]
          from unnest(${pgTextArray(ids.slice(start, end))}::uuid[]) with ordinality u(id, ord),
               (select ${pgFloatArray(embedding, start * h, end * h, OUTPUT_DIGITS)}::real[] as v) e
          where exists (select 1 from embedding_versions where id = ${versionId} and status = 'building')`,
    );
    await options.onBatch?.(end);
  }
}

/**
 * The atomic switch: in ONE transaction, checks the building version holds exactly `expected`
 * rows, retires the active version and activates this one. A reader that selects the active
 * version id once per request sees either the old complete set or the new complete set, never
 * a half-built one (the partial unique index also forbids two active versions).
 */
export async function activateEmbeddingVersion(db: Db, versionId: number, expected: number): Promise<void> {
  await db.transaction(async (tx) => {
    // Concurrent switches (a rescore after a rollback racing a retrain's) take turns.
    await tx.execute(sql`select pg_advisory_xact_lock(7318203)`);
    const [row] = await execRows<{ status: string; n: number }>(
      tx,
      sql`select v.status, (select count(*)::int from clip_embeddings e where e.version_id = v.id) as n
          from embedding_versions v where v.id = ${versionId} for update`,
    );
    // 'ready': a version built earlier without activation, e.g. a canary being promoted.
    if (!row || (row.status !== 'building' && row.status !== 'ready'))
      throw new Error(`embedding version ${versionId} is neither building nor ready (${row?.status ?? 'missing'})`);
    if (Number(row.n) !== expected) throw new Error(`embedding version ${versionId} has ${row.n} rows, expected ${expected}`);
    await tx.execute(sql`update embedding_versions set status = 'retired' where status = 'active'`);
    await tx.execute(
      sql`update embedding_versions set status = 'active', count = ${expected}, activated_at = now() where id = ${versionId}`,
    );
  });
}

/** Retires a 'ready' (never activated) version, e.g. a canary rolled back; false when it was not ready. */
export async function retireReadyEmbeddingVersion(db: DbOrTx, versionId: number): Promise<boolean> {
  const rows = await execRows<{ id: number }>(
    db,
    sql`update embedding_versions set status = 'retired' where id = ${versionId} and status = 'ready' returning id`,
  );
  return rows.length > 0;
}

/**
 * Keeps the newest `keep` versions (always including the active one) and deletes the rest with
 * their rows; also removes 'building' versions older than an hour (a dead run's leftovers).
 * Each removed version's partial ANN index, if the recommender built one, goes with it.
 */
export async function pruneEmbeddingVersions(db: DbOrTx, keep = 5): Promise<number[]> {
  const rows = await execRows<{ id: number }>(
    db,
    sql`delete from embedding_versions
        where (status <> 'building' and status <> 'active'
               and id not in (select id from embedding_versions where status <> 'building' order by id desc limit ${keep}))
           or (status = 'building' and created_at < now() - interval '1 hour')
        returning id`,
  );
  const ids = rows.map((r) => Number(r.id));
  // The recommender's per-version partial HNSW index (lib/recommend/pgvector-index.ts names it so).
  for (const id of ids) await db.execute(sql.raw(`drop index if exists clip_embeddings_hnsw_v${Math.trunc(id)}`));
  return ids;
}

export async function activeEmbeddingVersion(db: DbOrTx): Promise<EmbeddingVersionRow | null> {
  const [row] = await execRows<EmbeddingVersionRow>(
    db,
    sql`select id, model_id as "modelId", source, dim, status, count, created_at as "createdAt", activated_at as "activatedAt"
        from embedding_versions where status = 'active' limit 1`,
  );
  return row ?? null;
}

export async function listEmbeddingVersions(db: DbOrTx): Promise<EmbeddingVersionRow[]> {
  return execRows<EmbeddingVersionRow>(
    db,
    sql`select id, model_id as "modelId", source, dim, status, count, created_at as "createdAt", activated_at as "activatedAt"
        from embedding_versions order by id desc`,
  );
}

// ---------------------------------------------------------------------------------------------
// Retrain triggers.

/**
 * Labels settled since the last model run started: clips that reached consensus or an expert
 * decision after the newest non-failed model's creation (all settled clips before any model).
 * Also the newest retrain refused for too few labels after that model (a completed `retrain` job
 * run whose result has `skipped`), and how many labels settled since that refusal: a refused
 * retrain waits for new labels instead of being queued again every minute.
 */
export async function labelsSinceLastModel(
  db: DbOrTx,
): Promise<{ labels: number; lastModelAt: Date | null; refusedAt: Date | null; refusal: string | null; labelsSinceRefusal: number }> {
  const [row] = await execRows<{
    labels: number;
    last: Date | string | null;
    refused_at: Date | string | null;
    refusal: string | null;
    since_refusal: number;
  }>(
    db,
    sql`with last as (select max(created_at) as at from models where status <> 'failed'),
             refusal as (select r.updated_at as at, r.result->>'skipped' as reason from job_runs r, last
                         where r.name = 'retrain' and r.state = 'completed' and coalesce(r.result->>'skipped', '') <> ''
                           and (last.at is null or r.updated_at > last.at)
                         order by r.updated_at desc limit 1)
        select (select count(*)::int from clips c, last
                where c.label_state in ('consensus', 'expert_resolved')
                  and (last.at is null or coalesce(c.state_changed_at, c.created_at) > last.at)) as labels,
               (select at from last) as last,
               (select at from refusal) as refused_at,
               (select reason from refusal) as refusal,
               (select count(*)::int from clips c, refusal
                where c.label_state in ('consensus', 'expert_resolved')
                  and coalesce(c.state_changed_at, c.created_at) > refusal.at) as since_refusal`,
  );
  return {
    labels: Number(row?.labels ?? 0),
    lastModelAt: row?.last ? new Date(row.last) : null,
    refusedAt: row?.refused_at ? new Date(row.refused_at) : null,
    refusal: row?.refusal ?? null,
    labelsSinceRefusal: Number(row?.since_refusal ?? 0),
  };
}

/**
 * Whether one of these jobs is queued or running (updated in the last 30 minutes), or failed in
 * the last 15 — so an automatic trigger neither piles runs up nor hammers a failing one.
 */
export async function modelJobPending(db: DbOrTx, names: readonly string[]): Promise<boolean> {
  const [row] = await execRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from job_runs
        where name in (${sql.join(
          names.map((n) => sql`${n}`),
          sql`, `,
        )})
          and ((state in ('queued', 'active') and updated_at > now() - interval '30 minutes')
               or (state = 'failed' and updated_at > now() - interval '15 minutes'))`,
  );
  return Number(row?.n ?? 0) > 0;
}

/** Whether one of these jobs completed in the last `minutes` (rate limit for automatic rescoring). */
export async function modelJobRecentlyCompleted(db: DbOrTx, names: readonly string[], minutes: number): Promise<boolean> {
  const [row] = await execRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from job_runs
        where name in (${sql.join(
          names.map((n) => sql`${n}`),
          sql`, `,
        )})
          and state = 'completed' and updated_at > now() - make_interval(mins => ${minutes})`,
  );
  return Number(row?.n ?? 0) > 0;
}

/** Cold start needs a pass when some open clip with features has never been given priority terms. */
export async function hasUnscoredClips(db: DbOrTx, featureVersion: string): Promise<boolean> {
  const [row] = await execRows<{ found: boolean }>(
    db,
    sql`select exists (select 1 from clips c join clip_features f on f.clip_id = c.id and f.extractor_version = ${featureVersion}
                       where c.label_state = 'open' and c.priority_terms = '{}'::jsonb) as found`,
  );
  return Boolean(row?.found);
}
