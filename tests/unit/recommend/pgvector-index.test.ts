import { PGlite } from '@electric-sql/pglite';
import { vector } from '@electric-sql/pglite-pgvector';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execRows, type Db, type DbOrTx } from '@/db/client';
import { PgVectorIndex, detectPgVector, pgVectorIndexName } from '@/lib/recommend/pgvector-index';
import { exactKnn, recallAtK } from '@/lib/recommend/vector-math';
import { CREATE_TABLE, clipUuid, copyText, createRng, gaussianMatrix, randomVector, row } from './fixtures';

const n = 5000;
const dim = 64;
const rng = createRng(31337);
const data = gaussianMatrix(n, dim, rng);
const ids = Array.from({ length: n }, (_, i) => clipUuid(i, 1));
const v2Data = gaussianMatrix(300, dim, rng);
const v2Ids = Array.from({ length: 300 }, (_, i) => clipUuid(i, 2));
const queries = Array.from({ length: 60 }, () => randomVector(dim, rng));

async function load(db: PGlite, matrix: Float32Array, rowIds: string[], versionId: number) {
  await db.query(`COPY clip_embeddings FROM '/dev/blob'`, [], { blob: new Blob([copyText(matrix, dim, rowIds, versionId)]) });
}

async function meanRecall(search: (q: Float32Array) => Promise<string[]>): Promise<number> {
  let total = 0;
  for (const q of queries) total += recallAtK(await search(q), exactKnn(data, dim, q, 10).indices.map((i) => ids[i]), 10);
  return total / queries.length;
}

describe('with pgvector (PGlite + @electric-sql/pglite-pgvector)', () => {
  let db: PGlite;
  let orm: Db;
  let index: PgVectorIndex;

  beforeAll(async () => {
    db = new PGlite({ extensions: { vector } });
    orm = drizzle(db) as unknown as Db;
    expect(await detectPgVector(orm)).toBe(true);
    await db.exec(CREATE_TABLE);
    await load(db, data, ids, 1);
    await load(db, v2Data, v2Ids, 2);
    await db.exec('ANALYZE clip_embeddings');
    index = await PgVectorIndex.open(orm, 1, dim);
  });
  afterAll(() => db.close());

  it('creates one partial HNSW index per version, idempotently', async () => {
    await PgVectorIndex.open(orm, 1, dim);
    const rows = await execRows<{ indexdef: string }>(
      orm,
      sql`SELECT indexdef FROM pg_indexes WHERE tablename = 'clip_embeddings' AND indexname = ${pgVectorIndexName(1)}`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0].indexdef).toMatch(/USING hnsw .*vector_cosine_ops.*WHERE \(version_id = 1\)/);
    expect(index.size).toBe(n);
  });

  it('serves the query from the version index (EXPLAIN)', async () => {
    const plan = await execRows<{ 'QUERY PLAN': string }>(orm, sql`EXPLAIN ${index.searchSql(queries[0], 200, true)}`);
    const text = plan.map((r) => r['QUERY PLAN']).join('\n');
    expect(text).toContain(`Index Scan using ${pgVectorIndexName(1)}`);
    expect(text).not.toMatch(/Seq Scan/);
  });

  it('reaches recall@10 ≥ 0.95 against exact k-NN on 5,000 × 64-d random data', async () => {
    expect(await meanRecall(async (q) => (await index.search(q, 10)).ids)).toBeGreaterThanOrEqual(0.95);
  });

  it('returns 200 neighbours (ef_search raised past its default of 40), nearest first, with vectors', async () => {
    const res = await index.search(queries[1], 200, { withVectors: true });
    expect(res.ids).toHaveLength(200);
    for (let i = 1; i < 200; i++) expect(res.distances[i]).toBeGreaterThanOrEqual(res.distances[i - 1]);
    const first = ids.indexOf(res.ids[0]);
    expect(Array.from(res.vectors![0])).toEqual(Array.from(row(data, dim, first)));
    expect(res.ids.every((id) => id.startsWith('00000000-0000-4000-8001'))).toBe(true);
  });

  it('raises ef_search for its own search only (SET LOCAL), also inside a caller\'s transaction', async () => {
    const efSearch = async (q: DbOrTx) =>
      (await execRows<{ ef: string }>(q, sql`SELECT current_setting('hnsw.ef_search') AS ef`))[0].ef;
    expect(await efSearch(orm)).toBe('40');
    expect((await index.search(queries[2], 150)).ids).toHaveLength(150);
    expect(await efSearch(orm)).toBe('40');
    const inTx = await orm.transaction(async (tx) => {
      const nested = await PgVectorIndex.open(tx, 1, dim);
      return { ids: (await nested.search(queries[2], 150)).ids, after: await efSearch(tx) };
    });
    expect(inTx.ids).toEqual((await index.search(queries[2], 150)).ids);
    // The savepoint's SET LOCAL lasts until the caller's transaction ends, not past it.
    expect(inTx.after).toBe('150');
    expect(await efSearch(orm)).toBe('40');
  });

  it('keeps versions apart and honours excludes', async () => {
    const v2 = await PgVectorIndex.open(orm, 2, dim);
    const res = await v2.search(row(v2Data, dim, 5), 10, { excludeIds: [v2Ids[5]] });
    expect(res.ids).toHaveLength(10);
    expect(res.ids).not.toContain(v2Ids[5]);
    expect(res.ids.every((id) => v2Ids.includes(id))).toBe(true);
  });

  it('reads a stored vector by id', async () => {
    expect(Array.from((await index.getVector(ids[9]))!)).toEqual(Array.from(row(data, dim, 9)));
    expect(await index.getVector(clipUuid(999999, 1))).toBeNull();
    expect(await index.getVector('not-a-uuid')).toBeNull();
  });
});
