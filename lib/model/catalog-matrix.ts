/**
 * The catalog matrix: every clip with a feature vector of one extractor version, with its label
 * state and crowd posteriors, as typed arrays — the shared input of training (lib/model/service)
 * and rescoring (lib/active/service). Reads clips, clip_features, dataset_splits and aggregates.
 */
import { sql } from 'drizzle-orm';
import { execRows, type DbOrTx } from '@/db/client';
import { decodeFloat4Array, pgTextArray } from '@/lib/util/pg-arrays';

export type LabelStateName = 'open' | 'consensus' | 'disputed' | 'expert_resolved';
export type StoredSplit = 'train' | 'validation' | 'test' | null;

/**
 * Every clip that has a feature vector of one extractor version, in clip-id order, as typed
 * arrays: the shared input of training (the labelled rows) and rescoring (all rows).
 * `posteriors`/`confidences` are n×t aligned with `tags`; NaN where the clip has no aggregate
 * for that tag (never voted on).
 */
export interface CatalogMatrix {
  featureVersion: string;
  tags: string[];
  n: number;
  d: number;
  t: number;
  ids: string[];
  x: Float32Array;
  labelState: LabelStateName[];
  voteCount: Int32Array;
  overlapTarget: Int32Array;
  artist: string[];
  /** The clip's stored split in dataset_splits, or null when it has none yet. */
  storedSplit: StoredSplit[];
  posteriors: Float32Array;
  confidences: Float32Array;
  /** Whether the clip has any aggregate row (someone voted, or an expert decided). */
  hasAggregates: Uint8Array;
}

const PAGE = 5000;

/**
 * Reads the catalog matrix: clips with features page by page (keyset on clip id, 5,000 rows
 * per statement, vectors in binary), then the posteriors of every clip that has aggregates in
 * one grouped scan. O(n·(d + t)) memory.
 */
export async function loadCatalogMatrix(
  db: DbOrTx,
  options: { featureVersion: string; tags: readonly string[]; onPage?: (rows: number) => Promise<void> | void },
): Promise<CatalogMatrix> {
  const { featureVersion } = options;
  const tags = [...options.tags];
  const t = tags.length;
  const ids: string[] = [];
  const labelState: LabelStateName[] = [];
  const artist: string[] = [];
  const storedSplit: StoredSplit[] = [];
  const voteCount: number[] = [];
  const overlapTarget: number[] = [];
  let x = new Float32Array(0);
  let d = -1;
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const rows = await execRows<{
      id: string;
      label_state: LabelStateName;
      vote_count: number;
      overlap_target: number;
      artist: string;
      split: StoredSplit;
      vector: Uint8Array;
      dim: number;
    }>(
      db,
      sql`select c.id, c.label_state, c.vote_count, c.overlap_target, c.artist, s.split,
                 array_send(f.vector) as vector, coalesce(array_length(f.vector, 1), 0) as dim
          from clips c
          join clip_features f on f.clip_id = c.id and f.extractor_version = ${featureVersion}
          left join dataset_splits s on s.clip_id = c.id
          where c.id > ${after}::uuid and c.status <> 'failed'
          order by c.id
          limit ${PAGE}`,
    );
    if (rows.length === 0) break;
    for (const row of rows) {
      const i = ids.length;
      if (d < 0) {
        d = Number(row.dim);
        x = new Float32Array(PAGE * 4 * d);
      }
      if (Number(row.dim) !== d)
        throw new Error(`clip ${row.id}: feature vector has ${row.dim} values, expected ${d} (${featureVersion})`);
      if ((i + 1) * d > x.length) x = grow(x, 2 * x.length);
      decodeFloat4Array(row.vector, x, i * d, d);
      ids.push(row.id);
      labelState.push(row.label_state);
      voteCount.push(Number(row.vote_count));
      overlapTarget.push(Number(row.overlap_target));
      artist.push(row.artist);
      storedSplit.push(row.split ?? null);
    }
    after = rows[rows.length - 1].id;
    await options.onPage?.(ids.length);
    if (rows.length < PAGE) break;
  }
  const n = ids.length;
  if (d < 0) d = 0;
  const posteriors = new Float32Array(n * t).fill(NaN);
  const confidences = new Float32Array(n * t).fill(NaN);
  const hasAggregates = new Uint8Array(n);
  if (n > 0 && t > 0) {
    const index = new Map(ids.map((id, i) => [id, i]));
    // One grouped scan of aggregates (a lateral probe per clip costs ~3× more at 100,000 clips).
    const rows = await execRows<{ clip_id: string; ords: number[]; post: number[]; conf: number[] }>(
      db,
      sql`select a.clip_id, array_agg(k.ord::int) as ords, array_agg(a.posterior) as post, array_agg(a.confidence) as conf
          from aggregates a
          join unnest(${pgTextArray(tags)}::text[]) with ordinality k(tag, ord) on k.tag = a.tag
          group by a.clip_id`,
    );
    for (const row of rows) {
      const i = index.get(row.clip_id);
      if (i === undefined) continue;
      hasAggregates[i] = 1;
      for (let m = 0; m < row.ords.length; m++) {
        const j = Number(row.ords[m]) - 1;
        posteriors[i * t + j] = Number(row.post[m]);
        confidences[i * t + j] = Number(row.conf[m]);
      }
    }
  }
  return {
    featureVersion,
    tags,
    n,
    d,
    t,
    ids,
    x: x.slice(0, n * d),
    labelState,
    voteCount: Int32Array.from(voteCount),
    overlapTarget: Int32Array.from(overlapTarget),
    artist,
    storedSplit,
    posteriors,
    confidences,
    hasAggregates,
  };
}

function grow<T extends Float32Array | Uint8Array>(a: T, size: number): T {
  const next = new (a.constructor as new (n: number) => T)(size);
  next.set(a);
  return next;
}
