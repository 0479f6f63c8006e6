import { z } from 'zod';
import type { Db } from '@/db/client';
import type { JobSpec } from '@/lib/jobs/engine';
import { badRequest, notFound } from '@/lib/errors';
import { jobEngine } from '@/lib/jobs/runtime';
import { logger } from '@/lib/observability/log';
import { requireProject, type ProjectCaller } from './access';
import { aggregateProject } from './aggregate';
import { setItemPriorities, readAnswers } from './items-repo';
import { findProjectById } from './repo';
import type { ProjectResults } from './schemas';
import { projectsBehindTheirAnswers, readProjectClipIds, readProjectResults, writeProjectFit } from './scores-repo';
import { getProjectView } from './service';
import { readVaHeadsView, storeVaHeads, trainVaHeads } from './va-heads';

/**
 * Aggregation of valence–arousal and pairwise projects (I/O around lib/projects/aggregate.ts):
 * read a project's answers and clips, fit, and store the scores, the annotators and the queue
 * priorities in one transaction. Run every minute for projects whose fit is behind their answers,
 * and on demand (`queueProjectAggregation`, the results page's "Recompute now", `chorus project-data aggregate`).
 */

export const AggregateProjectsPayloadSchema = z
  .object({
    /** One project (on demand); absent = every project whose fit is behind its answers (the schedule). */
    projectId: z.string().uuid().optional(),
    /** Fit even when no answer arrived since the last fit. */
    force: z.boolean().default(false),
  })
  .strict();
export type AggregateProjectsPayload = z.infer<typeof AggregateProjectsPayloadSchema>;

/** Bound in jobs/aggregate-projects.ts. Stately: one waiting and one running, so a burst of requests is one rerun. */
export const aggregateProjectsSpec: JobSpec<AggregateProjectsPayload> = {
  name: 'aggregate-projects',
  schema: AggregateProjectsPayloadSchema as z.ZodType<AggregateProjectsPayload>,
  options: { retryLimit: 2, retryDelay: 30, retryBackoff: true, expireInSeconds: 15 * 60, singletonKey: 'aggregate-projects' },
  policy: 'stately',
};

export interface ProjectAggregation {
  projectId: string;
  /** 'fitted': a new fit was stored; 'current': no answer since the last fit, nothing written. */
  status: 'fitted' | 'current';
  answers: number;
  clips: number;
  annotators: number;
  fittedAt: string | null;
}

/**
 * Fit one project and store the result. Unless `force`, a project whose fit already covers its
 * answers is left alone (nothing written). Tags projects have their own pipeline (400).
 */
export async function aggregateProjectNow(db: Db, projectId: string, { force = false } = {}): Promise<ProjectAggregation> {
  const project = await findProjectById(db, projectId);
  if (!project) throw notFound(`no project with the id ${projectId}`);
  if (project.questionType === 'tags')
    throw badRequest(`"${project.slug}" is a tags project: the crowd aggregator (chorus aggregate, /loop) fits it`);
  const questionType = project.questionType;
  if (!force && (await projectsBehindTheirAnswers(db, projectId)).length === 0) {
    return { projectId, status: 'current', answers: 0, clips: 0, annotators: 0, fittedAt: null };
  }
  // Read and fit outside the transaction (the fit is CPU work); answers that arrive meanwhile
  // change the answer count, so the next scheduled run sees the project as behind again.
  const [clipIds, answers] = await Promise.all([readProjectClipIds(db, projectId), readAnswers(db, projectId)]);
  const fit = aggregateProject(questionType, clipIds, answers);
  // Rating projects: the regression heads learn from this fit, and their predicted spread orders
  // the clips nobody rated yet (lib/projects/va-heads.ts).
  const heads = questionType === 'valence_arousal' ? await trainVaHeads(db, projectId, fit.scores, fit.priorities) : null;
  const fittedAt = await db.transaction(async (tx) => {
    const at = await writeProjectFit(tx, projectId, fit.scores, fit.annotators);
    await setItemPriorities(tx, projectId, heads?.priorities ?? fit.priorities);
    if (heads) await storeVaHeads(tx, projectId, heads);
    return at;
  });
  // No log line here: the job's result is its record (job_runs), and the CLI prints it.
  const used = fit.annotators.reduce((t, a) => t + a.answerCount, 0);
  return {
    projectId,
    status: 'fitted',
    answers: used,
    clips: clipIds.length,
    annotators: fit.annotators.length,
    fittedAt: fittedAt.toISOString(),
  };
}

/**
 * The scheduled run: every project whose fit is behind its answers, one after another. A project
 * whose fit fails does not hold up the others; the run then fails naming it (so the job retries).
 */
export async function aggregateStaleProjects(
  db: Db,
  onProgress?: (fraction: number, message: string) => Promise<void> | void,
): Promise<ProjectAggregation[]> {
  const behind = await projectsBehindTheirAnswers(db);
  const done: ProjectAggregation[] = [];
  const failed: string[] = [];
  for (const [i, projectId] of behind.entries()) {
    try {
      done.push(await aggregateProjectNow(db, projectId));
    } catch (err) {
      logger().error({ err, projectId }, 'project aggregation failed');
      failed.push(`${projectId}: ${err instanceof Error ? err.message : String(err)}`);
    }
    await onProgress?.((i + 1) / behind.length, `${i + 1} of ${behind.length} projects fitted`);
  }
  if (failed.length > 0) throw new Error(`${failed.length} of ${behind.length} project fits failed (${failed.join('; ')})`);
  return done;
}

/**
 * Queues a fit of one project (forced: "Recompute now") and returns the job id, or null when
 * one is already waiting. Without a job engine in this process (tests, the CLI) the fit runs
 * inline and its result comes back instead.
 */
export async function queueProjectAggregation(
  db: Db,
  projectId: string,
): Promise<{ jobId: string | null; result?: ProjectAggregation }> {
  const engine = await jobEngine()?.catch(() => undefined);
  // Keyed per project, so asking for one project is not refused while the scheduled run waits.
  if (engine)
    return {
      jobId: await engine.enqueue(aggregateProjectsSpec, { projectId, force: true }, { singletonKey: `aggregate-projects:${projectId}` }),
    };
  return { jobId: null, result: await aggregateProjectNow(db, projectId, { force: true }) };
}

/**
 * The stored fit of a project as experts, engineers and admins see it (need review: a
 * contributor gets 403, a non-member 404). The tags project has no rows here (its results are
 * the crowd pipeline's).
 */
export async function getProjectResults(db: Db, caller: ProjectCaller, slug: string): Promise<ProjectResults> {
  const { project } = await requireProject(db, caller, slug, 'review');
  const [view, stored, heads] = await Promise.all([
    getProjectView(db, caller, slug),
    readProjectResults(db, project.id),
    readVaHeadsView(db, project.id),
  ]);
  // The page shows a prediction only where the crowd has nothing (a rated clip shows its ratings).
  const rated = new Set(stored.scores.filter((s) => s.answerCount > 0).map((s) => s.clipId));
  return {
    project: view,
    scores: stored.scores,
    annotators: stored.annotators,
    fittedAt: stored.fittedAt?.toISOString() ?? null,
    heads: heads.heads,
    predictions: heads.predictions.filter((p) => !rated.has(p.clipId)),
  };
}

/** "Recompute now" (need export: the project's engineers and admins): queue, or run inline without a job engine. */
export async function requestProjectAggregation(
  db: Db,
  caller: ProjectCaller,
  slug: string,
): Promise<{ jobId: string | null; result?: ProjectAggregation }> {
  const { project } = await requireProject(db, caller, slug, 'export');
  if (project.questionType === 'tags')
    throw badRequest(`"${project.slug}" is a tags project: the crowd aggregator (POST /api/crowd/aggregate) fits it`);
  return queueProjectAggregation(db, project.id);
}
