/**
 * Issue 13: `chorus simulate` trains with the live trainer's recipe (lib/model/live-train.ts, what
 * lib/model/service.ts retrain fits with) and scores each model at its own
 * per-tag thresholds, so a simulated curve is the curve of the model the live loop would train.
 */
import { describe, expect, it } from 'vitest';
import { simulateLoop, simulationSplit, simulationValidationSplit } from '@/lib/active/simulate';
import { makeSyntheticMoodData } from '@/lib/active/synthetic';
import { CROSS_FIT_BELOW_VALIDATION_ROWS, CROSS_FIT_FOLDS, liveTrainOptions, MIN_VALIDATION_ROWS, trainLive } from '@/lib/model/live-train';
import { evaluateMultiLabel } from '@/lib/model/metrics';
import { computeStandardization } from '@/lib/model/standardize';
import { predict } from '@/lib/model/train';
import { HASH_VALIDATION_PERCENT } from '@/lib/model/training-set';
import { ProjectSettingsFields } from '@/lib/settings/schemas';
import { hashString } from '@/lib/util/random';

describe('the simulation trains as the live trainer does', () => {
  it('liveTrainOptions passes stored validation rows only when there are enough of them', () => {
    const base = { kind: 'logistic' as const, standardization: { mean: [0], std: [1] }, seed: 1, epochs: 40 };
    expect(liveTrainOptions({ ...base, validationIndices: [0, 1, 2, 3] }).validationIndices).toBeUndefined();
    expect(MIN_VALIDATION_ROWS).toBe(5);
    expect(liveTrainOptions({ ...base, validationIndices: [0, 1, 2, 3, 4] }).validationIndices).toEqual([0, 1, 2, 3, 4]);
    const o = liveTrainOptions({ ...base, validationIndices: [] });
    // Everything else is trainClassifier's default: balanced weights, Platt, micro-F1 thresholds.
    expect(o).toEqual({ kind: 'logistic', standardization: base.standardization, seed: 1, epochs: 40, patience: 5, hidden: 64 });
  });

  it('the validation split is the live rule’s share of the pool, fixed per seed', () => {
    const v = simulationValidationSplit(4000, 7);
    const share = v.reduce((a, b) => a + b, 0) / 4000;
    // 15 % of clips by hash; 4000 draws give a standard error of 0.6 points.
    expect(share).toBeGreaterThan(HASH_VALIDATION_PERCENT / 100 - 0.025);
    expect(share).toBeLessThan(HASH_VALIDATION_PERCENT / 100 + 0.025);
    expect(simulationValidationSplit(4000, 7)).toEqual(v);
    expect(simulationValidationSplit(4000, 8)).not.toEqual(v);
  });

  it('the first point of the curve is the live trainer’s model on the initial labels, scored at its own thresholds', () => {
    const data = makeSyntheticMoodData({ n: 600, d: 6, t: 4, seed: 11, separation: 2, prevalence: [0.3, 0.15, 0.08, 0.05] });
    const seed = 5;
    const initial = 120;
    const run = simulateLoop(data, { strategy: 'random', seed, initial, rounds: 0, testFraction: 0.3 });
    const split = simulationSplit(data, seed, 0.3);
    const P = split.poolRows.length;
    const poolIndex = new Map(split.poolRows.map((row, k) => [row, k]));
    const labelled = run.labeledOrder.map((row) => poolIndex.get(row)!);
    const gather = (m: ArrayLike<number>, w: number) =>
      Float32Array.from({ length: labelled.length * w }, (_, k) => m[labelled[Math.floor(k / w)] * w + (k % w)]);
    const validation = simulationValidationSplit(P, seed);
    const validationIndices = labelled.flatMap((row, k) => (validation[row] ? [k] : []));
    expect(validationIndices.length).toBeGreaterThanOrEqual(MIN_VALIDATION_ROWS);
    // 120 labels hold ≈ 18 validation rows: the small-set path (out-of-fold calibration) applies.
    expect(validationIndices.length).toBeLessThan(CROSS_FIT_BELOW_VALIDATION_ROWS);
    const model = trainLive(
      { x: gather(split.poolX, data.d), n: initial, d: data.d, y: gather(split.poolY, data.t), t: data.t },
      liveTrainOptions({
        kind: 'logistic',
        standardization: computeStandardization(split.poolX, P, data.d),
        seed: hashString(`${seed}:train:0`),
        epochs: ProjectSettingsFields.parse({}).trainEpochs,
        validationIndices,
      }),
    );
    const probs = predict(model, split.testX, split.testRows.length).probs;
    const atThresholds = evaluateMultiLabel(split.testY, probs, split.testRows.length, data.t, { thresholds: model.thresholds });
    const atHalf = evaluateMultiLabel(split.testY, probs, split.testRows.length, data.t);
    expect(run.curve[0].micro_f1).toBe(atThresholds.microF1);
    // The thresholds matter here, so the check above tells the two apart.
    expect(atThresholds.microF1).not.toBeCloseTo(atHalf.microF1, 3);
    expect(model.calibration.method).toBe('platt');
    expect(model.report.crossFitFolds).toBe(CROSS_FIT_FOLDS);
  });
});
