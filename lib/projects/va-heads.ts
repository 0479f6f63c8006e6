import type { DbOrTx } from '@/db/client';
import { EXTRACTOR_VERSION } from '@/lib/audio/extract';
import { badRequest } from '@/lib/errors';
import { getFeatureStats } from '@/lib/features/repo';
import { computeStandardization, sanitizeStandardization, type Standardization } from '@/lib/model/standardize';
import { requireProject, type ProjectCaller } from './access';
import { RATING_PRIOR_SD, type ClipAggregate } from './aggregate';
import type { MoodPointQuery, MoodPointResponse, VaHeadsView, VaPredictionView } from './schemas';
import { readRatedPoints } from './scores-repo';
import { fitVaHeads, MIN_RATED_CLIPS, onThePlane, predictVa, priorityWithPredictions, type VaHeads, type VaTrainingRow } from './va-model';
import { nearestToPoint } from './va-point';
import { deleteVaHeads, readProjectFeatures, readVaModelSummary, readVaPredictions, writeVaHeads, type VaPredictionRow } from './va-repo';

/**
 * Training and serving of a rating project's valence–arousal heads (I/O around
 * lib/projects/va-model.ts), a step of the project's fit (lib/projects/aggregation-service.ts):
 * after the ratings are aggregated, read the project clips' features of the current extractor
 * version, train the heads on the rated clips (≥ {@link MIN_RATED_CLIPS}), predict every clip that
 * has features, and hand back the queue priorities with the predicted spread for unrated clips.
 * Also serves the point recommender from the stored crowd points and predictions.
 *
 * Serving: the heads are two linear maps, scored here in TypeScript (a dot product per clip) and
 * stored as predictions at each fit, rather than exported through lib/model/onnx-export.ts: that
 * builder serialises the tags classifier's `TrainedModel` (sigmoid outputs, calibration, its own
 * metadata checks), and a linear graph with a second loader would cost more than the arithmetic
 * it replaces. The stored JSON keeps the weights and standardisation, so an export stays possible.
 */

/** What a fit of the heads produced, ready to be written in the fit's transaction. */
export interface VaHeadsOutcome {
  /** null: too few rated clips with features; the stored heads are removed. */
  heads: VaHeads | null;
  extractorVersion: string;
  standardization: Standardization | null;
  predictions: VaPredictionRow[];
  priorities: { clipId: string; priority: number }[];
}

/** z = (x − mean) / std (std already sanitised: constant columns divide by 1); a non-finite value becomes 0, the mean. */
function standardize(v: readonly number[], s: Standardization): number[] {
  return v.map((x, k) => (Number.isFinite(x) ? (x - s.mean[k]) / s.std[k] : 0));
}

/**
 * Trains the heads from a rating fit (outside any transaction: reads and CPU work). Features are
 * standardised with the extractor version's `feature_stats` (as the classifier is), or with the
 * project's own vectors when the catalog statistics are missing or of another length.
 */
export async function trainVaHeads(
  db: DbOrTx,
  projectId: string,
  scores: readonly ClipAggregate[],
  fitPriorities: readonly { clipId: string; priority: number }[],
): Promise<VaHeadsOutcome> {
  const extractorVersion = EXTRACTOR_VERSION;
  const none: VaHeadsOutcome = { heads: null, extractorVersion, standardization: null, predictions: [], priorities: [...fitPriorities] };
  const features = await readProjectFeatures(db, projectId, extractorVersion);
  if (features.length === 0) return none;
  // One extractor version writes one length; a stray vector of another length is left out.
  const d = features[0].vector.length;
  const usable = features.filter((f) => f.vector.length === d);
  const stats = await getFeatureStats(db, extractorVersion);
  const standardization =
    stats && stats.mean.length === d
      ? sanitizeStandardization({ mean: stats.mean, std: stats.std }, d)
      : computeStandardization(usable.flatMap((f) => f.vector.map((x) => (Number.isFinite(x) ? x : 0))), usable.length, d);
  const z = new Map(usable.map((f) => [f.clipId, standardize(f.vector, standardization)]));

  const rows: VaTrainingRow[] = [];
  for (const s of scores) {
    const x = z.get(s.clipId);
    if (!x || s.answerCount === 0 || s.valence === null || s.arousal === null) continue;
    rows.push({ x, valence: s.valence, valenceSd: s.valenceSd ?? 1, arousal: s.arousal, arousalSd: s.arousalSd ?? 1 });
  }
  if (rows.length < MIN_RATED_CLIPS) return none;

  const heads = fitVaHeads(rows);
  const predictions = [...z].map(([clipId, x]) => ({ clipId, ...onThePlane(predictVa(heads, x), RATING_PRIOR_SD) }));
  const priorities = priorityWithPredictions(
    fitPriorities,
    new Map(scores.map((s) => [s.clipId, s.answerCount])),
    new Map(predictions.map((p) => [p.clipId, p])),
  );
  return { heads, extractorVersion, standardization, predictions, priorities };
}

/** Stores the outcome inside the fit's transaction: the heads and predictions, or their removal. */
export async function storeVaHeads(tx: DbOrTx, projectId: string, outcome: VaHeadsOutcome): Promise<void> {
  const { heads, standardization } = outcome;
  if (!heads || !standardization) return deleteVaHeads(tx, projectId);
  await writeVaHeads(
    tx,
    projectId,
    {
      extractorVersion: outcome.extractorVersion,
      n: heads.n,
      lambda: heads.lambda,
      valenceCvRmse: heads.valence.cvRmse,
      arousalCvRmse: heads.arousal.cvRmse,
      model: { ...heads, standardization: { mean: [...standardization.mean], std: [...standardization.std] } },
    },
    outcome.predictions,
  );
}

/**
 * GET /api/recommend/mood/point: the k clips of a rating project nearest a (valence, arousal)
 * point. Need review: the answer carries the crowd's aggregates, which a contributor must not see
 * before rating (they would anchor their own answers); a non-member gets 404, as for every project
 * route. 400 for a pairwise or tags project, which has no such points.
 */
export async function recommendByMoodPoint(db: DbOrTx, caller: ProjectCaller, query: MoodPointQuery): Promise<MoodPointResponse> {
  const { project } = await requireProject(db, caller, query.project, 'review');
  if (project.questionType !== 'valence_arousal')
    throw badRequest(`"${project.slug}" is a ${project.questionType} project: only valence–arousal projects have points to recommend by`);
  const [crowd, model] = await Promise.all([readRatedPoints(db, project.id), readVaPredictions(db, project.id)]);
  return { items: nearestToPoint(crowd, model, query, query.k) };
}

/** The stored heads' summary and every stored prediction, for the results page (need checked by the caller). */
export async function readVaHeadsView(db: DbOrTx, projectId: string): Promise<{ heads: VaHeadsView | null; predictions: VaPredictionView[] }> {
  const [summary, predictions] = await Promise.all([readVaModelSummary(db, projectId), readVaPredictions(db, projectId)]);
  if (!summary) return { heads: null, predictions: [] };
  const { createdAt, ...rest } = summary;
  return {
    heads: { ...rest, trainedAt: createdAt.toISOString() },
    predictions: predictions.map(({ clipId, valence, valenceSd, arousal, arousalSd }) => ({ clipId, valence, valenceSd, arousal, arousalSd })),
  };
}
