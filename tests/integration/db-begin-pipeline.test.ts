/**
 * postgres.js 3.4.9 reserves a transaction's connection in BEGIN's `onexecute` hook, which it ran only
 * while the connection's pipeline had room: when BEGIN was the query that filled a busy connection's
 * pipeline (or met socket back-pressure) it reached the server on an unreserved connection. The
 * transaction then failed with UNSAFE_TRANSACTION and stayed open on the server while the connection
 * went back to the pool, so unrelated queries ran inside it (porsager/postgres#823, #1189; the fix is
 * upstream PR #1218, unreleased). The 1M-clip load suite met it once: a lease release answered 500.
 * patches/postgres+3.4.9.patch (patch-package, applied on every install) runs the hook whenever BEGIN
 * was written. This reproduces the boundary deterministically: both connections busy and
 * max_pipeline 1, so BEGIN is pipelined as the first query behind one of them.
 */
import { afterAll, describe, expect, it } from 'vitest';
import postgres from 'postgres';

const onPostgres = process.env.CHORUS_TEST_DB === 'postgres';
const APP = 'chorus-begin-pipeline-test';

describe.skipIf(!onPostgres)('sql.begin() at a busy connection’s pipeline boundary', () => {
  const url = process.env.CHORUS_TEST_POSTGRES_URL!;
  const admin = onPostgres ? postgres(url, { max: 1, onnotice: () => {} }) : null;
  afterAll(async () => admin?.end());

  it('commits, and leaves no connection of the pool inside a transaction', async () => {
    for (let round = 0; round < 5; round++) {
      // max_pipeline is a runtime option that postgres.js's types leave out.
      const pipeline = { max_pipeline: 1 } as object;
      const sql = postgres(url, { max: 2, ...pipeline, onnotice: () => {}, connection: { application_name: APP } });
      try {
        await Promise.all([sql`select 1`, sql`select 2`]); // both connections open and idle
        const busy = [sql`select pg_sleep(0.1)`.execute(), sql`select pg_sleep(0.1)`.execute()];
        const inTransaction = sql.begin(async (tx) => {
          const [row] = await tx<{ txid: string; now: Date; started: Date }[]>`
            select txid_current()::text as txid, now(), transaction_timestamp() as started`;
          return row;
        });
        await Promise.all(busy);
        const row = await inTransaction; // unpatched: rejects with UNSAFE_TRANSACTION
        expect(row.txid).toMatch(/^\d+$/);
        const stuck = await admin!`
          select count(*)::int as n from pg_stat_activity
          where application_name = ${APP} and state like 'idle in transaction%'`;
        expect(stuck[0].n, `round ${round}: a pooled connection left inside a transaction`).toBe(0);
      } finally {
        await sql.end({ timeout: 2 });
      }
    }
  });
});
