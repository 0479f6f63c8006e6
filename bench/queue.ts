/**
 * Queue benchmark: next-clip + vote round trips against real PostgreSQL with 100,000 clips
 * and 50 concurrent contributors, through the same service functions the API calls.
 *
 *   npx tsx bench/queue.ts [--clips 100000] [--contributors 50] [--seconds 20] [--url postgres://postgres@127.0.0.1:5432/postgres]
 *
 * Prints p50/p99 latency per operation, votes per second, and checks afterwards that no clip
 * was handed out past its overlap and no lease is held twice. The batched vote aggregator runs
 * beside the contributors once a second, as the worker's drain-votes job does (its load is in the
 * figures); after the run one last drain applies what is left, and the table says how many votes
 * were drained during the run and how long that last drain took.
 */
import { parseArgs } from 'node:util';
import os from 'node:os';
import postgres from 'postgres';
import { sql } from 'drizzle-orm';
import { openDb, execRows } from '@/db/client';
import { setDbHandle } from '@/db';
import { ensureTaxonomy } from '@/lib/demo/seed';
import { createUser } from '@/lib/auth/repo';
import { nextClipFor, submitVote } from '@/lib/queue/service';
import { drainVotes } from '@/lib/crowd/drain';
import { changeProjectSettings } from '@/lib/settings/service';

const { values } = parseArgs({
  options: {
    clips: { type: 'string', default: '100000' },
    contributors: { type: 'string', default: '50' },
    seconds: { type: 'string', default: '20' },
    url: { type: 'string', default: process.env.CHORUS_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
  },
});
const CLIPS = Number(values.clips);
const CONTRIBUTORS = Number(values.contributors);
const SECONDS = Number(values.seconds);

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

async function main() {
  const dbName = `chorus_bench_${Date.now()}`;
  const admin = postgres(values.url!, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${dbName}`);
  const url = new URL(values.url!);
  url.pathname = `/${dbName}`;
  const handle = await openDb({ databaseUrl: url.toString(), maxConnections: CONTRIBUTORS + 5 });
  setDbHandle(handle);
  try {
    const db = handle.db;
    await ensureTaxonomy(db);
    await changeProjectSettings(db, { overlap: 3, goldRate: 0, newContributorGoldRate: 0, maxActiveLeases: 3 });
    const t0 = performance.now();
    await handle.exec(`
      insert into clips (sha256, title, status, priority, duration_s)
      select md5(g::text) || md5((g * 7)::text), 'clip ' || g, 'ready', random(), 20
      from generate_series(1, ${CLIPS}) g;
      analyze clips;`);
    console.error(`inserted ${CLIPS} clips in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    const users = [];
    for (let i = 0; i < CONTRIBUTORS; i++) {
      users.push(await createUser(db, { email: `bench-${i}@bench.local`, name: `bench ${i}`, role: 'contributor', password: 'bench-password' }));
    }
    const nextLatency: number[] = [];
    const voteLatency: number[] = [];
    let errors = 0;
    const deadline = performance.now() + SECONDS * 1000;
    const started = performance.now();
    let drainedInRun = 0;
    const drainer = (async () => {
      while (performance.now() < deadline) {
        const a = performance.now();
        drainedInRun += (await drainVotes(db)).votes;
        await new Promise((r) => setTimeout(r, Math.max(0, 1000 - (performance.now() - a))));
      }
    })();
    await Promise.all(
      users.map(async (user, i) => {
        let n = 0;
        while (performance.now() < deadline) {
          try {
            const a = performance.now();
            const item = await nextClipFor(db, user.id, [], () => 1);
            const b = performance.now();
            nextLatency.push(b - a);
            if (!item) break;
            await submitVote(db, user.id, { kind: 'vote', leaseId: item.lease.id, tags: ['happy'], idempotencyKey: `b-${i}-${n++}` });
            voteLatency.push(performance.now() - b);
          } catch (err) {
            errors++;
            if (errors < 5) console.error(err);
          }
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    await drainer;
    const lastDrainStarted = performance.now();
    const lastDrain = await drainVotes(db, { maxBatches: Number.MAX_SAFE_INTEGER });
    const lastDrainMs = performance.now() - lastDrainStarted;
    const [pending] = await execRows<{ n: number }>(db, sql`select count(*)::int as n from votes where aggregated_at is null`);
    nextLatency.sort((x, y) => x - y);
    voteLatency.sort((x, y) => x - y);
    const [over] = await execRows<{ n: number }>(
      db,
      sql`select count(*)::int as n from (select clip_id, count(*) c from votes group by clip_id) v join clips c on c.id = v.clip_id where v.c > c.overlap_target`,
    );
    const [doubled] = await execRows<{ n: number }>(
      db,
      sql`select count(*)::int as n from (select clip_id, user_id from leases group by clip_id, user_id having count(*) > 1) d`,
    );
    const [counts] = await execRows<{ votes: number; mismatched: number }>(
      db,
      sql`select (select count(*)::int from votes) as votes,
                 (select count(*)::int from clips c where c.vote_count <> (select count(*) from votes v where v.clip_id = c.id)) as mismatched`,
    );
    const cpu = os.cpus()[0]?.model ?? 'unknown';
    const lines = [
      `| clips | contributors | seconds | votes | votes/s | next p50 ms | next p99 ms | vote p50 ms | vote p99 ms | errors | over overlap | doubled leases | count mismatches | drained in run | last drain (votes, ms) | pending after |`,
      `|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|`,
      `| ${CLIPS} | ${CONTRIBUTORS} | ${elapsed.toFixed(1)} | ${voteLatency.length} | ${(voteLatency.length / elapsed).toFixed(0)} | ${quantile(nextLatency, 0.5).toFixed(2)} | ${quantile(nextLatency, 0.99).toFixed(2)} | ${quantile(voteLatency, 0.5).toFixed(2)} | ${quantile(voteLatency, 0.99).toFixed(2)} | ${errors} | ${over.n} | ${doubled.n} | ${counts.mismatched} | ${drainedInRun} | ${lastDrain.votes}, ${lastDrainMs.toFixed(0)} | ${pending.n} |`,
      '',
      `machine: ${os.cpus().length} × ${cpu}, node ${process.version}, PostgreSQL at ${new URL(values.url!).host}`,
    ];
    console.log(lines.join('\n'));
  } finally {
    await handle.close();
    await admin.unsafe(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
