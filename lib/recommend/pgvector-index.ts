/**
 * pgvector back-end: HNSW inside PostgreSQL (or PGlite with
 * @electric-sql/pglite-pgvector), one partial expression index per
 * embedding version over the plain `real[]` column, so the same table works
 * with and without the extension.
 *
 * Table contract (created by the lead's migration):
 *   clip_embeddings(version_id integer, clip_id uuid, embedding real[] not null,
 *                   primary key (version_id, clip_id))
 * A version's rows are immutable once pushed.
 */
import { sql, type SQL } from 'drizzle-orm';
import { execRows, type DbOrTx } from '@/db/client';
import { assertDim, assertVersionId, type AnnIndex, type AnnResult, type AnnSearchOptions, type EmbeddingRow } from './ann-index';

export interface PgVectorParams {
  /** HNSW out-links per node (pgvector default 16). */
  m: number;
  /** Build-time candidate list (pgvector default 64). */
  efConstruction: number;
  /** Search-time candidate list, `hnsw.ef_search` (pgvector default 40). Raised to the LIMIT when needed. */
  efSearch: number;
  /**
   * `maintenance_work_mem` for the build. pgvector builds fastest while the
   * graph fits in it (≈ n·(4d + 8M)·1.5 bytes); past that it falls back to a
   * much slower on-disk build. Null keeps the server's setting.
   */
  maintenanceWorkMem: string | null;
}

/**
 * pgvector's build defaults (m = 16, ef_construction = 64): a larger
 * ef_construction made the build slower without moving recall@10 on the
 * test and bench data. ef_search = 100 instead of 40: at 40, recall@10 on
 * 5,000 × 64-d random vectors is ≈ 0.86; at 100 it is ≈ 0.99. See
 * bench/results/recommend.md.
 */
export const DEFAULT_PGVECTOR_PARAMS: PgVectorParams = {
  m: 16,
  efConstruction: 64,
  efSearch: 100,
  maintenanceWorkMem: null,
};

/** pgvector rejects hnsw.ef_search above this. */
const MAX_EF_SEARCH = 1000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** pgvector's text input format, '[x1,x2,…]'. */
function toVectorLiteral(v: ArrayLike<number>): string {
  const parts = new Array<string>(v.length);
  for (let i = 0; i < v.length; i++) {
    if (!Number.isFinite(v[i])) throw new RangeError('vector has a non-finite component');
    parts[i] = String(v[i]);
  }
  return `[${parts.join(',')}]`;
}

/** Name of the partial HNSW index that serves one version. */
export function pgVectorIndexName(versionId: number): string {
  assertVersionId(versionId);
  return `clip_embeddings_hnsw_v${versionId}`;
}

/**
 * Run `fn` with GUCs applied for its duration: SET LOCAL inside a transaction, which on a pool
 * holds one connection, so a concurrent search on another connection never sees (or changes)
 * this one's `hnsw.ef_search`, and the setting ends with the transaction. Inside a caller's
 * transaction this is a savepoint, and the setting lasts until that transaction ends.
 */
async function withSettings<T>(db: DbOrTx, settings: Record<string, string>, fn: (tx: DbOrTx) => Promise<T>): Promise<T> {
  return db.transaction(async (tx) => {
    for (const [name, value] of Object.entries(settings)) {
      await tx.execute(sql`SELECT set_config(${name}, ${value}, true)`);
    }
    return fn(tx);
  });
}

/**
 * Whether the database has pgvector, installing it if it can.
 *
 * Runs `CREATE EXTENSION IF NOT EXISTS vector` inside a PL/pgSQL block with
 * an exception handler: the handler's implicit subtransaction means a
 * failure (no such extension, no privilege) is swallowed without aborting a
 * surrounding transaction. Then checks `pg_extension`. Any error → false.
 */
export async function detectPgVector(db: DbOrTx): Promise<boolean> {
  try {
    await db.execute(sql`DO $$ BEGIN CREATE EXTENSION IF NOT EXISTS vector; EXCEPTION WHEN OTHERS THEN NULL; END $$`);
    const rows = await execRows(db, sql`SELECT 1 FROM pg_extension WHERE extname = 'vector'`);
    return rows.length > 0;
  } catch {
    return false;
  }
}

/**
 * Stream one version's embeddings in clip-id order, `batchSize` rows per
 * batch, by keyset pagination on the primary key — O(batchSize) memory and
 * no OFFSET rescans. Feeds `InProcessHnswIndex.build` on servers without
 * pgvector.
 */
export async function* readEmbeddingBatches(db: DbOrTx, versionId: number, batchSize = 2000): AsyncGenerator<EmbeddingRow[]> {
  assertVersionId(versionId);
  let after: string | null = null;
  for (;;) {
    const rows: EmbeddingRow[] = await execRows<EmbeddingRow>(
      db,
      sql`SELECT clip_id::text AS id, embedding FROM clip_embeddings
           WHERE version_id = ${versionId} ${after === null ? sql`` : sql`AND clip_id > ${after}::uuid`}
           ORDER BY clip_id LIMIT ${batchSize}`,
    );
    if (rows.length === 0) return;
    yield rows;
    if (rows.length < batchSize) return;
    after = rows[rows.length - 1].id;
  }
}

/** Drop a retired version's HNSW index (after its rows are deleted or no longer kept). */
export async function dropPgVectorIndex(db: DbOrTx, versionId: number): Promise<void> {
  await db.execute(sql.raw(`DROP INDEX IF EXISTS ${pgVectorIndexName(versionId)}`));
}

/**
 * ANN over one version through pgvector's HNSW index (Malkov & Yashunin,
 * IEEE TPAMI 2020, as implemented by pgvector). The query
 *   SELECT … WHERE version_id = N ORDER BY embedding::vector(D) <=> $1 LIMIT k
 * repeats the index expression and the partial-index predicate literally,
 * which is what lets the planner use `clip_embeddings_hnsw_vN`: N, D and k
 * are spliced into the text (checked integers), only the query vector is a
 * parameter.
 */
export class PgVectorIndex implements AnnIndex {
  readonly backend = 'pgvector' as const;

  private constructor(
    private readonly db: DbOrTx,
    readonly versionId: number,
    readonly dim: number,
    readonly size: number,
    private readonly efSearch: number,
  ) {}

  /**
   * Make sure the version's HNSW index exists — building it on first open,
   * O(n·log n·ef_construction·d), minutes for 10⁵–10⁶ rows — and count the
   * rows. Requires the `vector` extension ({@link detectPgVector}). Fails if
   * a row's length differs from `dim`.
   */
  static async open(db: DbOrTx, versionId: number, dim: number, params: Partial<PgVectorParams> = {}): Promise<PgVectorIndex> {
    assertVersionId(versionId);
    assertDim(dim);
    const p = { ...DEFAULT_PGVECTOR_PARAMS, ...params };
    if (!Number.isInteger(p.m) || !Number.isInteger(p.efConstruction))
      throw new RangeError('m and efConstruction must be integers');
    const settings: Record<string, string> = p.maintenanceWorkMem ? { maintenance_work_mem: p.maintenanceWorkMem } : {};
    await withSettings(db, settings, (tx) =>
      tx.execute(
        sql.raw(`CREATE INDEX IF NOT EXISTS ${pgVectorIndexName(versionId)} ON clip_embeddings
           USING hnsw ((embedding::vector(${dim})) vector_cosine_ops)
           WITH (m = ${p.m}, ef_construction = ${p.efConstruction})
           WHERE version_id = ${versionId}`),
      ),
    );
    const [{ n }] = await execRows<{ n: number }>(
      db,
      sql`SELECT count(*)::int AS n FROM clip_embeddings WHERE version_id = ${versionId}`,
    );
    return new PgVectorIndex(db, versionId, dim, Number(n), p.efSearch);
  }

  /** The SQL `search` runs, exposed so tests can EXPLAIN it. */
  searchSql(query: ArrayLike<number>, limit: number, withVectors: boolean): SQL {
    const vec = sql`${toVectorLiteral(query)}::vector`;
    const d = sql.raw(String(this.dim));
    return sql`SELECT clip_id::text AS id, embedding::vector(${d}) <=> ${vec} AS distance${withVectors ? sql`, embedding` : sql``}
                 FROM clip_embeddings
                WHERE version_id = ${sql.raw(String(this.versionId))}
                ORDER BY embedding::vector(${d}) <=> ${vec}
                LIMIT ${sql.raw(String(Math.max(0, Math.floor(limit))))}`;
  }

  /**
   * k nearest by cosine distance, nearest first. Over-fetches k + |excludeIds|
   * and drops the excluded ids in JS: filtering in SQL would make HNSW
   * post-filter its ef candidates and return short lists. `hnsw.ef_search` is
   * raised to the LIMIT (HNSW returns at most ef rows), capped at pgvector's
   * 1000.
   */
  async search(query: Float32Array, k: number, options: AnnSearchOptions = {}): Promise<AnnResult> {
    if (query.length !== this.dim) throw new RangeError(`query has ${query.length} dims, index has ${this.dim}`);
    const excluded = new Set(options.excludeIds ?? []);
    const limit = Math.min(this.size, Math.max(0, k) + excluded.size);
    const result: AnnResult = { ids: [], distances: [] };
    if (options.withVectors) result.vectors = [];
    if (limit === 0) return result;
    const ef = String(Math.min(MAX_EF_SEARCH, Math.max(this.efSearch, limit)));
    const rows = await withSettings(this.db, { 'hnsw.ef_search': ef }, (tx) =>
      execRows<{ id: string; distance: number; embedding?: number[] }>(tx, this.searchSql(query, limit, !!options.withVectors)),
    );
    for (const row of rows) {
      if (result.ids.length >= k) break;
      if (excluded.has(row.id)) continue;
      result.ids.push(row.id);
      result.distances.push(Number(row.distance));
      if (result.vectors) result.vectors.push(Float32Array.from(row.embedding ?? []));
    }
    return result;
  }

  async getVector(id: string): Promise<Float32Array | null> {
    if (!UUID.test(id)) return null;
    const rows = await execRows<{ embedding: number[] }>(
      this.db,
      sql`SELECT embedding FROM clip_embeddings WHERE version_id = ${this.versionId} AND clip_id = ${id}::uuid`,
    );
    return rows.length === 0 ? null : Float32Array.from(rows[0].embedding);
  }
}
