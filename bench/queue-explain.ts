/**
 * The next-clip pick's plan at scale: `EXPLAIN (ANALYZE, BUFFERS)` of the one-statement pick
 * (lib/queue/pick.ts) on PostgreSQL with a million clips, in the situations that could make a
 * pick walk far: a fresh catalog, the top rows full (at their overlap), the top rows locked by
 * other pickers, the contributor having voted on the top rows. Each EXPLAIN runs in a
 * transaction that is rolled back, so every case sees the same catalog.
 *
 *   npx tsx bench/queue-explain.ts [--clips 1000000] [--full 200000] [--held 200] [--voted 2000] [--url postgres://…]
 *
 * Prints each plan with its buffer counts; the figure that matters is how many index and heap
 * pages the pick touches (it must not grow with the catalog or with --full).
 */
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { PgDialect } from 'drizzle-orm/pg-core';
import { openDb } from '@/db/client';
import { setDbHandle } from '@/db';
import { ensureTaxonomy } from '@/lib/demo/seed';
import { createUser } from '@/lib/auth/repo';
import { getProjectSettings } from '@/lib/settings/repo';
import { changeProjectSettings } from '@/lib/settings/service';
import { pickStatement } from '@/lib/queue/pick';
import { vacuumQueueIfDead } from '@/lib/queue/repo';

const { values } = parseArgs({
  options: {
    clips: { type: 'string', default: '1000000' },
    full: { type: 'string', default: '200000' },
    held: { type: 'string', default: '200' },
    voted: { type: 'string', default: '2000' },
    url: { type: 'string', default: process.env.CHORUS_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
  },
});
const CLIPS = Number(values.clips);
const FULL = Number(values.full);
const HELD = Number(values.held);
const VOTED = Number(values.voted);

async function main() {
  const dbName = `chorus_bench_explain_${Date.now()}`;
  const admin = postgres(values.url!, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${dbName}`);
  const url = new URL(values.url!);
  url.pathname = `/${dbName}`;
  const handle = await openDb({ databaseUrl: url.toString(), maxConnections: 4 });
  setDbHandle(handle);
  const raw = postgres(url.toString(), { max: 2, onnotice: () => {} });
  const holder = postgres(url.toString(), { max: 1, onnotice: () => {} });
  const dialect = new PgDialect();
  try {
    const db = handle.db;
    await ensureTaxonomy(db);
    await changeProjectSettings(db, { overlap: 3, goldRate: 0, newContributorGoldRate: 0, maxActiveLeases: 3 });
    const t0 = performance.now();
    await handle.exec(`
      insert into clips (sha256, title, status, priority, duration_s)
      select md5(g::text) || md5((g * 7)::text), 'clip ' || g, 'ready', random(), 20
      from generate_series(1, ${CLIPS}) g;`);
    await handle.exec(`vacuum analyze clips`);
    console.log(`${CLIPS.toLocaleString('en-US')} clips inserted and analysed in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const user = await createUser(db, { email: 'explain@bench.local', name: 'explain', role: 'contributor', password: 'bench-password' });
    const settings = await getProjectSettings(db);
    const { sql: text, params } = dialect.sqlToQuery(pickStatement({ userId: user.id, settings, exclude: [], wantGold: false }, true));

    const explain = async (label: string) => {
      let plan = '';
      await raw.begin(async (tx) => {
        const rows = await tx.unsafe(`explain (analyze, buffers, costs off, timing on) ${text}`, params as never[]);
        plan = rows.map((r) => r['QUERY PLAN']).join('\n');
        throw new RollbackSignal();
      }).catch((err) => {
        if (!(err instanceof RollbackSignal)) throw err;
      });
      console.log(`\n### ${label}\n\n\`\`\`\n${plan}\n\`\`\``);
    };

    await explain('1. fresh catalog');

    await handle.exec(`
      update clips set assigned = overlap_target
      where id in (select id from clips order by priority desc, id limit ${FULL});`);
    await explain(`2. the top ${FULL.toLocaleString('en-US')} rows full (at their overlap), right after the update (dead index entries not yet vacuumed)`);
    await explain(`3. the same, second pick (the first pick's scan marked the dead index entries as killed)`);
    // What the reap-leases job does every minute (lib/queue/repo.ts vacuumQueueIfDead): it vacuums once
    // the dead rows pass 0.5 % of the table, whether or not the server's autovacuum is on.
    for (let i = 0; i < 100; i++) {
      if (await vacuumQueueIfDead(db)) break;
      await new Promise((r) => setTimeout(r, 100)); // statistics reach pg_stat_user_tables within a second
    }
    await handle.exec(`analyze clips;`);
    await explain(`4. the same after the reap job's VACUUM step (vacuumQueueIfDead)`);

    // Other pickers hold row locks on the next HELD rows (an open transaction on another connection).
    let release: () => void = () => {};
    const released = new Promise<void>((r) => (release = r));
    let locked: () => void = () => {};
    const isLocked = new Promise<void>((r) => (locked = r));
    const holding = holder.begin(async (tx) => {
      await tx.unsafe(
        `select id from clips where label_state = 'open' and status <> 'failed' and assigned < overlap_target
         order by priority desc nulls last, id limit ${HELD} for no key update`,
      );
      locked();
      await released;
    });
    await isLocked;
    await explain(`5. the top ${FULL.toLocaleString('en-US')} full and the next ${HELD} rows locked by other pickers (SKIP LOCKED)`);
    release();
    await holding;

    await handle.exec(`
      insert into votes (clip_id, user_id, kind, taxonomy_version, tags, idempotency_key)
      select id, '${user.id}', 'vote', 1, '{}', 'explain-' || id
      from (select id from clips where label_state = 'open' and status <> 'failed' and assigned < overlap_target
            order by priority desc nulls last, id limit ${VOTED}) top;
      analyze votes;`);
    await explain(`6. the top ${FULL.toLocaleString('en-US')} full, and the contributor voted on the next ${VOTED.toLocaleString('en-US')} rows`);
  } finally {
    await holder.end();
    await raw.end();
    await handle.close();
    await admin.unsafe(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  }
}

class RollbackSignal extends Error {}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
