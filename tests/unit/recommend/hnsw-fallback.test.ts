import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqlRunner } from '@/lib/recommend/ann-index';
import { InProcessHnswIndex } from '@/lib/recommend/hnsw-index';
import { detectPgVector, readEmbeddingBatches } from '@/lib/recommend/pgvector-index';
import { pgliteSqlRunner } from '@/lib/recommend/sql-runners';
import { exactKnn, recallAtK } from '@/lib/recommend/vector-math';
import { CREATE_TABLE, clipUuid, copyText, createRng, gaussianMatrix, randomVector } from './fixtures';

// The server path without pgvector (the test machine's PostgreSQL 15): plain
// PGlite has no `vector` extension either, and the same table.
const n = 5000;
const dim = 64;
const rng = createRng(4711);
const data = gaussianMatrix(n, dim, rng);
const ids = Array.from({ length: n }, (_, i) => clipUuid(i, 1));

describe('without pgvector', () => {
  let db: PGlite;
  let sql: SqlRunner;

  beforeAll(async () => {
    db = new PGlite();
    sql = pgliteSqlRunner(db);
    await db.exec(CREATE_TABLE);
    await db.query(`COPY clip_embeddings FROM '/dev/blob'`, [], { blob: new Blob([copyText(data, dim, ids, 1)]) });
  });
  afterAll(() => db.close());

  it('detects the missing extension without aborting the surrounding transaction', async () => {
    expect(await detectPgVector(sql)).toBe(false);
    const after = await db.transaction(async (tx) => {
      const inTx: SqlRunner = { query: async <T>(text: string, params?: unknown[]) => (await tx.query<T>(text, params)).rows };
      expect(await detectPgVector(inTx)).toBe(false);
      return inTx.query<{ one: number }>('SELECT 1 AS one');
    });
    expect(after).toEqual([{ one: 1 }]);
  });

  it('builds the in-process HNSW index from the table and reaches recall@10 ≥ 0.95', async () => {
    const batchSizes: number[] = [];
    const index = await InProcessHnswIndex.build(1, dim, readEmbeddingBatches(sql, 1, 1200), {
      onProgress: (k) => batchSizes.push(k),
    });
    expect(index.size).toBe(n);
    expect(batchSizes).toEqual([1200, 2400, 3600, 4800, 5000]);
    let recall = 0;
    const queries = 60;
    for (let i = 0; i < queries; i++) {
      const q = randomVector(dim, rng);
      const exact = exactKnn(data, dim, q, 10).indices.map((j) => ids[j]);
      recall += recallAtK((await index.search(q, 10)).ids, exact, 10);
    }
    expect(recall / queries).toBeGreaterThanOrEqual(0.95);
  });
});
