import { asc, eq, sql } from 'drizzle-orm';
import { execRows, type DbOrTx } from '@/db/client';
import { projectAnswers, type PAIRWISE_CHOICES } from '@/db/schema';

type PairwiseChoice = (typeof PAIRWISE_CHOICES)[number];

/**
 * The one module that reads and writes the queue state of valence–arousal and pairwise projects:
 * `project_items` counters and priorities, `project_leases` and `project_answers`. (Project
 * creation inserts the `project_items` rows; everything after that goes through here.)
 */

/**
 * Sets the queue priority of the listed clips of a project in one statement (the aggregation's
 * posterior spread or expected ranking change). Clips not listed keep theirs; clips that are not
 * items of the project are ignored.
 */
export async function setItemPriorities(
  db: DbOrTx,
  projectId: string,
  entries: { clipId: string; priority: number }[],
): Promise<number> {
  if (entries.length === 0) return 0;
  const json = JSON.stringify(entries.map((e) => ({ clip_id: e.clipId, priority: e.priority })));
  const rows = await execRows<{ clip_id: string }>(
    db,
    sql`update project_items i set priority = x.priority
          from jsonb_to_recordset(${json}::jsonb) as x(clip_id uuid, priority double precision)
         where i.project_id = ${projectId} and i.clip_id = x.clip_id
        returning i.clip_id`,
  );
  return rows.length;
}

export interface StoredAnswer {
  userId: string;
  clipId: string;
  /** Pairwise: the second clip of the comparison (null for a rating). */
  clipBId: string | null;
  valence: number | null;
  arousal: number | null;
  /** Pairwise: 'a' = clipId is more <attribute>, 'b' = clipBId is, 'same'. */
  choice: PairwiseChoice | null;
  createdAt: Date;
}

/** Every stored answer of a project, oldest first (what the aggregation fits). */
export async function readAnswers(db: DbOrTx, projectId: string): Promise<StoredAnswer[]> {
  return db
    .select({
      userId: projectAnswers.userId,
      clipId: projectAnswers.clipId,
      clipBId: projectAnswers.clipBId,
      valence: projectAnswers.valence,
      arousal: projectAnswers.arousal,
      choice: projectAnswers.choice,
      createdAt: projectAnswers.createdAt,
    })
    .from(projectAnswers)
    .where(eq(projectAnswers.projectId, projectId))
    .orderBy(asc(projectAnswers.createdAt), asc(projectAnswers.id));
}
