/**
 * Loop benchmark: the full retrain → register/promote → rescore → push-embeddings cycle on a
 * 100,000-clip × 128-feature catalog in real PostgreSQL, through the same service functions
 * the retrain job calls, with each phase timed.
 *
 *   npx tsx bench/loop.ts [--clips 100000] [--dim 128] [--labelled 0.3] [--epochs 10] [--kinds logistic,mlp]
 *                         [--url postgres://postgres@127.0.0.1:5432/postgres]
 *
 * The catalog lives in a throwaway database (created and dropped here): synthetic feature
 * vectors clustered per mood (lib/active's makeSyntheticMoodData, 8 moods), feature_stats,
 * and aggregates as crowd labels for `--labelled` of the clips (consensus) plus 5 % open clips
 * with partial votes. The cycle runs twice: the first trains the first model (promoted, no
 * comparison); the second is the steady state (the active model's ONNX is evaluated on the
 * candidate's held-out clips, predictions are upserted over the previous ones, a new
 * embedding version replaces the old). Writes bench/results/loop.md.
 *
 * Wall time on a shared machine counts other people's work too, so CPU time is reported:
 * this process (user + system) and the PostgreSQL backends serving the bench database (from
 * /proc; the server itself is shared with other databases).
 */
import { execSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { sql } from 'drizzle-orm';
import { execRows, openDb } from '@/db/client';
import { setDbHandle } from '@/db';
import { ensureTaxonomy } from '@/lib/demo/seed';
import { makeSyntheticMoodData } from '@/lib/active/synthetic';
import { loadCatalogMatrix } from '@/lib/model/catalog-matrix';
import { pgFloatArray, pgTextArray } from '@/lib/util/pg-arrays';
import { rescoreCatalog } from '@/lib/active/service';
import { computeStandardization } from '@/lib/model/standardize';
import { currentFeatureVersion, retrain } from '@/lib/model/service';
import { updateProjectSettings } from '@/lib/settings/repo';
import { getActiveTaxonomy } from '@/lib/taxonomy/repo';

const { values } = parseArgs({
  options: {
    clips: { type: 'string', default: '100000' },
    dim: { type: 'string', default: '128' },
    labelled: { type: 'string', default: '0.3' },
    epochs: { type: 'string', default: '10' },
    kinds: { type: 'string', default: 'logistic,mlp' },
    url: { type: 'string', default: process.env.CHORUS_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
    out: { type: 'string', default: 'bench/results/loop.md' },
    /** Keep the throwaway database (for profiling) and print its name. */
    keep: { type: 'boolean', default: false },
    /** Stop after the set-up (with --keep: a catalog to profile against). */
    'setup-only': { type: 'boolean', default: false },
  },
});
const N = Number(values.clips);
const D = Number(values.dim);
const LABELLED = Number(values.labelled);
const EPOCHS = Number(values.epochs);
const KINDS = values.kinds!.split(',') as ('logistic' | 'mlp')[];

const TICK = Number(execSync('getconf CLK_TCK').toString().trim()) || 100;

/** utime + stime (seconds) of one process, from /proc; 0 when it is gone or not readable. */
function processCpu(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / TICK;
  } catch {
    return 0;
  }
}

/**
 * CPU of the PostgreSQL backends serving the bench database (pool connections, autovacuum on
 * it), read from /proc — the server is shared with other work, so its total would not do.
 */
let backendPids: () => Promise<number[]> = async () => [];
async function postgresCpu(): Promise<Map<number, number>> {
  return new Map((await backendPids()).map((pid) => [pid, processCpu(pid)]));
}
function cpuSince(before: Map<number, number>, after: Map<number, number>): number {
  let total = 0;
  for (const [pid, cpu] of after) total += cpu - (before.get(pid) ?? 0);
  return total;
}

interface Phase {
  name: string;
  wall: number;
  cpu: number;
  pgCpu: number;
}

async function timed<T>(phases: Phase[], name: string, run: () => Promise<T>): Promise<T> {
  const pg0 = await postgresCpu();
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await run();
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(cpu0);
  phases.push({ name, wall, cpu: (c.user + c.system) / 1e6, pgCpu: cpuSince(pg0, await postgresCpu()) });
  return value;
}

async function main() {
  const dbName = `chorus_bench_loop_${Date.now()}`;
  const admin = postgres(values.url!, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${dbName}`);
  const url = new URL(values.url!);
  url.pathname = `/${dbName}`;
  const handle = await openDb({ databaseUrl: url.toString(), maxConnections: 10 });
  backendPids = async () =>
    (await admin.unsafe('select pid from pg_stat_activity where datname = $1', [dbName])).map((r) => Number(r.pid));
  setDbHandle(handle);
  const lines: string[] = [];
  const out = (s = '') => {
    lines.push(s);
    console.log(s);
  };
  try {
    const db = handle.db;
    await ensureTaxonomy(db);
    const taxonomy = await getActiveTaxonomy(db);
    const tags = taxonomy.tags.map((t) => t.key);
    const T = tags.length;
    await updateProjectSettings(db, { trainEpochs: EPOCHS, strategy: 'hybrid' });

    // ---- set-up (not timed as part of the cycle) -------------------------------------------
    const setupStart = performance.now();
    const data = makeSyntheticMoodData({
      n: N,
      d: D,
      t: T,
      seed: 42,
      prevalence: [0.3, 0.25, 0.2, 0.2, 0.15, 0.12, 0.1, 0.08],
      separation: 3,
    });
    const ids = Array.from({ length: N }, () => randomUUID());
    const states = ids.map((_, i) => {
      const u = ((i * 2654435761) >>> 0) / 2 ** 32;
      return u < LABELLED ? 'consensus' : u < LABELLED + 0.05 ? 'open-voted' : 'open';
    });
    const BATCH = 5000;
    for (let s = 0; s < N; s += BATCH) {
      const e = Math.min(N, s + BATCH);
      const slice = ids.slice(s, e);
      await db.execute(sql`
        insert into clips (id, sha256, title, artist, status, label_state, vote_count, assigned, source, duration_s)
        select u.id, md5(u.id::text) || md5(u.ord::text), 'clip ' || u.ord, 'artist ' || (u.ord % 5000), 'ready',
               case when u.st = 'consensus' then 'consensus' else 'open' end,
               case when u.st = 'consensus' then 3 when u.st = 'open-voted' then 1 else 0 end,
               case when u.st = 'consensus' then 3 when u.st = 'open-voted' then 1 else 0 end,
               'bench', 20
        from unnest(${pgTextArray(slice)}::uuid[], ${`{${states.slice(s, e).join(',')}}`}::text[]) with ordinality u(id, st, ord)`);
      await db.execute(sql`
        insert into clip_features (clip_id, extractor_version, vector, named)
        select u.id, ${currentFeatureVersion()}, x.v[(u.ord - 1) * ${D} + 1 : u.ord * ${D}], '{}'::jsonb
        from unnest(${pgTextArray(slice)}::uuid[]) with ordinality u(id, ord), (select ${pgFloatArray(data.x, s * D, e * D)}::real[] as v) x`);
      const lab = slice.map((id, k) => ({ id, i: s + k })).filter(({ i }) => states[i] !== 'open');
      if (lab.length) {
        const post = new Float32Array(lab.length * T);
        lab.forEach(({ i }, r) => {
          const sure = states[i] === 'consensus';
          for (let j = 0; j < T; j++) post[r * T + j] = data.y[i * T + j] ? (sure ? 0.92 : 0.7) : sure ? 0.08 : 0.3;
        });
        await db.execute(sql`
          insert into aggregates (clip_id, tag, posterior, label, confidence, yes_votes, no_votes, method)
          select u.id, k.tag, p.v[(u.ord - 1) * ${T} + k.j], p.v[(u.ord - 1) * ${T} + k.j] >= 0.5,
                 greatest(p.v[(u.ord - 1) * ${T} + k.j], 1 - p.v[(u.ord - 1) * ${T} + k.j]), 0, 0, 'bench'
          from unnest(${pgTextArray(lab.map((l) => l.id))}::uuid[]) with ordinality u(id, ord),
               unnest(${pgTextArray(tags)}::text[]) with ordinality k(tag, j),
               (select ${pgFloatArray(post)}::real[] as v) p`);
      }
      process.stderr.write(`\rset-up: ${e}/${N} clips`);
    }
    const stats = computeStandardization(data.x, N, D);
    await db.execute(sql`
      insert into feature_stats (extractor_version, names, mean, std, count)
      values (${currentFeatureVersion()}, ${JSON.stringify(Array.from({ length: D }, (_, k) => `f${k}`))}::jsonb,
              ${pgFloatArray(stats.mean)}::real[], ${pgFloatArray(stats.std)}::real[], ${N})`);
    await handle.exec('analyze');
    const setupS = (performance.now() - setupStart) / 1000;
    process.stderr.write(`\nset-up done in ${setupS.toFixed(1)} s\n`);
    if (values['setup-only']) return;

    const cycles: {
      label: string;
      phases: Phase[];
      result: Awaited<ReturnType<typeof retrain>>;
      rescore: Awaited<ReturnType<typeof rescoreCatalog>>;
    }[] = [];
    for (const label of [
      'first cycle (cold registry: first model promoted)',
      'second cycle (steady state: compared with the active model)',
    ]) {
      const phases: Phase[] = [];
      const cyclePg0 = await postgresCpu();
      const cycleCpu0 = process.cpuUsage();
      const cycleT0 = performance.now();
      const catalog = await timed(phases, 'load catalog matrix (features, states, posteriors)', () =>
        loadCatalogMatrix(db, { featureVersion: currentFeatureVersion(), tags }),
      );
      const result = await timed(phases, `retrain (${KINDS.join(' + ')}, ≤ ${EPOCHS} epochs) + evaluate + register/promote`, () =>
        retrain(db, { trigger: 'bench', kinds: KINDS, catalog, epochs: EPOCHS, patience: EPOCHS }),
      );
      const rescore = await timed(phases, 'rescore (score, priorities, predictions, embeddings push, prune)', () =>
        rescoreCatalog(db, { catalog: result.catalog, seed: 7 }),
      );
      const c = process.cpuUsage(cycleCpu0);
      phases.push({
        name: '**full cycle**',
        wall: (performance.now() - cycleT0) / 1000,
        cpu: (c.user + c.system) / 1e6,
        pgCpu: cpuSince(cyclePg0, await postgresCpu()),
      });
      cycles.push({ label, phases, result, rescore });
      process.stderr.write(`${label}: ${phases[phases.length - 1].wall.toFixed(1)} s\n`);
    }

    const [sizes] = await execRows<Record<string, string>>(
      db,
      sql`select pg_size_pretty(pg_total_relation_size('predictions')) as predictions,
                 pg_size_pretty(pg_total_relation_size('clip_embeddings')) as clip_embeddings,
                 pg_size_pretty(pg_total_relation_size('clip_features')) as clip_features,
                 (select count(*) from embedding_versions)::text as versions,
                 (select count(*) from predictions)::text as prediction_rows`,
    );

    const pgVersion = (await admin.unsafe('select version() as v'))[0].v as string;
    out('# Loop benchmark: retrain → rescore → push');
    out();
    out(`Generated by \`npx tsx bench/loop.ts\` on ${new Date().toISOString().slice(0, 10)}.`);
    out();
    out('## Machine');
    out();
    out(`- nproc: ${os.cpus().length} (shared with other work while this ran)`);
    out(`- CPU: ${os.cpus()[0]?.model ?? 'unknown'}`);
    out(`- memory: ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB`);
    out(`- node: ${process.version}; ${pgVersion.split(',')[0]} on the same machine (TCP, postgres.js, pool of 10)`);
    out(
      `- load average at the end: ${os
        .loadavg()
        .map((l) => l.toFixed(2))
        .join(' / ')}`,
    );
    out();
    out('## Data');
    out();
    const r0 = cycles[0].result;
    out(
      `${N.toLocaleString('en')} clips × ${D} features × ${T} moods (synthetic, clustered per mood); ` +
        `${Math.round(LABELLED * 100)} % consensus + 5 % open with partial votes → ${r0.labelsUsed.toLocaleString('en')} fitting rows, ` +
        `${r0.testSize.toLocaleString('en')} held-out clips (hash split). Set-up (data generation + inserts, not part of the cycle): ${setupS.toFixed(0)} s.`,
    );
    out();
    out('## Summary');
    out();
    out('| cycle | wall s | node CPU s | PostgreSQL CPU s | under 60 s |');
    out('|---|---:|---:|---:|---|');
    for (const cycle of cycles) {
      const total = cycle.phases[cycle.phases.length - 1];
      out(
        `| ${cycle.label} | ${total.wall.toFixed(1)} | ${total.cpu.toFixed(1)} | ${total.pgCpu.toFixed(1)} | ${total.wall < 60 ? 'yes' : 'no'} |`,
      );
    }
    out();
    for (const cycle of cycles) {
      out(`## ${cycle.label}`);
      out();
      out('| phase | wall s | node CPU s | PostgreSQL CPU s (this database’s backends) |');
      out('|---|---:|---:|---:|');
      for (const p of cycle.phases) out(`| ${p.name} | ${p.wall.toFixed(2)} | ${p.cpu.toFixed(2)} | ${p.pgCpu.toFixed(2)} |`);
      out();
      const tm = {
        ...cycle.result.timings,
        ...Object.fromEntries(Object.entries(cycle.rescore.timings).map(([k, v]) => [`rescore.${k}`, v])),
      };
      out(
        'Inside (wall s): ' +
          Object.entries(tm)
            .map(([k, v]) => `${k} ${(v / 1000).toFixed(2)}`)
            .join(' · '),
      );
      out();
      out(
        'Models: ' +
          cycle.result.models
            .map(
              (m) =>
                `#${m.id} ${m.kind} macro-F1 ${m.macroF1.toFixed(3)} micro-F1 ${m.microF1.toFixed(3)} ECE ${m.ece.toFixed(3)} (fit ${(m.trainMs / 1000).toFixed(1)} s)`,
            )
            .join('; ') +
          `. Candidate #${cycle.result.candidateId}: ${cycle.result.promoted ? 'promoted' : 'not promoted'} — ${cycle.result.reason}.`,
      );
      out();
    }
    out('## Storage after two cycles');
    out();
    out(
      `predictions ${sizes.predictions} (${sizes.prediction_rows} rows: the active model's only), clip_embeddings ${sizes.clip_embeddings} (${sizes.versions} versions kept), clip_features ${sizes.clip_features}.`,
    );
    out();
    out('## Notes');
    out();
    out(
      '- Training is single-threaded TypeScript (lib/model); scoring is onnxruntime-node with one intra-op thread; both run in the worker process, so the node CPU column is the honest cost of the cycle on a shared machine.',
    );
    out(
      '- Writes are batched 5,000 rows per statement with array parameters (lib/util/pg-arrays.ts): predictions upserted, priorities of open/disputed clips updated, embeddings inserted into a building version, then one transaction switches the active version. The three write streams run concurrently on separate pooled connections.',
    );
    out(
      '- In the "Inside" lines the three rescore write streams overlap in time, so their figures add up to more than the rescore phase.',
    );
    out("- Feature vectors are read in PostgreSQL's binary array format (`array_send`), aggregates in one grouped scan.");
    out(
      '- Early stopping is disabled here (patience = epochs) so both cycles do the same training work; the job uses settings.trainEpochs with patience 5.',
    );
    fs.mkdirSync('bench/results', { recursive: true });
    fs.writeFileSync(values.out!, lines.join('\n') + '\n');
    process.stderr.write(`wrote ${values.out}\n`);
  } finally {
    await handle.close();
    if (values.keep) process.stderr.write(`kept database ${dbName}\n`);
    else await admin.unsafe(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
