/**
 * lib/embeddings/repo answers `EmbeddingVersionRow` as its type says on both databases: the
 * timestamps are Dates (postgres.js's raw `execute` answers them as text) and the numbers numbers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  activateEmbeddingVersion,
  activeEmbeddingVersion,
  createEmbeddingVersion,
  listEmbeddingVersions,
} from '@/lib/embeddings/repo';
import { createTestDb, type TestDb } from '../helpers/db';

let t: TestDb;

beforeAll(async () => {
  t = await createTestDb();
}, 60_000);
afterAll(async () => t.close());

describe('embedding version rows', () => {
  it('carry Dates and numbers: activatedAt once activated, null while building', async () => {
    const activated = await createEmbeddingVersion(t.handle.db, { modelId: null, source: 'test:dates', dim: 4 });
    await activateEmbeddingVersion(t.handle.db, activated, 0);
    const building = await createEmbeddingVersion(t.handle.db, { modelId: null, source: 'test:dates', dim: 4 });

    const active = await activeEmbeddingVersion(t.handle.db);
    expect(active).toMatchObject({ id: activated, modelId: null, source: 'test:dates', dim: 4, status: 'active', count: 0 });
    expect(active!.createdAt).toBeInstanceOf(Date);
    expect(active!.activatedAt).toBeInstanceOf(Date);
    expect(active!.activatedAt!.getTime()).toBeGreaterThanOrEqual(active!.createdAt.getTime());

    const listed = await listEmbeddingVersions(t.handle.db);
    const row = listed.find((v) => v.id === building)!;
    expect(row).toMatchObject({ status: 'building', activatedAt: null, dim: 4 });
    expect(row.createdAt).toBeInstanceOf(Date);
    expect(typeof row.id).toBe('number');
  });
});
