import { sql } from 'drizzle-orm';
import { execRows, type DbOrTx } from '@/db/client';

/** The only module that touches `imported_predictions` (and reads `predictions` for the export). */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const SHA256 = /^[0-9a-f]{64}$/;
const BATCH = 1000;

/** Clip references (id or sha256, lower-case) → clip id, for the ones that exist. */
export async function resolveClipRefs(db: DbOrTx, refs: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const ids = [...new Set(refs.filter((r) => UUID.test(r)))];
  const shas = [...new Set(refs.filter((r) => SHA256.test(r)))];
  for (let i = 0; i < ids.length; i += BATCH) {
    const rows = await execRows<{ id: string }>(
      db,
      sql`select c.id from jsonb_array_elements_text(${JSON.stringify(ids.slice(i, i + BATCH))}::jsonb) as x(v) join clips c on c.id = x.v::uuid`,
    );
    for (const r of rows) out.set(r.id.toLowerCase(), r.id);
  }
  for (let i = 0; i < shas.length; i += BATCH) {
    const rows = await execRows<{ id: string; sha256: string }>(
      db,
      sql`select c.id, c.sha256 from jsonb_array_elements_text(${JSON.stringify(shas.slice(i, i + BATCH))}::jsonb) as x(v) join clips c on c.sha256 = x.v`,
    );
    for (const r of rows) out.set(r.sha256.toLowerCase(), r.id);
  }
  return out;
}

export interface ImportedPrediction {
  clipId: string;
  tags: string[];
  probs: number[];
  uncertainty: number;
}

/** Writes (or replaces) imported predictions; returns how many were new and how many replaced. */
export async function upsertImported(
  tx: DbOrTx,
  rows: readonly ImportedPrediction[],
  meta: { source: string; taxonomyVersion: number; importedBy: string | null },
): Promise<{ created: number; replaced: number }> {
  let created = 0;
  let replaced = 0;
  for (let i = 0; i < rows.length; i += BATCH) {
    const json = JSON.stringify(
      rows.slice(i, i + BATCH).map((r) => ({ clip_id: r.clipId, tags: r.tags, probs: r.probs, uncertainty: r.uncertainty })),
    );
    const written = await execRows<{ inserted: boolean }>(
      tx,
      sql`insert into imported_predictions (clip_id, source, tag_keys, probs, uncertainty, taxonomy_version, imported_by, imported_at)
          select x.clip_id, ${meta.source}, x.tags, x.probs, x.uncertainty, ${meta.taxonomyVersion}, ${meta.importedBy}::uuid, now()
          from jsonb_to_recordset(${json}::jsonb) as x(clip_id uuid, tags text[], probs real[], uncertainty real)
          on conflict (clip_id) do update set source = excluded.source, tag_keys = excluded.tag_keys, probs = excluded.probs,
            uncertainty = excluded.uncertainty, taxonomy_version = excluded.taxonomy_version,
            imported_by = excluded.imported_by, imported_at = excluded.imported_at
          returning (xmax = 0) as inserted`,
    );
    for (const w of written)
      if (w.inserted) created++;
      else replaced++;
  }
  return { created, replaced };
}

/** clip id → the uncertainty of its imported prediction (the cold start's uncertainty signal). */
export async function importedUncertainties(db: DbOrTx): Promise<Map<string, number>> {
  const rows = await execRows<{ clip_id: string; uncertainty: number }>(
    db,
    sql`select clip_id, uncertainty from imported_predictions`,
  );
  return new Map(rows.map((r) => [r.clip_id, Number(r.uncertainty)]));
}

export async function countImported(db: DbOrTx): Promise<number> {
  const [row] = await execRows<{ n: number }>(db, sql`select count(*)::int as n from imported_predictions`);
  return Number(row?.n ?? 0);
}

/** The tags any imported prediction names, in first-seen order of the active taxonomy's key list. */
export async function importedTags(db: DbOrTx): Promise<string[]> {
  const rows = await execRows<{ tag: string }>(
    db,
    sql`select distinct unnest(tag_keys) as tag from imported_predictions order by 1`,
  );
  return rows.map((r) => r.tag);
}

/**
 * Pages of (sha256, tag keys, probabilities) in clip-id order: the active model's predictions
 * (`modelId`), or the imported ones (`modelId` null).
 */
export async function* iteratePredictions(
  db: DbOrTx,
  modelId: number | null,
  pageSize = 2000,
): AsyncGenerator<{ sha256: string; tags: string[] | null; probs: number[] }[]> {
  let after = '00000000-0000-0000-0000-000000000000';
  for (;;) {
    const rows = await execRows<{ id: string; sha256: string; tags: string[] | null; probs: number[] }>(
      db,
      modelId === null
        ? sql`select c.id, c.sha256, p.tag_keys as tags, p.probs from imported_predictions p join clips c on c.id = p.clip_id
              where p.clip_id > ${after}::uuid order by p.clip_id limit ${pageSize}`
        : sql`select c.id, c.sha256, null::text[] as tags, p.probs from predictions p join clips c on c.id = p.clip_id
              where p.model_id = ${modelId} and p.clip_id > ${after}::uuid order by p.clip_id limit ${pageSize}`,
    );
    if (rows.length === 0) return;
    after = rows[rows.length - 1].id;
    yield rows.map((r) => ({ sha256: r.sha256, tags: r.tags, probs: r.probs.map(Number) }));
    if (rows.length < pageSize) return;
  }
}
