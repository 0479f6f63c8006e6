import { PGlite } from '@electric-sql/pglite';
import { sql } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execRows, type Db } from '@/db/client';
import { InProcessHnswIndex } from '@/lib/recommend/hnsw-index';
import { detectPgVector, readEmbeddingBatches } from '@/lib/recommend/pgvector-index';
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
  let orm: Db;

  beforeAll(async () => {
    db = new PGlite();
    orm = drizzle(db) as unknown as Db;
    await db.exec(CREATE_TABLE);
    await db.query(`COPY clip_embeddings FROM '/dev/blob'`, [], { blob: new Blob([copyText(data, dim, ids, 1)]) });
  });
  afterAll(() => db.close());

  it('detects the missing extension without aborting the surrounding transaction', async () => {
    expect(await detectPgVector(orm)).toBe(false);
    const after = await orm.transaction(async (tx) => {
      expect(await detectPgVector(tx)).toBe(false);
      return execRows<{ one: number }>(tx, sql`SELECT 1 AS one`);
    });
    expect(after).toEqual([{ one: 1 }]);
  });

  it('builds the in-process HNSW index from the table and reaches recall@10 ≥ 0.95', async () => {
    const batchSizes: number[] = [];
    const index = await InProcessHnswIndex.build(1, dim, readEmbeddingBatches(orm, 1, 1200), {
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
