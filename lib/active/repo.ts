/**
 * The writes rescoring makes: predictions and queue priorities with their terms (as array
 * parameters, lib/util/pg-arrays). The drift/listener-feedback signals of the labeling queue are
 * ./signals-repo; the catalog matrix rescoring reads is lib/model/catalog-matrix; embedding
 * versions are lib/embeddings/repo.
 */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '@/db/client';
import { OUTPUT_DIGITS, pgFloatArray, pgTextArray } from '@/lib/util/pg-arrays';

/** Upserts one model's predictions (probabilities n×t, mean uncertainty n) in batches. */
export async function writePredictions(
  db: DbOrTx,
  modelId: number,
  ids: readonly string[],
  probs: ArrayLike<number>,
  t: number,
  uncertainty: ArrayLike<number>,
  batch = 5000,
): Promise<void> {
  for (let start = 0; start < ids.length; start += batch) {
    const end = Math.min(ids.length, start + batch);
    await db.execute(
      sql`insert into predictions (clip_id, model_id, probs, uncertainty, created_at)
          select u.id, ${modelId}, p.probs[(u.ord - 1) * ${t} + 1 : u.ord * ${t}], u.unc, now()
          from unnest(${pgTextArray(ids.slice(start, end))}::uuid[], ${pgFloatArray(uncertainty, start, end, OUTPUT_DIGITS)}::real[])
                 with ordinality u(id, unc, ord),
               (select ${pgFloatArray(probs, start * t, end * t, OUTPUT_DIGITS)}::real[] as probs) p
          on conflict (clip_id, model_id) do update
            set probs = excluded.probs, uncertainty = excluded.uncertainty, created_at = excluded.created_at`,
    );
  }
}

/** Drops predictions of every model except `keepModelId` and the active one (only those are read). */
export async function deleteOtherPredictions(db: DbOrTx, keepModelId: number | null): Promise<void> {
  await db.execute(
    sql`delete from predictions
        where model_id not in (select id from models where status = 'active')
          ${keepModelId === null ? sql`` : sql`and model_id <> ${keepModelId}`}`,
  );
}

/** Sets clips.priority and clips.priority_terms ({ term: contribution }) in batches. */
export async function writePriorities(
  db: DbOrTx,
  ids: readonly string[],
  priority: ArrayLike<number>,
  terms: readonly Record<string, number>[],
  batch = 5000,
): Promise<void> {
  for (let start = 0; start < ids.length; start += batch) {
    const end = Math.min(ids.length, start + batch);
    await db.execute(
      sql`update clips c set priority = u.p, priority_terms = t.terms
          from unnest(${pgTextArray(ids.slice(start, end))}::uuid[], ${pgFloatArray(priority, start, end, 10)}::float8[])
                 with ordinality u(id, p, ord)
          join jsonb_array_elements(${JSON.stringify(terms.slice(start, end))}::jsonb) with ordinality t(terms, ord) using (ord)
          where c.id = u.id`,
    );
  }
}
