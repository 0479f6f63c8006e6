import { describe, expect, it } from 'vitest';
import { clipPosterior, fitRatingModel } from '@/lib/rating/annotator-model';
import { meanSd } from '@/lib/pairwise/simulate';
import { runRatingSimulation, type RatingScenario } from '@/lib/rating/simulate';

/** Priors switched (almost) off, for the noise-free hand-worked case. */
const NO_PRIORS = { priorSd: 1e6, biasRidge: 0, scaleRidge: 0, noisePriorCount: 0, noisePriorSd: 0 };

describe('valence–arousal aggregation: bias, scale and noise per annotator', () => {
  it('hand-worked E-step: two raters with known bias, scale and noise', () => {
    // Prior N(0, 1). Rater 1: a = 0.1, b = 1, σ = 0.1, says 0.3. Rater 2: a = −0.1, b = 2, σ = 0.2, says 0.5.
    // precision = 1 + 1²/0.01 + 2²/0.04 = 201;  Σ b(x − a)/σ² = 1·0.2/0.01 + 2·0.6/0.04 = 20 + 30 = 50.
    // mean = 50/201 = 0.248756, sd = 1/√201 = 0.070535.
    const post = clipPosterior([
      { value: 0.3, bias: 0.1, scale: 1, noise: 0.1 },
      { value: 0.5, bias: -0.1, scale: 2, noise: 0.2 },
    ]);
    expect(post.mean).toBeCloseTo(50 / 201, 9);
    expect(post.sd).toBeCloseTo(1 / Math.sqrt(201), 9);
  });

  it('hand-worked fit: rater B = 0.2 + 2·rater A, noise-free, recovers the identified bias and scale', () => {
    // x_A = a1 + b1 μ, x_B = a2 + b2 μ with x_B = 0.2 + 2 x_A. Constraints a1 + a2 = 0 and
    // log b1 + log b2 = 0 with b2 / b1 = 2 give b1 = 1/√2, b2 = √2; a2 − 2a1 = 0.2 gives
    // a1 = −0.2/3, a2 = 0.2/3; then μ = (x_A − a1)/b1 = √2 (x_A + 0.2/3).
    const xA = [-0.5, 0, 0.5];
    const xB = xA.map((x) => 0.2 + 2 * x);
    const fit = fitRatingModel(
      3,
      2,
      { item: [0, 1, 2, 0, 1, 2], worker: [0, 0, 0, 1, 1, 1], value: [...xA, ...xB] },
      {
        ...NO_PRIORS,
        maxIterations: 200,
      },
    );
    expect(fit.bias[0]).toBeCloseTo(-0.2 / 3, 6);
    expect(fit.bias[1]).toBeCloseTo(0.2 / 3, 6);
    expect(fit.scale[0]).toBeCloseTo(Math.SQRT1_2, 6);
    expect(fit.scale[1]).toBeCloseTo(Math.SQRT2, 6);
    xA.forEach((x, i) => expect(fit.mean[i]).toBeCloseTo(Math.SQRT2 * (x + 0.2 / 3), 6));
    expect(fit.noise[0]).toBeLessThan(1e-3);
  });

  it('a clip nobody rated gets NaN, not the prior', () => {
    const fit = fitRatingModel(3, 2, { item: [0, 1, 0, 1], worker: [0, 0, 1, 1], value: [0.2, -0.2, 0.3, -0.1] });
    expect(fit.mean[2]).toBeNaN();
    expect(fit.sd[2]).toBeNaN();
    expect(fit.ratingsPerItem[2]).toBe(0);
  });

  it('keeps the identifiability constraints: mean bias 0, mean log-scale 0', () => {
    const r = runRatingSimulation(SCENARIO, 9); // also exercises the simulator
    expect(r.biasRmse).toBeLessThan(0.05);
    const fit = fitRatingModel(4, 3, {
      item: [0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3],
      worker: [0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2],
      value: [0.1, 0.5, -0.3, 0.9, 0.3, 0.6, 0.0, 0.95, -0.2, 0.1, -0.6, 0.4],
    });
    const meanBias = (fit.bias[0] + fit.bias[1] + fit.bias[2]) / 3;
    const meanLogScale = (Math.log(fit.scale[0]) + Math.log(fit.scale[1]) + Math.log(fit.scale[2])) / 3;
    expect(meanBias).toBeCloseTo(0, 9);
    expect(meanLogScale).toBeCloseTo(0, 9);
    // Rater 1 rates everything higher than rater 0, who rates higher than rater 2.
    expect(fit.bias[1]).toBeGreaterThan(fit.bias[0]);
    expect(fit.bias[0]).toBeGreaterThan(fit.bias[2]);
  });

  it('a noisier rater gets a larger σ and less weight', () => {
    // Raters 0 and 1 agree closely; rater 2 scatters around them.
    const truth = [-0.8, -0.4, 0, 0.4, 0.8, -0.6, 0.6, 0.2];
    const scatter = [0.3, -0.25, 0.2, -0.3, 0.25, -0.2, 0.3, -0.3];
    const item: number[] = [];
    const worker: number[] = [];
    const value: number[] = [];
    truth.forEach((t, i) => {
      item.push(i, i, i);
      worker.push(0, 1, 2);
      value.push(t + 0.01 * ((i % 3) - 1), t - 0.01 * ((i % 2) - 0.5), t + scatter[i]);
    });
    const fit = fitRatingModel(truth.length, 3, { item, worker, value });
    expect(fit.noise[2]).toBeGreaterThan(3 * Math.max(fit.noise[0], fit.noise[1]));
  });
});

const SCENARIO: RatingScenario = {
  items: 300,
  workers: 20,
  perItem: 5,
  valueRange: 0.8,
  biasSd: 0.2,
  logScaleSd: 0.3,
  noiseMin: 0.05,
  noiseMax: 0.3,
};

describe('rating model on planted annotators (6 seeds)', () => {
  const runs = [1, 2, 3, 4, 5, 6].map((seed) => runRatingSimulation(SCENARIO, seed));

  it('recovers planted biases to within 0.04 RMSE and log-scales to within 0.1 (planted spread 0.2 and 0.3)', () => {
    for (const r of runs) {
      expect(r.biasRmse).toBeLessThan(0.04);
      expect(r.logScaleRmse).toBeLessThan(0.1);
      expect(r.noiseRmse).toBeLessThan(0.04);
    }
  });

  it('beats the plain mean on clip values: at most 0.6× its RMSE on every seed', () => {
    for (const r of runs) expect(r.modelRmse).toBeLessThan(0.6 * r.meanRmse);
    const model = meanSd(runs.map((r) => r.modelRmse));
    expect(model.mean).toBeLessThan(0.07);
  });

  it('its posterior spread is calibrated: 95 % intervals cover 90–99 % of planted values', () => {
    const coverage = meanSd(runs.map((r) => r.coverage95));
    expect(coverage.mean).toBeGreaterThan(0.9);
    expect(coverage.mean).toBeLessThan(0.99);
  });
});
