/**
 * Issue 19: after PostgreSQL drops connections (pg_terminate_backend, a restart), the next
 * requests succeed. A read whose backend is terminated under it is retried once on a fresh
 * connection; a write is not (it may have run), and surfaces the error. PostgreSQL only: PGlite
 * has no connections to lose.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { sql } from 'drizzle-orm';
import { createTestDb, type TestDb } from '../helpers/db';
import { execRows } from '@/db/client';

const onPostgres = process.env.CHORUS_TEST_DB === 'postgres';

describe.skipIf(!onPostgres)('database connections lost (issue 19)', () => {
  let t: TestDb;
  let admin: postgres.Sql;
  let dbName: string;

  beforeAll(async () => {
    t = await createTestDb();
    admin = postgres(process.env.CHORUS_TEST_POSTGRES_URL!, { max: 1, onnotice: () => {} });
    dbName = new URL(t.handle.url!).pathname.slice(1);
    await t.handle.exec('create table fault_probe (n int)');
  });
  afterAll(async () => {
    await t?.close();
    await admin?.end();
  });

  /** Terminates the backend running a statement that contains `marker`, once it shows up. */
  async function terminateWhenRunning(marker: string): Promise<number> {
    for (let i = 0; i < 100; i++) {
      const rows = await admin.unsafe(
        `select pg_terminate_backend(pid) as ok from pg_stat_activity where datname = $1 and state = 'active' and query like $2 and query not like '%pg_stat_activity%'`,
        [dbName, `%${marker}%`],
      );
      if (rows.length) return rows.length;
      await new Promise((r) => setTimeout(r, 20));
    }
    return 0;
  }

  it('a read through drizzle whose backend is terminated mid-query is retried and succeeds', async () => {
    const read = execRows<{ one: number }>(t.handle.db, sql`select 1 as one, pg_sleep(0.6) as drizzle_read_marker`);
    expect(await terminateWhenRunning('drizzle_read_marker')).toBe(1);
    await expect(read).resolves.toEqual([{ one: 1, drizzle_read_marker: '' }]);
  });

  it('a raw read (handle.query) whose backend is terminated mid-query is retried and succeeds', async () => {
    const read = t.handle.query<{ two: number }>('select 2 as two, pg_sleep(0.6) as raw_read_marker');
    expect(await terminateWhenRunning('raw_read_marker')).toBe(1);
    const rows = await read;
    expect(rows[0].two).toBe(2);
  });

  it('a write whose backend is terminated mid-query is not run again', async () => {
    const write = t.handle.query('insert into fault_probe select 1 from pg_sleep(0.6) as write_marker');
    expect(await terminateWhenRunning('write_marker')).toBe(1);
    const failure = (await write.then(() => null, (e: unknown) => e)) as { code?: string } | null;
    expect(['57P01', 'CONNECTION_CLOSED']).toContain(failure?.code);
    await new Promise((r) => setTimeout(r, 500));
    const [{ n }] = await t.handle.query<{ n: number }>('select count(*)::int as n from fault_probe');
    expect(n).toBe(0);
  });

  it('after every backend of the pool is terminated, the next queries succeed', async () => {
    await Promise.all(Array.from({ length: 5 }, () => t.handle.query('select 1')));
    await admin.unsafe(`select pg_terminate_backend(pid) from pg_stat_activity where datname = $1 and pid <> pg_backend_pid()`, [dbName]);
    const results = await Promise.all(Array.from({ length: 10 }, (_, i) => execRows<{ i: number }>(t.handle.db, sql`select ${i}::int as i`)));
    expect(results.map((r) => r[0].i)).toEqual([...Array(10).keys()]);
  });
});
