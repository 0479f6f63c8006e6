/**
 * Export benchmark: wall time and peak RSS of writing snapshots of synthetic labelled clips.
 *
 *   npx tsx bench/export.ts [--rows 1000000] [--feature-rows 100000] [--dim 64] [--out bench/results/export.md]
 *
 * Each scenario runs in its own child process, so one scenario's heap does not inflate the next
 * one's peak; RSS is sampled every 50 ms. Rows are generated lazily (never held as an array) and
 * go through the real path: `writeSnapshot` with zod validation of every row, all three splits,
 * datasheet, manifest and checksums.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { iterativeStratification, writeSnapshot, type ExportFormat, type ExportRow, type Split } from '@/lib/export';
import { createRng } from '@/lib/util/random';

const TAGS = ['calm', 'happy', 'sad', 'energetic', 'tense', 'romantic', 'dark', 'epic'];
const PREVALENCE = [0.4, 0.25, 0.15, 0.1, 0.05, 0.02, 0.01, 0.005];
const LICENCES = ['CC-BY-4.0', 'CC0-1.0', 'CC-BY-SA-4.0', 'CC-BY-NC-4.0'];

interface Scenario {
  name: string;
  rows: number;
  formats: ExportFormat[];
  dim: number;
}

interface Measured {
  scenario: string;
  rows: number;
  formats: string;
  seconds: number;
  /** user + system CPU of the scenario process: less sensitive than wall time to other load on shared cores. */
  cpuSeconds: number;
  peakRssMb: number;
  bytes: number;
}

function arg(name: string, fallback: number): number;
function arg(name: string, fallback: string): string;
function arg(name: string, fallback: number | string): number | string {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  return typeof fallback === 'number' ? Number(process.argv[i + 1]) : process.argv[i + 1];
}

function uuid(i: number): string {
  return `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
}

function labelsOf(rng: () => number): string[] {
  const tags: string[] = [];
  for (let t = 0; t < TAGS.length; t++) if (rng() < PREVALENCE[t]) tags.push(TAGS[t]);
  return tags;
}

/** Deterministic, lazily generated rows: realistic field sizes, skewed labels, split by id hash. */
function* syntheticRows(n: number, dim: number): Generator<ExportRow> {
  const rng = createRng(42);
  for (let i = 0; i < n; i++) {
    const tags = labelsOf(rng);
    const soft: Record<string, number> = {};
    for (const tag of TAGS) soft[tag] = tags.includes(tag) ? 0.6 + 0.4 * rng() : 0.4 * rng();
    const u = ((i * 2654435761) >>> 0) / 2 ** 32;
    const split: Split = u < 0.8 ? 'train' : u < 0.9 ? 'validation' : 'test';
    const row: ExportRow = {
      clip_id: uuid(i),
      sha256: (i * 2654435761).toString(16).padStart(64, '0').slice(-64),
      title: `Track ${i} (live at the hall)`,
      artist: `Artist ${i % 20_000}`,
      licence: LICENCES[i % LICENCES.length],
      provenance: `{"importer":"catalog","uri":"s3://chorus-audio/catalog/${i}.flac","row":${i}}`,
      source: i % 10 === 0 ? 'upload' : 'import:catalog-2025.csv',
      duration_s: 30 + (i % 120) / 4,
      tags,
      soft_labels: soft,
      vote_count: 3 + (i % 5),
      expert_resolved: i % 23 === 0,
      split,
      taxonomy_version: 1,
    };
    if (dim > 0) row.features = Array.from({ length: dim }, () => Math.fround(rng() * 2 - 1));
    yield row;
  }
}

function sampleRss(): { stop: () => number } {
  let peak = process.memoryUsage().rss;
  const timer = setInterval(() => {
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 50);
  return {
    stop: () => {
      clearInterval(timer);
      return Math.max(peak, process.memoryUsage().rss);
    },
  };
}

async function runScenario(s: Scenario): Promise<Measured> {
  const root = await mkdtemp(join(tmpdir(), 'chorus-bench-export-'));
  const rss = sampleRss();
  const cpu = process.cpuUsage();
  const start = performance.now();
  try {
    if (s.name === 'splits') {
      // Iterative stratification needs every clip's labels at once: ids + label sets of n clips.
      const rng = createRng(7);
      const items = Array.from({ length: s.rows }, (_, i) => ({ id: uuid(i), labels: labelsOf(rng) }));
      const splits = iterativeStratification(items, { seed: 1 });
      const seconds = (performance.now() - start) / 1000;
      return {
        scenario: s.name,
        rows: splits.size,
        formats: '—',
        seconds,
        cpuSeconds: cpuSince(cpu),
        peakRssMb: rss.stop() / 2 ** 20,
        bytes: 0,
      };
    }
    const manifest = await writeSnapshot({
      dir: join(root, 'snapshot'),
      name: 'bench',
      version: 1,
      formats: s.formats,
      filters: { bench: true },
      columns: { tags: TAGS, features: s.dim > 0 },
      rows: () => syntheticRows(s.rows, s.dim),
      meta: { taxonomy_version: 1, model_version: 'bench', extractor_version: s.dim > 0 ? 'bench' : null },
      expectedRows: s.rows,
    });
    const seconds = (performance.now() - start) / 1000;
    const bytes = manifest.files.reduce((sum, f) => sum + f.bytes, 0);
    return {
      scenario: s.name,
      rows: manifest.counts.rows,
      formats: s.formats.join('+'),
      seconds,
      cpuSeconds: cpuSince(cpu),
      peakRssMb: rss.stop() / 2 ** 20,
      bytes,
    };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

function cpuSince(start: NodeJS.CpuUsage): number {
  const { user, system } = process.cpuUsage(start);
  return (user + system) / 1e6;
}

function sh(cmd: string, args: string[]): string {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8' }).trim();
  } catch {
    return 'n/a';
  }
}

async function main() {
  const child = process.argv.indexOf('--scenario');
  if (child >= 0) {
    const s = JSON.parse(process.argv[child + 1]) as Scenario;
    process.stdout.write(JSON.stringify(await runScenario(s)) + '\n');
    return;
  }

  const rows = arg('rows', 1_000_000);
  const featureRows = arg('feature-rows', 100_000);
  const dim = arg('dim', 64);
  const out = arg('out', fileURLToPath(new URL('./results/export.md', import.meta.url)));
  const scenarios: Scenario[] = [
    { name: 'parquet', rows, formats: ['parquet'], dim: 0 },
    { name: 'jsonl', rows, formats: ['jsonl'], dim: 0 },
    { name: 'parquet+jsonl (one pass)', rows, formats: ['parquet', 'jsonl'], dim: 0 },
    { name: `parquet, ${dim}-d features`, rows: featureRows, formats: ['parquet'], dim },
    { name: `jsonl, ${dim}-d features`, rows: featureRows, formats: ['jsonl'], dim },
    { name: 'splits', rows, formats: [], dim: 0 },
  ];

  const load = [loadavg()[0]];
  const results: Measured[] = [];
  for (const s of scenarios) {
    const r = spawnSync(
      process.execPath,
      [...process.execArgv, fileURLToPath(import.meta.url), '--scenario', JSON.stringify(s)],
      {
        encoding: 'utf8',
        maxBuffer: 1 << 20,
      },
    );
    if (r.status !== 0) throw new Error(`scenario ${s.name} failed:\n${r.stderr}`);
    const m = JSON.parse(r.stdout.trim().split('\n').pop()!) as Measured;
    results.push(m);
    load.push(loadavg()[0]);
    console.log(
      `${m.scenario.padEnd(28)} ${m.rows.toLocaleString('en-US').padStart(10)} rows  ${m.seconds.toFixed(2).padStart(6)} s  cpu ${m.cpuSeconds.toFixed(2).padStart(6)} s  peak ${m.peakRssMb.toFixed(0).padStart(4)} MB  ${(m.bytes / 2 ** 20).toFixed(1)} MiB`,
    );
  }

  const cpu = cpus()[0]?.model ?? 'n/a';
  const lines = [
    '# Export benchmark',
    '',
    `Run: ${new Date().toISOString()}`,
    '',
    '```',
    `npx tsx ${relative(process.cwd(), fileURLToPath(import.meta.url))} --rows ${rows} --feature-rows ${featureRows} --dim ${dim}`,
    '```',
    '',
    `Machine: ${sh('nproc', [])} cores (nproc), ${cpu}, ${(totalmem() / 2 ** 30).toFixed(1)} GiB RAM, Node ${process.version}, ${sh('uname', ['-sr'])}. The cores are shared with other work (1-minute load average during the run: ${Math.min(...load).toFixed(1)}–${Math.max(...load).toFixed(1)}), so wall times vary between runs; CPU seconds (user + system of the scenario process) vary less.`,
    '',
    'Each scenario runs `writeSnapshot` (zod validation of every row, three splits, datasheet, manifest, sha256 of every file) in a fresh process over lazily generated rows (8 tags with skewed prevalence, posteriors for all 8, realistic string sizes); peak RSS is sampled every 50 ms and includes the Node/tsx runtime (~90 MB). `splits` is iterative stratification of all clips at once (ids and label sets in memory), which a snapshot job runs before streaming.',
    '',
    '| scenario | rows | wall s | CPU s | rows/s (wall) | peak RSS (MB) | output (MiB) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...results.map(
      (m) =>
        `| ${m.scenario} | ${m.rows.toLocaleString('en-US')} | ${m.seconds.toFixed(2)} | ${m.cpuSeconds.toFixed(2)} | ${Math.round(m.rows / m.seconds).toLocaleString('en-US')} | ${m.peakRssMb.toFixed(0)} | ${m.bytes ? (m.bytes / 2 ** 20).toFixed(1) : '—'} |`,
    ),
    '',
    'Aim: 1,000,000 rows under 30 s and under 500 MB peak.',
    '',
    'Settings: Parquet with Snappy, data page v2, row groups of 20,000 rows (closed early at 500,000 vector values), min/max statistics except on unique text and vector columns; text flushed ~1 MiB at a time. Most Parquet CPU is the writer library (encoding, Snappy, UTF-8) and garbage collection of its per-group arrays (~25% in profiles); zod validation is ~2.5 µs a row. The one-pass scenario is a snapshot in both formats: one cursor, every row to both writers.',
    '',
    'Peak memory: Parquet peaks come from garbage of the encoder, so they scale with the row-group size, not with the row count (50,000-row groups peaked near 460 MB, 20,000 near 400 MB). `splits` holds its input (1M `{id, labels}` objects, ~250 MB of heap) and the result map; the job can persist the new assignments and drop both before streaming the rows.',
    '',
  ];
  await writeFile(out, lines.join('\n'));
  console.log(`wrote ${out}`);
}

await main();
