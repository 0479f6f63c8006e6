/**
 * Issue 13 item 5: the classifier at pool exhaustion on the two real multi-label sets in
 * ../shared/data (read at run time, never copied), against the data README's plain baseline.
 *
 *   npx tsx bench/classifier-real.ts [--data-dir ../shared/data] [--seeds 1,2,3,4,5] [--sets cal500-emotion,birds] [--configs a,b]
 *
 * The split is `chorus simulate`'s (a seed's test third is the same rows as in bench/active-real.ts);
 * every pool row is labelled (pool exhaustion); micro-F1 and macro-F1 on the test third at each
 * model's own decision thresholds; mean ± sd over seeds. Prints markdown and saves it to
 * bench/results/classifier-real.md.
 */
import { readFileSync, mkdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseSimulationCsv } from '../lib/active/simulate-cli';
import { SIMULATION_MODEL, simulationSplit, simulationValidationSplit } from '../lib/active/simulate';
import { trainCrossFitted } from '../lib/model/crossfit';
import { CROSS_FIT_FOLDS, liveTrainOptions, trainLive } from '../lib/model/live-train';
import { ProjectSettingsFields } from '../lib/settings/schemas';
import { evaluateMultiLabel } from '../lib/model/metrics';
import { computeStandardization } from '../lib/model/standardize';
import { predict, trainClassifier, type TrainedModel, type TrainingData, type TrainOptions } from '../lib/model/train';

const arg = (name: string, fallback: string) => {
  const k = process.argv.indexOf(`--${name}`);
  return k > 0 ? process.argv[k + 1] : fallback;
};
const dataDir = arg('data-dir', path.join('..', 'shared', 'data'));
const seeds = arg('seeds', '1,2,3,4,5').split(',').map(Number);
const onlySets = arg('sets', 'cal500-emotion,birds').split(',');
const TEST_FRACTION = 0.3333;
const SETS = [
  { name: 'cal500-emotion', file: path.join(dataDir, 'cal500', 'cal500-emotion.csv'), baseline: 0.215 },
  { name: 'birds', file: path.join(dataDir, 'birds', 'birds.csv'), baseline: 0.405 },
].filter((s) => onlySets.includes(s.name));

type Fit = (data: TrainingData, options: TrainOptions) => TrainedModel;
const plain: Fit = (data, options) => trainClassifier(data, options);
const crossFitted: Fit = (data, options) => trainCrossFitted(data, options, 3);
const L2_GRID = [1e-3, 1e-2, 1e-1, 1];
const crossFittedL2: Fit = (data, options) => trainCrossFitted(data, options, 3, L2_GRID);
// The live trainer on every pool row, with the live split rule's validation rows (as chorus simulate
// trains at the last round); it ignores the options below except standardization and seed.
const liveOptions = (data: TrainingData, options: TrainOptions): TrainOptions => {
  const validation = simulationValidationSplit(data.n, options.seed);
  return liveTrainOptions({
    kind: 'logistic',
    standardization: options.standardization,
    seed: options.seed,
    epochs: ProjectSettingsFields.parse({}).trainEpochs,
    validationIndices: Array.from(validation.keys()).filter((k) => validation[k]),
  });
};
const live: Fit = (data, options) => trainLive(data, liveOptions(data, options));
// The live recipe's small-set path at any size: what the live trainer would do with a higher cut-off.
const liveCrossFitted: Fit = (data, options) => trainCrossFitted(data, liveOptions(data, options), CROSS_FIT_FOLDS);
/** What each configuration changes relative to the simulation's classifier (SIMULATION_MODEL). */
const CONFIGS: Record<string, { what: string; options: Partial<TrainOptions>; fit: Fit }> = {
  plain: {
    what: 'no class weights, no calibration, threshold 0.5 (the README baseline’s recipe, Adam instead of GD)',
    options: { classWeighting: 'none', thresholds: 'fixed' },
    fit: plain,
  },
  weighted: { what: 'balanced class weights, threshold 0.5 (the simulation’s classifier before this change)', options: { thresholds: 'fixed' }, fit: plain },
  'plain+thresholds': {
    what: 'no class weights; 3-fold cross-fitted Platt calibration and per-tag thresholds maximising micro-F1',
    options: { classWeighting: 'none' },
    fit: crossFitted,
  },
  'weighted+thresholds': {
    what: 'balanced class weights; 3-fold cross-fitted Platt calibration and per-tag thresholds maximising micro-F1',
    options: {},
    fit: crossFitted,
  },
  'weighted+thresholds+l2cv': {
    what: `as weighted+thresholds, and λ chosen from {${L2_GRID.join(', ')}} by cross-fitted log loss`,
    options: {},
    fit: crossFittedL2,
  },
  'weighted+tagthresholds+l2cv': {
    what: `as weighted+thresholds+l2cv, with each tag's own F1-optimal threshold instead of micro-F1 coordinate ascent`,
    options: { thresholds: 'tag-f1' },
    fit: crossFittedL2,
  },
  'plain+thresholds+l2cv': {
    what: `as plain+thresholds, and λ chosen from {${L2_GRID.join(', ')}} by cross-fitted log loss`,
    options: { classWeighting: 'none' },
    fit: crossFittedL2,
  },
  'mlp+thresholds+l2cv': {
    what: `MLP (32 tanh units), balanced class weights; cross-fitted Platt, micro-F1 thresholds, λ from {${L2_GRID.join(', ')}}`,
    options: { kind: 'mlp', hidden: 32, learningRate: 0.01 },
    fit: crossFittedL2,
  },
  live: {
    what: 'the live trainer (trainLive: logistic, 40 epochs; up to 1000 clips out-of-fold calibration and thresholds with λ by CV from {1e-4 … 1}, else the validation split)',
    options: {},
    fit: live,
  },
  'live+crossfit': {
    what: 'the live trainer’s options, always on the out-of-fold path (trainCrossFitted, 3 folds), whatever the validation rows',
    options: {},
    fit: liveCrossFitted,
  },
  'mlp+thresholds': {
    what: 'MLP (32 tanh units), balanced class weights; cross-fitted Platt and per-tag micro-F1 thresholds',
    options: { kind: 'mlp', hidden: 32, learningRate: 0.01 },
    fit: crossFitted,
  },
};
const configs = arg('configs', Object.keys(CONFIGS).join(',')).split(',');
for (const c of configs) if (!CONFIGS[c]) throw new Error(`unknown config "${c}" (expected ${Object.keys(CONFIGS).join(', ')})`);

const lines: string[] = [];
const out = (s = '') => {
  lines.push(s);
  console.log(s);
};
const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const sd = (v: number[]) => (v.length < 2 ? 0 : Math.sqrt(v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / (v.length - 1)));
const pm = (v: number[]) => `${mean(v).toFixed(3)} ± ${sd(v).toFixed(3)}`;

const cpu0 = process.cpuUsage();
const wall0 = performance.now();
out(`# Classifier at pool exhaustion on real multi-label data (issue 13)`);
out();
out(`\`npx tsx bench/classifier-real.ts --seeds ${seeds.join(',')} --sets ${onlySets.join(',')} --configs ${configs.join(',')}\`, ${new Date().toISOString().slice(0, 16)}Z.`);
out(`Machine: ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}; load average at start ${os.loadavg().map((x) => x.toFixed(1)).join(' / ')} (shared).`);
out();
for (const set of SETS) {
  const text = readFileSync(set.file, 'utf8');
  const header = text.slice(0, text.indexOf('\n')).split(',').map((h) => h.trim());
  const labels = header.filter((h) => h.startsWith('label_'));
  const { data } = parseSimulationCsv(text, labels, set.file);
  out(`## ${set.name} (${data.n} rows, ${data.d} features, ${labels.length} labels; README baseline final micro-F1 ${set.baseline})`);
  out();
  out('| config | micro-F1 (mean ± sd) | − baseline | macro-F1 | per seed |');
  out('|---|---:|---:|---:|---|');
  for (const name of configs) {
    const config = CONFIGS[name];
    const micro: number[] = [];
    const macro: number[] = [];
    for (const seed of seeds) {
      const split = simulationSplit(data, seed, TEST_FRACTION);
      const model = config.fit(
        { x: split.poolX, n: split.poolRows.length, d: data.d, y: split.poolY, t: data.t },
        {
          ...SIMULATION_MODEL,
          ...config.options,
          kind: config.options.kind ?? 'logistic',
          standardization: computeStandardization(split.poolX, split.poolRows.length, data.d),
          seed,
        } as TrainOptions,
      );
      const probs = predict(model, split.testX, split.testRows.length).probs;
      const m = evaluateMultiLabel(split.testY, probs, split.testRows.length, data.t, { thresholds: model.thresholds });
      micro.push(m.microF1);
      macro.push(m.macroF1);
    }
    out(`| ${name} | ${pm(micro)} | ${(mean(micro) - set.baseline >= 0 ? '+' : '') + (mean(micro) - set.baseline).toFixed(3)} | ${pm(macro)} | ${micro.map((v) => v.toFixed(3)).join(' ')} |`);
  }
  out();
}
out('Configurations (all logistic unless said, 200 full-batch Adam epochs, λ = 1e-3, as the simulation):');
for (const name of configs) out(`- **${name}**: ${CONFIGS[name].what}`);
out();
const cpu = process.cpuUsage(cpu0);
out(`Total: ${((performance.now() - wall0) / 1000).toFixed(0)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(0)} s CPU.`);
mkdirSync('bench/results', { recursive: true });
writeFileSync(`bench/results/classifier-real${onlySets.length === 1 ? `-${onlySets[0]}` : ''}.md`, lines.join('\n') + '\n');
