/**
 * Planted-truth simulation for pairwise aggregation: items with known scores, annotators with known
 * reliabilities (honest, coin-flipping and adversarial), answers drawn from the Crowd-BT model.
 * Used by the unit tests and bench/pairwise.ts to measure how well plain Bradley–Terry and Crowd-BT
 * recover the planted ranking, and whether the active pair choice beats random pairs.
 */

import { sigmoid, spearman } from '@/lib/crowd/numeric';
import { createRng, gaussian, type Rng } from '@/lib/util/random';
import { choosePairs } from './active';
import { fitBradleyTerry } from './bradley-terry';
import { fitCrowdBt } from './crowd-bt';

export interface PairwiseScenario {
  items: number;
  /** Standard deviation of the planted scores θ. */
  scoreSd: number;
  /** Reliabilities of the annotators (one entry per annotator). */
  eta: number[];
  /** Answers in total (each a uniformly random pair answered by a uniformly random annotator). */
  answers: number;
  /** Share of answers that are "same" when |θ_i − θ_j| < tieBand (default 0: no ties). */
  tieBand?: number;
}

export interface PlantedAnswers {
  theta: Float64Array;
  winner: number[];
  loser: number[];
  weight: number[];
  worker: number[];
}

/** One answer about (a, b) by an annotator with reliability η: true BT draw, reversed with probability 1 − η. */
export function drawAnswer(rng: Rng, theta: ArrayLike<number>, a: number, b: number, eta: number): [number, number] {
  const aWins = rng() < sigmoid(theta[a] - theta[b]);
  const honest = rng() < eta;
  return aWins === honest ? [a, b] : [b, a];
}

function randomPair(rng: Rng, n: number): [number, number] {
  const a = Math.floor(rng() * n);
  let b = Math.floor(rng() * (n - 1));
  if (b >= a) b++;
  return [a, b];
}

export function plantAnswers(scenario: PairwiseScenario, seed: number): PlantedAnswers {
  const rng = createRng(seed);
  const theta = new Float64Array(scenario.items);
  for (let i = 0; i < scenario.items; i++) theta[i] = scenario.scoreSd * gaussian(rng);
  const out: PlantedAnswers = { theta, winner: [], loser: [], weight: [], worker: [] };
  for (let c = 0; c < scenario.answers; c++) {
    const [a, b] = randomPair(rng, scenario.items);
    const k = Math.floor(rng() * scenario.eta.length);
    if (scenario.tieBand && Math.abs(theta[a] - theta[b]) < scenario.tieBand) {
      out.winner.push(a, b);
      out.loser.push(b, a);
      out.weight.push(0.5, 0.5);
      out.worker.push(k, k);
      continue;
    }
    const [w, l] = drawAnswer(rng, theta, a, b, scenario.eta[k]);
    out.winner.push(w);
    out.loser.push(l);
    out.weight.push(1);
    out.worker.push(k);
  }
  return out;
}

export interface PairwiseSimResult {
  seed: number;
  /** Spearman correlation of fitted and planted scores. */
  btSpearman: number;
  crowdBtSpearman: number;
  /** Mean |η̂ − η| over annotators. */
  etaMae: number;
  /** Share of adversarial annotators (η < 0.5) that Crowd-BT estimates below 0.5. */
  adversariesFound: number;
}

export function runPairwiseSimulation(scenario: PairwiseScenario, seed: number): PairwiseSimResult {
  const data = plantAnswers(scenario, seed);
  const bt = fitBradleyTerry(scenario.items, data, { skipUncertainty: true, tolerance: 1e-7 });
  const cbt = fitCrowdBt(scenario.items, scenario.eta.length, data);
  let etaErr = 0;
  let adversaries = 0;
  let found = 0;
  scenario.eta.forEach((e, k) => {
    etaErr += Math.abs(cbt.eta[k] - e);
    if (e < 0.5) {
      adversaries++;
      if (cbt.eta[k] < 0.5) found++;
    }
  });
  return {
    seed,
    btSpearman: spearman(bt.theta, data.theta),
    crowdBtSpearman: spearman(cbt.theta, data.theta),
    etaMae: etaErr / scenario.eta.length,
    adversariesFound: adversaries ? found / adversaries : NaN,
  };
}

export interface ActiveSimResult {
  seed: number;
  randomSpearman: number;
  activeSpearman: number;
}

/**
 * Same budget, two ways to spend it: `warmup` random answers, then `budget − warmup` more chosen
 * either at random or `batch` at a time by {@link choosePairs} on a refitted Crowd-BT (each pair
 * answered by a random annotator; the choice assumes the crowd's mean reliability).
 */
export function runActiveSimulation(scenario: PairwiseScenario, seed: number, warmup: number, batch: number): ActiveSimResult {
  const planted = plantAnswers({ ...scenario, answers: warmup }, seed);
  const meanEta = scenario.eta.reduce((s, e) => s + e, 0) / scenario.eta.length;
  const spend = (active: boolean): number => {
    const rng = createRng(seed * 7919 + (active ? 1 : 2));
    const data = {
      winner: [...planted.winner],
      loser: [...planted.loser],
      weight: [...planted.weight],
      worker: [...planted.worker],
    };
    let fit = fitCrowdBt(scenario.items, scenario.eta.length, data);
    while (data.winner.length < scenario.answers) {
      const take = Math.min(batch, scenario.answers - data.winner.length);
      const pairs: [number, number][] = active
        ? choosePairs(fit, take, { eta: meanEta }).map((p) => [p.a, p.b])
        : Array.from({ length: take }, () => randomPair(rng, scenario.items));
      for (const [a, b] of pairs) {
        const k = Math.floor(rng() * scenario.eta.length);
        const [w, l] = drawAnswer(rng, planted.theta, a, b, scenario.eta[k]);
        data.winner.push(w);
        data.loser.push(l);
        data.weight.push(1);
        data.worker.push(k);
      }
      fit = fitCrowdBt(scenario.items, scenario.eta.length, data);
    }
    return spearman(fit.theta, planted.theta);
  };
  return { seed, randomSpearman: spend(false), activeSpearman: spend(true) };
}

/** Mean and sample standard deviation. */
export function meanSd(values: readonly number[]): { mean: number; sd: number } {
  const mean = values.reduce((s, v) => s + v, 0) / values.length;
  const sd = Math.sqrt(values.reduce((s, v) => s + (v - mean) ** 2, 0) / Math.max(1, values.length - 1));
  return { mean, sd };
}
