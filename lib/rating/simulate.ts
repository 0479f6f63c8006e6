/**
 * Planted-truth simulation for the bias–scale–noise rating model: clips with known values,
 * annotators with known bias, scale and noise, each clip rated by a few random annotators.
 * Reports how well the fit recovers the planted annotator parameters and the clip values, against
 * the plain mean of each clip's ratings. Used by the unit tests and bench/rating.ts.
 */

import { createRng, gaussian, shuffleInPlace } from '@/lib/util/random';
import { fitRatingModel } from './annotator-model';

export interface RatingScenario {
  items: number;
  workers: number;
  /** Ratings per clip (distinct annotators). */
  perItem: number;
  /** Planted clip values ~ U(−valueRange, valueRange). */
  valueRange: number;
  /** Planted bias a_j ~ N(0, biasSd²). */
  biasSd: number;
  /** Planted log-scale ~ N(0, logScaleSd²). */
  logScaleSd: number;
  /** Planted noise σ_j ~ U(noiseMin, noiseMax). */
  noiseMin: number;
  noiseMax: number;
  /** Clip each rating into [−1, 1] as a rating screen would (default false). */
  clip?: boolean;
}

export interface RatingSimResult {
  seed: number;
  /** RMSE of the fitted bias and log-scale against the planted ones (both in the identified frame). */
  biasRmse: number;
  logScaleRmse: number;
  noiseRmse: number;
  /** RMSE of the fitted clip values and of the plain per-clip mean against the planted values. */
  modelRmse: number;
  meanRmse: number;
  /** Share of planted clip values inside the fitted mean ± 1.96 sd. */
  coverage95: number;
}

export interface PlantedRatings {
  value: Float64Array;
  bias: Float64Array;
  scale: Float64Array;
  noise: Float64Array;
  item: number[];
  worker: number[];
  rating: number[];
}

/**
 * Plant a scenario. The planted bias and scale are moved to the model's identified frame (mean bias
 * 0, mean log-scale 0; the clip values moved with them), so fitted and planted are comparable.
 */
export function plantRatings(s: RatingScenario, seed: number): PlantedRatings {
  const rng = createRng(seed);
  const value = new Float64Array(s.items);
  for (let i = 0; i < s.items; i++) value[i] = (2 * rng() - 1) * s.valueRange;
  const bias = new Float64Array(s.workers);
  const scale = new Float64Array(s.workers);
  const noise = new Float64Array(s.workers);
  for (let j = 0; j < s.workers; j++) {
    bias[j] = s.biasSd * gaussian(rng);
    scale[j] = Math.exp(s.logScaleSd * gaussian(rng));
    noise[j] = s.noiseMin + (s.noiseMax - s.noiseMin) * rng();
  }
  const item: number[] = [];
  const worker: number[] = [];
  const rating: number[] = [];
  const everyone = Array.from({ length: s.workers }, (_, j) => j);
  for (let i = 0; i < s.items; i++) {
    for (const j of shuffleInPlace(everyone, rng).slice(0, s.perItem)) {
      let x = bias[j] + scale[j] * value[i] + noise[j] * gaussian(rng);
      if (s.clip) x = Math.max(-1, Math.min(1, x));
      item.push(i);
      worker.push(j);
      rating.push(x);
    }
  }
  // Identified frame: same transform as the model's normalisation.
  const d = Math.exp(scale.reduce((t, b) => t + Math.log(b), 0) / s.workers);
  for (let j = 0; j < s.workers; j++) scale[j] /= d;
  const c = bias.reduce((t, a) => t + a, 0) / scale.reduce((t, b) => t + b, 0);
  for (let j = 0; j < s.workers; j++) bias[j] -= scale[j] * c;
  for (let i = 0; i < s.items; i++) value[i] = d * value[i] + c;
  return { value, bias, scale, noise, item, worker, rating };
}

const rmse = (x: ArrayLike<number>, y: ArrayLike<number>) => {
  let s = 0;
  for (let k = 0; k < x.length; k++) s += (x[k] - y[k]) ** 2;
  return Math.sqrt(s / x.length);
};

export function runRatingSimulation(s: RatingScenario, seed: number): RatingSimResult {
  const p = plantRatings(s, seed);
  const fit = fitRatingModel(s.items, s.workers, { item: p.item, worker: p.worker, value: p.rating });
  const sums = new Float64Array(s.items);
  const counts = new Float64Array(s.items);
  p.item.forEach((i, r) => {
    sums[i] += p.rating[r];
    counts[i]++;
  });
  const plainMean = sums.map((t, i) => t / counts[i]);
  let inside = 0;
  for (let i = 0; i < s.items; i++) if (Math.abs(fit.mean[i] - p.value[i]) <= 1.96 * fit.sd[i]) inside++;
  return {
    seed,
    biasRmse: rmse(fit.bias, p.bias),
    logScaleRmse: rmse(fit.scale.map(Math.log), p.scale.map(Math.log)),
    noiseRmse: rmse(fit.noise, p.noise),
    modelRmse: rmse(fit.mean, p.value),
    meanRmse: rmse(plainMean, p.value),
    coverage95: inside / s.items,
  };
}
