/**
 * Retraining and the model registry's actions: the DB-facing orchestration around the pure
 * trainer (./train), metrics (./metrics) and ONNX export (./onnx-export).
 *
 * One retrain run:
 *   1. marks 'training' rows of dead runs failed (heartbeat older than STALE_TRAINING_MS), and
 *      refuses to start while another live run is training;
 *   2. reads the catalog matrix (./catalog-matrix) for the current extractor version and the
 *      active taxonomy, and builds the training set and stable held-out split
 *      (./training-set: soft labels = posteriors, weight = confidence, open clips with votes at
 *      half weight, disputed clips out);
 *   3. trains the configured kind(s) (settings.modelKind: logistic, mlp or both), each as its
 *      own registry row in status 'training', standardised with the extractor version's
 *      feature_stats;
 *   4. exports each to ONNX and evaluates *that file* through onnxruntime (`loadScorer`) on the
 *      held-out clips — the same bytes scoring will use; the better kind by macro-F1 is the
 *      candidate;
 *   5. evaluates the active model's stored ONNX on the very same held-out clips (sha256 checked
 *      first) and applies `comparePromotion`;
 *   6. in ONE transaction registers every candidate ('ready', metrics, ONNX, sha256), promotes
 *      the winner if it beat the active model (and the active model did not change meanwhile),
 *      and appends the real learning-curve point.
 * Nothing before step 6 touches a non-training row, so a worker killed at any point leaves the
 * registry as it was plus 'training' rows that the next run marks failed.
 */
import { createHash } from 'node:crypto';
import type { Db } from '@/db/client';
import { EXTRACTOR_VERSION } from '@/lib/audio/extract';
import { getFeatureStats } from '@/lib/features/repo';
import { AppError } from '@/lib/errors';
import { getProjectSettings } from '@/lib/settings/repo';
import { getActiveTaxonomy } from '@/lib/taxonomy/repo';
import { loadCatalogMatrix, type CatalogMatrix } from './catalog-matrix';
import { hasUnscoredClips, labelsSinceLastModel, modelJobPending, modelJobRecentlyCompleted } from './retrain-triggers';
import { comparePromotion, evaluateMultiLabel, type MultiLabelMetrics } from './metrics';
import { exportOnnx } from './onnx-export';
import { loadScorer, OnnxModelError } from './onnx-runtime';
import { liveTrainOptions, trainLive } from './live-train';
import type { TrainedModel } from './train';
import { buildTrainingSet, tagConfusion, type TrainingSet } from './training-set';
import {
  completeTrainingRun,
  createTrainingModel,
  failStaleTraining,
  getActiveModel,
  getModel,
  hasActiveModel,
  heartbeatModels,
  markModelsFailed,
  promoteModelExplicitly,
  rollbackActiveModel,
  rollbackTarget,
  type ModelRow,
} from './repo';

/**
 * A 'training' row without a heartbeat for this long belongs to a dead run. Generous because a
 * fit is one synchronous call (100,000 clips, MLP: minutes) and beats only around it.
 */
export const STALE_TRAINING_MS = 15 * 60_000;
/** Fewer fitting rows or held-out clips than this and a retrain refuses (metrics would be noise). */
export const MIN_TRAIN_ROWS = 20;
export const MIN_TEST_ROWS = 5;

export type RetrainTrigger = 'manual' | 'labels' | 'schedule' | 'test' | 'bench';

export interface RetrainOptions {
  trigger: RetrainTrigger;
  /** Overrides settings.modelKind. */
  kinds?: ('logistic' | 'mlp')[];
  /** Overrides settings.trainEpochs. */
  epochs?: number;
  /** Early-stopping patience; default 5. */
  patience?: number;
  hidden?: number;
  featureVersion?: string;
  /** A catalog matrix already loaded (the retrain job reuses it for rescoring). */
  catalog?: CatalogMatrix;
  /**
   * With settings.strategy 'auto': the query-strategy bandit's next state given the candidate's
   * and the active model's held-out metrics (lib/active/service `rewardAutoStrategy`), stored in
   * the candidate's metrics.auto in the registering transaction. Passed in because strategies
   * live in lib/active, which builds on this area; without it a retrain stores no bandit state.
   */
  rewardStrategy?: (db: Db, candidate: MultiLabelMetrics, active: MultiLabelMetrics | null) => Promise<object>;
  onProgress?: (fraction: number, message: string) => Promise<void> | void;
}

export interface CandidateSummary {
  id: number;
  kind: 'logistic' | 'mlp';
  microF1: number;
  macroF1: number;
  ece: number;
  trainMs: number;
}

export interface RetrainResult {
  models: CandidateSummary[];
  candidateId: number;
  promoted: boolean;
  reason: string;
  activeModelId: number | null;
  comparedWith: number | null;
  staleFailed: number[];
  labelsUsed: number;
  testSize: number;
  catalog: CatalogMatrix;
  timings: Record<string, number>;
}

/** sha256 of ONNX bytes, hex. */
export function onnxSha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** The extractor version models train on now. */
export function currentFeatureVersion(): string {
  return EXTRACTOR_VERSION;
}

/** Runs one retrain (see the module comment). Throws AppError CONFLICT while another live run trains. */
export async function retrain(db: Db, options: RetrainOptions): Promise<RetrainResult> {
  const timings: Record<string, number> = {};
  let mark = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    timings[name] = (timings[name] ?? 0) + (now - mark);
    mark = now;
  };
  const report = async (fraction: number, message: string) => {
    await options.onProgress?.(fraction, message);
  };

  const { failed: staleFailed, running } = await failStaleTraining(db, STALE_TRAINING_MS);
  if (running.length > 0) {
    throw new AppError('CONFLICT', `A retrain is already running (model ${running.join(', ')} is training)`);
  }
  const data = await loadTrainingData(db, options, report, lap);
  const { settings, taxonomy, tags, featureVersion, catalog, set } = data;

  const kinds = options.kinds ?? (settings.modelKind === 'both' ? (['logistic', 'mlp'] as const) : [settings.modelKind]);
  const ids: number[] = [];
  for (const kind of kinds) {
    ids.push(
      await createTrainingModel(db, {
        kind,
        featureVersion,
        taxonomyVersion: taxonomy.version,
        tagKeys: tags,
        trigger: options.trigger,
      }),
    );
  }

  try {
    const trained: TrainedCandidate[] = [];
    for (const [k, kind] of kinds.entries()) {
      const share = 0.8 / kinds.length;
      const progress = { base: 0.05 + k * share, share };
      trained.push(await trainCandidate(db, data, { kind, id: ids[k], ids, options, progress, report, lap }));
    }
    const best = bestCandidate(trained);

    await report(0.88, 'evaluating the active model on the same held-out clips');
    const active = await getActiveModel(db);
    const activeEval = active ? await evaluateActiveOnSplit(active, set, tags, featureVersion) : null;
    const decision = activeEval?.metrics
      ? comparePromotion(best.metrics, activeEval.metrics)
      : active
        ? {
            better: true,
            deltaMacroF1: NaN,
            deltaEce: NaN,
            reason: `the active model ${active.id} cannot be evaluated on this split: ${activeEval?.problem}`,
          }
        : comparePromotion(best.metrics, null);
    lap('compare');

    await report(0.93, 'registering');
    const auto =
      settings.strategy === 'auto' && options.rewardStrategy
        ? await options.rewardStrategy(db, best.metrics, activeEval?.metrics ?? null)
        : null;
    const outcome = await completeTrainingRun(db, {
      registrations: registrationsOf(trained, {
        best,
        set,
        tags,
        split: describeSplit(catalog, set),
        active,
        activeEval,
        decision,
        auto,
      }),
      promote: decision.better ? { id: best.id, comparedWith: active?.id ?? null, reason: decision.reason } : null,
      curve: { strategy: settings.strategy, point: curvePointOf(best, set, decision.better) },
    });
    lap('register');
    await report(1, outcome.promoted ? `model ${best.id} promoted` : `model ${best.id} registered, not promoted`);
    return {
      models: trained.map((c) => ({
        id: c.id,
        kind: c.kind,
        microF1: c.metrics.microF1,
        macroF1: c.metrics.macroF1,
        ece: c.metrics.ece,
        trainMs: c.trainMs,
      })),
      candidateId: best.id,
      promoted: outcome.promoted,
      reason: outcome.note ?? decision.reason,
      activeModelId: outcome.promoted ? best.id : (active?.id ?? null),
      comparedWith: active?.id ?? null,
      staleFailed,
      labelsUsed: set.n,
      testSize: set.test.n,
      catalog,
      timings,
    };
  } catch (err) {
    await markModelsFailed(db, ids, err instanceof Error ? err.message : String(err)).catch(() => {});
    throw err;
  }
}

type Progress = (fraction: number, message: string) => Promise<void>;

/**
 * The settings, taxonomy, feature statistics and catalog matrix a retrain works on, and the
 * training set built from them. Refuses (UNPROCESSABLE) without feature statistics, when they
 * disagree with the vectors, or with too few labels for metrics that mean anything.
 */
async function loadTrainingData(db: Db, options: RetrainOptions, report: Progress, lap: (name: string) => void) {
  const [settings, taxonomy] = await Promise.all([getProjectSettings(db), getActiveTaxonomy(db)]);
  const featureVersion = options.featureVersion ?? options.catalog?.featureVersion ?? currentFeatureVersion();
  const stats = await getFeatureStats(db, featureVersion);
  if (!stats)
    throw new AppError('UNPROCESSABLE', `No feature statistics for extractor ${featureVersion}: extract features first`);
  const tags = taxonomy.tags.map((t) => t.key);
  await report(0.01, 'loading features and labels');
  const catalog =
    options.catalog && options.catalog.tags.join('\u0000') === tags.join('\u0000')
      ? options.catalog
      : await loadCatalogMatrix(db, { featureVersion, tags });
  lap('load');
  if (catalog.d !== stats.mean.length) {
    throw new AppError(
      'UNPROCESSABLE',
      `feature_stats of ${featureVersion} has ${stats.mean.length} columns, the vectors ${catalog.d}`,
    );
  }
  const set = buildTrainingSet(catalog);
  if (set.n < MIN_TRAIN_ROWS || set.test.n < MIN_TEST_ROWS) {
    throw new AppError(
      'UNPROCESSABLE',
      `Not enough labels to train: ${set.n} labelled training clips (need ${MIN_TRAIN_ROWS}) and ${set.test.n} settled held-out clips (need ${MIN_TEST_ROWS})`,
    );
  }
  lap('prepare');
  return { settings, taxonomy, tags, featureVersion, stats, catalog, set };
}

type TrainingData = Awaited<ReturnType<typeof loadTrainingData>>;

interface TrainedCandidate {
  id: number;
  kind: 'logistic' | 'mlp';
  model: TrainedModel;
  onnx: Uint8Array;
  metrics: MultiLabelMetrics;
  probs: Float32Array;
  trainMs: number;
}

/**
 * Trains one candidate of `kind` as model `id`, exports it to ONNX and scores the held-out split
 * through onnxruntime (so the metrics are those of the file that would be served).
 */
async function trainCandidate(
  db: Db,
  data: TrainingData,
  c: {
    kind: 'logistic' | 'mlp';
    id: number;
    /** Every model of this run: all get a heartbeat. */
    ids: number[];
    options: RetrainOptions;
    progress: { base: number; share: number };
    report: Progress;
    /** Timings: `train_<kind>` after the fit, `evaluate_<kind>` after the held-out scoring. */
    lap: (name: string) => void;
  },
): Promise<TrainedCandidate> {
  const { settings, taxonomy, tags, featureVersion, stats, set } = data;
  const { kind, id, options } = c;
  await c.report(c.progress.base, `training ${kind} (model ${id}) on ${set.n} clips`);
  const started = performance.now();
  const epochs = options.epochs ?? settings.trainEpochs;
  // trainLive is synchronous (plain TypeScript loops): the heartbeat is written before
  // and after each fit, which is why a run counts as dead only after STALE_TRAINING_MS.
  await heartbeatModels(db, c.ids);
  const model = trainLive(
    { x: set.x, n: set.n, d: set.d, y: set.y, t: set.t, weights: set.weights },
    liveTrainOptions({
      kind,
      standardization: { mean: stats.mean, std: stats.std },
      seed: id,
      tags,
      epochs,
      ...(options.patience !== undefined ? { patience: options.patience } : {}),
      ...(options.hidden !== undefined ? { hidden: options.hidden } : {}),
      validationIndices: set.validationIndices,
    }),
  );
  const trainMs = performance.now() - started;
  c.lap(`train_${kind}`);
  await heartbeatModels(db, c.ids);
  await c.report(c.progress.base + c.progress.share * 0.8, `evaluating ${kind} (model ${id}) on ${set.test.n} held-out clips`);
  const onnx = exportOnnx(model, {
    metadata: {
      'chorus.model_id': String(id),
      'chorus.feature_version': featureVersion,
      'chorus.taxonomy_version': String(taxonomy.version),
    },
  });
  const { probs, thresholds } = await scoreBytes(onnx, set.test.x, set.test.n, set.d, tags);
  const metrics = evaluateMultiLabel(set.test.truth, probs, set.test.n, set.t, { tags, ...thresholds });
  c.lap(`evaluate_${kind}`);
  return { id, kind, model, onnx, metrics, probs, trainMs };
}

/** The candidate: best macro-F1 on the held-out split, ties to the lower ECE. */
function bestCandidate(trained: TrainedCandidate[]): TrainedCandidate {
  return trained.reduce((a, b) =>
    b.metrics.macroF1 > a.metrics.macroF1 + 1e-12 ||
    (Math.abs(b.metrics.macroF1 - a.metrics.macroF1) <= 1e-12 && b.metrics.ece < a.metrics.ece)
      ? b
      : a,
  );
}

/** What the registry stores of each trained model: hyperparameters, metrics, the comparison and the ONNX file. */
function registrationsOf(
  trained: TrainedCandidate[],
  c: {
    best: TrainedCandidate;
    set: TrainingSet;
    tags: string[];
    split: ReturnType<typeof describeSplit>;
    active: ModelRow | null;
    activeEval: Awaited<ReturnType<typeof evaluateActiveOnSplit>> | null;
    decision: { better: boolean; reason: string };
    auto: object | null;
  },
) {
  const { best, set, tags, active, activeEval } = c;
  return trained.map((t) => ({
    id: t.id,
    trainSize: set.n,
    hyperparams: { ...t.model.hyperparameters, d: t.model.d, t: t.model.t, embeddingDim: t.model.h },
    metrics: {
      heldOut: t.metrics,
      confusion: tagConfusion(set.test.truth, t.probs, set.test.n, set.t, tags),
      split: c.split,
      training: {
        epochs: t.model.report.epochs,
        bestEpoch: t.model.report.bestEpoch,
        stoppedEarly: t.model.report.stoppedEarly,
        fitRows: set.n,
        settledClips: set.counts.settled,
        openClips: set.counts.open,
        validationRows: set.counts.validation,
        // Small label sets are calibrated and thresholded out of fold (./live-train.ts).
        crossFitFolds: t.model.report.crossFitFolds ?? null,
        trainMs: Math.round(t.trainMs),
      },
      comparison: {
        candidate: t.id === best.id,
        activeModelId: active?.id ?? null,
        activeOnSameSplit: activeEval?.metrics ? pickHeadline(activeEval.metrics) : null,
        activeProblem: activeEval?.problem ?? null,
        ...(t.id === best.id
          ? c.decision
          : { better: false, reason: `model ${best.id} (${best.kind}) did better on the held-out split` }),
      },
      ...(c.auto && t.id === best.id ? { auto: c.auto } : {}),
    } as Record<string, unknown>,
    onnx: t.onnx,
    onnxSha256: onnxSha256(t.onnx),
  }));
}

/** The learning curve's point for this run: the candidate's held-out figures at the labels used. */
function curvePointOf(best: TrainedCandidate, set: TrainingSet, promoted: boolean) {
  return {
    model_id: best.id,
    labels_used: set.n,
    micro_f1: best.metrics.microF1,
    macro_f1: best.metrics.macroF1,
    mean_ap: best.metrics.meanAveragePrecision,
    ece: best.metrics.ece,
    hamming_loss: best.metrics.hammingLoss,
    subset_accuracy: best.metrics.subsetAccuracy,
    test_size: set.test.n,
    promoted: promoted ? 1 : 0,
    at: Date.now(),
  };
}

function pickHeadline(m: MultiLabelMetrics) {
  return {
    n: m.n,
    microF1: m.microF1,
    macroF1: m.macroF1,
    meanAveragePrecision: m.meanAveragePrecision,
    ece: m.ece,
    hammingLoss: m.hammingLoss,
    subsetAccuracy: m.subsetAccuracy,
  };
}

function describeSplit(catalog: CatalogMatrix, set: TrainingSet) {
  const testIds = Array.from(set.test.rows, (i) => catalog.ids[i]).sort();
  return {
    source:
      set.counts.storedSplits === 0
        ? 'hash'
        : set.counts.storedSplits >= set.n + set.test.n
          ? 'dataset_splits'
          : 'dataset_splits+hash',
    train: set.n - set.counts.validation,
    validation: set.counts.validation,
    test: set.test.n,
    /** sha256 of the sorted held-out clip ids: equal for every model compared on this split. */
    testHash: createHash('sha256').update(testIds.join(',')).digest('hex').slice(0, 16),
  };
}

/**
 * Scores through onnxruntime, with the decision thresholds the file itself carries (a model
 * exported before per-tag thresholds is judged at 0.5), so a model is evaluated as it is served.
 */
async function scoreBytes(
  bytes: Uint8Array,
  x: Float32Array,
  n: number,
  d: number,
  tags: string[],
): Promise<{ probs: Float32Array; thresholds: { thresholds?: Float64Array } }> {
  const scorer = await loadScorer(bytes, { expect: { inputDim: d, tags } });
  try {
    return { probs: (await scorer.score(x, n, d)).probs, thresholds: scorer.thresholds ? { thresholds: scorer.thresholds } : {} };
  } finally {
    await scorer.release();
  }
}

/**
 * Checks a registry row's ONNX before anything trusts it: present, sha256 equal to the stored
 * one, and accepted by onnxruntime with the expected interface. Throws AppError UNPROCESSABLE
 * naming the problem (a corrupted file never becomes active, and is never scored). Returns the
 * verified sha256, which a promotion re-checks inside its transaction.
 */
export async function verifyModelOnnx(
  model: Pick<ModelRow, 'id' | 'onnx' | 'onnxSha256' | 'tagKeys'>,
  inputDim?: number,
): Promise<string> {
  if (!model.onnx || !model.onnxSha256) throw new AppError('UNPROCESSABLE', `Model ${model.id} has no ONNX file`);
  const actual = onnxSha256(model.onnx);
  if (actual !== model.onnxSha256) {
    throw new AppError(
      'UNPROCESSABLE',
      `Model ${model.id}'s ONNX file is corrupted: sha256 ${actual.slice(0, 12)}… ≠ registered ${model.onnxSha256.slice(0, 12)}…`,
    );
  }
  try {
    const scorer = await loadScorer(model.onnx, { expect: { tags: model.tagKeys, ...(inputDim ? { inputDim } : {}) } });
    await scorer.release();
  } catch (err) {
    if (err instanceof OnnxModelError)
      throw new AppError('UNPROCESSABLE', `Model ${model.id}'s ONNX file is refused: ${err.message}`);
    throw err;
  }
  return actual;
}

async function evaluateActiveOnSplit(
  active: ModelRow,
  set: TrainingSet,
  tags: string[],
  featureVersion: string,
): Promise<{ metrics: MultiLabelMetrics | null; problem: string | null }> {
  if (active.featureVersion !== featureVersion) return { metrics: null, problem: `it uses features ${active.featureVersion}` };
  if (active.tagKeys.join('\u0000') !== tags.join('\u0000'))
    return { metrics: null, problem: `it predicts taxonomy v${active.taxonomyVersion}'s tags` };
  try {
    await verifyModelOnnx(active, set.d);
    const { probs, thresholds } = await scoreBytes(active.onnx as Uint8Array, set.test.x, set.test.n, set.d, tags);
    return { metrics: evaluateMultiLabel(set.test.truth, probs, set.test.n, set.t, { tags, ...thresholds }), problem: null };
  } catch (err) {
    return { metrics: null, problem: err instanceof Error ? err.message : String(err) };
  }
}

/** An engineer's explicit promotion: any ready or retired model with an intact ONNX file. */
export async function promoteModel(
  db: Db,
  id: number,
  actorId: string | null,
): Promise<{ promoted: number; replaced: number | null }> {
  const model = await getModel(db, id);
  if (model.status === 'active') throw new AppError('CONFLICT', `Model ${id} is already active`);
  const verified = await verifyModelOnnx(model);
  const { before } = await promoteModelExplicitly(db, id, actorId, 'promoted by an engineer', verified);
  return { promoted: id, replaced: before };
}

/** One-click rollback to the model the active one replaced (its ONNX is verified first). */
export async function rollbackModel(db: Db, actorId: string | null): Promise<{ active: number; retired: number }> {
  const target = await rollbackTarget(db);
  if (!target) throw new AppError('CONFLICT', 'Nothing to roll back to: the active model replaced no earlier model');
  const verified = await verifyModelOnnx(await getModel(db, target.previous));
  await rollbackActiveModel(db, target, actorId, verified);
  return { active: target.previous, retired: target.active };
}

export type AutomaticTrigger =
  { kind: 'labels' | 'schedule'; labels: number } | { kind: 'rescore'; reason: 'cold-start' | 'new-clips' } | null;

/**
 * What the periodic check should start: a retrain after settings.retrainEveryLabels newly
 * settled labels (counted since the last model's creation), or after retrainIntervalHours when
 * any label arrived since; a rescore when open clips have never been prioritised (cold start
 * before any model, new clips after). Nothing while a retrain or rescore is queued or running,
 * and no retrain after a refused one (too few labels) until a label settles after the refusal.
 */
export async function automaticTrigger(db: Db, now = new Date()): Promise<AutomaticTrigger> {
  if (await modelJobPending(db, ['retrain', 'rescore'])) return null;
  const settings = await getProjectSettings(db);
  const { labels, lastModelAt, refusedAt, labelsSinceRefusal } = await labelsSinceLastModel(db);
  // A retrain refused for too few labels (recorded in its job run) is not retried until a new
  // label settles: without this the label count stays above the threshold and the same refusal
  // would be queued every minute.
  const waitingForLabels = refusedAt !== null && labelsSinceRefusal === 0;
  if (!waitingForLabels && labels >= settings.retrainEveryLabels) return { kind: 'labels', labels };
  if (
    !waitingForLabels &&
    settings.retrainIntervalHours > 0 &&
    lastModelAt &&
    labels > 0 &&
    now.getTime() - lastModelAt.getTime() >= settings.retrainIntervalHours * 3600_000
  ) {
    return { kind: 'schedule', labels };
  }
  // New open clips (fresh extractions) have no priority yet: rank them — by cold-start diversity
  // before the first model, else with the active model — at most every 10 minutes.
  if (
    (await hasUnscoredClips(db, currentFeatureVersion())) &&
    !(await modelJobRecentlyCompleted(db, ['retrain', 'rescore'], 10))
  ) {
    return { kind: 'rescore', reason: (await hasActiveModel(db)) ? 'new-clips' : 'cold-start' };
  }
  return null;
}

/** Whether a live run is training right now (the API answers 409 instead of queueing another). */
export async function isTraining(db: Db): Promise<boolean> {
  const { running } = await failStaleTraining(db, STALE_TRAINING_MS);
  return running.length > 0;
}

export function pickStrategy(s: Awaited<ReturnType<typeof getProjectSettings>>) {
  return {
    strategy: s.strategy,
    priorityWeights: s.priorityWeights,
    modelKind: s.modelKind,
    trainEpochs: s.trainEpochs,
    retrainEveryLabels: s.retrainEveryLabels,
    retrainIntervalHours: s.retrainIntervalHours,
    targetedQuestionRate: s.targetedQuestionRate,
    targetedUncertaintyThreshold: s.targetedUncertaintyThreshold,
  };
}
