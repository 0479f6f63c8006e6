/**
 * Rescoring the catalog: the DB-facing side of lib/active.
 *
 * With an active model: its registered ONNX (sha256 checked, then onnxruntime through
 * `loadScorer`) scores every clip that has features of the model's extractor version, in
 * batches; predictions (probabilities + mean per-tag entropy) are upserted; clips.priority and
 * clips.priority_terms are recomputed by ./policy's `queuePriorities` — the code `chorus
 * simulate` runs too — under the project strategy and weights ('auto': the strategy the bandit
 * drew for this round, ./albl), with the crowd posteriors from `aggregates`, artist quotas and
 * batch diversity at the head of the queue. The model's embeddings are pushed to the
 * recommender only when they are not the active version already (the push-embeddings job, or
 * `pushEmbeddings: true`), as a new embedding version:
 *   build  — rows inserted while the version is 'building' (invisible to readers);
 *   switch — ONE transaction retires the old active version and activates the new one;
 *   prune  — only the newest 5 versions are kept.
 * Before any model exists (cold start), priorities come from k-center greedy diversity over
 * the standardised feature vectors (Sener & Savarese 2018): the first COLD_START_K picks in
 * farthest-first order lead, everything else follows by its distance to what is covered; a clip
 * with an imported prediction (lib/predictions) adds that prediction's uncertainty as the
 * uncertainty term, until a trained model is active.
 *
 * Scale notes: only clips still in a queue (open, disputed) get new priorities; novelty is
 * measured against at most NOVELTY_REFERENCES labelled clips chosen by k-center greedy among
 * them (a cover of the labelled set), which keeps it O(n·R·h) instead of O(n·|labelled|·h) at
 * 100,000 clips.
 */
import type { Db, DbOrTx } from '@/db/client';
import { recordAudit } from '@/lib/audit/repo';
import { getFeatureStats } from '@/lib/features/repo';
import { AppError } from '@/lib/errors';
import { importedUncertainties } from '@/lib/predictions/repo';
import { getProjectSettings } from '@/lib/settings/repo';
import type { ProjectSettings } from '@/lib/settings/schemas';
import { getActiveTaxonomy } from '@/lib/taxonomy/repo';
import { createRng, type Rng } from '@/lib/util/random';
import { sanitizeStandardization, standardizeRows } from '@/lib/model/standardize';
import {
  getActiveModel,
  getModel,
  latestAutoState,
  listLearningCurves,
  listModels,
  newestModelId,
  rollbackTarget,
  setModelAutoState,
  type ModelRow,
} from '@/lib/model/repo';
import type { MultiLabelMetrics } from '@/lib/model/metrics';
import {
  AUTO_EXPERTS,
  banditSummary,
  drawExpert,
  gainReward,
  initBandit,
  LIVE_AUTO_HORIZON,
  parseBanditState,
  updateBandit,
} from './albl';
import { currentFeatureVersion, onnxSha256, pickStrategy } from '@/lib/model/service';
import { loadScorer, OnnxModelError } from '@/lib/model/onnx-runtime';
import { blendPriority, type PriorityTerm } from './priority';
import { driftSignals, feedbackReason, feedbackSignal } from './drift';
import { kCenterGreedy, noveltyScores } from './diversity';
import { NOVELTY_REFERENCES, queuePriorities, type QueueStrategy } from './policy';
import { uncertaintyScores } from './uncertainty';
import {
  activateEmbeddingVersion,
  activeEmbeddingVersion,
  copyEmbeddingVersionAsReady,
  listEmbeddingVersions,
  createEmbeddingVersion,
  deleteBuildingEmbeddingVersion,
  insertEmbeddings,
  markEmbeddingVersionReady,
  pruneEmbeddingVersions,
} from '@/lib/embeddings/repo';
import { deleteOtherPredictions, writePredictions, writePriorities } from './repo';
import { listenerFeedbackByClip, writeLabelingSignals } from './signals-repo';
import { loadCatalogMatrix, type CatalogMatrix } from '@/lib/model/catalog-matrix';

/** Embedding versions kept for the recommender (the active one among them). */
export const KEEP_EMBEDDING_VERSIONS = 5;
/** Cold start: this many clips are ranked by farthest-first order ahead of the rest. */
export const COLD_START_K = 256;

export interface RescoreOptions {
  /** A catalog matrix already loaded by the retrain of the same job. */
  catalog?: CatalogMatrix;
  seed?: number;
  /**
   * Push embeddings to the recommender: 'if-changed' (the default) only when the active
   * embedding version is not already this model's; true always; false never (the
   * push-embeddings job does it).
   */
  pushEmbeddings?: boolean | 'if-changed';
  keepVersions?: number;
  batchSize?: number;
  /** Rows per embedding insert statement (default 5,000). */
  embeddingBatch?: number;
  onProgress?: (fraction: number, message: string) => Promise<void> | void;
  /** Called after each embedding batch while the new version is building (tests watch readers here). */
  onEmbeddingBatch?: (done: number) => Promise<void> | void;
}

export interface RescoreResult {
  mode: 'model' | 'cold-start' | 'empty';
  modelId: number | null;
  clips: number;
  embeddingVersion: number | null;
  prunedVersions: number[];
  timings: Record<string, number>;
  /** Drift of the queued clips against the labelled ones (model rescores only). */
  drift?: DriftReport;
}

/** Terms as stored in clips.priority_terms: term name → its contribution to the priority. */
export function termsRecord(terms: readonly PriorityTerm[]): Record<string, number> {
  return Object.fromEntries(terms.map((t) => [t.name, Math.round(t.contribution * 1e6) / 1e6]));
}

/**
 * Rescores the catalog with the active model, or computes cold-start priorities when there is
 * none. Throws AppError UNPROCESSABLE (and writes nothing) when the active model's ONNX is
 * corrupted or refused — the registry and the last good scores stay as they were.
 */
export async function rescoreCatalog(db: Db, options: RescoreOptions = {}): Promise<RescoreResult> {
  const active = await getActiveModel(db);
  if (!active) return coldStart(db, options);
  return rescoreWithModel(db, active, options);
}

async function rescoreWithModel(db: Db, model: ModelRow, options: RescoreOptions): Promise<RescoreResult> {
  const timings: Record<string, number> = {};
  let mark = performance.now();
  const lap = (name: string) => {
    const now = performance.now();
    timings[name] = (timings[name] ?? 0) + (now - mark);
    mark = now;
  };
  const report = async (f: number, m: string) => options.onProgress?.(f, m);
  if (!model.onnx || !model.onnxSha256) throw new AppError('UNPROCESSABLE', `Model ${model.id} has no ONNX file to score with`);
  const sha = onnxSha256(model.onnx);
  if (sha !== model.onnxSha256) {
    throw new AppError(
      'UNPROCESSABLE',
      `Refusing to score with model ${model.id}: its ONNX sha256 ${sha.slice(0, 12)}… ≠ registered ${model.onnxSha256.slice(0, 12)}… (corrupted)`,
    );
  }
  const settings = await getProjectSettings(db);
  await report(0.02, `loading features (${model.featureVersion})`);
  const tags = model.tagKeys;
  const catalog =
    options.catalog &&
    options.catalog.featureVersion === model.featureVersion &&
    options.catalog.tags.join('\u0000') === tags.join('\u0000')
      ? options.catalog
      : await loadCatalogMatrix(db, { featureVersion: model.featureVersion, tags });
  lap('load');
  const { n, d, t } = catalog;
  if (n === 0) return { mode: 'empty', modelId: model.id, clips: 0, embeddingVersion: null, prunedVersions: [], timings };

  let scorer;
  try {
    scorer = await loadScorer(model.onnx, { expect: { inputDim: d, tags } });
  } catch (err) {
    if (err instanceof OnnxModelError)
      throw new AppError('UNPROCESSABLE', `Refusing to score with model ${model.id}: ${err.message}`);
    throw err;
  }
  await report(0.05, `scoring ${n} clips with model ${model.id}`);
  let probs: Float32Array;
  let embedding: Float32Array;
  try {
    ({ probs, embedding } = await scorer.score(catalog.x, n, d, { batchSize: options.batchSize ?? 4096 }));
  } finally {
    await scorer.release();
  }
  const h = scorer.embeddingDim;
  // Margin asks about the boundary the model decides at (a model exported before per-tag
  // thresholds decides at 0.5).
  const thresholds = scorer.thresholds ?? undefined;
  const push =
    options.pushEmbeddings === true ||
    ((options.pushEmbeddings ?? 'if-changed') === 'if-changed' && (await embeddingsStale(db, model.id)));
  const uncertainty = uncertaintyScores(probs, n, t, 'entropy', 'mean');
  lap('score');

  await report(0.3, 'computing queue priorities');
  const rng = createRng(options.seed ?? Date.now() >>> 0);
  // 'auto': the strategy the bandit drew for this round of labels (drawn once per retrain round).
  const strategy = settings.strategy === 'auto' ? await autoStrategy(db, rng) : settings.strategy;
  const labeling = await labelingSignals(db, catalog, probs, tags, thresholds);
  lap('drift');
  const { rows, priority, terms } = modelPriorities(
    catalog,
    probs,
    embedding,
    h,
    { ...settings, strategy },
    rng,
    thresholds,
    labeling,
  );
  lap('priority');

  // The three write streams go out concurrently: on PostgreSQL each runs on its own pooled
  // connection, so formatting one batch here overlaps the server parsing another (PGlite simply
  // serialises them). They touch different rows, and the foreign-key checks of the inserts
  // (FOR KEY SHARE on clips) do not conflict with the priority updates (FOR NO KEY UPDATE).
  await report(0.4, `writing ${n} predictions, ${rows.length} queue priorities${push ? `, ${n} embeddings (${h}-d)` : ''}`);
  let embeddingVersion: number | null = null;
  const timed = async (name: string, work: () => Promise<void>) => {
    const t0 = performance.now();
    await work();
    timings[name] = performance.now() - t0;
  };
  await Promise.all([
    timed('write_predictions', async () => {
      await writePredictions(db, model.id, catalog.ids, probs, t, uncertainty);
      await deleteOtherPredictions(db, model.id);
    }),
    timed('write_priorities', () =>
      writePriorities(
        db,
        rows.map((i) => catalog.ids[i]),
        priority,
        terms,
      ),
    ),
    timed('write_signals', () => writeLabelingSignals(db, labeling.stored)),
    !push
      ? Promise.resolve()
      : timed('push_embeddings', async () => {
          embeddingVersion = await pushEmbeddings(
            db,
            { modelId: model.id, source: `model:${model.id}`, ids: catalog.ids, embedding, h },
            options,
            (done) => report(0.4 + (0.55 * done) / n, `embeddings ${done}/${n}`),
          );
        }),
  ]);
  mark = performance.now();
  const prunedVersions =
    embeddingVersion === null ? [] : await pruneEmbeddingVersions(db, options.keepVersions ?? KEEP_EMBEDDING_VERSIONS);
  lap('prune');
  await report(1, `rescored ${n} clips with model ${model.id}`);
  return { mode: 'model', modelId: model.id, clips: n, embeddingVersion, prunedVersions, timings, drift: labeling.report };
}

/**
 * The strategy `auto` uses for the current round of labels: the bandit's pending draw (stored in
 * the newest model row's metrics.auto), or a new draw recorded there — the next retrain rewards
 * it with the held-out gain of its candidate (lib/model/service.ts). See ./albl.
 */
export async function autoStrategy(db: Db, rng: Rng): Promise<QueueStrategy> {
  const stored = await latestAutoState(db);
  const state = parseBanditState(stored?.state) ?? initBandit(AUTO_EXPERTS);
  if (state.pending) return state.experts[state.pending.expert] as QueueStrategy;
  const draw = drawExpert(state, { horizon: LIVE_AUTO_HORIZON }, rng);
  const target = await newestModelId(db);
  if (target !== null) await setModelAutoState(db, target, { ...(stored?.state as object | undefined), ...draw.state });
  return draw.state.experts[draw.expert] as QueueStrategy;
}

/** Whether the recommender's active embedding version is not the given model's (so a push is due). */
export async function embeddingsStale(db: Db, modelId: number): Promise<boolean> {
  const current = await activeEmbeddingVersion(db);
  return current?.modelId == null || Number(current.modelId) !== modelId;
}

/**
 * The push-embeddings step of the retrain → rescore → push chain: when the active model's
 * embeddings are not the recommender's active version, scores the catalog's embeddings with
 * that model's ONNX (sha256 checked) and switches to a new version; otherwise does nothing.
 */
export async function pushActiveEmbeddings(
  db: Db,
  options: Pick<RescoreOptions, 'embeddingBatch' | 'onEmbeddingBatch' | 'onProgress' | 'keepVersions' | 'batchSize'> = {},
): Promise<{
  pushed: boolean;
  modelId: number | null;
  embeddingVersion: number | null;
  reason: string;
  prunedVersions: number[];
}> {
  const model = await getActiveModel(db);
  if (!model) return { pushed: false, modelId: null, embeddingVersion: null, reason: 'no active model', prunedVersions: [] };
  if (!(await embeddingsStale(db, model.id))) {
    return {
      pushed: false,
      modelId: model.id,
      embeddingVersion: null,
      reason: `model ${model.id}'s embeddings are already active`,
      prunedVersions: [],
    };
  }
  const out = await scoreAndPushEmbeddings(db, model, true, options);
  if (out.embeddingVersion === null)
    return { pushed: false, modelId: model.id, embeddingVersion: null, reason: 'no clips', prunedVersions: [] };
  return {
    pushed: true,
    modelId: model.id,
    embeddingVersion: out.embeddingVersion,
    reason: `model ${model.id} became active`,
    prunedVersions: out.prunedVersions,
  };
}

/**
 * Pushes one model's embeddings (the active model's by default, or any registered model with an
 * ONNX file: a retrain's other candidates, a retired model) as a new embedding version. With
 * `activate: false` the version is left 'ready' — served by nobody until a canary
 * (lib/recommend/canary) or an activation picks it; with `activate: true` the recommender switches
 * to it at once. Audited (`embedding.push`) in the transaction that makes the version visible.
 */
export async function pushModelEmbeddings(
  db: Db,
  input: { modelId?: number; activate: boolean },
  actorId: string | null,
  options: Pick<RescoreOptions, 'embeddingBatch' | 'onProgress' | 'keepVersions' | 'batchSize'> = {},
): Promise<{ modelId: number; embeddingVersion: number; status: 'ready' | 'active'; clips: number; prunedVersions: number[] }> {
  const model = input.modelId === undefined ? await getActiveModel(db) : await getModel(db, input.modelId);
  if (!model) throw new AppError('CONFLICT', 'No active model: give a model id, or train a model first');
  if (model.status === 'training' || model.status === 'failed') {
    throw new AppError('CONFLICT', `Model ${model.id} is ${model.status}; only a registered model's embeddings can be pushed`);
  }
  const audit = { actorId, action: 'embedding.push', entity: 'embedding_version' };
  const out = await scoreAndPushEmbeddings(db, model, input.activate, options, audit);
  if (out.embeddingVersion === null)
    throw new AppError('CONFLICT', `No clips with features of model ${model.id}'s extractor version to embed`);
  return {
    modelId: model.id,
    embeddingVersion: out.embeddingVersion,
    status: input.activate ? 'active' : 'ready',
    clips: out.clips,
    prunedVersions: out.prunedVersions,
  };
}

/**
 * A 'ready' copy of the active embedding version, for an A/A canary (the same vectors in both
 * arms: it must be promoted, never rolled back). Works before any model exists (the feature
 * embeddings), so a fresh install can exercise a canary. Audited as embedding.copy.
 */
export async function copyActiveEmbeddings(
  db: Db,
  actorId: string | null,
): Promise<{ embeddingVersion: number; copiedFrom: number; clips: number }> {
  const active = await activeEmbeddingVersion(db);
  if (!active) throw new AppError('CONFLICT', 'No active embedding version to copy');
  const copy = await copyEmbeddingVersionAsReady(db, active.id, (tx, c) =>
    recordAudit(tx, {
      actorId,
      action: 'embedding.copy',
      entity: 'embedding_version',
      entityId: String(c.id),
      after: { copiedFrom: active.id, clips: c.count, status: 'ready' },
    }),
  );
  return { embeddingVersion: copy.id, copiedFrom: active.id, clips: copy.count };
}

async function scoreAndPushEmbeddings(
  db: Db,
  model: ModelRow,
  activate: boolean,
  options: Pick<RescoreOptions, 'embeddingBatch' | 'onEmbeddingBatch' | 'onProgress' | 'keepVersions' | 'batchSize'>,
  audit?: PushAudit,
): Promise<{ embeddingVersion: number | null; clips: number; prunedVersions: number[] }> {
  if (!model.onnx || !model.onnxSha256 || onnxSha256(model.onnx) !== model.onnxSha256)
    throw new AppError(
      'UNPROCESSABLE',
      `Refusing to push embeddings of model ${model.id}: its ONNX file is missing or corrupted`,
    );
  const catalog = await loadCatalogMatrix(db, { featureVersion: model.featureVersion, tags: model.tagKeys });
  if (catalog.n === 0) return { embeddingVersion: null, clips: 0, prunedVersions: [] };
  const scorer = await loadScorer(model.onnx, { expect: { inputDim: catalog.d, tags: model.tagKeys } });
  let embedding: Float32Array;
  try {
    ({ embedding } = await scorer.score(catalog.x, catalog.n, catalog.d, { batchSize: options.batchSize ?? 4096 }));
  } finally {
    await scorer.release();
  }
  const version = await pushEmbeddings(
    db,
    { modelId: model.id, source: `model:${model.id}`, ids: catalog.ids, embedding, h: scorer.embeddingDim },
    { ...options, activate, audit },
    (done) => options.onProgress?.(done / catalog.n, `embeddings ${done}/${catalog.n}`),
  );
  const prunedVersions = await pruneEmbeddingVersions(db, options.keepVersions ?? KEEP_EMBEDDING_VERSIONS);
  return { embeddingVersion: version, clips: catalog.n, prunedVersions };
}

/** The audit row of a push by hand (the retrain chain's own pushes are recorded by its job runs). */
interface PushAudit {
  actorId: string | null;
  action: string;
  entity: string;
}

/**
 * Builds a new embedding version and switches to it atomically (or, with `activate: false`,
 * leaves it 'ready' for a canary); a failure before the switch deletes the half-built version
 * (readers never saw it).
 */
export async function pushEmbeddings(
  db: Db,
  v: { modelId: number | null; source: string; ids: readonly string[]; embedding: ArrayLike<number>; h: number },
  options: Pick<RescoreOptions, 'onEmbeddingBatch' | 'embeddingBatch'> & { activate?: boolean; audit?: PushAudit } = {},
  progress?: (done: number) => Promise<void> | void,
): Promise<number> {
  const versionId = await createEmbeddingVersion(db, { modelId: v.modelId, source: v.source, dim: v.h });
  const activate = options.activate ?? true;
  try {
    await insertEmbeddings(db, versionId, v.ids, v.embedding, v.h, {
      batch: options.embeddingBatch,
      onBatch: async (done) => {
        await progress?.(done);
        await options.onEmbeddingBatch?.(done);
      },
    });
    const after = { modelId: v.modelId, source: v.source, clips: v.ids.length, status: activate ? 'active' : 'ready' };
    const record = async (tx: DbOrTx) => {
      if (options.audit) await recordAudit(tx, { ...options.audit, entityId: String(versionId), after });
    };
    if (activate) await activateEmbeddingVersion(db, versionId, v.ids.length, record);
    else
      await db.transaction(async (tx) => {
        await markEmbeddingVersionReady(tx, versionId, v.ids.length);
        await record(tx);
      });
  } catch (err) {
    await deleteBuildingEmbeddingVersion(db, versionId).catch(() => {});
    throw err;
  }
  return versionId;
}

/**
 * Queue priority of the clips still in a queue (open: the crowd's; disputed: the experts')
 * under the project strategy, through the one implementation `chorus simulate` uses too
 * ({@link queuePriorities} in ./policy: scoring, blend, voted/unvoted pools, novelty against a
 * k-center cover, batch diversity at the head of the queue). `thresholds` are the model's per-tag
 * decision thresholds ('margin' measures the distance to them). Settled clips keep whatever they
 * had — no queue reads it.
 */
export function modelPriorities(
  catalog: CatalogMatrix,
  probs: Float32Array,
  embedding: Float32Array,
  h: number,
  settings: { strategy: QueueStrategy | ProjectSettings['strategy']; priorityWeights: ProjectSettings['priorityWeights'] },
  rng: Rng,
  thresholds?: ArrayLike<number>,
  labeling?: Pick<LabelingSignals, 'drift' | 'feedback'>,
): { rows: number[]; priority: Float64Array; terms: Record<string, number>[] } {
  if (settings.strategy === 'auto') throw new Error("modelPriorities: resolve 'auto' to the drawn strategy first (autoStrategy)");
  const { n } = catalog;
  const rows: number[] = [];
  for (let i = 0; i < n; i++) if (catalog.labelState[i] === 'open' || catalog.labelState[i] === 'disputed') rows.push(i);
  const strategy = settings.strategy as QueueStrategy;
  const result = queuePriorities(
    {
      n,
      t: catalog.t,
      candidates: rows,
      labelled: settledRows(catalog),
      probs,
      embedding,
      h,
      posteriors: catalog.posteriors,
      hasVotes: catalog.hasAggregates,
      votesNeeded: votesNeededSignal(catalog),
      groups: catalog.artist,
      ...(thresholds ? { thresholds } : {}),
      features: catalog.x,
      d: catalog.d,
      ...(labeling?.drift ? { drift: labeling.drift } : {}),
      ...(labeling?.feedback ? { feedback: labeling.feedback } : {}),
    },
    strategy,
    settings.priorityWeights,
    rng,
  );
  const terms = rows.map((_, r) =>
    // 'random' has no terms; say so, so "why is this clip here" is never blank.
    strategy === 'random'
      ? { random: Math.round(result.priority[r] * 1e6) / 1e6 }
      : Math.abs(result.adjustment[r]) > 1e-7
        ? // Batch diversity moved the clip within the head of the queue: say by how much.
          { ...termsRecord(result.terms[r]), batch: Math.round(result.adjustment[r] * 1e6) / 1e6 }
        : termsRecord(result.terms[r]),
  );
  return { rows, priority: result.priority, terms };
}

/** What a rescore knows about drift and listener feedback (./drift). */
export interface LabelingSignals {
  /** Per clip (n), the drift signal of queued clips (undefined: fewer than two labelled clips). */
  drift?: Float64Array;
  /** Per clip (n), the listener-feedback signal (undefined: no listener has reacted to anything). */
  feedback?: Float64Array;
  /** The boosted queued clips with their reasons, for clip_labeling_signals. */
  stored: { clipId: string; drift: number; feedback: number; reasons: string[] }[];
  report?: DriftReport;
}

export interface DriftReport {
  labelled: number;
  queued: number;
  /** r: labelled clips' 95th-percentile nearest-labelled distance (standardised features). */
  radius: number;
  /** Features by PSI (queued vs labelled), the ten largest. */
  topFeatures: { name: string; psi: number }[];
  /** Queued clips with a drift boost, and with a feedback boost. */
  drifted: number;
  skipped: number;
}

/**
 * Drift of the queued clips against the labelled (training) clips over the standardised features
 * — PSI per feature, distance to the nearest of a k-center cover of the labelled clips — and the
 * listeners' skips and dislikes per clip, as the hybrid priority's `drift` and `feedback` terms,
 * with each boosted clip's reasons in words ("listeners skip this as 'calm'").
 */
export async function labelingSignals(
  db: Db,
  catalog: CatalogMatrix,
  probs: ArrayLike<number>,
  tags: readonly string[],
  thresholds?: ArrayLike<number>,
): Promise<LabelingSignals> {
  const { n, d, t } = catalog;
  const queued: number[] = [];
  for (let i = 0; i < n; i++) if (catalog.labelState[i] === 'open' || catalog.labelState[i] === 'disputed') queued.push(i);
  const labelled = settledRows(catalog);
  const out: LabelingSignals = { stored: [] };
  const reasons = new Map<number, string[]>();
  const stats = await getFeatureStats(db, catalog.featureVersion);
  if (stats && stats.mean.length === d && queued.length > 0) {
    const z = standardizeRows(catalog.x, n, d, sanitizeStandardization({ mean: stats.mean, std: stats.std }, d));
    const cover = labelled.length > NOVELTY_REFERENCES ? kCenterGreedy(z, d, labelled, NOVELTY_REFERENCES) : labelled;
    const drift = driftSignals(z, d, queued, labelled, stats.names, cover);
    if (drift) {
      out.drift = new Float64Array(n);
      queued.forEach((i, c) => {
        out.drift![i] = drift.signal[c];
        if (drift.reasons[c].length) reasons.set(i, [...drift.reasons[c]]);
      });
      out.report = {
        labelled: labelled.length,
        queued: queued.length,
        radius: drift.radius,
        topFeatures: drift.features.slice(0, 10).map((f) => ({ name: f.name, psi: Math.round(f.psi * 1e4) / 1e4 })),
        drifted: queued.filter((i) => out.drift![i] > 0).length,
        skipped: 0,
      };
    }
  }
  const feedback = await listenerFeedbackByClip(db);
  if (feedback.size > 0) {
    out.feedback = new Float64Array(n);
    for (const i of queued) {
      const f = feedback.get(catalog.ids[i]);
      if (!f) continue;
      const s = feedbackSignal(f);
      if (s <= 0) continue;
      out.feedback[i] = s;
      const moods = tags
        .map((tag, k) => ({ tag, p: probs[i * t + k], cut: thresholds?.[k] ?? 0.5 }))
        .filter((m) => m.p >= m.cut)
        .sort((a, b) => b.p - a.p)
        .slice(0, 2)
        .map((m) => m.tag);
      reasons.set(i, [feedbackReason(f, moods), ...(reasons.get(i) ?? [])]);
    }
    if (out.report) out.report.skipped = queued.filter((i) => out.feedback![i] > 0).length;
  }
  for (const [i, why] of reasons) {
    out.stored.push({ clipId: catalog.ids[i], drift: out.drift?.[i] ?? 0, feedback: out.feedback?.[i] ?? 0, reasons: why });
  }
  return out;
}

function votesNeededSignal(c: CatalogMatrix): Float64Array {
  const out = new Float64Array(c.n);
  for (let i = 0; i < c.n; i++) {
    if (c.labelState[i] !== 'open') continue;
    const target = Math.max(1, c.overlapTarget[i]);
    out[i] = Math.min(1, Math.max(0, (target - c.voteCount[i]) / target));
  }
  return out;
}

function settledRows(c: CatalogMatrix): number[] {
  const rows: number[] = [];
  for (let i = 0; i < c.n; i++) if (c.labelState[i] === 'consensus' || c.labelState[i] === 'expert_resolved') rows.push(i);
  return rows;
}

/**
 * Cold start (no active model): open clips ranked by k-center greedy over the standardised
 * feature vectors relative to the labelled clips. Pick r of k scores diversity 1 − r/(2k)
 * (so the farthest-first order leads); every other clip scores half its normalised distance to
 * the nearest pick or labelled clip. Blended with votesNeeded — and, for a clip with an imported
 * prediction, that prediction's mean entropy as the uncertainty term — under the project weights.
 */
async function coldStart(db: Db, options: RescoreOptions): Promise<RescoreResult> {
  const started = performance.now();
  const featureVersion = options.catalog?.featureVersion ?? currentFeatureVersion();
  const stats = await getFeatureStats(db, featureVersion);
  if (!stats) return { mode: 'empty', modelId: null, clips: 0, embeddingVersion: null, prunedVersions: [], timings: {} };
  const [settings, taxonomy] = await Promise.all([getProjectSettings(db), getActiveTaxonomy(db)]);
  await options.onProgress?.(0.05, 'cold start: loading feature vectors');
  const catalog = options.catalog ?? (await loadCatalogMatrix(db, { featureVersion, tags: taxonomy.tags.map((t) => t.key) }));
  const { n, d } = catalog;
  if (n === 0 || d !== stats.mean.length)
    return { mode: 'empty', modelId: null, clips: 0, embeddingVersion: null, prunedVersions: [], timings: {} };
  const z = standardizeRows(catalog.x, n, d, sanitizeStandardization({ mean: stats.mean, std: stats.std }, d));
  const open: number[] = [];
  for (let i = 0; i < n; i++) if (catalog.labelState[i] === 'open') open.push(i);
  const labelled = settledRows(catalog);
  const cover = labelled.length > NOVELTY_REFERENCES ? kCenterGreedy(z, d, labelled, NOVELTY_REFERENCES) : labelled;
  await options.onProgress?.(0.3, `cold start: k-center greedy over ${open.length} open clips`);
  const k = Math.min(open.length, COLD_START_K);
  const picked = kCenterGreedy(z, d, open, k, { reference: cover });
  const rank = new Map(picked.map((i, r) => [i, r]));
  const rest = open.filter((i) => !rank.has(i));
  const distance = noveltyScores(z, d, rest, [...cover, ...picked]);
  const diversity = new Map<number, number>();
  picked.forEach((i, r) => diversity.set(i, 1 - r / (2 * Math.max(1, k))));
  rest.forEach((i, c) => diversity.set(i, 0.5 * distance[c]));
  const votesNeeded = votesNeededSignal(catalog);
  const imported = await importedUncertainties(db);
  const weights = settings.priorityWeights;
  const ids: string[] = [];
  const priority: number[] = [];
  const terms: Record<string, number>[] = [];
  for (const i of open) {
    const p = blendPriority(
      { diversity: diversity.get(i), votesNeeded: votesNeeded[i], uncertainty: imported.get(catalog.ids[i]) },
      weights,
    );
    ids.push(catalog.ids[i]);
    priority.push(p.priority);
    terms.push(termsRecord(p.terms));
  }
  await options.onProgress?.(0.8, `cold start: writing ${ids.length} priorities`);
  await writePriorities(db, ids, priority, terms);
  await options.onProgress?.(1, `cold start: ranked ${ids.length} open clips by diversity`);
  return {
    mode: 'cold-start',
    modelId: null,
    clips: ids.length,
    embeddingVersion: null,
    prunedVersions: [],
    timings: { total: performance.now() - started },
  };
}

/**
 * `auto` at a retrain (passed to lib/model/service `retrain` as `rewardStrategy`): rewards the strategy drawn for the round that just ended with the gain
 * in held-out micro-F1 of the new candidate over the active model on the same split (both
 * evaluated on settled clips no model trained on — with a held-out split at hand, its uniform
 * weights are the importance weights), mapped by gainReward; the updated state goes into the
 * candidate's metrics.auto with the gain and reward shown on /models. A new bandit when none
 * exists yet; unchanged when nothing was drawn or there is no active model to compare with.
 */
export async function rewardAutoStrategy(db: Db, candidate: MultiLabelMetrics, active: MultiLabelMetrics | null) {
  const stored = await latestAutoState(db);
  const state = parseBanditState(stored?.state) ?? initBandit(AUTO_EXPERTS);
  if (!state.pending || !active) return { ...state, pending: null };
  const gain = candidate.microF1 - active.microF1;
  const drawn = state.experts[state.pending.expert];
  const r = gainReward(gain, state.sumAbsGain, state.rounds);
  const next = updateBandit({ ...state, sumAbsGain: r.sumAbsGain }, r.reward, { horizon: LIVE_AUTO_HORIZON });
  return { ...next, last: { strategy: drawn, gain, reward: r.reward } };
}

/** Everything /models shows (here, above lib/model, because it includes the strategy bandit): versions (without ONNX bytes), curves, embedding versions, what a rollback would do, the strategy. */
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
          last: ((autoStored?.state as { last?: unknown } | null)?.last ?? null) as {
            strategy: string;
            gain: number;
            reward: number;
          } | null,
          active: settings.strategy === 'auto',
        }
      : null,
  };
}
