import { and, eq, isNotNull } from 'drizzle-orm';
import type { DbOrTx } from '@/db';
import { projectScores } from '@/db/schema';

/**
 * The one module that reads and writes `project_scores` and `project_annotators`: the stored
 * result of the last aggregation of a valence–arousal or pairwise project.
 */

/**
 * The current pairwise fit per clip (θ and its sd), for the pairwise queue to choose the pair
 * whose answer would change the ranking most. Clips never fitted are absent.
 */
export async function readScoreFit(db: DbOrTx, projectId: string): Promise<Map<string, { score: number; scoreSd: number }>> {
  const rows = await db
    .select({ clipId: projectScores.clipId, score: projectScores.score, scoreSd: projectScores.scoreSd })
    .from(projectScores)
    .where(and(eq(projectScores.projectId, projectId), isNotNull(projectScores.score), isNotNull(projectScores.scoreSd)));
  const fit = new Map<string, { score: number; scoreSd: number }>();
  for (const r of rows) fit.set(r.clipId, { score: r.score as number, scoreSd: r.scoreSd as number });
  return fit;
}
