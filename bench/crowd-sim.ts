/**
 * Simulated-crowd benchmark of the live labeling loop (issue 11): for each seed, a fresh
 * database, `chorus seed --clips N --seed S --simulate-votes --report` (the demo catalog, the
 * twelve simulated contributors of lib/crowd/simulate.ts DEFAULT_CROWD answering through the
 * real queue service, the full EM every emEveryVotes answers), then the report checked against
 * the issue's figures.
 *
 *   npx tsx bench/crowd-sim.ts [--clips 1000] [--seeds 1,2] [--postgres postgres://postgres@127.0.0.1:5432/postgres]
 *
 * Embedded PGlite by default (a temporary CHORUS_DATA_DIR per run); with --postgres, a fresh
 * database per run on that server, dropped afterwards. Prints markdown on stdout (the raw
 * reports are saved next to it as JSON under the temporary directory named in the output).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import type { SimulationReport } from '../lib/demo/report';

const { values } = parseArgs({
  options: { clips: { type: 'string', default: '1000' }, seeds: { type: 'string', default: '1,2' }, postgres: { type: 'string' } },
});
const clips = Number(values.clips);
const seeds = values.seeds!.split(',').map(Number);

interface Check {
  name: string;
  ok: boolean;
  value: string;
}

/** The issue's figures, as checks over one report. */
export function checks(r: SimulationReport): Check[] {
  const f = (x: number) => x.toFixed(4);
  const sized = r.workers.filter((w) => w.answers >= 50 && w.estimated_accuracy !== null);
  const worst = Math.max(0, ...sized.map((w) => Math.abs(w.estimated_accuracy! - w.planted_accuracy)));
  return [
    { name: 'tag accuracy ≥ 0.97 and above majority', ok: r.tag_accuracy >= 0.97 && r.tag_accuracy > r.majority_tag_accuracy, value: `${f(r.tag_accuracy)} vs ${f(r.majority_tag_accuracy)}` },
    {
      name: 'exact-set accuracy ≥ 0.85 and above majority',
      ok: r.exact_set_accuracy >= 0.85 && r.exact_set_accuracy > r.majority_exact_set_accuracy,
      value: `${f(r.exact_set_accuracy)} vs ${f(r.majority_exact_set_accuracy)}`,
    },
    { name: 'disputed share ≤ 0.15', ok: r.disputed_share <= 0.15, value: f(r.disputed_share) },
    { name: 'worker estimates within ±0.05 (≥ 50 answers)', ok: worst <= 0.05, value: `worst ${f(worst)} over ${sized.length} workers` },
    { name: 'spammer paused', ok: r.workers.filter((w) => w.kind === 'spammer').every((w) => w.paused), value: '' },
    { name: 'no worker planted ≥ 0.8 paused', ok: !r.workers.some((w) => w.planted_accuracy >= 0.8 && w.paused), value: '' },
    { name: 'no positive label without a vote, gold or expert', ok: r.unsupported_positive_labels === 0, value: String(r.unsupported_positive_labels) },
  ];
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-crowd-sim-'));
const out: string[] = [
  `# Simulated crowd through the live loop`,
  '',
  `${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, load average ${os.loadavg().map((x) => x.toFixed(1)).join(' ')} at start; ${values.postgres ? 'PostgreSQL' : 'embedded PGlite'}; ${clips} clips; raw reports in ${dir}`,
  '',
];
for (const seed of seeds) {
  const env: NodeJS.ProcessEnv = { ...process.env, CHORUS_DATA_DIR: path.join(dir, `seed-${seed}`) };
  let dbName: string | undefined;
  if (values.postgres) {
    dbName = `chorus_sim_${seed}_${Date.now()}`;
    const admin = postgres(values.postgres, { max: 1, onnotice: () => {} });
    await admin.unsafe(`create database ${dbName}`);
    await admin.end();
    const url = new URL(values.postgres);
    url.pathname = `/${dbName}`;
    env.DATABASE_URL = url.toString();
  } else {
    delete env.DATABASE_URL;
  }
  const command = `chorus seed --clips ${clips} --seed ${seed} --simulate-votes --report`;
  const started = Date.now();
  const run = spawnSync('npx', ['tsx', 'jobs/cli.ts', ...command.split(' ').slice(1)], { env, encoding: 'utf8', maxBuffer: 1 << 26 });
  const seconds = (Date.now() - started) / 1000;
  if (dbName) {
    const admin = postgres(values.postgres!, { max: 1, onnotice: () => {} });
    await admin.unsafe(`drop database if exists ${dbName} with (force)`);
    await admin.end();
  }
  if (run.status !== 0) {
    out.push(`## seed ${seed}: failed (exit ${run.status})`, '', '```', run.stderr.slice(-2000), '```', '');
    continue;
  }
  const report = JSON.parse(run.stdout) as SimulationReport;
  writeFileSync(path.join(dir, `report-${seed}.json`), run.stdout);
  out.push(`## seed ${seed} — \`${command}\` (${seconds.toFixed(0)} s)`, '');
  out.push('| figure | value | |', '|---|---|---|');
  for (const c of checks(report)) out.push(`| ${c.name} | ${c.value} | ${c.ok ? 'ok' : '**not met**'} |`);
  out.push(
    `| answers per clip | ${report.answers_per_clip} | |`,
    `| consensus / open / disputed | ${report.consensus_share} / ${report.open_share} / ${report.disputed_share} | |`,
    `| expert queue: disputed / model-uncertain | ${report.expert_queue.disputed} / ${report.expert_queue.model_uncertain}${report.expert_queue.model_active ? '' : ' (no model yet)'} | |`,
    '',
    '| worker | kind | planted | observed | estimated | gold (per tag) | answers | paused |',
    '|---|---|---|---|---|---|---|---|',
    ...report.workers.map(
      (w) =>
        `| ${w.worker} | ${w.kind} | ${w.planted_accuracy} | ${w.observed_accuracy ?? '—'} | ${w.estimated_accuracy ?? '—'} | ${w.gold_accuracy ?? '—'} | ${w.answers} | ${w.paused ? `yes (${w.flags.join(', ')})` : 'no'} |`,
    ),
    '',
  );
}
process.stdout.write(out.join('\n') + '\n');
