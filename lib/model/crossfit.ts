/**
 * Calibration and decision thresholds for labelled sets too small to spare a
 * validation split (the live trainer below CROSS_FIT_BELOW_VALIDATION_ROWS, ./live-train.ts,
 * and so the active-learning simulation: 20 to a few hundred rows).
 */
import { createRng, hashString, shuffleInPlace } from '@/lib/util/random';
import { applyCalibration, fitCalibration, identityCalibration, type Calibration } from './calibration';
import { softplus } from './network';
import { chooseThresholds } from './thresholds';
import { predict, trainClassifier, type TrainedModel, type TrainingData, type TrainOptions } from './train';

/**
 * Trains on every row, then calibrates and thresholds the model with
 * out-of-fold predictions (cross-fitting, as scikit-learn's
 * CalibratedClassifierCV with ensemble=False): the rows are split into
 * `folds` random folds; a model trained (same options, no validation split)
 * on the other folds gives each row a logit it did not see; Platt/temperature
 * scaling (options.calibration, default 'platt') is fitted per tag on those
 * logits, and the thresholds (options.thresholds, default 'micro-f1') are chosen
 * on the calibrated out-of-fold probabilities (./thresholds). The final model is the all-rows
 * fit with that calibration and those thresholds, so nothing is selected on
 * the rows a score was computed from. Options `thresholds: 'fixed'` keeps 0.5.
 *
 * With `l2Grid`, the L2 penalty is chosen too: each λ gets its own out-of-fold
 * logits, and the λ whose calibrated out-of-fold probabilities have the lowest
 * log loss (summed over tags, example-weighted, no class weights) wins, ties to
 * the larger λ. This is what keeps a wide feature set (birds: 259 features, a
 * few hundred rows) from being fitted to noise while a narrow one keeps its
 * signal, without a constant tuned to either.
 * Deterministic under options.seed. Complexity: (folds · |grid| + 1) training runs.
 *
 * @example const model = trainCrossFitted(data, { kind: 'logistic', seed: 1, standardization }, 3, [1e-3, 1e-2, 1e-1]);
 */
export function trainCrossFitted(data: TrainingData, options: TrainOptions, folds: number, l2Grid?: number[]): TrainedModel {
  if (!Number.isInteger(folds) || folds < 2) throw new Error(`trainCrossFitted: folds must be an integer ≥ 2, got ${folds}`);
  if (l2Grid && (l2Grid.length === 0 || !l2Grid.every((l) => l >= 0 && Number.isFinite(l)))) {
    throw new Error(`trainCrossFitted: l2Grid must be finite numbers ≥ 0, got [${l2Grid.join(', ')}]`);
  }
  const { n, t } = data;
  const base: TrainOptions = { ...options, validationFraction: 0, validationIndices: undefined, calibration: 'none', thresholds: 'fixed' };
  const grid = l2Grid ?? [options.l2 ?? 1e-4];
  if (n < folds) return trainClassifier(data, { ...base, l2: grid[grid.length - 1] });

  const fold = crossFitFolds(n, folds, options.seed);
  const y = Float64Array.from(data.y);
  const w = data.weights ? Float64Array.from(data.weights) : new Float64Array(n).fill(1);
  const method = options.calibration ?? 'platt';
  let best: { l2: number; loss: number; calibration: Calibration; probs: Float64Array } | null = null;
  for (const l2 of [...grid].sort((a, b) => b - a)) {
    const oofLogits = new Float64Array(n * t);
    for (let f = 0; f < folds; f++) {
      const train: number[] = [];
      const held: number[] = [];
      for (let i = 0; i < n; i++) (fold[i] === f ? held : train).push(i);
      const member = trainClassifier(subset(data, train), { ...base, l2, seed: hashString(`${options.seed}:fold:${f}`) });
      const z = predict(member, gather(data.x, data.d, held), held.length).logits;
      held.forEach((i, r) => oofLogits.set(z.subarray(r * t, (r + 1) * t), i * t));
    }
    const calibration = method === 'none' ? identityCalibration(t) : fitCalibration(method, oofLogits, y, w, n, t);
    const probs = new Float64Array(n * t);
    const calibrated = new Float64Array(n * t);
    applyCalibration(calibration, oofLogits, n, t, probs, calibrated);
    let loss = 0;
    for (let k = 0; k < n * t; k++) {
      if (Number.isNaN(y[k])) continue;
      loss += w[Math.floor(k / t)] * (y[k] * softplus(-calibrated[k]) + (1 - y[k]) * softplus(calibrated[k]));
    }
    if (!best || loss < best.loss - 1e-9 * Math.abs(best.loss)) best = { l2, loss, calibration, probs };
  }
  const chosen = best!;
  const model = trainClassifier(data, { ...base, l2: chosen.l2 });
  const thresholds = chooseThresholds(options.thresholds ?? 'micro-f1', chosen.probs, y, n, t, w);
  return {
    ...model,
    calibration: chosen.calibration,
    thresholds,
    report: { ...model.report, crossFitFolds: folds },
    hyperparameters: { ...model.hyperparameters, calibration: method, thresholds: options.thresholds ?? 'micro-f1' },
  };
}

/**
 * The fold of each of n rows in trainCrossFitted under `seed`: a seeded shuffle dealt round-robin,
 * so fold sizes differ by at most one. O(n).
 *
 * @example crossFitFolds(6, 3, 1) // → Int32Array of six fold numbers, two of each of 0, 1, 2
 */
export function crossFitFolds(n: number, folds: number, seed: number): Int32Array {
  const fold = new Int32Array(n);
  shuffleInPlace(Array.from({ length: n }, (_, i) => i), createRng(hashString(`${seed}:folds`))).forEach(
    (row, k) => (fold[row] = k % folds),
  );
  return fold;
}

function subset(data: TrainingData, rows: number[]): TrainingData {
  return {
    x: gather(data.x, data.d, rows),
    n: rows.length,
    d: data.d,
    y: gather(data.y, data.t, rows),
    t: data.t,
    ...(data.weights ? { weights: rows.map((i) => data.weights![i]) } : {}),
  };
}

function gather(m: ArrayLike<number>, width: number, rows: number[]): Float32Array {
  const out = new Float32Array(rows.length * width);
  rows.forEach((i, r) => {
    for (let k = 0; k < width; k++) out[r * width + k] = m[i * width + k];
  });
  return out;
}
