/**
 * The one owner of `embedding_versions` and `clip_embeddings`: a version is built (status
 * 'building', rows inserted in batches), then switched to in one transaction ('active') or left
 * 'ready' for a canary, and old versions are pruned. Rescoring writes versions, the recommender
 * and exports read the active one.
 */
import { sql } from 'drizzle-orm';
import { execRows, type Db, type DbOrTx } from '@/db/client';
import { OUTPUT_DIGITS, pgFloatArray, pgTextArray } from '@/lib/util/pg-arrays';

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
export async function activateEmbeddingVersion(
  db: Db,
  versionId: number,
  expected: number,
  alsoInTx?: (tx: DbOrTx) => Promise<void>,
): Promise<void> {
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
    await alsoInTx?.(tx);
  });
}

/**
 * A 'ready' copy of a version's rows (same vectors, a new id): the treatment arm of an A/A
 * canary, which checks the rollout machinery itself — it should be promoted, never rolled back.
 */
export async function copyEmbeddingVersionAsReady(
  db: Db,
  fromVersion: number,
  alsoInTx?: (tx: DbOrTx, copy: { id: number; count: number }) => Promise<void>,
): Promise<{ id: number; count: number }> {
  return db.transaction(async (tx) => {
    const [from] = await execRows<{ model_id: number | null; source: string; dim: number }>(
      tx,
      sql`select model_id, source, dim from embedding_versions where id = ${fromVersion} and status in ('active', 'ready')`,
    );
    if (!from) throw new Error(`embedding version ${fromVersion} is neither active nor ready`);
    const [row] = await execRows<{ id: number }>(
      tx,
      sql`insert into embedding_versions (model_id, source, dim, status) values (${from.model_id}, ${from.source}, ${from.dim}, 'building') returning id`,
    );
    const id = Number(row.id);
    await tx.execute(
      sql`insert into clip_embeddings (version_id, clip_id, embedding) select ${id}, clip_id, embedding from clip_embeddings where version_id = ${fromVersion}`,
    );
    const n = await countEmbeddings(tx, id);
    await markEmbeddingVersionReady(tx, id, n);
    await alsoInTx?.(tx, { id, count: n });
    return { id, count: n };
  });
}

/**
 * Ends a build without switching to it: the building version, holding exactly `expected` rows,
 * becomes 'ready' — visible to a canary (lib/recommend/canary) and to activation, never served
 * as the active version until one of them picks it.
 */
export async function markEmbeddingVersionReady(db: DbOrTx, versionId: number, expected: number): Promise<void> {
  const [row] = await execRows<{ status: string; n: number }>(
    db,
    sql`select v.status, (select count(*)::int from clip_embeddings e where e.version_id = v.id) as n
        from embedding_versions v where v.id = ${versionId} for update`,
  );
  if (!row || row.status !== 'building')
    throw new Error(`embedding version ${versionId} is not building (${row?.status ?? 'missing'})`);
  if (Number(row.n) !== expected) throw new Error(`embedding version ${versionId} has ${row.n} rows, expected ${expected}`);
  await db.execute(sql`update embedding_versions set status = 'ready', count = ${expected} where id = ${versionId}`);
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
 * The versions a running rollout serves: a canary's version and its control, and both arms of a
 * running embedding A/B experiment. Pruning must keep them whatever their age or status (a
 * features rebuild can retire an experiment's control while it runs). Never null, so it is safe
 * under `not in`.
 */
export const VERSIONS_IN_ROLLOUT = sql`select canary_version from embedding_canaries where status = 'running'
  union all select control_version from embedding_canaries where status = 'running'
  union all select (control->>'embeddingVersion')::int from ab_experiments where status = 'running' and kind = 'embedding'
  union all select (treatment->>'embeddingVersion')::int from ab_experiments where status = 'running' and kind = 'embedding'`;

/**
 * Keeps the newest `keep` versions (always including the active one and those of a running
 * rollout, {@link VERSIONS_IN_ROLLOUT}) and deletes the rest with their rows; also removes
 * 'building' versions older than an hour (a dead run's leftovers). Each removed version's
 * partial ANN index, if the recommender built one, goes with it.
 */
export async function pruneEmbeddingVersions(db: DbOrTx, keep = 5): Promise<number[]> {
  const rows = await execRows<{ id: number }>(
    db,
    sql`delete from embedding_versions
        where (status <> 'building' and status <> 'active'
               and id not in (select id from embedding_versions where status <> 'building' order by id desc limit ${keep})
               and id not in (${VERSIONS_IN_ROLLOUT}))
           or (status = 'building' and created_at < now() - interval '1 hour')
        returning id`,
  );
  const ids = rows.map((r) => Number(r.id));
  for (const id of ids) await dropVersionAnnIndex(db, id);
  return ids;
}

/** Drops the recommender's per-version partial HNSW index, if it built one (lib/recommend/pgvector-index.ts names it so). */
export async function dropVersionAnnIndex(db: DbOrTx, versionId: number): Promise<void> {
  await db.execute(sql.raw(`drop index if exists clip_embeddings_hnsw_v${Math.trunc(versionId)}`));
}

/** A row as the driver answers it: int8 may come as text, and a timestamp as text on postgres.js's raw `execute`. */
type EmbeddingVersionDbRow = Omit<EmbeddingVersionRow, 'createdAt' | 'activatedAt'> & {
  createdAt: Date | string;
  activatedAt: Date | string | null;
};

/** One row of embedding_versions as its type says: numbers as numbers, timestamps as Dates. */
const toVersionRow = (r: EmbeddingVersionDbRow): EmbeddingVersionRow => ({
  ...r,
  id: Number(r.id),
  modelId: r.modelId === null ? null : Number(r.modelId),
  dim: Number(r.dim),
  count: Number(r.count),
  createdAt: new Date(r.createdAt),
  activatedAt: r.activatedAt === null ? null : new Date(r.activatedAt),
});

const VERSION_COLUMNS = sql`id, model_id as "modelId", source, dim, status, count, created_at as "createdAt", activated_at as "activatedAt"`;

/** The active version: one indexed row (the partial unique index allows one). */
export async function activeEmbeddingVersion(db: DbOrTx): Promise<EmbeddingVersionRow | null> {
  const [row] = await execRows<EmbeddingVersionDbRow>(
    db,
    sql`select ${VERSION_COLUMNS} from embedding_versions where status = 'active' limit 1`,
  );
  return row ? toVersionRow(row) : null;
}

/** One version by id, whatever its status (a canary's is 'ready'). */
export async function embeddingVersionById(db: DbOrTx, id: number): Promise<EmbeddingVersionRow | null> {
  const [row] = await execRows<EmbeddingVersionDbRow>(db, sql`select ${VERSION_COLUMNS} from embedding_versions where id = ${id}`);
  return row ? toVersionRow(row) : null;
}

/**
 * Versions newest first, optionally only those with one of `ids` or one of `statuses` (either
 * matches). `forUpdate` locks them for the rest of the transaction: a rollout's start holds its
 * versions so no switch retires one under it.
 */
export async function listEmbeddingVersions(
  db: DbOrTx,
  filter: { ids?: readonly number[]; statuses?: readonly string[]; forUpdate?: boolean } = {},
): Promise<EmbeddingVersionRow[]> {
  const conditions = [
    ...(filter.ids ? [sql`id = any(${sql.param([...filter.ids])}::int[])`] : []),
    ...(filter.statuses ? [sql`status = any(${sql.param([...filter.statuses])}::text[])`] : []),
  ];
  const rows = await execRows<EmbeddingVersionDbRow>(
    db,
    sql`select ${VERSION_COLUMNS} from embedding_versions
        ${conditions.length > 0 ? sql`where ${sql.join(conditions, sql` or `)}` : sql``}
        order by id desc ${filter.forUpdate ? sql`for update` : sql``}`,
  );
  return rows.map(toVersionRow);
}

/** Rows stored for a version (what its activation must find). */
export async function countEmbeddings(db: DbOrTx, versionId: number): Promise<number> {
  const [{ n }] = await execRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from clip_embeddings where version_id = ${versionId}`,
  );
  return Number(n);
}

/** Embeddings of some clips in one version (absent clips are missing from the map). */
export async function embeddingsOf(db: DbOrTx, versionId: number, ids: readonly string[]): Promise<Map<string, number[]>> {
  const out = new Map<string, number[]>();
  if (ids.length === 0) return out;
  const rows = await execRows<{ id: string; embedding: number[] }>(
    db,
    sql`select clip_id::text as id, embedding from clip_embeddings
         where version_id = ${versionId} and clip_id = any(${sql.param([...new Set(ids)])}::uuid[])`,
  );
  for (const r of rows) out.set(r.id, r.embedding.map(Number));
  return out;
}

/** Drops a build that failed before its switch (its rows go with it); a no-op once it left 'building'. */
export async function deleteBuildingEmbeddingVersion(db: DbOrTx, versionId: number): Promise<void> {
  await db.execute(sql`delete from embedding_versions where id = ${versionId} and status = 'building'`);
}
