/**
 * The handcrafted-feature fallback embedding version: until a model pushes embeddings, the
 * recommender serves feature vectors as embeddings (lib/recommend/runtime calls
 * {@link ensureFeatureEmbeddings} every few seconds). Part of lib/embeddings, the one owner of
 * `embedding_versions` and `clip_embeddings`; it reads `clip_features` and `feature_stats` in the
 * same statements so the build stays O(n·d) in SQL.
 */
import { sql } from 'drizzle-orm';
import { execRows, type DbOrTx } from '@/db/client';
import { activeEmbeddingVersion, dropVersionAnnIndex, VERSIONS_IN_ROLLOUT, type EmbeddingVersionRow } from './repo';

/** Feature-fallback versions kept after a newer one replaces them (for rollback). */
const KEEP_FEATURE_VERSIONS = 3;

/** Serialises feature-embedding builds across processes (pg_advisory_xact_lock key). */
const FEATURE_BUILD_LOCK = 731_820_501;

export interface EnsureResult {
  versionId: number;
  /** True when this call built and activated a new 'features' version. */
  created: boolean;
  source: string;
}

/**
 * Until a model pushes embeddings, the handcrafted feature vectors serve as embeddings.
 *
 * When no embedding version is active — or the active one is a 'features' version and the
 * features changed since (new clips extracted, an extractor upgrade: `feature_stats` refreshed
 * after the version was built) — builds a version from `clip_features` of the extractor
 * version with the most clips: each vector standardised with that version's `feature_stats`
 * (z = (x − mean) / std, 0 where std = 0 or x is not finite), then L2-normalised; zero
 * vectors are left out (no cosine direction). Source 'features'. A version pushed by a model
 * is never replaced.
 *
 * Idempotent and concurrency-safe: one transaction takes an advisory lock (concurrent callers,
 * in any process, queue behind it and then find the work done), re-checks, inserts the rows
 * of a 'building' version, then — under a SHARE ROW EXCLUSIVE lock on embedding_versions that
 * a model push's UPDATE must wait for — checks once more that no model version became active
 * meanwhile, retires the old version and activates the new one. Readers see the old or the
 * new complete set, never a half-built one. Returns the active version (null when there are
 * no features yet). O(n·d) in SQL.
 */
export async function ensureFeatureEmbeddings(db: DbOrTx): Promise<EnsureResult | null> {
  const quick = await featureEmbeddingPlan(db);
  if (quick.action === 'keep') return quick.result;
  if (quick.action === 'none') return null;
  const built = await db.transaction(async (tx): Promise<EnsureResult | null> => {
    await tx.execute(sql`select pg_advisory_xact_lock(${FEATURE_BUILD_LOCK})`);
    const plan = await featureEmbeddingPlan(tx);
    if (plan.action !== 'build') return plan.action === 'keep' ? plan.result : null;
    const [{ id }] = await execRows<{ id: number }>(
      tx,
      sql`insert into embedding_versions (source, dim, status) values ('features', ${plan.dim}, 'building') returning id`,
    );
    const versionId = Number(id);
    const statsCte = plan.hasStats
      ? sql`s as (select u.i, u.mean::float8 as mean, st.std[u.i]::float8 as std
                    from feature_stats st, unnest(st.mean) with ordinality u(mean, i)
                   where st.extractor_version = ${plan.extractorVersion})`
      : sql`s as (select u.i, avg(u.v)::float8 as mean, coalesce(stddev_pop(u.v), 0)::float8 as std
                    from f, unnest(f.vector) with ordinality u(v, i) group by u.i)`;
    await tx.execute(
      sql`with f as (
            select f.clip_id, f.vector from clip_features f join clips c on c.id = f.clip_id
             where f.extractor_version = ${plan.extractorVersion} and c.status <> 'failed'
               and array_length(f.vector, 1) = ${plan.dim}
          ), ${statsCte},
          z as (
            select f.clip_id, u.i,
                   case when s.std > 1e-12 and u.v not in ('NaN'::real, 'Infinity'::real, '-Infinity'::real)
                        then (u.v - s.mean) / s.std else 0 end as z
              from f, unnest(f.vector) with ordinality u(v, i) join s on s.i = u.i
          ),
          n as (select clip_id, sqrt(sum(z * z)) as norm from z group by clip_id)
          insert into clip_embeddings (version_id, clip_id, embedding)
          select ${versionId}, z.clip_id, array_agg((z.z / n.norm)::real order by z.i)
            from z join n using (clip_id)
           where n.norm > 1e-12
           group by z.clip_id`,
    );
    await tx.execute(sql`lock table embedding_versions in share row exclusive mode`);
    const active = await activeEmbeddingVersion(tx);
    if (active && active.source !== 'features') {
      await tx.execute(sql`delete from embedding_versions where id = ${versionId}`);
      return { versionId: active.id, created: false, source: active.source };
    }
    await tx.execute(sql`update embedding_versions set status = 'retired' where status = 'active'`);
    await tx.execute(
      sql`update embedding_versions
             set status = 'active', activated_at = now(),
                 count = (select count(*)::int from clip_embeddings where version_id = ${versionId})
           where id = ${versionId}`,
    );
    return { versionId, created: true, source: 'features' };
  });
  if (built?.created) await pruneFeatureVersions(db);
  return built;
}

type FeaturePlan =
  | { action: 'keep'; result: EnsureResult }
  | { action: 'none' }
  | { action: 'build'; extractorVersion: string; dim: number; hasStats: boolean };

interface ExtractorDbRow {
  extractor_version: string;
  dim: number;
  at: Date | string | null;
  stats: boolean;
}

/**
 * Decides what {@link ensureFeatureEmbeddings} must do. Reads the active version and
 * `feature_stats` (one row per extractor version; `count` is its number of vectors) — two
 * tiny queries, cheap enough to run every few seconds; `clip_features` is only scanned
 * when no statistics exist at all.
 */
async function featureEmbeddingPlan(db: DbOrTx): Promise<FeaturePlan> {
  const active = await activeEmbeddingVersion(db);
  const keep = (v: EmbeddingVersionRow): FeaturePlan => ({
    action: 'keep',
    result: { versionId: v.id, created: false, source: v.source },
  });
  if (active && active.source !== 'features') return keep(active);
  // The extractor version with the most clips (the current one once re-extraction caught up).
  let [best] = await execRows<ExtractorDbRow>(
    db,
    sql`select extractor_version, array_length(mean, 1) as dim, updated_at as at, true as stats
          from feature_stats where count > 0 order by count desc, updated_at desc limit 1`,
  );
  if (!best) {
    [best] = await execRows<ExtractorDbRow>(
      db,
      sql`select extractor_version, mode() within group (order by array_length(vector, 1)) as dim,
                 null::timestamptz as at, false as stats
            from clip_features group by extractor_version order by count(*) desc limit 1`,
    );
  }
  if (!best?.dim) return active ? keep(active) : { action: 'none' };
  const build: FeaturePlan = {
    action: 'build',
    extractorVersion: best.extractor_version,
    dim: Number(best.dim),
    hasStats: Boolean(best.stats),
  };
  if (!active) return build;
  const featuresChanged = best.at !== null && new Date(best.at).getTime() > active.createdAt.getTime();
  return featuresChanged || active.dim !== Number(best.dim) ? build : keep(active);
}

/**
 * Deletes retired 'features' versions beyond the newest few, with their pgvector index if one was
 * built; never one a running canary or experiment serves (a rebuild retires the active version,
 * which may be an experiment's control).
 */
async function pruneFeatureVersions(db: DbOrTx): Promise<number[]> {
  const rows = await execRows<{ id: number }>(
    db,
    sql`delete from embedding_versions
         where source = 'features' and status = 'retired'
           and id not in (select id from embedding_versions where source = 'features' and status <> 'building'
                           order by id desc limit ${KEEP_FEATURE_VERSIONS})
           and id not in (${VERSIONS_IN_ROLLOUT})
        returning id`,
  );
  const ids = rows.map((r) => Number(r.id));
  for (const id of ids) await dropVersionAnnIndex(db, id).catch(() => {});
  return ids;
}
