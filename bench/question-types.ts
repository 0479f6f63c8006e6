/**
 * Planted-truth figures for the two new question types (issue 18), printed as markdown for
 * bench/RESULTS.md: pairwise (plain Bradley–Terry vs Crowd-BT; active vs random pairs) and
 * valence–arousal ratings (bias–scale–noise model vs the plain mean). Seeds 1..10 unless given.
 *
 *   npx tsx bench/question-types.ts [seeds]
 */
import { meanSd, runActiveSimulation, runPairwiseSimulation, type PairwiseScenario } from '@/lib/pairwise/simulate';
import { runRatingSimulation, type RatingScenario } from '@/lib/rating/simulate';

const seeds = Array.from({ length: Number(process.argv[2] ?? 10) }, (_, k) => k + 1);
const f = (xs: number[], d = 3) => {
  const { mean, sd } = meanSd(xs);
  return `${mean.toFixed(d)} ± ${sd.toFixed(d)}`;
};

const mixed = [...Array(14)].map((_, k) => 0.8 + (0.2 * k) / 13).concat([0.5, 0.5, 0.5, 0.2, 0.15, 0.1]);
const honest = [...Array(20)].map((_, k) => 0.85 + (0.15 * k) / 19);
const pairwise: [string, PairwiseScenario][] = [
  [
    '60 items, 1200 answers; 14 honest (η 0.8–1), 3 coin-flippers, 3 adversaries (η 0.2, 0.15, 0.1)',
    { items: 60, scoreSd: 1.5, eta: mixed, answers: 1200 },
  ],
  ['100 items, 500 answers (10 per item), same crowd', { items: 100, scoreSd: 1.5, eta: mixed, answers: 500 }],
  ['40 items, 600 answers; 20 honest (η 0.85–1)', { items: 40, scoreSd: 1.5, eta: honest, answers: 600 }],
  [
    '60 items, 1200 answers, mixed crowd, "same" when |Δθ| < 0.2',
    { items: 60, scoreSd: 1.5, eta: mixed, answers: 1200, tieBand: 0.2 },
  ],
];
console.log('| scenario | BT Spearman | Crowd-BT Spearman | Crowd-BT − BT | η MAE | adversaries found | ms per fit pair |');
console.log('|---|---|---|---|---|---|---|');
for (const [name, s] of pairwise) {
  const t = performance.now();
  const runs = seeds.map((seed) => runPairwiseSimulation(s, seed));
  const ms = (performance.now() - t) / runs.length;
  const found = runs.filter((r) => !Number.isNaN(r.adversariesFound)).map((r) => r.adversariesFound);
  console.log(
    `| ${name} | ${f(runs.map((r) => r.btSpearman))} | ${f(runs.map((r) => r.crowdBtSpearman))} | ${f(runs.map((r) => r.crowdBtSpearman - r.btSpearman))} | ${f(runs.map((r) => r.etaMae))} | ${found.length ? f(found, 2) : '—'} | ${ms.toFixed(0)} |`,
  );
}

console.log('\n| active pair choice | random pairs Spearman | active Spearman | active − random | active better on |');
console.log('|---|---|---|---|---|');
const activeCases: [string, PairwiseScenario, number, number][] = [
  [
    '30 items, 300 answers (90 random first, then batches of 30)',
    { items: 30, scoreSd: 1, eta: mixed.slice(0, 10).concat([0.5, 0.2]), answers: 300 },
    90,
    30,
  ],
  [
    '60 items, 600 answers (180 random first, then batches of 60), mixed crowd',
    { items: 60, scoreSd: 1.5, eta: mixed, answers: 600 },
    180,
    60,
  ],
];
for (const [name, s, warmup, batch] of activeCases) {
  const runs = seeds.map((seed) => runActiveSimulation(s, seed, warmup, batch));
  const diff = runs.map((r) => r.activeSpearman - r.randomSpearman);
  console.log(
    `| ${name} | ${f(runs.map((r) => r.randomSpearman))} | ${f(runs.map((r) => r.activeSpearman))} | ${f(diff)} | ${diff.filter((d) => d > 0).length}/${runs.length} seeds |`,
  );
}

const base: RatingScenario = {
  items: 300,
  workers: 20,
  perItem: 5,
  valueRange: 0.8,
  biasSd: 0.2,
  logScaleSd: 0.3,
  noiseMin: 0.05,
  noiseMax: 0.3,
};
const rating: [string, RatingScenario][] = [
  ['300 clips × 5 of 20 raters; bias sd 0.2, log-scale sd 0.3, noise 0.05–0.3', base],
  ['same, 3 ratings per clip', { ...base, perItem: 3 }],
  ['same, ratings clipped to [−1, 1] as the screen does', { ...base, clip: true }],
  ['unbiased raters (bias sd 0, log-scale sd 0), noise 0.05–0.3', { ...base, biasSd: 0, logScaleSd: 0 }],
];
console.log(
  '\n| rating scenario | bias RMSE | log-scale RMSE | noise RMSE | clip RMSE, model | clip RMSE, plain mean | 95 % interval coverage |',
);
console.log('|---|---|---|---|---|---|---|');
for (const [name, s] of rating) {
  const runs = seeds.map((seed) => runRatingSimulation(s, seed));
  console.log(
    `| ${name} | ${f(runs.map((r) => r.biasRmse))} | ${f(runs.map((r) => r.logScaleRmse))} | ${f(runs.map((r) => r.noiseRmse))} | ${f(runs.map((r) => r.modelRmse))} | ${f(runs.map((r) => r.meanRmse))} | ${f(
      runs.map((r) => r.coverage95),
      2,
    )} |`,
  );
}
