/**
 * The recommender's transactions (lib/recommend/repo.ts) on both databases. On PostgreSQL the
 * handle is a pool: a transaction sent as `begin` … `commit` through it lands on whichever
 * connections are free, so its statements are not one transaction and the `begin` leaves a
 * connection idle in a transaction nobody ends. The recommender opens its transactions with
 * drizzle's `transaction` on the handle's `db` (postgres.js `begin`: one pinned connection);
 * these tests hold that way to its promise, and the feature-embedding build to it.
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execRows } from '@/db/client';
import { ensureFeatureEmbeddings } from '@/lib/embeddings/features-repo';
import { createTestDb, type TestDb } from '../helpers/db';

const engine = process.env.CHORUS_TEST_DB === 'postgres' ? 'postgres' : 'embedded';
let t: TestDb;

beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => t.close());

const idleInTransaction = async () =>
  Number(
    (
      await t.handle.query<{ n: string }>(
        `select count(*)::int as n from pg_stat_activity where datname = current_database() and state like 'idle in transaction%'`,
      )
    )[0].n,
  );

/** Busies the pool, so a statement sent through it instead of the pinned connection would very likely land elsewhere. */
const busyPool = () =>
  engine === 'postgres' ? Promise.all(Array.from({ length: 4 }, () => t.handle.query('select pg_backend_pid()'))) : Promise.resolve();

describe('the recommender\'s transactions (drizzle transaction on the handle\'s db)', () => {
  it('runs every statement of a transaction on one connection, in one transaction, while the pool serves others', async () => {
    const seen = await t.handle.db.transaction(async (tx) => {
      const rows: { pid: number; xid: string }[] = [];
      for (let i = 0; i < 6; i++) {
        // (PGlite is one connection, held by the open transaction: a query beside it would wait for it.)
        await busyPool();
        rows.push(
          (await execRows<{ pid: number; xid: string }>(tx, sql`select pg_backend_pid() as pid, txid_current()::text as xid`))[0],
        );
      }
      return rows;
    });
    expect(new Set(seen.map((r) => r.pid)).size).toBe(1);
    expect(new Set(seen.map((r) => r.xid)).size).toBe(1);
    expect(await idleInTransaction()).toBe(0);
  });

  it('rolls the whole transaction back when its callback throws', async () => {
    await t.handle.query(`create table if not exists tx_probe (n int)`);
    await expect(
      t.handle.db.transaction(async (tx) => {
        await tx.execute(sql`insert into tx_probe values (1)`);
        await busyPool();
        await tx.execute(sql`insert into tx_probe values (2)`);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await t.handle.query(`select * from tx_probe`)).toEqual([]);
    expect(await idleInTransaction()).toBe(0);
  });

  it('ensureFeatureEmbeddings: concurrent builds beside a busy pool make one version and leave nothing open', async () => {
    // Features for a few clips, so a build is due: each caller opens the build transaction.
    await t.handle.query(
      `insert into clips (sha256, title, status, duration_s, label_state)
       select md5(g::text) || md5('c' || g), 'clip ' || g, 'ready', 30, 'open' from generate_series(1, 4) g`,
    );
    await t.handle.query(
      `insert into clip_features (clip_id, extractor_version, vector, named)
       select id, 'test-x', array[random(), random(), random()]::real[], '{}'::jsonb from clips`,
    );
    expect(await t.handle.query(`select id from embedding_versions`)).toEqual([]);
    const [built] = await Promise.all([
      Promise.all([0, 1, 2].map(() => ensureFeatureEmbeddings(t.handle.db))),
      busyPool(),
    ]);
    expect(built.filter((b) => b?.created)).toHaveLength(1);
    expect(new Set(built.map((b) => b?.versionId)).size).toBe(1);
    expect(await t.handle.query(`select status, count from embedding_versions`)).toEqual([{ status: 'active', count: 4 }]);
    expect(await idleInTransaction()).toBe(0);
  });

  it('ensureFeatureEmbeddings inside a caller\'s transaction is part of it: a rollback leaves no version behind', async () => {
    await t.handle.query(`delete from embedding_versions`);
    await expect(
      t.handle.db.transaction(async (tx) => {
        expect(await ensureFeatureEmbeddings(tx)).toMatchObject({ created: true, source: 'features' });
        throw new Error('undo');
      }),
    ).rejects.toThrow('undo');
    expect(await t.handle.query(`select id from embedding_versions`)).toEqual([]);
    expect(await idleInTransaction()).toBe(0);
  });
});
