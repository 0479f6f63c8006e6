/**
 * The full EM job (jobs/aggregate-votes.ts → lib/crowd/full-aggregation.ts `runFullAggregation`) on
 * PostgreSQL at scale: a fresh database with N clips, W contributors and V votes (V / N per clip,
 * each by a different contributor, each tag said "yes" with probability 0.25), then the job run
 * twice (the first fits from scratch, the second from a previous fit). Issue 12 target: < 30 s at
 * 1,000,000 votes.
 *
 *   npx tsx bench/em-db.ts [--votes 1000000] [--per-clip 5] [--workers 500] [--url postgres://…]
 *
 * Prints one table row per run: seconds in all, the job's own read / fit / write split, iterations,
 * clips written, node CPU seconds, peak RSS, and the load average at the start → end.
 */
import { parseArgs } from 'node:util';
import os from 'node:os';
import postgres from 'postgres';
import { openDb } from '@/db/client';
import { setDbHandle } from '@/db';
import { ensureTaxonomy } from '@/lib/demo/seed';
import { getActiveTaxonomy } from '@/lib/taxonomy/repo';
import { runFullAggregation } from '@/lib/crowd/full-aggregation';

const { values } = parseArgs({
  options: {
    votes: { type: 'string', default: '1000000' },
    'per-clip': { type: 'string', default: '5' },
    workers: { type: 'string', default: '500' },
    url: { type: 'string', default: process.env.CHORUS_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
  },
});
const VOTES = Number(values.votes);
const PER_CLIP = Number(values['per-clip']);
const WORKERS = Number(values.workers);
const CLIPS = Math.ceil(VOTES / PER_CLIP);
if (!(PER_CLIP >= 1 && WORKERS > PER_CLIP * 97))
  throw new Error('--workers must exceed 97 × --per-clip (distinct voters per clip)');

const load = () => os.loadavg()[0].toFixed(1);

async function main() {
  const dbName = `chorus_bench_em_${Date.now()}`;
  const admin = postgres(values.url!, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${dbName}`);
  const url = new URL(values.url!);
  url.pathname = `/${dbName}`;
  const handle = await openDb({ databaseUrl: url.toString(), maxConnections: 8 });
  setDbHandle(handle);
  try {
    const db = handle.db;
    await ensureTaxonomy(db);
    const taxonomy = await getActiveTaxonomy(db);
    const tagList = `array[${taxonomy.tags.map((t) => `'${t.key}'`).join(',')}]`;
    const t0 = performance.now();
    await handle.exec(`
      insert into users (email, name, role)
      select 'em-' || w || '@bench.local', 'em ' || w, 'contributor' from generate_series(0, ${WORKERS - 1}) w;
      insert into clips (sha256, title, status, priority, duration_s, vote_count, assigned, overlap_target)
      select md5(g::text) || md5((g * 7)::text), 'clip ' || g, 'ready', random(), 20, ${PER_CLIP}, ${PER_CLIP}, ${PER_CLIP}
      from generate_series(1, ${CLIPS}) g;
      create temp table u as select id, row_number() over (order by id) - 1 as w from users where email like 'em-%';
      create temp table c as select id, row_number() over (order by id) as g from clips;
      insert into votes (clip_id, user_id, kind, taxonomy_version, tags, listened_ms, idempotency_key, aggregated_at)
      select c.id, u.id, 'vote', ${taxonomy.version},
             array(select t from unnest(${tagList}) t where random() < 0.25), 20000, 'em-' || c.g || '-' || k, now()
      from c cross join generate_series(0, ${PER_CLIP - 1}) k
      join u on u.w = (c.g + k * 97) % ${WORKERS};
      analyze;`);
    console.error(
      `data: ${CLIPS} clips, ${WORKERS} contributors, ${VOTES} votes in ${((performance.now() - t0) / 1000).toFixed(1)} s`,
    );
    const rows: string[] = [];
    for (const run of [1, 2]) {
      const loadStart = load();
      const cpu = process.cpuUsage();
      let peak = process.memoryUsage().rss;
      const timer = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 100);
      const a = performance.now();
      const r = await runFullAggregation(db, { force: true, trigger: 'manual' });
      const s = (performance.now() - a) / 1000;
      clearInterval(timer);
      const used = process.cpuUsage(cpu);
      rows.push(
        `| ${run} | ${r.votes} | ${r.clips} | ${r.workers} | ${loadStart} → ${load()} | ${s.toFixed(1)} | ${(r.timingsMs.read / 1000).toFixed(1)} / ${(r.timingsMs.fit / 1000).toFixed(1)} / ${(r.timingsMs.write / 1000).toFixed(1)} | ${r.iterations} | ${r.clipsWritten} | ${((used.user + used.system) / 1e6).toFixed(1)} | ${(peak / 2 ** 20).toFixed(0)} |`,
      );
    }
    console.log(
      [
        `| run | votes | clips | workers | load 1-min start → end | seconds | read / fit / write s | iterations | clips written | node CPU s | peak RSS MB |`,
        `|---:|---:|---:|---:|---|---:|---|---:|---:|---:|---:|`,
        ...rows,
        '',
        `machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'unknown'}, node ${process.version}, PostgreSQL at ${url.host}`,
      ].join('\n'),
    );
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
