/**
 * Synthetic multi-label data with known structure, for the simulation's
 * tests and the benchmark (a stand-in for the demo catalog's features).
 */
import { createRng, gaussian } from '@/lib/util/random';

export interface SyntheticOptions {
  n: number;
  d: number;
  t: number;
  seed: number;
  /** Per-tag positive rate. Default: geometric from 0.35 down to 0.05. */
  prevalence?: number[];
  /** Norm of each tag's mean shift. Default 2.5. */
  separation?: number;
  /** Standard deviation of the isotropic noise. Default 1. */
  noise?: number;
}

export interface SyntheticData {
  x: Float32Array;
  y: Uint8Array;
  n: number;
  d: number;
  t: number;
  tags: string[];
}

/**
 * Gaussian clusters per label combination: y_it ~ Bernoulli(π_t)
 * independently, x_i = Σ_t y_it·μ_t + ε_i with ε_i ~ N(0, σ²I) and μ_t a
 * random direction of norm `separation`. Each tag is then linearly
 * decodable but overlaps with the others' shifts, with rare tags — the
 * regime where choosing which clips to label matters. O(n·d·t).
 *
 * @example makeSyntheticMoodData({ n: 100, d: 8, t: 3, seed: 1 }).y.length // → 300
 */
export function makeSyntheticMoodData(options: SyntheticOptions): SyntheticData {
  const { n, d, t, seed } = options;
  const separation = options.separation ?? 2.5;
  const noise = options.noise ?? 1;
  const prevalence =
    options.prevalence ?? Array.from({ length: t }, (_, j) => (t === 1 ? 0.35 : 0.35 * Math.pow(0.05 / 0.35, j / (t - 1))));
  if (prevalence.length !== t) throw new Error(`makeSyntheticMoodData: ${prevalence.length} prevalences for ${t} tags`);
  const rng = createRng(seed);
  const mu = new Float64Array(t * d);
  for (let j = 0; j < t; j++) {
    let norm = 0;
    for (let k = 0; k < d; k++) {
      mu[j * d + k] = gaussian(rng);
      norm += mu[j * d + k] ** 2;
    }
    for (let k = 0; k < d; k++) mu[j * d + k] *= separation / Math.sqrt(norm);
  }
  const x = new Float32Array(n * d);
  const y = new Uint8Array(n * t);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < t; j++) y[i * t + j] = rng() < prevalence[j] ? 1 : 0;
    for (let k = 0; k < d; k++) {
      let v = noise * gaussian(rng);
      for (let j = 0; j < t; j++) if (y[i * t + j]) v += mu[j * d + k];
      x[i * d + k] = v;
    }
  }
  return { x, y, n, d, t, tags: Array.from({ length: t }, (_, j) => `mood_${j}`) };
}
