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
 * farthest-first order lead, everything else follows by its distance to what is covered.
 *
 * Scale notes: only clips still in a queue (open, disputed) get new priorities; novelty is
 * measured against at most NOVELTY_REFERENCES labelled clips chosen by k-center greedy among
 * them (a cover of the labelled set), which keeps it O(n·R·h) instead of O(n·|labelled|·h) at
 * 100,000 clips.
 */
import { sql } from 'drizzle-orm';
import { execRows, type Db } from '@/db/client';
import { getFeatureStats } from '@/lib/features/repo';
import { AppError } from '@/lib/http/errors';
import { getProjectSettings } from '@/lib/settings/repo';
import type { ProjectSettings } from '@/lib/settings/schemas';
import { getActiveTaxonomy } from '@/lib/taxonomy/repo';
import { createRng, type Rng } from '@/lib/util/random';
import { sanitizeStandardization, standardizeRows } from '@/lib/model/standardize';
import { getActiveModel, latestAutoState, newestModelId, setModelAutoState, type ModelRow } from '@/lib/model/repo';
import { AUTO_EXPERTS, drawExpert, initBandit, LIVE_AUTO_HORIZON, parseBanditState } from './albl';
import { currentFeatureVersion, onnxSha256 } from '@/lib/model/service';
import { loadScorer, OnnxModelError } from '@/lib/model/onnx-runtime';
import { blendPriority, type PriorityTerm } from './priority';
import { kCenterGreedy, noveltyScores } from './diversity';
import { NOVELTY_REFERENCES, queuePriorities, type QueueStrategy } from './policy';
import { uncertaintyScores } from './uncertainty';
import {
  activateEmbeddingVersion,
  activeEmbeddingVersion,
  createEmbeddingVersion,
  deleteOtherPredictions,
  insertEmbeddings,
  loadCatalogMatrix,
  pruneEmbeddingVersions,
  writePredictions,
  writePriorities,
  type CatalogMatrix,
} from './repo';

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
  const { rows, priority, terms } = modelPriorities(catalog, probs, embedding, h, { ...settings, strategy }, rng, thresholds);
  lap('priority');

  // The three write streams go out concurrently: on PostgreSQL each runs on its own pooled
  // connection, so formatting one batch here overlaps the server parsing another (PGlite simply
  // serialises them). They touch different rows, and the foreign-key checks of the inserts
  // (FOR KEY SHARE on clips) do not conflict with the priority updates (FOR NO KEY UPDATE).
  await report(
    0.4,
    `writing ${n} predictions, ${rows.length} queue priorities${push ? `, ${n} embeddings (${h}-d)` : ''}`,
  );
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
  return { mode: 'model', modelId: model.id, clips: n, embeddingVersion, prunedVersions, timings };
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
): Promise<{ pushed: boolean; modelId: number | null; embeddingVersion: number | null; reason: string; prunedVersions: number[] }> {
  const model = await getActiveModel(db);
  if (!model) return { pushed: false, modelId: null, embeddingVersion: null, reason: 'no active model', prunedVersions: [] };
  if (!(await embeddingsStale(db, model.id))) {
    return { pushed: false, modelId: model.id, embeddingVersion: null, reason: `model ${model.id}'s embeddings are already active`, prunedVersions: [] };
  }
  if (!model.onnx || !model.onnxSha256 || onnxSha256(model.onnx) !== model.onnxSha256)
    throw new AppError('UNPROCESSABLE', `Refusing to push embeddings of model ${model.id}: its ONNX file is missing or corrupted`);
  const catalog = await loadCatalogMatrix(db, { featureVersion: model.featureVersion, tags: model.tagKeys });
  if (catalog.n === 0) return { pushed: false, modelId: model.id, embeddingVersion: null, reason: 'no clips', prunedVersions: [] };
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
    options,
    (done) => options.onProgress?.(done / catalog.n, `embeddings ${done}/${catalog.n}`),
  );
  const prunedVersions = await pruneEmbeddingVersions(db, options.keepVersions ?? KEEP_EMBEDDING_VERSIONS);
  return { pushed: true, modelId: model.id, embeddingVersion: version, reason: `model ${model.id} became active`, prunedVersions };
}

/**
 * Builds a new embedding version and switches to it atomically; a failure before the switch
 * deletes the half-built version (readers never saw it).
 */
export async function pushEmbeddings(
  db: Db,
  v: { modelId: number | null; source: string; ids: readonly string[]; embedding: ArrayLike<number>; h: number },
  options: Pick<RescoreOptions, 'onEmbeddingBatch' | 'embeddingBatch'> = {},
  progress?: (done: number) => Promise<void> | void,
): Promise<number> {
  const versionId = await createEmbeddingVersion(db, { modelId: v.modelId, source: v.source, dim: v.h });
  try {
    await insertEmbeddings(db, versionId, v.ids, v.embedding, v.h, {
      batch: options.embeddingBatch,
      onBatch: async (done) => {
        await progress?.(done);
        await options.onEmbeddingBatch?.(done);
      },
    });
    await activateEmbeddingVersion(db, versionId, v.ids.length);
  } catch (err) {
    await execRows(db, sql`delete from embedding_versions where id = ${versionId} and status = 'building'`).catch(() => {});
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
    },
    strategy,
    { ...settings.priorityWeights },
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
 * the nearest pick or labelled clip. Blended with votesNeeded under the project weights.
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
  const weights = settings.priorityWeights;
  const ids: string[] = [];
  const priority: number[] = [];
  const terms: Record<string, number>[] = [];
  for (const i of open) {
    const p = blendPriority({ diversity: diversity.get(i), votesNeeded: votesNeeded[i] }, weights);
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
