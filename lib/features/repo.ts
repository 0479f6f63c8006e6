import { and, eq, sql } from 'drizzle-orm';
import { execRows, type DbOrTx } from '@/db/client';
import { clipFeatures, clips, featureStats } from '@/db/schema';

export type ClipFeatureRow = typeof clipFeatures.$inferInsert;

export async function hasFeatures(db: DbOrTx, clipId: string, extractorVersion: string): Promise<boolean> {
  const rows = await db
    .select({ id: clipFeatures.clipId })
    .from(clipFeatures)
    .where(and(eq(clipFeatures.clipId, clipId), eq(clipFeatures.extractorVersion, extractorVersion)))
    .limit(1);
  return rows.length > 0;
}

/** Stores a clip's features and marks it ready, in one transaction: never one without the other. */
export async function saveExtraction(
  db: DbOrTx,
  row: ClipFeatureRow,
  clipPatch: { durationS: number; sampleRate: number; channels: number; excerptStartS: number; playbackGainDb: number },
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx
      .insert(clipFeatures)
      .values(row)
      .onConflictDoUpdate({
        target: [clipFeatures.clipId, clipFeatures.extractorVersion],
        set: { ...row, createdAt: new Date() },
      });
    await tx.update(clips).set({ ...clipPatch, status: 'ready', error: null }).where(eq(clips.id, row.clipId));
  });
}

export async function markExtractionFailed(db: DbOrTx, clipId: string, error: string): Promise<void> {
  await db.update(clips).set({ status: 'failed', error }).where(eq(clips.id, clipId));
}

/** Clips waiting for features of this extractor version (new, or extracted by an older version). */
export async function clipsNeedingFeatures(db: DbOrTx, extractorVersion: string, limit: number): Promise<string[]> {
  const rows = await execRows<{ id: string }>(
    db,
    sql`select c.id from clips c
        where c.status <> 'failed' and c.audio_key is not null
          and not exists (select 1 from clip_features f where f.clip_id = c.id and f.extractor_version = ${extractorVersion})
        order by c.created_at limit ${limit}`,
  );
  return rows.map((r) => r.id);
}

/**
 * Recomputes the per-dimension mean and standard deviation of a version's vectors in SQL
 * (one pass, unnest with ordinality), so models standardise with statistics of the whole catalog.
 */
export async function refreshFeatureStats(db: DbOrTx, extractorVersion: string, names: readonly string[]): Promise<void> {
  const rows = await execRows<{ i: number; mean: number; std: number; n: number }>(
    db,
    sql`select u.i::int as i, avg(u.v)::float8 as mean, coalesce(stddev_pop(u.v), 0)::float8 as std, count(*)::int as n
        from clip_features f, unnest(f.vector) with ordinality as u(v, i)
        where f.extractor_version = ${extractorVersion}
        group by u.i order by u.i`,
  );
  if (rows.length === 0) return;
  const mean = rows.map((r) => Number(r.mean));
  const std = rows.map((r) => Number(r.std));
  const values = { extractorVersion, names: [...names], mean, std, count: Number(rows[0].n), updatedAt: new Date() };
  await db.insert(featureStats).values(values).onConflictDoUpdate({ target: featureStats.extractorVersion, set: values });
}

export async function getFeatureStats(db: DbOrTx, extractorVersion: string) {
  const [row] = await db.select().from(featureStats).where(eq(featureStats.extractorVersion, extractorVersion)).limit(1);
  return row;
}

/** Feature summary shown to experts (tempo, key, loudness). */
export async function featuresForClip(db: DbOrTx, clipId: string) {
  const [row] = await db
    .select()
    .from(clipFeatures)
    .where(eq(clipFeatures.clipId, clipId))
    .orderBy(sql`${clipFeatures.createdAt} desc`)
    .limit(1);
  return row;
}
