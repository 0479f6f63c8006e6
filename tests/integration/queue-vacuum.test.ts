/**
 * Issue 12 item 3: the reap-leases job vacuums `clips` once enough dead rows piled up (the pick
 * walks dead entries of the partial priority index until a VACUUM removes them). PostgreSQL only:
 * PGlite keeps no dead-row statistics, and the job then never vacuums (checked below too).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { execRows } from '@/db/client';
import { QUEUE_VACUUM_MIN_DEAD, vacuumQueueIfDead } from '@/lib/queue/repo';
import { clearClips, createTestDb, ensureTaxonomy, type TestDb } from '../helpers/db';

const onPostgres = process.env.CHORUS_TEST_DB === 'postgres';

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
  await ensureTaxonomy(t.handle.db);
  await clearClips(t.handle);
  await t.handle.exec(`
    insert into clips (sha256, title, status, priority, duration_s)
    select md5(g::text) || md5((g * 7)::text), 'clip ' || g, 'ready', random(), 20 from generate_series(1, 5000) g;`);
});
afterAll(async () => t.close());

const stats = async () =>
  (
    await execRows<{ dead: number; vacuums: number }>(
      t.handle.db,
      sql`select n_dead_tup::int as dead, (vacuum_count + autovacuum_count)::int as vacuums
          from pg_stat_user_tables where relname = 'clips' and schemaname = current_schema()`,
    )
  )[0];

describe('vacuumQueueIfDead', () => {
  it('leaves a table with few dead rows alone', async () => {
    expect(await vacuumQueueIfDead(t.handle.db)).toBe(false);
  });

  it.runIf(onPostgres)('vacuums clips once the slot updates left enough dead rows, and the dead rows are gone', async () => {
    // Every slot taken is a non-HOT update of the clip row: make more dead rows than the threshold.
    await t.handle.exec(
      `update clips set assigned = assigned + 1 where id in (select id from clips limit ${QUEUE_VACUUM_MIN_DEAD + 500})`,
    );
    // The statistics reach pg_stat_user_tables when the writing backend flushes them (within a second): wait for that state.
    for (let i = 0; i < 200 && (await stats()).dead < QUEUE_VACUUM_MIN_DEAD; i++) await new Promise((r) => setTimeout(r, 50));
    const before = await stats();
    expect(before.dead).toBeGreaterThanOrEqual(QUEUE_VACUUM_MIN_DEAD);
    expect(await vacuumQueueIfDead(t.handle.db)).toBe(true);
    for (let i = 0; i < 200 && (await stats()).vacuums === before.vacuums; i++) await new Promise((r) => setTimeout(r, 50));
    const after = await stats();
    expect(after.vacuums).toBeGreaterThan(before.vacuums);
    expect(after.dead).toBeLessThan(QUEUE_VACUUM_MIN_DEAD);
    expect(await vacuumQueueIfDead(t.handle.db)).toBe(false);
  });
});
