/**
 * Retraining and the model registry's actions: the DB-facing orchestration around the pure
 * trainer (./train), metrics (./metrics) and ONNX export (./onnx-export).
 *
 * One retrain run:
 *   1. marks 'training' rows of dead runs failed (heartbeat older than STALE_TRAINING_MS), and
 *      refuses to start while another live run is training;
 *   2. reads the catalog matrix (lib/active/repo) for the current extractor version and the
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
import { AppError } from '@/lib/http/errors';
import { getProjectSettings } from '@/lib/settings/repo';
import { getActiveTaxonomy } from '@/lib/taxonomy/repo';
import {
  hasUnscoredClips,
  labelsSinceLastModel,
  listEmbeddingVersions,
  loadCatalogMatrix,
  modelJobPending,
  modelJobRecentlyCompleted,
  type CatalogMatrix,
} from '@/lib/active/repo';
import { comparePromotion, evaluateMultiLabel, type MultiLabelMetrics } from './metrics';
import { exportOnnx } from './onnx-export';
import { loadScorer, OnnxModelError } from './onnx-runtime';
import { liveTrainOptions } from './live-train';
import { trainClassifier, type TrainedModel } from './train';
import { buildTrainingSet, tagConfusion, type TrainingSet } from './training-set';
import { AUTO_EXPERTS, banditSummary, gainReward, initBandit, LIVE_AUTO_HORIZON, parseBanditState, updateBandit } from '@/lib/active/albl';
import {
  completeTrainingRun,
  createTrainingModel,
  failStaleTraining,
  getActiveModel,
  getModel,
  hasActiveModel,
  latestAutoState,
  heartbeatModels,
  listLearningCurves,
  listModels,
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
    const trained: {
      id: number;
      kind: 'logistic' | 'mlp';
      model: TrainedModel;
      onnx: Uint8Array;
      metrics: MultiLabelMetrics;
      probs: Float32Array;
      trainMs: number;
    }[] = [];
    const split = describeSplit(catalog, set);
    for (const [k, kind] of kinds.entries()) {
      const id = ids[k];
      const share = 0.8 / kinds.length;
      const base = 0.05 + k * share;
      await report(base, `training ${kind} (model ${id}) on ${set.n} clips`);
      const started = performance.now();
      const epochs = options.epochs ?? settings.trainEpochs;
      // trainClassifier is synchronous (plain TypeScript loops): the heartbeat is written before
      // and after each fit, which is why a run counts as dead only after STALE_TRAINING_MS.
      await heartbeatModels(db, ids);
      const model = trainClassifier(
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
      lap(`train_${kind}`);
      await heartbeatModels(db, ids);
      await report(base + share * 0.8, `evaluating ${kind} (model ${id}) on ${set.test.n} held-out clips`);
      const onnx = exportOnnx(model, {
        metadata: {
          'chorus.model_id': String(id),
          'chorus.feature_version': featureVersion,
          'chorus.taxonomy_version': String(taxonomy.version),
        },
      });
      const { probs, thresholds } = await scoreBytes(onnx, set.test.x, set.test.n, set.d, tags);
      const metrics = evaluateMultiLabel(set.test.truth, probs, set.test.n, set.t, { tags, ...thresholds });
      trained.push({ id, kind, model, onnx, metrics, probs, trainMs });
      lap(`evaluate_${kind}`);
    }

    // The candidate: best macro-F1 on the held-out split, ties to the lower ECE.
    const best = trained.reduce((a, b) =>
      b.metrics.macroF1 > a.metrics.macroF1 + 1e-12 ||
      (Math.abs(b.metrics.macroF1 - a.metrics.macroF1) <= 1e-12 && b.metrics.ece < a.metrics.ece)
        ? b
        : a,
    );

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
    const labelsUsed = set.n;
    const auto = settings.strategy === 'auto' ? await nextAutoState(db, best.metrics, activeEval?.metrics ?? null) : null;
    const registrations = trained.map((c) => ({
      id: c.id,
      trainSize: set.n,
      hyperparams: { ...c.model.hyperparameters, d: c.model.d, t: c.model.t, embeddingDim: c.model.h },
      metrics: {
        heldOut: c.metrics,
        confusion: tagConfusion(set.test.truth, c.probs, set.test.n, set.t, tags),
        split,
        training: {
          epochs: c.model.report.epochs,
          bestEpoch: c.model.report.bestEpoch,
          stoppedEarly: c.model.report.stoppedEarly,
          fitRows: set.n,
          settledClips: set.counts.settled,
          openClips: set.counts.open,
          validationRows: set.counts.validation,
          trainMs: Math.round(c.trainMs),
        },
        comparison: {
          candidate: c.id === best.id,
          activeModelId: active?.id ?? null,
          activeOnSameSplit: activeEval?.metrics ? pickHeadline(activeEval.metrics) : null,
          activeProblem: activeEval?.problem ?? null,
          ...(c.id === best.id
            ? decision
            : { better: false, reason: `model ${best.id} (${best.kind}) did better on the held-out split` }),
        },
        ...(auto && c.id === best.id ? { auto } : {}),
      } as Record<string, unknown>,
      onnx: c.onnx,
      onnxSha256: onnxSha256(c.onnx),
    }));
    const outcome = await completeTrainingRun(db, {
      registrations,
      promote: decision.better ? { id: best.id, comparedWith: active?.id ?? null, reason: decision.reason } : null,
      curve: {
        strategy: settings.strategy,
        point: {
          model_id: best.id,
          labels_used: labelsUsed,
          micro_f1: best.metrics.microF1,
          macro_f1: best.metrics.macroF1,
          mean_ap: best.metrics.meanAveragePrecision,
          ece: best.metrics.ece,
          hamming_loss: best.metrics.hammingLoss,
          subset_accuracy: best.metrics.subsetAccuracy,
          test_size: set.test.n,
          promoted: decision.better ? 1 : 0,
          at: Date.now(),
        },
      },
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
      labelsUsed,
      testSize: set.test.n,
      catalog,
      timings,
    };
  } catch (err) {
    await markModelsFailed(db, ids, err instanceof Error ? err.message : String(err)).catch(() => {});
    throw err;
  }
}

/**
 * `auto` at a retrain: rewards the strategy drawn for the round that just ended with the gain
 * in held-out micro-F1 of the new candidate over the active model on the same split (both
 * evaluated on settled clips no model trained on — with a held-out split at hand, its uniform
 * weights are the importance weights), mapped by gainReward; the updated state goes into the
 * candidate's metrics.auto with the gain and reward shown on /models. A new bandit when none
 * exists yet; unchanged when nothing was drawn or there is no active model to compare with.
 */
async function nextAutoState(db: Db, candidate: MultiLabelMetrics, active: MultiLabelMetrics | null) {
  const stored = await latestAutoState(db);
  const state = parseBanditState(stored?.state) ?? initBandit(AUTO_EXPERTS);
  if (!state.pending || !active) return { ...state, pending: null };
  const gain = candidate.microF1 - active.microF1;
  const drawn = state.experts[state.pending.expert];
  const r = gainReward(gain, state.sumAbsGain, state.rounds);
  const next = updateBandit({ ...state, sumAbsGain: r.sumAbsGain }, r.reward, { horizon: LIVE_AUTO_HORIZON });
  return { ...next, last: { strategy: drawn, gain, reward: r.reward } };
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

/** Everything /models shows: versions (without ONNX bytes), curves, embedding versions, what a rollback would do, the strategy. */
export async function modelsOverview(db: Db) {
  const [versions, curves, embeddings, target, settings, autoStored] = await Promise.all([
    listModels(db),
    listLearningCurves(db),
    listEmbeddingVersions(db),
    rollbackTarget(db),
    getProjectSettings(db),
    latestAutoState(db),
  ]);
  const autoState = parseBanditState(autoStored?.state);
  return {
    models: versions,
    curves,
    embeddingVersions: embeddings,
    rollback: target ? { from: target.active, to: target.previous } : null,
    strategy: pickStrategy(settings),
    /** What `auto` favours and why (probabilities, pulls, mean reward per strategy, the last round's gain). */
    auto: autoState
      ? {
          ...banditSummary(autoState, { horizon: LIVE_AUTO_HORIZON }),
          drawing: autoState.pending ? autoState.experts[autoState.pending.expert] : null,
          last: ((autoStored?.state as { last?: unknown } | null)?.last ?? null) as { strategy: string; gain: number; reward: number } | null,
          active: settings.strategy === 'auto',
        }
      : null,
  };
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
