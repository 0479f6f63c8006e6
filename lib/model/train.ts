/**
 * Training of the multi-label mood classifier (logistic regression or a
 * one-hidden-layer MLP) on confidence-weighted soft labels.
 */
import { createRng, shuffleInPlace } from '@/lib/util/random';
import { applyCalibration, fitCalibration, identityCalibration, type Calibration, type CalibrationMethod } from './calibration';
import {
  denseBackwardInput,
  denseBackwardWeights,
  embeddingWidth,
  forwardLogits,
  initNetwork,
  viewParams,
  type ModelKind,
  type NetworkParams,
} from './network';
import { adamStep, createAdam } from './optimizer';
import { DEFAULT_THRESHOLD, THRESHOLD_METHODS, chooseThresholds, type ThresholdMethod } from './thresholds';
import { assertShape, sanitizeStandardization, standardizeRows, type Standardization } from './standardize';

/**
 * A training set. `x` holds raw (unstandardised) features, n×d row-major — the
 * clip's feature vector, with a learned embedding appended when present
 * ({@link concatColumns}). `y` holds n×t soft labels in [0,1] (the
 * aggregator's posterior, or 0/1); NaN marks a tag with no label for that clip
 * and is left out of the loss. `weights` (n, ≥ 0) is the per-example
 * confidence weight; default 1.
 */
export interface TrainingData {
  x: Float32Array | Float64Array;
  n: number;
  d: number;
  y: Float32Array | Float64Array | Uint8Array;
  t: number;
  weights?: ArrayLike<number>;
}

export interface TrainOptions {
  kind: ModelKind;
  /** The extractor version's column statistics (length d each). */
  standardization: { mean: ArrayLike<number>; std: ArrayLike<number> };
  seed: number;
  /** Tag names in column order, carried into the model and the ONNX metadata. */
  tags?: string[];
  /** MLP hidden width, i.e. the mood-embedding size. Default 64. */
  hidden?: number;
  /** Maximum epochs. Default 50. */
  epochs?: number;
  /** Default 256. */
  batchSize?: number;
  /** Adam step size. Default 0.01 (logistic), 0.003 (MLP). */
  learningRate?: number;
  /** L2 penalty λ on weights (not biases). Default 1e-4. */
  l2?: number;
  /** 'balanced' up-weights each tag's rarer class (capped by maxClassWeight). Default 'balanced'. */
  classWeighting?: 'balanced' | 'none';
  /** Cap on a class weight. Default 10. */
  maxClassWeight?: number;
  /** Fraction held out for early stopping and calibration, ignored when validationIndices is given. Default 0.2. */
  validationFraction?: number;
  /** Explicit validation rows (e.g. the dataset's stored split). */
  validationIndices?: ArrayLike<number>;
  /** Epochs without validation improvement before stopping. Default 5. */
  patience?: number;
  /** Default 'platt'. Needs a validation split; without one the model keeps identity calibration. */
  calibration?: CalibrationMethod;
  /**
   * Per-tag decision thresholds chosen on the validation split's calibrated probabilities
   * (./thresholds): 'micro-f1' maximises the pooled micro-F1, 'tag-f1' each tag's own F1,
   * 'fixed' keeps 0.5. Without a validation split they stay 0.5 (trainCrossFitted handles
   * small sets). Default 'micro-f1'.
   */
  thresholds?: ThresholdMethod;
  /** Called after every epoch (jobs report progress with it). */
  onEpoch?: (stat: EpochStat & { maxEpochs: number }) => void;
}

export interface EpochStat {
  epoch: number;
  /** Class- and example-weighted log loss, summed over tags, averaged over examples. */
  trainLoss: number;
  /** Same quantity on the validation split; NaN without one. */
  validationLoss: number;
}

export interface TrainingReport {
  epochs: EpochStat[];
  /** Epoch whose parameters were kept (lowest validation loss). */
  bestEpoch: number;
  stoppedEarly: boolean;
  trainSize: number;
  validationIndices: Int32Array;
  /** Set when calibration and thresholds were fitted on out-of-fold predictions (./crossfit): the fold count. */
  crossFitFolds?: number;
}

/** Everything needed to predict, export and register a model. */
export interface TrainedModel {
  kind: ModelKind;
  d: number;
  t: number;
  /** Width of the `embedding` output (MLP hidden size, or t for logistic). */
  h: number;
  tags: string[];
  standardization: Standardization;
  params: NetworkParams;
  calibration: Calibration;
  /** Per-tag decision thresholds on the calibrated probabilities (tag on when p ≥ τ). */
  thresholds: Float64Array;
  classWeights: { positive: Float64Array; negative: Float64Array };
  report: TrainingReport;
  /** Resolved hyperparameters, for the model registry. */
  hyperparameters: Required<Omit<TrainOptions, 'standardization' | 'tags' | 'validationIndices' | 'onEpoch'>>;
}

const EARLY_STOP_MIN_DELTA = 1e-4;
const DEFAULT_VALIDATION_FRACTION = 0.2;
const EVAL_CHUNK = 1024;

/**
 * Trains a multi-label classifier and calibrates it per tag.
 *
 * Model: x̃ = (x − μ)/σ; logistic z = x̃·W + b; MLP h = tanh(x̃·W1 + b1),
 * z = h·W2 + b2; p_t = σ(a_t·z_t + c_t) after calibration.
 * Objective (minimised with Adam on shuffled mini-batches):
 *   J(θ) = (1/Σ_i w_i) Σ_i w_i Σ_t [ω⁺_t y_it·softplus(−z_it) + ω⁻_t (1−y_it)·softplus(z_it)] + (λ/2)‖W‖²
 * with soft labels y ∈ [0,1], example weights w_i and, for 'balanced',
 * class weights ω⁺_t = N_t/(2N⁺_t), ω⁻_t = N_t/(2N⁻_t) (King & Zeng 2001
 * style re-weighting, capped). Early stopping keeps the parameters of the
 * epoch with the lowest validation J (Prechelt, "Early stopping — but when?",
 * 1998); then Platt/temperature scaling is fitted per tag on the validation
 * logits with example weights but without class weights, which removes the
 * base-rate shift the class weights introduced.
 * Deterministic under `seed` (split, initialisation, batch order).
 * Complexity O(epochs·n·d·t) logistic, O(epochs·n·(d·h + h·t)) MLP; memory
 * O(n·d) for the standardised copy.
 *
 * @example
 *   const model = trainClassifier(
 *     { x, n, d, y, t },
 *     { kind: 'mlp', hidden: 32, seed: 7, standardization: computeStandardization(x, n, d) },
 *   );
 *   predict(model, x, n).probs; // n×t calibrated probabilities
 */
export function trainClassifier(data: TrainingData, options: TrainOptions): TrainedModel {
  const { n, d, t } = data;
  assertShape(data.x.length, n, d, 'x');
  assertShape(data.y.length, n, t, 'y');
  if (t === 0) throw new Error('trainClassifier: need at least one tag');
  if (options.tags && options.tags.length !== t) {
    throw new Error(`trainClassifier: ${options.tags.length} tag names for ${t} label columns`);
  }
  const hp = resolveOptions(options);
  const weights = exampleWeights(data.weights, n);
  for (let i = 0; i < n * t; i++) {
    const v = data.y[i];
    if (!Number.isNaN(v) && !(v >= 0 && v <= 1)) {
      throw new Error(`trainClassifier: label at row ${Math.floor(i / t)}, tag ${i % t} is ${v}, expected [0,1] or NaN`);
    }
  }

  const rng = createRng(hp.seed);
  const { train, validation } = splitRows(n, hp.validationFraction, options.validationIndices, rng);
  if (train.length === 0) throw new Error('trainClassifier: no training rows left after the validation split');

  const standardization = sanitizeStandardization(options.standardization, d);
  const xs = standardizeRows(data.x, n, d, standardization);
  const classWeights = computeClassWeights(data.y, weights, train, t, hp.classWeighting, hp.maxClassWeight);
  const { positive: posW, negative: negW } = classWeights;

  const hidden = hp.kind === 'mlp' ? hp.hidden : 0;
  const net = initNetwork(hp.kind, d, t, hidden, rng);
  const { theta, decayLength, params } = net;
  const grad = new Float64Array(theta.length);
  const gradParams = viewParams(hp.kind, d, t, hidden, grad);
  const adam = createAdam(theta.length);

  const batchSize = Math.min(hp.batchSize, train.length);
  const logits = new Float64Array(batchSize * t);
  const g = new Float64Array(batchSize * t);
  const hBuf = hidden ? new Float64Array(batchSize * hidden) : null;
  const dH = hidden ? new Float64Array(batchSize * hidden) : null;

  let meanTrainWeight = 0;
  for (const i of train) meanTrainWeight += weights[i];
  meanTrainWeight /= train.length;
  if (!(meanTrainWeight > 0)) throw new Error('trainClassifier: every training example has weight 0');

  const order = Array.from(train);
  const rows = new Int32Array(train.length);
  const epochs: EpochStat[] = [];
  let best: { loss: number; epoch: number; theta: Float64Array } = { loss: Infinity, epoch: 0, theta: theta.slice() };
  let stoppedEarly = false;

  for (let epoch = 1; epoch <= hp.epochs; epoch++) {
    shuffleInPlace(order, rng);
    rows.set(order);
    let lossSum = 0;
    for (let start = 0; start < rows.length; start += batchSize) {
      const count = Math.min(batchSize, rows.length - start);
      forwardLogits(params, xs, rows, start, count, logits, hBuf);
      // Scaling by 1/(count·w̄) makes the batch gradient an unbiased estimate of ∇J.
      const scale = 1 / (count * meanTrainWeight);
      lossSum += lossGradient(logits, data.y, weights, rows, start, count, t, posW, negW, scale, g) * count;
      grad.fill(0);
      if (gradParams.kind === 'logistic' && params.kind === 'logistic') {
        denseBackwardWeights(xs, d, rows, start, count, g, t, gradParams.weights, gradParams.bias);
      } else if (gradParams.kind === 'mlp' && params.kind === 'mlp' && hBuf && dH) {
        denseBackwardWeights(hBuf, hidden, null, 0, count, g, t, gradParams.w2, gradParams.b2);
        denseBackwardInput(g, t, count, params.w2, hidden, dH);
        for (let k = 0; k < count * hidden; k++) dH[k] *= 1 - hBuf[k] * hBuf[k];
        denseBackwardWeights(xs, d, rows, start, count, dH, hidden, gradParams.w1, gradParams.b1);
      }
      for (let k = 0; k < decayLength; k++) grad[k] += hp.l2 * theta[k];
      adamStep(theta, grad, adam, hp.learningRate);
    }
    const stat: EpochStat = {
      epoch,
      trainLoss: lossSum / rows.length,
      validationLoss: validation.length ? evaluateLoss(params, xs, data.y, weights, validation, t, posW, negW) : NaN,
    };
    epochs.push(stat);
    options.onEpoch?.({ ...stat, maxEpochs: hp.epochs });
    if (!validation.length) {
      // Nothing to select on: the last epoch is the model.
      best = { loss: stat.trainLoss, epoch, theta };
      continue;
    }
    if (stat.validationLoss < best.loss - EARLY_STOP_MIN_DELTA) {
      best = { loss: stat.validationLoss, epoch, theta: theta.slice() };
    } else if (epoch - best.epoch >= hp.patience) {
      stoppedEarly = true;
      break;
    }
  }
  theta.set(best.theta);

  let calibration = identityCalibration(t);
  let thresholds: Float64Array = new Float64Array(t).fill(DEFAULT_THRESHOLD);
  if (validation.length && (hp.calibration !== 'none' || hp.thresholds !== 'fixed')) {
    const valLogits = logitsFor(params, xs, validation, t);
    const valY = new Float64Array(validation.length * t);
    const valW = new Float64Array(validation.length);
    for (let r = 0; r < validation.length; r++) {
      valW[r] = weights[validation[r]];
      for (let j = 0; j < t; j++) valY[r * t + j] = data.y[validation[r] * t + j];
    }
    if (hp.calibration !== 'none') calibration = fitCalibration(hp.calibration, valLogits, valY, valW, validation.length, t);
    if (hp.thresholds !== 'fixed') {
      const valProbs = new Float64Array(validation.length * t);
      applyCalibration(calibration, valLogits, validation.length, t, valProbs);
      thresholds = chooseThresholds(hp.thresholds, valProbs, valY, validation.length, t, valW);
    }
  }

  return {
    kind: hp.kind,
    d,
    t,
    h: embeddingWidth(params),
    tags: options.tags ? [...options.tags] : Array.from({ length: t }, (_, j) => `tag_${j}`),
    standardization,
    params,
    calibration,
    thresholds,
    classWeights,
    report: {
      epochs,
      bestEpoch: best.epoch,
      stoppedEarly,
      trainSize: train.length,
      validationIndices: validation,
    },
    hyperparameters: hp,
  };
}

function resolveOptions(o: TrainOptions): TrainedModel['hyperparameters'] {
  const hp = {
    kind: o.kind,
    seed: o.seed,
    hidden: o.hidden ?? 64,
    epochs: o.epochs ?? 50,
    batchSize: o.batchSize ?? 256,
    learningRate: o.learningRate ?? (o.kind === 'mlp' ? 0.003 : 0.01),
    l2: o.l2 ?? 1e-4,
    classWeighting: o.classWeighting ?? 'balanced',
    maxClassWeight: o.maxClassWeight ?? 10,
    validationFraction: o.validationFraction ?? DEFAULT_VALIDATION_FRACTION,
    patience: o.patience ?? 5,
    calibration: o.calibration ?? 'platt',
    thresholds: o.thresholds ?? 'micro-f1',
  };
  if (hp.kind !== 'logistic' && hp.kind !== 'mlp') throw new Error(`trainClassifier: unknown kind "${hp.kind}"`);
  if (!Number.isFinite(hp.seed)) throw new Error('trainClassifier: seed must be a number');
  for (const [name, value] of [
    ['hidden', hp.hidden],
    ['epochs', hp.epochs],
    ['batchSize', hp.batchSize],
    ['patience', hp.patience],
  ] as const) {
    if (!Number.isInteger(value) || value < 1) throw new Error(`trainClassifier: ${name} must be a positive integer, got ${value}`);
  }
  if (!(hp.learningRate > 0)) throw new Error('trainClassifier: learningRate must be > 0');
  if (!(hp.l2 >= 0)) throw new Error('trainClassifier: l2 must be ≥ 0');
  if (!(hp.maxClassWeight >= 1)) throw new Error('trainClassifier: maxClassWeight must be ≥ 1');
  if (!(hp.validationFraction >= 0 && hp.validationFraction < 1)) {
    throw new Error('trainClassifier: validationFraction must be in [0, 1)');
  }
  if (!['platt', 'temperature', 'none'].includes(hp.calibration)) {
    throw new Error(`trainClassifier: unknown calibration "${hp.calibration}"`);
  }
  if (!THRESHOLD_METHODS.includes(hp.thresholds)) throw new Error(`trainClassifier: unknown thresholds "${hp.thresholds}"`);
  return hp;
}

function exampleWeights(weights: ArrayLike<number> | undefined, n: number): Float64Array {
  const w = new Float64Array(n).fill(1);
  if (!weights) return w;
  if (weights.length !== n) throw new Error(`trainClassifier: ${weights.length} example weights for ${n} rows`);
  for (let i = 0; i < n; i++) {
    if (!(weights[i] >= 0) || !Number.isFinite(weights[i])) {
      throw new Error(`trainClassifier: example weight at row ${i} is ${weights[i]}, expected a finite number ≥ 0`);
    }
    w[i] = weights[i];
  }
  return w;
}

/**
 * How many of n rows trainClassifier holds out for early stopping, calibration and thresholds
 * under these options (explicit rows, else a drawn fraction of them). O(1).
 *
 * @example validationSize(100, {}) // → 20
 */
export function validationSize(n: number, options: Pick<TrainOptions, 'validationFraction' | 'validationIndices'>): number {
  if (options.validationIndices) return options.validationIndices.length;
  const fraction = options.validationFraction ?? DEFAULT_VALIDATION_FRACTION;
  return fraction > 0 && n > 1 ? drawnValidationSize(n, fraction) : 0;
}

function drawnValidationSize(n: number, fraction: number): number {
  return Math.min(n - 1, Math.max(1, Math.round(fraction * n)));
}

function splitRows(
  n: number,
  fraction: number,
  explicit: ArrayLike<number> | undefined,
  rng: () => number,
): { train: Int32Array; validation: Int32Array } {
  const isValidation = new Uint8Array(n);
  if (explicit) {
    for (let k = 0; k < explicit.length; k++) {
      const i = explicit[k];
      if (!Number.isInteger(i) || i < 0 || i >= n) throw new Error(`trainClassifier: validation index ${i} is out of range`);
      isValidation[i] = 1;
    }
  } else if (fraction > 0 && n > 1) {
    const order = shuffleInPlace(Array.from({ length: n }, (_, i) => i), rng);
    const size = drawnValidationSize(n, fraction);
    for (let k = 0; k < size; k++) isValidation[order[k]] = 1;
  }
  const validation: number[] = [];
  const train: number[] = [];
  for (let i = 0; i < n; i++) (isValidation[i] ? validation : train).push(i);
  return { train: Int32Array.from(train), validation: Int32Array.from(validation) };
}

/**
 * Balanced class weights per tag from the (example-weighted, soft) label
 * counts of the training rows: ω⁺ = N/(2N⁺), ω⁻ = N/(2N⁻), capped at `cap`.
 */
function computeClassWeights(
  y: ArrayLike<number>,
  w: Float64Array,
  rows: Int32Array,
  t: number,
  mode: 'balanced' | 'none',
  cap: number,
): { positive: Float64Array; negative: Float64Array } {
  const positive = new Float64Array(t).fill(1);
  const negative = new Float64Array(t).fill(1);
  if (mode === 'none') return { positive, negative };
  for (let j = 0; j < t; j++) {
    let pos = 0;
    let neg = 0;
    for (const i of rows) {
      const v = y[i * t + j];
      if (Number.isNaN(v)) continue;
      pos += w[i] * v;
      neg += w[i] * (1 - v);
    }
    // A tag seen with one class only has nothing to balance.
    if (pos <= 0 || neg <= 0) continue;
    positive[j] = Math.min(cap, (pos + neg) / (2 * pos));
    negative[j] = Math.min(cap, (pos + neg) / (2 * neg));
  }
  return { positive, negative };
}

/**
 * Writes ∂J/∂z into g for one batch and returns the batch's mean weighted loss.
 * ∂ℓ/∂z = (ω⁺y + ω⁻(1−y))·p − ω⁺y for the weighted soft-label log loss.
 */
function lossGradient(
  logits: Float64Array,
  y: ArrayLike<number>,
  w: Float64Array,
  rows: Int32Array,
  start: number,
  count: number,
  t: number,
  posW: Float64Array,
  negW: Float64Array,
  scale: number,
  g: Float64Array,
): number {
  let loss = 0;
  for (let r = 0; r < count; r++) {
    const i = rows[start + r];
    const c = w[i] * scale;
    for (let j = 0; j < t; j++) {
      const o = r * t + j;
      const yv = y[i * t + j];
      if (Number.isNaN(yv) || c === 0) {
        g[o] = 0;
        continue;
      }
      const z = logits[o];
      const a = posW[j] * yv;
      const b = negW[j] * (1 - yv);
      // One exp and one log1p give σ(z), softplus(z) and softplus(−z): this
      // loop runs n·t times per epoch.
      const e = Math.exp(-Math.abs(z));
      const l = Math.log1p(e);
      const p = z >= 0 ? 1 / (1 + e) : e / (1 + e);
      g[o] = c * ((a + b) * p - a);
      loss += c * (a * (l + (z < 0 ? -z : 0)) + b * (l + (z > 0 ? z : 0)));
    }
  }
  return loss;
}

function evaluateLoss(
  params: NetworkParams,
  xs: Float32Array,
  y: ArrayLike<number>,
  w: Float64Array,
  rows: Int32Array,
  t: number,
  posW: Float64Array,
  negW: Float64Array,
): number {
  let weightSum = 0;
  for (const i of rows) weightSum += w[i];
  if (weightSum === 0) return 0;
  const logits = new Float64Array(EVAL_CHUNK * t);
  const hidden = params.kind === 'mlp' ? new Float64Array(EVAL_CHUNK * params.hidden) : null;
  const g = new Float64Array(EVAL_CHUNK * t);
  let loss = 0;
  for (let start = 0; start < rows.length; start += EVAL_CHUNK) {
    const count = Math.min(EVAL_CHUNK, rows.length - start);
    forwardLogits(params, xs, rows, start, count, logits, hidden);
    loss += lossGradient(logits, y, w, rows, start, count, t, posW, negW, 1 / weightSum, g);
  }
  return loss;
}

function logitsFor(params: NetworkParams, xs: Float32Array, rows: Int32Array, t: number): Float64Array {
  const out = new Float64Array(rows.length * t);
  const hidden = params.kind === 'mlp' ? new Float64Array(EVAL_CHUNK * params.hidden) : null;
  for (let start = 0; start < rows.length; start += EVAL_CHUNK) {
    const count = Math.min(EVAL_CHUNK, rows.length - start);
    forwardLogits(params, xs, rows, start, count, out.subarray(start * t, (start + count) * t), hidden);
  }
  return out;
}

/**
 * The training code's own forward pass: standardise, network, calibration.
 * This is the reference the exported ONNX graph must reproduce.
 * `embedding` is the MLP's hidden layer h (n×hidden) or, for the logistic
 * model, the calibrated logits a_t·z_t + c_t (n×t).
 * Complexity as one training epoch's forward half; processed in chunks of
 * 1024 rows so memory stays O(n·(t + h)).
 *
 * @example predict(model, Float32Array.of(...features), 1).probs // → t probabilities
 */
export function predict(
  model: TrainedModel,
  x: Float32Array | Float64Array,
  n: number,
): { probs: Float64Array; logits: Float64Array; embedding: Float64Array } {
  const { d, t, h, params } = model;
  assertShape(x.length, n, d, 'x');
  const probs = new Float64Array(n * t);
  const logits = new Float64Array(n * t);
  const embedding = new Float64Array(n * h);
  const hidden = params.kind === 'mlp' ? new Float64Array(EVAL_CHUNK * params.hidden) : null;
  for (let start = 0; start < n; start += EVAL_CHUNK) {
    const count = Math.min(EVAL_CHUNK, n - start);
    const xs = standardizeRows(x.subarray(start * d, (start + count) * d), count, d, model.standardization);
    const z = logits.subarray(start * t, (start + count) * t);
    forwardLogits(params, xs, null, 0, count, z, hidden);
    const p = probs.subarray(start * t, (start + count) * t);
    if (params.kind === 'mlp' && hidden) {
      embedding.set(hidden.subarray(0, count * params.hidden), start * h);
      applyCalibration(model.calibration, z, count, t, p);
    } else {
      applyCalibration(model.calibration, z, count, t, p, embedding.subarray(start * t, (start + count) * t));
    }
  }
  return { probs, logits, embedding };
}
