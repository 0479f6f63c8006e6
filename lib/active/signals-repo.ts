/**
 * The labeling queue's drift and listener-feedback signals (issue 20, item 4; migration
 * 0011_labeling_signals): the one owner of `clip_labeling_signals`, which each rescore replaces
 * and /review reads, and the rescore's read of listener reactions.
 */
import { sql } from 'drizzle-orm';
import { execRows, type Db, type DbOrTx } from '@/db/client';

/**
 * Listener reactions per clip: sessions that reacted to it at all (play, skip, like, dislike) and
 * those that skipped or disliked it. Read from the recommender's listener_events (a read-only look
 * across areas: lib/recommend imports this area, so the query lives here rather than a cycle).
 */
export async function listenerFeedbackByClip(
  db: DbOrTx,
): Promise<Map<string, { reactions: number; skips: number; dislikes: number }>> {
  const rows = await execRows<{ clip_id: string; reactions: number; skips: number; dislikes: number }>(
    db,
    sql`select clip_id::text as clip_id, count(distinct session_id)::int as reactions,
               (count(distinct session_id) filter (where kind = 'skip'))::int as skips,
               (count(distinct session_id) filter (where kind = 'dislike'))::int as dislikes
          from listener_events group by clip_id`,
  );
  return new Map(
    rows.map((r) => [r.clip_id, { reactions: Number(r.reactions), skips: Number(r.skips), dislikes: Number(r.dislikes) }]),
  );
}

/**
 * Replaces the stored drift/feedback boosts with this rescore's (clips without one have no row),
 * in one transaction, so /review never reads half of two rescores.
 */
export async function writeLabelingSignals(
  db: Db,
  rows: readonly { clipId: string; drift: number; feedback: number; reasons: string[] }[],
): Promise<void> {
  await db.transaction(async (tx) => {
    await tx.execute(sql`delete from clip_labeling_signals`);
    for (let start = 0; start < rows.length; start += 1000) {
      const part = rows.slice(start, start + 1000);
      await tx.execute(
        sql`insert into clip_labeling_signals (clip_id, drift, feedback, reasons)
            select (r->>'clipId')::uuid, (r->>'drift')::real, (r->>'feedback')::real, r->'reasons'
              from jsonb_array_elements(${JSON.stringify(part)}::jsonb) r`,
      );
    }
  });
}

/** The stored reasons of a clip's drift/feedback boost (empty when it has none). */
export async function labelingReasons(db: DbOrTx, clipId: string): Promise<string[]> {
  const [row] = await execRows<{ reasons: string[] }>(
    db,
    sql`select reasons from clip_labeling_signals where clip_id = ${clipId}`,
  );
  return row?.reasons ?? [];
}
