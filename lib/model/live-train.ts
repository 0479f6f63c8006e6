/**
 * The live trainer's recipe for one fit, shared by the retrain job (./service.ts) and the
 * active-learning simulation (lib/active/simulate.ts), so a simulated learning curve is the
 * curve of the model the live loop would train on the same labels (issue 13).
 */
import { trainCrossFitted } from './crossfit';
import type { ModelKind } from './network';
import { trainClassifier, validationSize, type TrainedModel, type TrainingData, type TrainOptions } from './train';

/**
 * Fewer stored validation rows than this and the trainer draws its own random 20 % split
 * instead: early stopping, Platt calibration and per-tag thresholds need a few rows to choose on.
 */
export const MIN_VALIDATION_ROWS = 5;

/**
 * Below this many validation rows the live trainer calibrates and thresholds on out-of-fold
 * predictions of every labelled clip instead of on the validation split. Chosen before any
 * run, not fitted to a data set: with fewer than 50 validation clips a tag at 10 % prevalence
 * has under 5 positives there to fit Platt's two parameters and choose its threshold on, while
 * out-of-fold predictions use every labelled clip. At the live split (15 % of clips by hash)
 * this covers the first ≈ 330 labelled clips, where the extra fold fits are cheap.
 */
export const CROSS_FIT_BELOW_VALIDATION_ROWS = 50;
/** Folds of the small-set path: each fold model sees two thirds of the labelled clips. */
export const CROSS_FIT_FOLDS = 3;

/**
 * The L2 penalties the live trainer chooses among by cross-validation (trainCrossFitted's l2Grid)
 * at or below L2_CV_MAX_ROWS labelled clips. Fixed before any measurement and the same for every
 * data set: the retrain's earlier constant 1e-4 and four decades above it, up to λ = 1, the range
 * over which the offline λ-by-CV run (bench/RESULTS.md, issue 13 item 5) lifted birds (259 features,
 * ≈ 430 clips) to the README baseline while CAL500 (68 features) kept its gain.
 */
export const LIVE_L2_GRID = [1e-4, 1e-3, 1e-2, 1e-1, 1];
/**
 * At or below this many labelled clips the live trainer takes the out-of-fold path with λ chosen
 * on LIVE_L2_GRID, whatever the validation rows. Why 1000: the λ grid costs CROSS_FIT_FOLDS ×
 * |LIVE_L2_GRID| + 1 = 16 fits of the full epoch cap, so at the bound the retrain does the work of
 * one fit on 16,000 clips; the fit blocks the worker's event loop, and an MLP at 2000 clips and
 * 128 features already took 21 s CPU (half the job engine's 40 s staleAfterSeconds) where 1000 takes
 * about half that. The sets where λ matters (features a sizeable fraction of the clips, birds: 259
 * for ≈ 430) lie inside it; above it the validation split holds ≈ 150 clips to stop early on and
 * one fit keeps the retrain linear in the labels.
 */
export const L2_CV_MAX_ROWS = 1000;

export interface LiveTrainParams {
  kind: ModelKind;
  standardization: TrainOptions['standardization'];
  seed: number;
  /** The project's settings.trainEpochs (the early-stopping cap). */
  epochs: number;
  /** Fitting rows the split rule puts in validation (lib/model/training-set.ts). */
  validationIndices: ArrayLike<number>;
  tags?: string[];
  patience?: number;
  hidden?: number;
}

/**
 * The options the live trainer passes to trainLive: everything else at trainClassifier's
 * defaults — balanced class weights (capped at 10), early stopping on the validation rows
 * (patience 5), Platt calibration and micro-F1 per-tag thresholds fitted on them (out of fold
 * below CROSS_FIT_BELOW_VALIDATION_ROWS), mini-batches of 256, λ = 1e-4 (chosen from LIVE_L2_GRID
 * instead at or below L2_CV_MAX_ROWS clips, see trainLive). O(1).
 *
 * @example trainLive(data, liveTrainOptions({ kind: 'logistic', standardization, seed: 1, epochs: 40, validationIndices: [] }))
 */
export function liveTrainOptions(p: LiveTrainParams): TrainOptions {
  return {
    kind: p.kind,
    standardization: p.standardization,
    seed: p.seed,
    ...(p.tags ? { tags: p.tags } : {}),
    epochs: p.epochs,
    patience: p.patience ?? 5,
    hidden: p.hidden ?? 64,
    ...(p.validationIndices.length >= MIN_VALIDATION_ROWS ? { validationIndices: p.validationIndices } : {}),
  };
}

/**
 * The live trainer's fit, used by retrain and by the simulation. At most L2_CV_MAX_ROWS rows:
 * trainCrossFitted with CROSS_FIT_FOLDS folds and λ chosen from LIVE_L2_GRID (lowest calibrated
 * out-of-fold log loss; options.l2 is not used) — the model is the all-rows fit at that λ for the
 * full epoch cap (no rows to early-stop on), and calibration and thresholds come from out-of-fold
 * predictions of every row; the validation rows are trained on. Above it: trainClassifier (early
 * stopping, Platt and thresholds on the validation rows), or the out-of-fold path at options.l2
 * should the validation split hold fewer than CROSS_FIT_BELOW_VALIDATION_ROWS rows. Either way the
 * model carries its calibration and thresholds into the ONNX file. Deterministic under
 * options.seed. Cost: CROSS_FIT_FOLDS · |LIVE_L2_GRID| + 1 fits on the small path, else one (or
 * CROSS_FIT_FOLDS + 1).
 *
 * @example trainLive(data, liveTrainOptions({ kind: 'logistic', standardization, seed: 1, epochs: 40, validationIndices }))
 */
export function trainLive(data: TrainingData, options: TrainOptions): TrainedModel {
  if (data.n <= L2_CV_MAX_ROWS) return trainCrossFitted(data, options, CROSS_FIT_FOLDS, LIVE_L2_GRID);
  return validationSize(data.n, options) < CROSS_FIT_BELOW_VALIDATION_ROWS
    ? trainCrossFitted(data, options, CROSS_FIT_FOLDS)
    : trainClassifier(data, options);
}
