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
 * reports are saved next to it as JSON under the temporary directory named in the output). *
 * With --answers, no database: the aggregation methods on the same simulated crowd with planted
 * truth, in memory (issue 21 items 3–4):
 *
 *   npx tsx bench/crowd-sim.ts --answers 1,2,3 [--seeds 1,2,3,4,5] [--clips 2000] [--model-error 0.1,0.2] [--reference 0.2]
 *
 *  - multi-label (the product's votes): the demo catalog's moods as truth, DEFAULT_CROWD answering
 *    through simulateAnswer (omission-heavy errors, neighbouring moods, a spammer), `a` distinct
 *    workers per clip, plus a `--reference` share of clips with 5 answers (the settled clips the
 *    live loop always has, on which the model is weighed). Scored on the `a`-answer clips only.
 *    The simulated model: per clip and tag, the truth flipped with probability e (`--model-error`),
 *    reported as the calibrated P(tag | model's guess) under the catalog's prevalence π_t:
 *      guess 1 → π(1 − e) / (π(1 − e) + (1 − π)e),   guess 0 → πe / (πe + (1 − π)(1 − e)).
 *    Methods: per-tag majority, binary-relevance Dawid–Skene, crowdlab (./lib/crowd/crowdlab.ts),
 *    the model alone.
 *  - categorical: simulateCategoricalVotes (4 labels, 50 workers of mixed kinds), every
 *    `chorus aggregate` method, and crowdlab with the same kind of model (the true label kept with
 *    probability 1 − e, else a uniform other one, reported calibrated).
 * Prints mean ± sd over the seeds.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import postgres from 'postgres';
import { DEMO_TAGS, demoCatalog } from '../lib/audio/synth';
import { aggregateVotes, CATEGORICAL_METHODS, MODEL_AWARE_METHODS, type CategoricalPredictions } from '../lib/crowd/aggregate';
import { binaryRelevance, type EncodedMultiLabelVotes } from '../lib/crowd/binary-relevance';
import { crowdlabMultiLabel } from '../lib/crowd/crowdlab';
import { MultiLabelVoteEncoder } from '../lib/crowd/live';
import { DEFAULT_CROWD, majorityTags, plantCrowd, simulateAnswer, simulateCategoricalVotes } from '../lib/crowd/simulate';
import type { Vote } from '../lib/crowd/types';
import type { SimulationReport } from '../lib/demo/report';
import { createRng, shuffleInPlace } from '../lib/util/random';

const { values } = parseArgs({
  options: {
    clips: { type: 'string', default: '1000' },
    seeds: { type: 'string', default: '1,2' },
    postgres: { type: 'string' },
    answers: { type: 'string' },
    'model-error': { type: 'string', default: '0.1,0.2' },
    reference: { type: 'string', default: '0.2' },
  },
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
    {
      name: 'tag accuracy ≥ 0.97 and above majority',
      ok: r.tag_accuracy >= 0.97 && r.tag_accuracy > r.majority_tag_accuracy,
      value: `${f(r.tag_accuracy)} vs ${f(r.majority_tag_accuracy)}`,
    },
    {
      name: 'exact-set accuracy ≥ 0.85 and above majority',
      ok: r.exact_set_accuracy >= 0.85 && r.exact_set_accuracy > r.majority_exact_set_accuracy,
      value: `${f(r.exact_set_accuracy)} vs ${f(r.majority_exact_set_accuracy)}`,
    },
    { name: 'disputed share ≤ 0.15', ok: r.disputed_share <= 0.15, value: f(r.disputed_share) },
    {
      name: 'worker estimates within ±0.05 (≥ 50 answers)',
      ok: worst <= 0.05,
      value: `worst ${f(worst)} over ${sized.length} workers`,
    },
    { name: 'spammer paused', ok: r.workers.filter((w) => w.kind === 'spammer').every((w) => w.paused), value: '' },
    { name: 'no worker planted ≥ 0.8 paused', ok: !r.workers.some((w) => w.planted_accuracy >= 0.8 && w.paused), value: '' },
    {
      name: 'no positive label without a vote, gold or expert',
      ok: r.unsupported_positive_labels === 0,
      value: String(r.unsupported_positive_labels),
    },
  ];
}

if (values.answers) {
  process.stdout.write(
    offlineComparison({
      clips: Number(values.clips),
      seeds,
      answers: values.answers.split(',').map(Number),
      modelErrors: values['model-error']!.split(',').map(Number),
      reference: Number(values.reference),
    }),
  );
  process.exit(0);
}

const dir = mkdtempSync(path.join(os.tmpdir(), 'chorus-crowd-sim-'));
const out: string[] = [
  `# Simulated crowd through the live loop`,
  '',
  `${os.cpus()[0]?.model ?? 'cpu'} × ${os.cpus().length}, load average ${os
    .loadavg()
    .map((x) => x.toFixed(1))
    .join(' ')} at start; ${values.postgres ? 'PostgreSQL' : 'embedded PGlite'}; ${clips} clips; raw reports in ${dir}`,
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
  const run = spawnSync('npx', ['tsx', 'jobs/cli.ts', ...command.split(' ').slice(1)], {
    env,
    encoding: 'utf8',
    maxBuffer: 1 << 26,
  });
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

interface OfflineOptions {
  clips: number;
  seeds: number[];
  answers: number[];
  modelErrors: number[];
  reference: number;
}

/** Mean ± sample standard deviation. */
function meanSd(xs: number[]): string {
  const m = xs.reduce((a, b) => a + b, 0) / xs.length;
  const sd = Math.sqrt(xs.reduce((a, b) => a + (b - m) ** 2, 0) / Math.max(1, xs.length - 1));
  return `${m.toFixed(4)} ± ${sd.toFixed(4)}`;
}

/** Calibrated P(positive | guess) for a guess that is wrong with probability e, prevalence π. */
function calibrated(guess: boolean, prior: number, e: number): number {
  return guess ? (prior * (1 - e)) / (prior * (1 - e) + (1 - prior) * e) : (prior * e) / (prior * e + (1 - prior) * (1 - e));
}

/** The multi-label and categorical method comparisons of the module comment, as markdown. */
function offlineComparison(o: OfflineOptions): string {
  const tags = DEMO_TAGS.map((t) => t.key);
  const T = tags.length;
  const out: string[] = [
    '# Aggregation methods on the simulated crowd with planted truth',
    '',
    `\`npx tsx bench/crowd-sim.ts --answers ${o.answers.join(',')} --seeds ${o.seeds.join(',')} --clips ${o.clips} --model-error ${o.modelErrors.join(',')} --reference ${o.reference}\``,
    '',
    `## Multi-label (mood tags, DEFAULT_CROWD), ${o.clips} clips, ${Math.round(o.reference * 100)} % of them with 5 answers; scored on the others; mean ± sd over seeds ${o.seeds.join(', ')}`,
    '',
    '| answers per clip | model error e | method | tag accuracy | exact-set accuracy | model weight (mean over tags) |',
    '|---:|---:|---|---:|---:|---:|',
  ];
  for (const a of o.answers) {
    for (const e of o.modelErrors) {
      const rows = new Map<string, { tag: number[]; exact: number[]; weight: number[] }>();
      const push = (method: string, tag: number, exact: number, weight = NaN) => {
        const r = rows.get(method) ?? { tag: [], exact: [], weight: [] };
        r.tag.push(tag);
        r.exact.push(exact);
        r.weight.push(weight);
        rows.set(method, r);
      };
      for (const seed of o.seeds) {
        const rng = createRng(seed * 7919 + a * 104729 + Math.round(e * 1000));
        const catalog = demoCatalog(o.clips, seed);
        const truth = catalog.map((c) => c.recipe.tags.filter((t) => tags.includes(t)));
        const crowd = plantCrowd(DEFAULT_CROWD, tags, seed);
        const referenceClip = shuffleInPlace(
          catalog.map((_, i) => i < Math.round(o.reference * o.clips)),
          rng,
        );
        const encoder = new MultiLabelVoteEncoder(tags, o.clips * 5);
        const answersOf: string[][][] = catalog.map(() => []);
        catalog.forEach((c, i) => {
          const n = referenceClip[i] ? 5 : a;
          const workers = shuffleInPlace(
            crowd.map((_, w) => w),
            rng,
          ).slice(0, n);
          for (const w of workers) {
            const answer = simulateAnswer(crowd[w], truth[i], tags, 20_000, rng);
            encoder.add(`clip-${i}`, crowd[w].name, answer.tags);
            answersOf[i].push(answer.tags);
          }
        });
        const data: EncodedMultiLabelVotes = encoder.finish();
        const index = new Map(data.items.map((id, i) => [id, i]));
        const prevalence = tags.map((t) => truth.filter((x) => x.includes(t)).length / truth.length);
        const predictions = new Float64Array(data.items.length * T);
        catalog.forEach((c, i) => {
          const row = index.get(`clip-${i}`)!;
          tags.forEach((t, k) => {
            const applies = truth[i].includes(t);
            predictions[row * T + k] = calibrated(rng() < e ? !applies : applies, prevalence[k], e);
          });
        });
        const scored = catalog.map((_, i) => i).filter((i) => !referenceClip[i]);
        const score = (said: (i: number) => string[]) => {
          let right = 0;
          let exact = 0;
          for (const i of scored) {
            const s = said(i);
            let all = true;
            for (const t of tags) {
              if (s.includes(t) === truth[i].includes(t)) right++;
              else all = false;
            }
            if (all) exact++;
          }
          return [right / (scored.length * T), exact / scored.length] as const;
        };
        const fromPosterior = (posterior: Float64Array) => (i: number) => {
          const row = index.get(`clip-${i}`)!;
          return tags.filter((_, t) => posterior[row * T + t] >= 0.5);
        };
        push('majority', ...score((i) => majorityTags(answersOf[i], tags)));
        push('ds (binary relevance)', ...score(fromPosterior(binaryRelevance(data).posterior)));
        const lab = crowdlabMultiLabel(data, predictions);
        push('crowdlab', ...score(fromPosterior(lab.fit.posterior)), lab.model.reduce((x, m) => x + m.weight, 0) / T);
        push('model alone', ...score(fromPosterior(predictions)));
      }
      for (const [method, r] of rows) {
        const weight = r.weight.every(Number.isNaN) ? '' : meanSd(r.weight);
        out.push(`| ${a} | ${e} | ${method} | ${meanSd(r.tag)} | ${meanSd(r.exact)} | ${weight} |`);
      }
    }
  }

  const K = 4;
  out.push(
    '',
    `## Categorical (4 labels, 50 workers: 50 % good, 25 % mediocre, 15 % spammers, 10 % constant), ${o.clips} items; accuracy, mean ± sd over seeds ${o.seeds.join(', ')}`,
    '',
    `| answers per item | ${[...CATEGORICAL_METHODS, ...o.modelErrors.map((e) => `crowdlab (e = ${e})`)].join(' | ')} |`,
    `|---:|${[...CATEGORICAL_METHODS, ...o.modelErrors].map(() => '---:').join('|')}|`,
  );
  for (const a of o.answers) {
    const acc = new Map<string, number[]>();
    for (const seed of o.seeds) {
      const sim = simulateCategoricalVotes({ items: o.clips, workers: 50, labels: K, votesPerItem: a, seed });
      const votes: Vote[] = Array.from(sim.data.item, (item, v) => ({
        item: sim.data.items[item],
        worker: sim.data.workers[sim.data.worker[v]],
        label: sim.data.labels[sim.data.label[v]],
      }));
      const truthOf = new Map(sim.data.items.map((id, i) => [id, sim.data.labels[sim.truth[i]]]));
      const accuracy = (method: (typeof CATEGORICAL_METHODS)[number], predictions?: CategoricalPredictions) => {
        const r = aggregateVotes(votes, { method, predictions });
        let right = 0;
        r.items.forEach((id, i) => (right += r.labels[r.label[i]] === truthOf.get(id) ? 1 : 0));
        return right / r.items.length;
      };
      for (const method of CATEGORICAL_METHODS) acc.set(method, [...(acc.get(method) ?? []), accuracy(method)]);
      const rng = createRng(seed * 31 + a);
      for (const e of o.modelErrors) {
        const predictions = new Map(
          sim.data.items.map((id, i) => {
            const right = rng() >= e;
            const guess = right ? sim.truth[i] : (sim.truth[i] + 1 + Math.floor(rng() * (K - 1))) % K;
            // Calibrated: P(true = guess | guess) = 1 − e, the rest spread evenly.
            return [id, Object.fromEntries(sim.data.labels.map((l, k) => [l, k === guess ? 1 - e : e / (K - 1)]))];
          }),
        );
        const key = `${MODEL_AWARE_METHODS[0]}-${e}`;
        acc.set(key, [...(acc.get(key) ?? []), accuracy('crowdlab', predictions)]);
      }
    }
    out.push(`| ${a} | ${[...acc.values()].map(meanSd).join(' | ')} |`);
  }
  return out.join('\n') + '\n';
}
