/**
 * Benchmark of lib/crowd at production scale: 1,000,000 votes on 200,000
 * clips by 2,000 workers.
 *
 *   npx tsx bench/aggregate.ts [--scale 0.1]
 *
 * Prints a markdown report (machine, figures) on stdout; bench/results/aggregate.md
 * is a saved copy. Peak memory is sampled after every EM iteration, so it
 * is the process's RSS high-water mark during the phase, not just the end state.
 */
import os from 'node:os';
import {
  binaryRelevance,
  binaryRelevanceModel,
  clipAgreement,
  dawidSkene,
  decideClipState,
  encodeVotes,
  glad,
  majorityVote,
  simulateCategoricalVotes,
  simulateMultiLabelVotes,
  updateClipPosterior,
  type ClipVote,
  type EncodedVotes,
  type Vote,
} from '../lib/crowd';
import { createRng } from '../lib/util/random';

const scaleArg = process.argv.indexOf('--scale');
const scale = scaleArg > 0 ? Number(process.argv[scaleArg + 1]) : 1;
const CLIPS = Math.round(200_000 * scale);
const WORKERS = Math.max(20, Math.round(2_000 * scale));
const VOTES_PER_CLIP = 5;
const TAGS = 8;
const MiB = 1024 * 1024;

interface Phase {
  name: string;
  seconds: number;
  /** User + system CPU time: on a shared machine wall time also counts other people's work. */
  cpuSeconds: number;
  iterations?: string;
  peakRssMiB: number;
  heapGrowthMiB: number;
  note: string;
}

const phases: Phase[] = [];
let peakRss = 0;
const sample = () => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss);
};

/** Run one phase, recording wall time and memory high-water marks. */
function measure<T>(
  name: string,
  run: (onIteration: () => void) => T,
  describe: (result: T) => Pick<Phase, 'iterations' | 'note'>,
): T {
  // Typed arrays live outside the JS heap: count both.
  const used = () => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const heapBefore = used();
  let heapPeak = heapBefore;
  peakRss = 0;
  const onIteration = () => {
    sample();
    heapPeak = Math.max(heapPeak, used());
  };
  const start = process.hrtime.bigint();
  const cpuStart = process.cpuUsage();
  const result = run(onIteration);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const cpu = process.cpuUsage(cpuStart);
  onIteration();
  phases.push({ name, seconds, cpuSeconds: (cpu.user + cpu.system) / 1e6, peakRssMiB: peakRss / MiB, heapGrowthMiB: (heapPeak - heapBefore) / MiB, ...describe(result) });
  return result;
}

const accuracy = (a: ArrayLike<number>, b: ArrayLike<number>) => {
  let hits = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) hits++;
  return hits / a.length;
};
const pct = (x: number) => `${(100 * x).toFixed(2)} %`;

const mix = { good: 0.5, mediocre: 0.2, spammer: 0.2, constant: 0.1 };

for (const labels of [2, 4]) {
  const sim = measure(
    `simulate ${labels}-class votes`,
    () => simulateCategoricalVotes({ items: CLIPS, workers: WORKERS, labels, votesPerItem: VOTES_PER_CLIP, seed: labels }),
    (s) => ({ note: `${s.data.item.length.toLocaleString('en')} votes, ${CLIPS.toLocaleString('en')} clips, ${WORKERS} workers` }),
  );
  const mv = majorityVote(sim.data);
  measure(
    `Dawid–Skene, ${labels} classes`,
    (onIteration) => dawidSkene(sim.data, {}, { onIteration }),
    (fit) => ({
      iterations: `${fit.iterations}${fit.converged ? '' : ' (cap)'}`,
      note: `accuracy ${pct(accuracy(fit.label, sim.truth))} vs majority ${pct(accuracy(mv.label, sim.truth))}`,
    }),
  );
  if (labels === 4) {
    measure(
      `GLAD, ${labels} classes`,
      (onIteration) => glad(sim.data, {}, { onIteration }),
      (fit) => ({ iterations: `${fit.iterations}${fit.converged ? '' : ' (cap)'}`, note: `accuracy ${pct(accuracy(fit.label, sim.truth))}` }),
    );
    const triples: Vote[] = Array.from(sim.data.item, (i, v) => ({
      item: sim.data.items[i],
      worker: sim.data.workers[sim.data.worker[v]],
      label: sim.data.labels[sim.data.label[v]],
    }));
    measure(
      `encode ${triples.length.toLocaleString('en')} string triples (CLI path)`,
      () => encodeVotes(triples),
      (e: EncodedVotes) => ({ note: `${e.items.length.toLocaleString('en')} items, ${e.workers.length} workers` }),
    );
  }
}

const ml = simulateMultiLabelVotes({ items: CLIPS, workers: WORKERS, tags: TAGS, prevalence: 0.25, votesPerItem: VOTES_PER_CLIP, seed: 9, mix });
const br = measure(
  `binary relevance (two-coin DS), ${TAGS} tags`,
  (onIteration) => binaryRelevance(ml.data, {}, { onIteration }),
  (fit) => ({ iterations: `${fit.iterations}${fit.converged ? '' : ' (cap)'}`, note: `per-tag accuracy ${pct(accuracy(fit.label, ml.truth))}` }),
);

// Incremental path: the clip's votes (5 on average, one just added) under the current model.
const model = binaryRelevanceModel(br);
const rng = createRng(1);
const SAMPLES = 100_000;
const clips: ClipVote[][] = [];
for (let n = 0; n < 2_000; n++) {
  const i = Math.floor(rng() * CLIPS);
  clips.push(
    Array.from({ length: VOTES_PER_CLIP }, (_, j) => {
      const v = i * VOTES_PER_CLIP + j;
      return { worker: ml.data.workers[ml.data.worker[v]], tags: ml.data.tags.filter((_, t) => ml.data.yes[v * TAGS + t]) };
    }),
  );
}
const timeCalls = (call: (votes: ClipVote[]) => unknown) => {
  for (let n = 0; n < 5_000; n++) call(clips[n % clips.length]);
  const micros = new Float64Array(SAMPLES);
  for (let n = 0; n < SAMPLES; n++) {
    const start = process.hrtime.bigint();
    call(clips[n % clips.length]);
    micros[n] = Number(process.hrtime.bigint() - start) / 1e3;
  }
  micros.sort();
  const mean = micros.reduce((a, x) => a + x, 0) / SAMPLES;
  return { mean, p50: micros[Math.floor(SAMPLES * 0.5)], p99: micros[Math.floor(SAMPLES * 0.99)], max: micros[SAMPLES - 1] };
};
const update = timeCalls((votes) => updateClipPosterior(votes, model));
const fullPath = timeCalls((votes) => {
  const posteriors = updateClipPosterior(votes, model);
  decideClipState(posteriors, votes.length, {}, { agreement: clipAgreement(votes, model.tags, model.prevalence) });
});

const cpu = os.cpus()[0]?.model ?? 'unknown';
const out: string[] = [];
out.push('# lib/crowd aggregation benchmark', '');
out.push(`- command: \`npx tsx bench/aggregate.ts${scale !== 1 ? ` --scale ${scale}` : ''}\``);
out.push(`- machine: ${cpu}, ${os.availableParallelism()} cores (nproc), ${(os.totalmem() / 1024 ** 3).toFixed(1)} GiB RAM, node ${process.version}, ${os.platform()} ${os.release()}`);
out.push(`- data: ${(CLIPS * VOTES_PER_CLIP).toLocaleString('en')} votes, ${CLIPS.toLocaleString('en')} clips, ${WORKERS.toLocaleString('en')} workers, ${VOTES_PER_CLIP} votes per clip; simulated workers of mixed reliability (good, mediocre, spammers, constant answerers)`);
out.push('- EM stops when no posterior moves by more than 1e-6 in an iteration, or at 100 iterations (cap)');
out.push(`- load average when done: ${os.loadavg().map((x) => x.toFixed(1)).join(' / ')} (1 / 5 / 15 min; the cores are shared, so CPU seconds are the steadier figure)`);
out.push('', '| phase | wall s | CPU s | iterations | peak RSS (MiB) | heap + buffers growth (MiB) | notes |', '|---|---:|---:|---:|---:|---:|---|');
for (const p of phases) {
  out.push(
    `| ${p.name} | ${p.seconds.toFixed(2)} | ${p.cpuSeconds.toFixed(2)} | ${p.iterations ?? '–'} | ${p.peakRssMiB.toFixed(0)} | ${p.heapGrowthMiB.toFixed(0)} | ${p.note} |`,
  );
}
out.push('', `Incremental update, ${TAGS} tags, ${VOTES_PER_CLIP} votes on the clip, ${SAMPLES.toLocaleString('en')} calls:`, '');
out.push('| call | mean (µs) | p50 (µs) | p99 (µs) | max (µs) |', '|---|---:|---:|---:|---:|');
for (const [name, t] of [
  ['updateClipPosterior', update],
  ['updateClipPosterior + clipAgreement + decideClipState', fullPath],
] as const) {
  out.push(`| ${name} | ${t.mean.toFixed(2)} | ${t.p50.toFixed(2)} | ${t.p99.toFixed(2)} | ${t.max.toFixed(0)} |`);
}
out.push('', 'The mean sits above the median because of rare pauses (GC, the other processes on the machine); see max.');
process.stdout.write(`${out.join('\n')}\n`);
