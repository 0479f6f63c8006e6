import { sql } from 'drizzle-orm';
import { execRows, type DbOrTx } from '@/db/client';
import { tagGuidelines } from '@/db/schema';

/**
 * The `tag_guidelines` table's one reader and writer, and the clip reads its views need. Example
 * clips are re-checked on every read: a clip made gold after it was chosen drops out of the
 * guideline (a gold clip's answer must never be shown as an example).
 */

export interface GuidelineRow {
  tagKey: string;
  text: string;
  exampleClipIds: string[];
  updatedAt: Date;
}

export async function allGuidelines(db: DbOrTx): Promise<GuidelineRow[]> {
  return db
    .select({
      tagKey: tagGuidelines.tagKey,
      text: tagGuidelines.text,
      exampleClipIds: tagGuidelines.exampleClipIds,
      updatedAt: tagGuidelines.updatedAt,
    })
    .from(tagGuidelines);
}

export async function getGuideline(db: DbOrTx, tagKey: string): Promise<GuidelineRow | undefined> {
  return (await allGuidelines(db)).find((g) => g.tagKey === tagKey);
}

export async function upsertGuideline(
  db: DbOrTx,
  row: { tagKey: string; text: string; exampleClipIds: string[] },
  updatedBy: string,
): Promise<void> {
  await db
    .insert(tagGuidelines)
    .values({ ...row, updatedBy })
    .onConflictDoUpdate({
      target: tagGuidelines.tagKey,
      set: { text: row.text, exampleClipIds: row.exampleClipIds, updatedBy, updatedAt: sql`now()` },
    });
}

export interface ExampleClipRow {
  id: string;
  title: string;
  artist: string;
  durationS: number | null;
  excerptStartS: number;
  playbackGainDb: number;
}

type ClipSqlRow = {
  id: string;
  title: string;
  artist: string;
  duration_s: number | null;
  excerpt_start_s: number;
  playback_gain_db: number;
};
const toClip = (r: ClipSqlRow): ExampleClipRow => ({
  id: r.id,
  title: r.title,
  artist: r.artist,
  durationS: r.duration_s === null ? null : Number(r.duration_s),
  excerptStartS: Number(r.excerpt_start_s),
  playbackGainDb: Number(r.playback_gain_db),
});

/** The playable clips among `ids` that may be shown as examples: existing, with audio, not gold. */
export async function showableExamples(db: DbOrTx, ids: readonly string[]): Promise<Map<string, ExampleClipRow>> {
  if (ids.length === 0) return new Map();
  const rows = await execRows<ClipSqlRow>(
    db,
    sql`select c.id, c.title, c.artist, c.duration_s, c.excerpt_start_s, c.playback_gain_db from clips c
        where c.id::text in (select jsonb_array_elements_text(${JSON.stringify(ids)}::jsonb))
          and c.status <> 'failed' and c.audio_key is not null
          and not exists (select 1 from gold_answers g where g.clip_id = c.id)`,
  );
  return new Map(rows.map((r) => [r.id, toClip(r)]));
}

/**
 * Clips an expert may choose as examples of `tag`: settled (consensus or expert-resolved) with the
 * mood applying, not gold, with audio; the surest first. O(settled clips with the tag).
 */
export async function exampleCandidates(
  db: DbOrTx,
  tag: string,
  limit: number,
): Promise<(ExampleClipRow & { posterior: number; labelState: string })[]> {
  const rows = await execRows<ClipSqlRow & { posterior: number; label_state: string }>(
    db,
    sql`select c.id, c.title, c.artist, c.duration_s, c.excerpt_start_s, c.playback_gain_db, a.posterior, c.label_state
        from aggregates a join clips c on c.id = a.clip_id
        where a.tag = ${tag} and a.label and c.label_state in ('consensus', 'expert_resolved')
          and c.status <> 'failed' and c.audio_key is not null
          and not exists (select 1 from gold_answers g where g.clip_id = c.id)
        order by a.posterior desc, c.id
        limit ${limit}::int`,
  );
  return rows.map((r) => ({ ...toClip(r), posterior: Number(r.posterior), labelState: r.label_state }));
}
