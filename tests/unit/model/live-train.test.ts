/**
 * Issue 13: up to L2_CV_MAX_ROWS labelled clips, or below CROSS_FIT_BELOW_VALIDATION_ROWS validation
 * rows, the live trainer (retrain and `chorus simulate`) calibrates and thresholds on out-of-fold
 * predictions of every labelled clip; up to L2_CV_MAX_ROWS it also chooses λ from LIVE_L2_GRID by
 * out-of-fold log loss.
 */
import { describe, expect, it } from 'vitest';
import { makeSyntheticMoodData } from '@/lib/active/synthetic';
import { crossFitFolds, trainCrossFitted } from '@/lib/model/crossfit';
import { CROSS_FIT_BELOW_VALIDATION_ROWS, CROSS_FIT_FOLDS, L2_CV_MAX_ROWS, LIVE_L2_GRID, trainLive } from '@/lib/model/live-train';
import { computeStandardization } from '@/lib/model/standardize';
import { predict, trainClassifier, validationSize, type TrainOptions } from '@/lib/model/train';

describe('trainLive', () => {
  it('calibrates on out-of-fold logits: the hand-worked case of a model with only a bias', () => {
    // Six rows, no usable feature (x = 0, identity standardisation), one tag, no class weights:
    // each fold model learns only a bias, the logit of the positive rate in the other two folds.
    // Labels are placed so the three folds hold 2, 1 and 0 positives (3 of 6 in all), so the
    // out-of-fold logits are logit(1/4) = −ln 3, logit(2/4) = 0 and logit(3/4) = +ln 3: the
    // fewer positives elsewhere, the more here — a negative relation no in-sample fit can show
    // (the all-rows model gives every row the same logit, logit(3/6) = 0).
    // Platt on those six logits with the smoothed targets 0.8 / 0.2 (N₊ = N₋ = 3): by symmetry
    // b = 0, and ∂F/∂a = 2·ln3·[(σ(a·ln3) − 0.2) − (σ(−a·ln3) − 0.8)] = 0 ⇒ σ(a·ln3) = 0.2,
    // so a = logit(0.2)/ln 3 = −ln 4 / ln 3 ≈ −1.2619.
    // Calibrated out-of-fold probabilities: 0.8, 0.8 | 0.5, 0.5 | 0.2, 0.2 with labels 1, 1 | 1, 0 | 0, 0.
    // Micro-F1 (one tag) of each cut: top 2 → 2·2/(2+3) = 0.8; top 4 → 2·3/(4+3) = 0.857; all 6 →
    // 2·3/(6+3) = 0.667; so the cut sits between 0.5 and 0.2, at their midpoint 0.35.
    const n = 6;
    const seed = 11;
    const fold = crossFitFolds(n, CROSS_FIT_FOLDS, seed);
    const positivesInFold = [2, 1, 0];
    const y = new Float64Array(n);
    const placed = [0, 0, 0];
    for (let i = 0; i < n; i++) y[i] = placed[fold[i]]++ < positivesInFold[fold[i]] ? 1 : 0;
    expect(Array.from(y).reduce((a, b) => a + b, 0)).toBe(3);

    const options: TrainOptions = {
      kind: 'logistic',
      standardization: { mean: [0], std: [1] },
      seed,
      classWeighting: 'none',
      // A one-parameter convex problem: enough full-batch Adam steps to reach the optimum.
      epochs: 3000,
      learningRate: 0.05,
    };
    const data = { x: new Float64Array(n), n, d: 1, y, t: 1 };
    expect(validationSize(n, options)).toBeLessThan(CROSS_FIT_BELOW_VALIDATION_ROWS);
    const model = trainLive(data, options);

    expect(model.report.crossFitFolds).toBe(CROSS_FIT_FOLDS);
    expect(model.calibration.method).toBe('platt');
    expect(model.calibration.scale[0]).toBeCloseTo(-Math.log(4) / Math.log(3), 3);
    expect(model.calibration.bias[0]).toBeCloseTo(0, 3);
    expect(model.thresholds[0]).toBeCloseTo(0.35, 3);
    // The served model is the all-rows fit: logit 0, so σ(a·0 + b) = 0.5 for every clip.
    const p = predict(model, new Float64Array(1), 1);
    expect(p.logits[0]).toBeCloseTo(0, 3);
    expect(p.probs[0]).toBeCloseTo(0.5, 3);
  });

  it('chooses the λ with the lowest out-of-fold log loss: hand-worked cases at both ends of the grid', () => {
    // Six rows, one feature x = ±1, one tag, no class weights, three folds of two rows each.
    // Calibration 'none', so the loss compared is the raw out-of-fold log loss, which can be
    // reasoned about by hand. (Platt would refit the scale λ shrinks and blur the comparison.)
    const n = 6;
    const seed = 11;
    const fold = crossFitFolds(n, CROSS_FIT_FOLDS, seed);
    // Each fold's rows as [x, y] pairs, dealt to the rows crossFitFolds put in that fold.
    const fitWithFolds = (rowsOfFold: [number, number][][]) => {
      const x = new Float64Array(n);
      const y = new Float64Array(n);
      const placed = [0, 0, 0];
      for (let i = 0; i < n; i++) [x[i], y[i]] = rowsOfFold[fold[i]][placed[fold[i]]++];
      const options: TrainOptions = {
        kind: 'logistic',
        standardization: { mean: [0], std: [1] },
        seed,
        classWeighting: 'none',
        calibration: 'none',
        epochs: 500,
        learningRate: 0.05,
      };
      const data = { x, n, d: 1, y, t: 1 };
      const model = trainLive(data, options);
      expect(model).toEqual(trainCrossFitted(data, options, CROSS_FIT_FOLDS, LIVE_L2_GRID));
      return model.hyperparameters.l2;
    };
    expect(LIVE_L2_GRID).toEqual([1e-4, 1e-3, 1e-2, 1e-1, 1]);

    // Signal: x = +1 is positive and x = −1 negative in every fold. Each fold model separates its
    // four rows, the held-out pair is separated the same way, and the less the weight is shrunk
    // the more confidently right it is there: the smallest λ has the lowest out-of-fold loss.
    const signal: [number, number][] = [[1, 1], [-1, 0]];
    expect(fitWithFolds([signal, signal, signal])).toBe(1e-4);

    // Anti-signal: fold 0 says x = +1 → positive, fold 1 the opposite, fold 2 is all positive.
    // Held out, fold 0 meets a model fitted on folds 1 + 2 (x = −1 always positive, x = +1 half),
    // so a negative weight, wrong on both its rows; fold 1 meets the mirror image; fold 2 meets
    // folds 0 + 1, balanced, so weight 0 at every λ. Every weight learnt is wrong out of fold, so
    // the loss falls as the weight shrinks: the largest λ has the lowest out-of-fold loss.
    expect(fitWithFolds([signal, [[1, 0], [-1, 1]], [[1, 1], [-1, 1]]])).toBe(1);
  });

  it('takes the λ-grid out-of-fold path up to L2_CV_MAX_ROWS clips, whatever the validation rows', () => {
    expect(L2_CV_MAX_ROWS).toBe(1000);
    const data = makeSyntheticMoodData({ n: L2_CV_MAX_ROWS + 1, d: 5, t: 3, seed: 4, separation: 2, prevalence: [0.3, 0.2, 0.1] });
    const atBound = { x: data.x.subarray(0, L2_CV_MAX_ROWS * data.d), n: L2_CV_MAX_ROWS, d: data.d, y: data.y.subarray(0, L2_CV_MAX_ROWS * data.t), t: data.t };
    const options: TrainOptions = {
      kind: 'logistic',
      standardization: computeStandardization(data.x, data.n, data.d),
      seed: 3,
      epochs: 5,
      validationIndices: Array.from({ length: 200 }, (_, i) => i * 5),
    };
    const model = trainLive(atBound, options);
    expect(model).toEqual(trainCrossFitted(atBound, options, CROSS_FIT_FOLDS, LIVE_L2_GRID));
    expect(model.report.trainSize).toBe(L2_CV_MAX_ROWS);

    const above = { x: data.x, n: data.n, d: data.d, y: data.y, t: data.t };
    expect(trainLive(above, options)).toEqual(trainClassifier(above, options));
  });

  it('above L2_CV_MAX_ROWS switches between cross-fitting and the validation split at CROSS_FIT_BELOW_VALIDATION_ROWS', () => {
    const data = makeSyntheticMoodData({ n: 1200, d: 5, t: 3, seed: 4, separation: 2, prevalence: [0.3, 0.2, 0.1] });
    const train = { x: data.x, n: data.n, d: data.d, y: data.y, t: data.t };
    const base: TrainOptions = { kind: 'logistic', standardization: computeStandardization(data.x, data.n, data.d), seed: 3, epochs: 20 };
    expect(CROSS_FIT_BELOW_VALIDATION_ROWS).toBe(50);
    const rows = (k: number) => Array.from({ length: k }, (_, i) => i * 5);

    const small = { ...base, validationIndices: rows(49) };
    const crossFitted = trainLive(train, small);
    expect(crossFitted).toEqual(trainCrossFitted(train, small, CROSS_FIT_FOLDS));
    // Every row was trained on: no validation rows held back; λ is the options' (no grid).
    expect(crossFitted.report.trainSize).toBe(1200);
    expect(crossFitted.hyperparameters.l2).toBe(1e-4);

    const large = { ...base, validationIndices: rows(50) };
    const validated = trainLive(train, large);
    expect(validated).toEqual(trainClassifier(train, large));
    expect(validated.report.crossFitFolds).toBeUndefined();
    expect(validated.report.trainSize).toBe(1150);

    // Without stored rows the trainer would draw 20 %: 60 of 300 rows, enough for the split.
    expect(validationSize(300, base)).toBe(60);
    expect(validationSize(240, base)).toBe(48);
    expect(validationSize(240, { validationFraction: 0 })).toBe(0);
  });
});
