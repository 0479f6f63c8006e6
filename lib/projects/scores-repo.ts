import { and, asc, eq, gt, isNotNull, lt, sql } from 'drizzle-orm';
import { execRows, type DbOrTx } from '@/db/client';
import { clips, projectAnnotators, projectItems, projectScores, users } from '@/db/schema';
import { EXTRACTOR_VERSION } from '@/lib/audio/extract';
import type { AnnotatorAggregate, ClipAggregate } from './aggregate';
import type { ProjectScore } from './schemas';

/**
 * The one module that reads and writes `project_scores` and `project_annotators`: the stored
 * result of the last aggregation of a valence–arousal or pairwise project. A fit is written whole
 * (every item of the project, every annotator who answered) with one `updated_at`, the database's
 * `now()` of the writing transaction: that is the project's fit time.
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

/**
 * The clips of a project, by id (the rows the fit covers). A read of `project_items`, whose
 * writes belong to lib/projects/items-repo.ts and project creation.
 */
export async function readProjectClipIds(db: DbOrTx, projectId: string): Promise<string[]> {
  const rows = await db
    .select({ clipId: projectItems.clipId })
    .from(projectItems)
    .where(eq(projectItems.projectId, projectId))
    .orderBy(asc(projectItems.clipId));
  return rows.map((r) => r.clipId);
}

/**
 * Non-tags, unarchived projects whose stored fit is behind: answers the fit would use exist and
 * none was fitted yet; or, once fitted, an answer is newer than the fit, the number of such
 * answers differs from what the fit counted (an answer whose transaction began before the last fit
 * but committed after it carries an older `created_at`; the count still sees it; so does a
 * deleted answer), or the project's clips are not the fitted ones (clips synced in since); a
 * rating project also when a clip of it got features of the current extractor version after the
 * fit (the regression heads, lib/projects/va-heads.ts, would train on or predict it: an index probe
 * on clip_features per item, O(items)).
 * The answers counted are those lib/projects/aggregate.ts uses: ratings with both coordinates,
 * comparisons of two different items with a choice, about clips that are items of the project.
 * `onlyProjectId` narrows to one project.
 */
export async function projectsBehindTheirAnswers(db: DbOrTx, onlyProjectId?: string): Promise<string[]> {
  const only = onlyProjectId ? sql`and p.id = ${onlyProjectId}` : sql``;
  const rows = await execRows<{ project_id: string }>(
    db,
    sql`with cand as (
          select p.id, p.question_type from projects p
           where p.question_type <> 'tags' and p.archived_at is null ${only}
        ), used as (
          select a.project_id, count(*)::int as n, max(a.created_at) as newest
            from project_answers a
            join cand p on p.id = a.project_id
            join project_items i on i.project_id = a.project_id and i.clip_id = a.clip_id
            left join project_items ib on ib.project_id = a.project_id and ib.clip_id = a.clip_b_id
           where (p.question_type = 'valence_arousal' and a.clip_b_id is null and a.valence is not null and a.arousal is not null)
              or (p.question_type = 'pairwise' and a.choice is not null and ib.clip_id is not null and a.clip_b_id <> a.clip_id)
           group by a.project_id
        ), fitted as (
          select s.project_id, count(*)::int as clips, sum(s.answer_count)::int as n, max(s.updated_at) as at
            from project_scores s
           where s.project_id in (select id from cand)
           group by s.project_id
        ), items as (
          select i.project_id, count(*)::int as n
            from project_items i
           where i.project_id in (select id from cand)
           group by i.project_id
        ), featured as (
          select i.project_id, max(f.created_at) as newest
            from project_items i
            join cand p on p.id = i.project_id and p.question_type = 'valence_arousal'
            join clip_features f on f.clip_id = i.clip_id and f.extractor_version = ${EXTRACTOR_VERSION}
           group by i.project_id
        )
        select p.id as project_id
          from cand p
          left join used u on u.project_id = p.id
          left join fitted f on f.project_id = p.id
          left join items it on it.project_id = p.id
          left join featured fe on fe.project_id = p.id
         where (f.project_id is null and u.project_id is not null)
            or (f.project_id is not null and (
                  coalesce(u.newest, '-infinity'::timestamptz) > f.at
                  -- a comparison counts for both of its clips
                  or coalesce(u.n, 0) <> (case when p.question_type = 'pairwise' then f.n / 2 else f.n end)
                  or coalesce(it.n, 0) <> f.clips
                  or coalesce(fe.newest, '-infinity'::timestamptz) > f.at))
         order by p.id`,
  );
  return rows.map((r) => r.project_id);
}

/** Rows per insert statement: 12 parameters a row stays far below PostgreSQL's 65,535. */
const CHUNK = 1000;

/**
 * Store a fit: upsert every clip's aggregate and every annotator's parameters stamped with this
 * transaction's `now()`, then delete the rows that carry an older stamp (clips no longer items,
 * annotators no longer answering). Run it inside the caller's transaction so readers see the old
 * fit or the new one, never half of each. Returns the fit time.
 */
export async function writeProjectFit(
  tx: DbOrTx,
  projectId: string,
  scores: readonly ClipAggregate[],
  annotators: readonly AnnotatorAggregate[],
): Promise<Date> {
  const [{ now }] = await execRows<{ now: string | Date }>(tx, sql`select now() as now`);
  const fittedAt = new Date(now);
  for (let i = 0; i < scores.length; i += CHUNK) {
    await tx
      .insert(projectScores)
      .values(scores.slice(i, i + CHUNK).map((s) => ({ projectId, ...s, updatedAt: sql`now()` })))
      .onConflictDoUpdate({
        target: [projectScores.projectId, projectScores.clipId],
        set: {
          valence: sql`excluded.valence`,
          valenceSd: sql`excluded.valence_sd`,
          arousal: sql`excluded.arousal`,
          arousalSd: sql`excluded.arousal_sd`,
          score: sql`excluded.score`,
          scoreSd: sql`excluded.score_sd`,
          rank: sql`excluded.rank`,
          answerCount: sql`excluded.answer_count`,
          updatedAt: sql`now()`,
        },
      });
  }
  for (let i = 0; i < annotators.length; i += CHUNK) {
    await tx
      .insert(projectAnnotators)
      .values(annotators.slice(i, i + CHUNK).map((a) => ({ projectId, ...a, updatedAt: sql`now()` })))
      .onConflictDoUpdate({
        target: [projectAnnotators.projectId, projectAnnotators.userId],
        set: { params: sql`excluded.params`, answerCount: sql`excluded.answer_count`, updatedAt: sql`now()` },
      });
  }
  await tx.delete(projectScores).where(and(eq(projectScores.projectId, projectId), lt(projectScores.updatedAt, sql`now()`)));
  await tx
    .delete(projectAnnotators)
    .where(and(eq(projectAnnotators.projectId, projectId), lt(projectAnnotators.updatedAt, sql`now()`)));
  return fittedAt;
}

/** A stored score with the clip's catalog identity: the shape of `ProjectScore`. */
const SCORE_COLUMNS = {
  clipId: projectScores.clipId,
  sha256: clips.sha256,
  title: clips.title,
  artist: clips.artist,
  answerCount: projectScores.answerCount,
  valence: projectScores.valence,
  valenceSd: projectScores.valenceSd,
  arousal: projectScores.arousal,
  arousalSd: projectScores.arousalSd,
  score: projectScores.score,
  scoreSd: projectScores.scoreSd,
  rank: projectScores.rank,
};

export interface StoredAnnotator {
  userId: string;
  name: string;
  answerCount: number;
  params: Record<string, number>;
}

/**
 * The stored fit as experts and engineers see it: every clip's aggregate with its catalog
 * identity (pairwise: by rank, clips never compared last; ratings: by title), the annotators
 * (most answers first) and the fit time (null before the first fit).
 */
export async function readProjectResults(
  db: DbOrTx,
  projectId: string,
): Promise<{ scores: ProjectScore[]; annotators: StoredAnnotator[]; fittedAt: Date | null }> {
  const scores = await db
    .select(SCORE_COLUMNS)
    .from(projectScores)
    .innerJoin(clips, eq(clips.id, projectScores.clipId))
    .where(eq(projectScores.projectId, projectId))
    .orderBy(sql`${projectScores.rank} asc nulls last`, asc(clips.title), asc(projectScores.clipId));
  const annotators = await db
    .select({
      userId: projectAnnotators.userId,
      name: users.name,
      answerCount: projectAnnotators.answerCount,
      params: projectAnnotators.params,
    })
    .from(projectAnnotators)
    .innerJoin(users, eq(users.id, projectAnnotators.userId))
    .where(eq(projectAnnotators.projectId, projectId))
    .orderBy(sql`${projectAnnotators.answerCount} desc`, asc(users.name));
  const [last] = await execRows<{ at: string | Date | null }>(
    db,
    sql`select max(updated_at) as at from project_scores where project_id = ${projectId}`,
  );
  return { scores, annotators, fittedAt: last?.at ? new Date(last.at) : null };
}

/**
 * One page of a project's stored scores with the clips' identity, by clip id after `afterClipId`
 * (keyset paging: the export streams a page at a time).
 */
export async function readScorePage(db: DbOrTx, projectId: string, afterClipId: string | null, limit: number): Promise<ProjectScore[]> {
  return db
    .select(SCORE_COLUMNS)
    .from(projectScores)
    .innerJoin(clips, eq(clips.id, projectScores.clipId))
    .where(
      and(eq(projectScores.projectId, projectId), afterClipId ? gt(projectScores.clipId, afterClipId) : undefined),
    )
    .orderBy(asc(projectScores.clipId))
    .limit(limit);
}

/** A rated clip's aggregated (valence, arousal) point with its catalog identity. */
export interface RatedPoint {
  clipId: string;
  title: string;
  artist: string;
  valence: number;
  arousal: number;
  answerCount: number;
}

/** Every clip of a rating project that someone rated, with its aggregated point (the point recommender's crowd side). */
export async function readRatedPoints(db: DbOrTx, projectId: string): Promise<RatedPoint[]> {
  const rows = await db
    .select({
      clipId: projectScores.clipId,
      title: clips.title,
      artist: clips.artist,
      valence: projectScores.valence,
      arousal: projectScores.arousal,
      answerCount: projectScores.answerCount,
    })
    .from(projectScores)
    .innerJoin(clips, eq(clips.id, projectScores.clipId))
    .where(
      and(
        eq(projectScores.projectId, projectId),
        gt(projectScores.answerCount, 0),
        isNotNull(projectScores.valence),
        isNotNull(projectScores.arousal),
      ),
    )
    .orderBy(asc(projectScores.clipId));
  return rows.map((r) => ({ ...r, valence: r.valence as number, arousal: r.arousal as number }));
}
