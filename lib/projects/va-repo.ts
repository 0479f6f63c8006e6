import { asc, eq, sql } from 'drizzle-orm';
import { execRows, type DbOrTx } from '@/db/client';
import { clips, projectVaModels, projectVaPredictions } from '@/db/schema';

/**
 * The one module that reads and writes `project_va_models` and `project_va_predictions`: a rating
 * project's valence–arousal regression heads and their prediction per clip. Also reads the feature
 * vectors of a project's clips (`clip_features` joined with `project_items`; the writes of both
 * belong elsewhere), the input of the heads.
 */

/** Rows per insert statement: 6 parameters a row stays far below PostgreSQL's 65,535. */
const CHUNK = 2000;

export interface ProjectFeatureRow {
  clipId: string;
  vector: number[];
}

/**
 * The feature vector of every clip of a project that has one of `extractorVersion`, by clip id
 * (a failed clip is left out, as training leaves it out). O(items · d).
 */
export async function readProjectFeatures(db: DbOrTx, projectId: string, extractorVersion: string): Promise<ProjectFeatureRow[]> {
  const rows = await execRows<{ clip_id: string; vector: number[] }>(
    db,
    sql`select i.clip_id, f.vector::float8[] as vector
          from project_items i
          join clip_features f on f.clip_id = i.clip_id and f.extractor_version = ${extractorVersion}
          join clips c on c.id = i.clip_id and c.status <> 'failed'
         where i.project_id = ${projectId}
         order by i.clip_id`,
  );
  return rows.map((r) => ({ clipId: r.clip_id, vector: r.vector.map(Number) }));
}

export interface VaModelRecord {
  extractorVersion: string;
  n: number;
  lambda: number;
  valenceCvRmse: number;
  arousalCvRmse: number;
  model: Record<string, unknown>;
}

export interface VaPredictionRow {
  clipId: string;
  valence: number;
  valenceSd: number;
  arousal: number;
  arousalSd: number;
}

/**
 * Replaces a project's heads and predictions (one row per clip that has features). Run inside the
 * fit's transaction so readers see the old heads or the new ones whole.
 */
export async function writeVaHeads(tx: DbOrTx, projectId: string, model: VaModelRecord, predictions: readonly VaPredictionRow[]): Promise<void> {
  await tx
    .insert(projectVaModels)
    .values({ projectId, ...model, createdAt: sql`now()` })
    .onConflictDoUpdate({ target: projectVaModels.projectId, set: { ...model, createdAt: sql`now()` } });
  await tx.delete(projectVaPredictions).where(eq(projectVaPredictions.projectId, projectId));
  for (let i = 0; i < predictions.length; i += CHUNK) {
    await tx.insert(projectVaPredictions).values(predictions.slice(i, i + CHUNK).map((p) => ({ projectId, ...p })));
  }
}

/** Removes a project's heads and predictions (too few rated clips with features to train them). */
export async function deleteVaHeads(tx: DbOrTx, projectId: string): Promise<void> {
  await tx.delete(projectVaPredictions).where(eq(projectVaPredictions.projectId, projectId));
  await tx.delete(projectVaModels).where(eq(projectVaModels.projectId, projectId));
}

/** The stored heads' summary (no weights), or null before they were first trained. */
export async function readVaModelSummary(
  db: DbOrTx,
  projectId: string,
): Promise<{ extractorVersion: string; n: number; lambda: number; valenceCvRmse: number; arousalCvRmse: number; createdAt: Date } | null> {
  const [row] = await db
    .select({
      extractorVersion: projectVaModels.extractorVersion,
      n: projectVaModels.n,
      lambda: projectVaModels.lambda,
      valenceCvRmse: projectVaModels.valenceCvRmse,
      arousalCvRmse: projectVaModels.arousalCvRmse,
      createdAt: projectVaModels.createdAt,
    })
    .from(projectVaModels)
    .where(eq(projectVaModels.projectId, projectId));
  return row ?? null;
}

/** A stored prediction with the clip's catalog identity. */
export interface VaPredictionWithClip extends VaPredictionRow {
  title: string;
  artist: string;
}

/** Every stored prediction of a project, by clip id. */
export async function readVaPredictions(db: DbOrTx, projectId: string): Promise<VaPredictionWithClip[]> {
  return db
    .select({
      clipId: projectVaPredictions.clipId,
      title: clips.title,
      artist: clips.artist,
      valence: projectVaPredictions.valence,
      valenceSd: projectVaPredictions.valenceSd,
      arousal: projectVaPredictions.arousal,
      arousalSd: projectVaPredictions.arousalSd,
    })
    .from(projectVaPredictions)
    .innerJoin(clips, eq(clips.id, projectVaPredictions.clipId))
    .where(eq(projectVaPredictions.projectId, projectId))
    .orderBy(asc(projectVaPredictions.clipId));
}
