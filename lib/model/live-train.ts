/**
 * The live trainer's recipe for one fit, shared by the retrain job (./service.ts) and the
 * active-learning simulation (lib/active/simulate.ts), so a simulated learning curve is the
 * curve of the model the live loop would train on the same labels (issue 13).
 */
import type { ModelKind } from './network';
import type { TrainOptions } from './train';

/**
 * Fewer stored validation rows than this and the trainer draws its own random 20 % split
 * instead: early stopping, Platt calibration and per-tag thresholds need a few rows to choose on.
 */
export const MIN_VALIDATION_ROWS = 5;

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
 * The options the live trainer passes to trainClassifier: everything else at trainClassifier's
 * defaults — balanced class weights (capped at 10), early stopping on the validation rows
 * (patience 5), Platt calibration and micro-F1 per-tag thresholds fitted on them, mini-batches
 * of 256, λ = 1e-4. O(1).
 *
 * @example trainClassifier(data, liveTrainOptions({ kind: 'logistic', standardization, seed: 1, epochs: 40, validationIndices: [] }))
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
