/**
 * Embedded ÷ PostgreSQL parity benchmark (issue 23): the main paths of the loop, timed on both
 * engines with the same catalog, through the same service functions the CLI and jobs call.
 *
 *   npx tsx bench/parity.ts [--clips 1000,100000] [--voted 0.3] [--dim 32] [--rounds 100]
 *                           [--url postgres://postgres@127.0.0.1:5432/postgres] [--out bench/results/parity.md]
 *
 * Per scale and engine, on a fresh database (a throwaway PostgreSQL database; a PGlite data folder
 * in a temp directory, as `npm start` uses it):
 *   set-up     clips + feature vectors (synthetic moods, lib/active/synthetic) — not compared
 *   import     `importVotesCsv`: 3 workers × `--voted` of the clips (the `chorus import-votes` path)
 *   aggregate  `runFullAggregation` (Dawid–Skene over every vote: the EM job)
 *   retrain    `retrain` (logistic, 5 epochs: train, evaluate, register, promote)
 *   export     `createSnapshot` + `buildSnapshot` to Parquet (the export job)
 *   next+vote  `--rounds` sequential `nextClipFor` + `submitVote` by one contributor (the labeling screen)
 * and prints one table with the ratio embedded ÷ PostgreSQL per path. Each engine and scale runs
 * in a process of its own (the per-process caches of settings and taxonomy assume one database
 * per process, as the app does). Wall time on a shared
 * machine counts other people's work too: the load average is printed with the table.
 */
import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { sql } from 'drizzle-orm';
import { openDb, type DbHandle } from '@/db/client';
import { setDbHandle } from '@/db';
import { ensureTaxonomy } from '@/lib/demo/seed';
import { makeSyntheticMoodData } from '@/lib/active/synthetic';
import { pgFloatArray, pgTextArray } from '@/lib/util/pg-arrays';
import { computeStandardization } from '@/lib/model/standardize';
import { currentFeatureVersion, retrain } from '@/lib/model/service';
import { importVotesCsv } from '@/lib/crowd/import-votes';
import { runFullAggregation } from '@/lib/crowd/full-aggregation';
import { buildSnapshot, createSnapshot } from '@/lib/export/service';
import { createUser } from '@/lib/auth/repo';
import { nextClipFor, submitVote } from '@/lib/queue/service';
import { changeProjectSettings } from '@/lib/settings/service';
import { getActiveTaxonomy } from '@/lib/taxonomy/repo';

const { values } = parseArgs({
  options: {
    clips: { type: 'string', default: '1000,100000' },
    voted: { type: 'string', default: '0.3' },
    dim: { type: 'string', default: '32' },
    rounds: { type: 'string', default: '100' },
    url: { type: 'string', default: process.env.CHORUS_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
    out: { type: 'string', default: 'bench/results/parity.md' },
    /** Internal: run one engine at one scale and print its seconds as JSON (each run is its own process). */
    one: { type: 'string' },
  },
});
const SCALES = values.clips!.split(',').map(Number);
const VOTED = Number(values.voted);
const D = Number(values.dim);
const ROUNDS = Number(values.rounds);
const PATHS = ['import', 'aggregate', 'retrain', 'export', 'next+vote'] as const;
type PathName = (typeof PATHS)[number];
type Engine = 'embedded' | 'postgres';

/** Deterministic worker answers: the planted tags, with one tag dropped or added now and then. */
function votesCsv(ids: readonly string[], y: Uint8Array, tags: readonly string[], voted: number): string {
  const T = tags.length;
  const lines = ['item,worker,label'];
  const n = Math.floor(ids.length * voted);
  for (let i = 0; i < n; i++) {
    for (let w = 0; w < 3; w++) {
      const chosen = tags.filter((_, j) => (y[i * T + j] === 1) !== ((i * 31 + w * 17 + j * 7) % 11 === 0));
      lines.push(`${ids[i]},worker-${(i + w * 13) % 40},${(chosen.length ? chosen : [tags[i % T]]).join('|')}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

async function seedCatalog(handle: DbHandle, n: number) {
  const db = handle.db;
  await ensureTaxonomy(db);
  const tags = (await getActiveTaxonomy(db)).tags.map((t) => t.key);
  const T = tags.length;
  const data = makeSyntheticMoodData({ n, d: D, t: T, seed: 7, separation: 3 });
  const ids = Array.from({ length: n }, () => randomUUID());
  const BATCH = 2000;
  for (let s = 0; s < n; s += BATCH) {
    const e = Math.min(n, s + BATCH);
    const slice = ids.slice(s, e);
    await db.execute(sql`
      insert into clips (id, sha256, title, artist, status, source, duration_s)
      select u.id, md5(u.id::text) || md5(u.ord::text), 'clip ' || u.ord, 'artist ' || (u.ord % 500), 'ready', 'bench', 20
      from unnest(${pgTextArray(slice)}::uuid[]) with ordinality u(id, ord)`);
    await db.execute(sql`
      insert into clip_features (clip_id, extractor_version, vector, named)
      select u.id, ${currentFeatureVersion()}, x.v[(u.ord - 1) * ${D} + 1 : u.ord * ${D}], '{}'::jsonb
      from unnest(${pgTextArray(slice)}::uuid[]) with ordinality u(id, ord), (select ${pgFloatArray(data.x, s * D, e * D)}::real[] as v) x`);
  }
  const stats = computeStandardization(data.x, n, D);
  await db.execute(sql`
    insert into feature_stats (extractor_version, names, mean, std, count)
    values (${currentFeatureVersion()}, ${JSON.stringify(Array.from({ length: D }, (_, k) => `f${k}`))}::jsonb,
            ${pgFloatArray(stats.mean)}::real[], ${pgFloatArray(stats.std)}::real[], ${n})`);
  await handle.exec('analyze');
  return { csv: votesCsv(ids, data.y, tags, VOTED), tags };
}

async function time<T>(run: () => Promise<T>): Promise<[T, number]> {
  const t0 = performance.now();
  const value = await run();
  return [value, (performance.now() - t0) / 1000];
}

async function runPaths(handle: DbHandle, n: number): Promise<Record<PathName, number>> {
  setDbHandle(handle);
  const db = handle.db;
  const log = (s: string) => process.stderr.write(`  ${s}\n`);
  const [{ csv }, setup] = await time(() => seedCatalog(handle, n));
  log(`set-up ${n} clips in ${setup.toFixed(1)} s`);
  const seconds = {} as Record<PathName, number>;

  const [imported, importS] = await time(() => importVotesCsv(db, csv, { source: 'parity' }));
  if (imported.rejected.length) throw new Error(`import rejected ${imported.rejected.length} rows: ${JSON.stringify(imported.rejected[0])}`);
  seconds.import = importS;
  log(`import ${imported.imported} answers in ${importS.toFixed(2)} s`);

  const [aggregated, aggregateS] = await time(() => runFullAggregation(db, { trigger: 'manual', force: true }));
  seconds.aggregate = aggregateS;
  log(`aggregate in ${aggregateS.toFixed(2)} s (${JSON.stringify(aggregated).slice(0, 120)})`);

  const [trained, retrainS] = await time(() => retrain(db, { trigger: 'manual', kinds: ['logistic'], epochs: 5 }));
  seconds.retrain = retrainS;
  log(`retrain on ${trained.labelsUsed} labels in ${retrainS.toFixed(2)} s (promoted: ${trained.promoted})`);

  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'chorus-parity-export-'));
  const [manifest, exportS] = await time(async () => {
    const { snapshot } = await createSnapshot(db, { name: 'parity', formats: ['parquet'] }, { userId: null, enqueue: async () => null, root });
    return buildSnapshot(db, snapshot.id);
  });
  seconds.export = exportS;
  fs.rmSync(root, { recursive: true, force: true });
  log(`export ${manifest.counts.rows} rows in ${exportS.toFixed(2)} s`);

  await changeProjectSettings(db, { goldRate: 0, newContributorGoldRate: 0 });
  const user = await createUser(db, { email: `parity-${randomUUID()}@bench.local`, name: 'parity', role: 'contributor', password: 'parity-password' });
  const [rounds, loopS] = await time(async () => {
    let done = 0;
    for (let i = 0; i < ROUNDS; i++) {
      const item = await nextClipFor(db, user.id, []);
      if (!item) break;
      await submitVote(db, user.id, { kind: 'vote', leaseId: item.lease.id, tags: ['happy'], idempotencyKey: `parity-${i}` });
      done++;
    }
    return done;
  });
  if (rounds < ROUNDS) throw new Error(`the queue ran dry after ${rounds} of ${ROUNDS} rounds`);
  seconds['next+vote'] = loopS / ROUNDS;
  log(`next+vote ${(1000 * seconds['next+vote']).toFixed(1)} ms a round`);
  return seconds;
}

async function onEngine(engine: Engine, n: number): Promise<Record<PathName, number>> {
  process.stderr.write(`${engine}, ${n.toLocaleString('en-US')} clips\n`);
  if (engine === 'embedded') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chorus-parity-'));
    const handle = await openDb({ dataDir: dir });
    try {
      return await runPaths(handle, n);
    } finally {
      await handle.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }
  const dbName = `chorus_bench_parity_${Date.now()}`;
  const admin = postgres(values.url!, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database ${dbName}`);
  const url = new URL(values.url!);
  url.pathname = `/${dbName}`;
  const handle = await openDb({ databaseUrl: url.toString(), maxConnections: 10 });
  try {
    return await runPaths(handle, n);
  } finally {
    await handle.close();
    await admin.unsafe(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  }
}

function format(path: PathName, s: number): string {
  return path === 'next+vote' ? `${(s * 1000).toFixed(1)} ms/round` : `${s.toFixed(2)} s`;
}

/** Runs one engine at one scale in a child process; its last stdout line is the JSON of seconds. */
function inChild(engine: Engine, n: number): Record<PathName, number> {
  const args = [...process.execArgv, process.argv[1], '--one', `${engine}:${n}`, '--voted', values.voted!, '--dim', values.dim!, '--rounds', values.rounds!, '--url', values.url!];
  const child = spawnSync(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
  if (child.status !== 0) throw new Error(`${engine} at ${n} clips failed (exit ${child.status})`);
  return JSON.parse(child.stdout.trim().split('\n').at(-1)!);
}

async function main() {
  if (values.one) {
    const [engine, n] = values.one.split(':');
    console.log(JSON.stringify(await onEngine(engine as Engine, Number(n))));
    return;
  }
  const load = [os.loadavg()[0]];
  const lines = [
    `Embedded (PGlite, a data folder on disk) ÷ PostgreSQL ${''}per path, same catalog, same service functions. ${os.cpus().length} cores (${os.cpus()[0]?.model ?? 'n/a'}), Node ${process.version}, ${new Date().toISOString()}.`,
    '',
    '| clips | path | PostgreSQL | embedded | embedded ÷ PostgreSQL |',
    '|---:|---|---:|---:|---:|',
  ];
  for (const n of SCALES) {
    const pg = inChild('postgres', n);
    const embedded = inChild('embedded', n);
    for (const p of PATHS) {
      lines.push(`| ${n.toLocaleString('en-US')} | ${p} | ${format(p, pg[p])} | ${format(p, embedded[p])} | ${(embedded[p] / pg[p]).toFixed(2)} |`);
    }
    load.push(os.loadavg()[0]);
  }
  lines.push('', `Load average (1 min) during the run: ${Math.min(...load).toFixed(1)}–${Math.max(...load).toFixed(1)}.`);
  const text = lines.join('\n');
  console.log(text);
  fs.mkdirSync(path.dirname(values.out!), { recursive: true });
  fs.writeFileSync(values.out!, `${text}\n`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
