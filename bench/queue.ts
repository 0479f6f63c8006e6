/**
 * Queue benchmark: next-clip + vote round trips against real PostgreSQL with N clips and C
 * concurrent contributors, through the same service functions the API calls.
 *
 *   npx tsx bench/queue.ts [--clips 100000] [--contributors 50] [--seconds 20] [--pool C+5]
 *                          [--plan-cache force_generic_plan|auto] [--label text] [--url postgres://postgres@127.0.0.1:5432/postgres]
 *
 * Prints one table row: votes/s, p50/p99 latency per operation, and what holds on a busy machine —
 * CPU ms per answered vote (this node process, and the bench database's PostgreSQL backends read
 * from /proc, so the server must be local for that column), the votes/s that CPU allows on this
 * machine's cores, statements and transactions per vote, WAL syncs/writes/KB per vote (pg_stat_wal:
 * the whole cluster, so other users of the server count too), and the integrity checks (no clip
 * past its overlap, no lease held twice, vote counts equal the votes). The batched vote aggregator
 * runs beside the contributors once a second, as the worker's drain-votes job does (its cost is in
 * the figures); after the run one last drain applies what is left. On stderr: the statements sent
 * per vote by text, and pg_stat_statements' top statements when the server preloads it.
 */
import { parseArgs } from 'node:util';
import os from 'node:os';
import fs from 'node:fs';
import { execFileSync } from 'node:child_process';
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
    /** Connections in the app's pool (default: one per contributor + 5, as before). */
    pool: { type: 'string' },
    label: { type: 'string', default: '' },
    /** plan_cache_mode of the app's connections (the app's default: force_generic_plan). */
    'plan-cache': { type: 'string', default: 'force_generic_plan' },
  },
});
const CLIPS = Number(values.clips);
const CONTRIBUTORS = Number(values.contributors);
const SECONDS = Number(values.seconds);
const POOL = values.pool ? Number(values.pool) : CONTRIBUTORS + 5;

function quantile(sorted: number[], q: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** utime + stime of a process in ms, or null when /proc does not show it (a remote server, a gone backend). */
function procCpuMs(pid: number): number | null {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
  } catch {
    return null;
  }
}
const CLK_TCK = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * CPU of the bench database's PostgreSQL backends (and its autovacuum workers), from /proc: polled
 * every 200 ms so a backend that exits during the run keeps what it had used at its last sample.
 * A backend already there at start counts from its value then; one that appears later from zero
 * (its connection start-up is part of the cost).
 */
function backendCpuSampler(admin: postgres.Sql, dbName: string) {
  const base = new Map<number, number>();
  const last = new Map<number, number>();
  let readable = true;
  let running = true;
  const sample = async (initial: boolean) => {
    const rows = await admin<{ pid: number }[]>`select pid from pg_stat_activity where datname = ${dbName}`;
    for (const { pid } of rows) {
      const ms = procCpuMs(pid);
      if (ms === null) {
        if (!fs.existsSync('/proc/' + pid)) readable = false;
        continue;
      }
      if (!base.has(pid)) base.set(pid, initial ? ms : 0);
      last.set(pid, ms);
    }
  };
  let loop: Promise<void> = Promise.resolve();
  return {
    async start() {
      await sample(true);
      loop = (async () => {
        while (running) {
          await new Promise((r) => setTimeout(r, 200));
          await sample(false);
        }
      })();
    },
    async stop(): Promise<{ ms: number; backends: number } | null> {
      running = false;
      await loop;
      await sample(false);
      if (!readable) return null;
      let ms = 0;
      for (const [pid, v] of last) ms += v - (base.get(pid) ?? 0);
      return { ms, backends: last.size };
    },
  };
}

interface DbCounters {
  xact: number;
  walRecords: number;
  walBytes: number;
  walWrite: number;
  walSync: number;
}

async function dbCounters(admin: postgres.Sql, dbName: string): Promise<DbCounters> {
  // pg_stat_database is per database; pg_stat_wal is the whole cluster (other users of the server count too).
  const [d] = await admin<
    { xact: string }[]
  >`select (xact_commit + xact_rollback)::text as xact from pg_stat_database where datname = ${dbName}`;
  const [w] = await admin<{ wal_records: string; wal_bytes: string; wal_write: string; wal_sync: string }[]>`
    select wal_records::text, wal_bytes::text, wal_write::text, wal_sync::text from pg_stat_wal`;
  return {
    xact: Number(d?.xact ?? 0),
    walRecords: Number(w?.wal_records ?? NaN),
    walBytes: Number(w?.wal_bytes ?? NaN),
    walWrite: Number(w?.wal_write ?? NaN),
    walSync: Number(w?.wal_sync ?? NaN),
  };
}

function load(): string {
  return os
    .loadavg()
    .slice(0, 1)
    .map((x) => x.toFixed(1))
    .join('');
}

async function main() {
  const dbName = `chorus_bench_${Date.now()}`;
  const admin = postgres(values.url!, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${dbName}`);
  const url = new URL(values.url!);
  url.pathname = `/${dbName}`;
  // Every statement the app's pool sends, by its text (first line, 90 characters): counted during the run only.
  let counting = false;
  let statements = 0;
  const byText = new Map<string, number>();
  const handle = await openDb({
    databaseUrl: url.toString(),
    maxConnections: POOL,
    planCacheMode: values['plan-cache'] as 'auto' | 'force_generic_plan',
    onQuery: (text) => {
      if (!counting) return;
      statements++;
      const key = text.replace(/\s+/g, ' ').trim().slice(0, 90);
      byText.set(key, (byText.get(key) ?? 0) + 1);
    },
  });
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
      users.push(
        await createUser(db, {
          email: `bench-${i}@bench.local`,
          name: `bench ${i}`,
          role: 'contributor',
          password: 'bench-password',
        }),
      );
    }
    // pg_stat_statements when the server preloads it (a private instance can; the shared one may not).
    let statementStats = false;
    try {
      await handle.exec('create extension if not exists pg_stat_statements');
      await handle.exec('select pg_stat_statements_reset()');
      statementStats = true;
    } catch {
      statementStats = false;
    }
    const nextLatency: number[] = [];
    const voteLatency: number[] = [];
    let errors = 0;
    const loadStart = load();
    const sampler = backendCpuSampler(admin, dbName);
    await sampler.start();
    const before = await dbCounters(admin, dbName);
    const cpuBefore = process.cpuUsage();
    counting = true;
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
            await submitVote(db, user.id, {
              kind: 'vote',
              leaseId: item.lease.id,
              tags: ['happy'],
              idempotencyKey: `b-${i}-${n++}`,
            });
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
    counting = false;
    const cpu = process.cpuUsage(cpuBefore);
    const after = await dbCounters(admin, dbName);
    const backend = await sampler.stop();
    const loadEnd = load();
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
    const votes = voteLatency.length;
    const per = (x: number, digits = 2) => (votes > 0 && Number.isFinite(x) ? (x / votes).toFixed(digits) : 'n/a');
    const nodeMs = (cpu.user + cpu.system) / 1000;
    const pgMs = backend?.ms ?? NaN;
    const totalPerVote = (nodeMs + pgMs) / votes;
    const cores = os.cpus().length;
    const model = os.cpus()[0]?.model ?? 'unknown';
    const q = (xs: number[], p: number) => quantile(xs, p).toFixed(1);
    const lines = [
      `| run | clips | contributors | pool | load 1-min start → end | votes | votes/s | next p50 / p99 ms | vote p50 / p99 ms | CPU ms per vote: node / PostgreSQL / total | votes/s if CPU-bound on ${cores} cores | statements per vote | transactions per vote | WAL syncs / writes / KB per vote (cluster) | errors / over overlap / doubled leases / count mismatches | drained in run / last drain (votes, ms) / pending after |`,
      `|---|---:|---:|---:|---|---:|---:|---|---|---|---:|---:|---:|---|---|---|`,
      `| ${values.label || '—'} | ${CLIPS} | ${CONTRIBUTORS} | ${POOL} | ${loadStart} → ${loadEnd} | ${votes} | ${(votes / elapsed).toFixed(0)} | ${q(nextLatency, 0.5)} / ${q(nextLatency, 0.99)} | ${q(voteLatency, 0.5)} / ${q(voteLatency, 0.99)} | ${per(nodeMs)} / ${per(pgMs)} / ${Number.isFinite(totalPerVote) ? totalPerVote.toFixed(2) : 'n/a'} | ${Number.isFinite(totalPerVote) ? ((cores * 1000) / totalPerVote).toFixed(0) : 'n/a'} | ${per(statements, 1)} | ${per(after.xact - before.xact, 2)} | ${per(after.walSync - before.walSync)} / ${per(after.walWrite - before.walWrite)} / ${per((after.walBytes - before.walBytes) / 1024, 1)} | ${errors} / ${over.n} / ${doubled.n} / ${counts.mismatched} | ${drainedInRun} / ${lastDrain.votes}, ${lastDrainMs.toFixed(0)} / ${pending.n} |`,
      '',
      `machine: ${cores} × ${model}, node ${process.version}, PostgreSQL at ${new URL(values.url!).host}; ${elapsed.toFixed(1)} s; ` +
        `PostgreSQL CPU from /proc over ${backend?.backends ?? 'n/a'} backends of the bench database (n/a: server not local); ` +
        `CPU per vote counts everything in the run (next, vote, the drain once a second) over the votes answered.`,
    ];
    console.log(lines.join('\n'));
    const top = [...byText.entries()].sort((a, b) => b[1] - a[1]).slice(0, 20);
    console.error('\nstatements sent during the run, per vote (first 90 characters):');
    for (const [text, n] of top) console.error(`  ${(n / Math.max(1, votes)).toFixed(2)}  ${text}`);
    if (statementStats) {
      const rows = await handle.query<{ calls: string; plan_ms: string; exec_ms: string; query: string }>(
        `select calls::text, round((total_plan_time / greatest(calls, 1))::numeric, 3)::text as plan_ms,
                round((total_exec_time / greatest(calls, 1))::numeric, 3)::text as exec_ms,
                left(regexp_replace(query, '\\s+', ' ', 'g'), 90) as query
         from pg_stat_statements where dbid = (select oid from pg_database where datname = current_database())
         order by total_plan_time + total_exec_time desc limit 15`,
      );
      console.error('\npg_stat_statements (top 15 by plan + execution time): calls, mean plan ms, mean exec ms');
      for (const r of rows) console.error(`  ${r.calls}  ${r.plan_ms}  ${r.exec_ms}  ${r.query}`);
    }
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
