import type { JobDefinition } from '@/lib/jobs/engine';
import {
  aggregateProjectNow,
  aggregateProjectsSpec,
  aggregateStaleProjects,
  type AggregateProjectsPayload,
} from '@/lib/projects/aggregation-service';
import { syncAllProjectItems } from '@/lib/projects/service';

/**
 * Fits valence–arousal and pairwise projects. On the schedule: first adds newly ingested clips
 * to the projects whose filter they match, then fits every project whose fit is behind its
 * answers or its clips (a quiet minute writes nothing). On demand: one project. One at a time per
 * worker; writes are whole fits in one transaction, so a rerun is harmless.
 */
export const aggregateProjectsJob: JobDefinition<AggregateProjectsPayload> = {
  ...aggregateProjectsSpec,
  concurrency: 1,
  async handler({ projectId, force }, ctx) {
    if (projectId) return aggregateProjectNow(ctx.db, projectId, { force });
    // New catalog clips join the projects whose filter they match first, so this run fits them too.
    await syncAllProjectItems(ctx.db);
    return aggregateStaleProjects(ctx.db, (fraction, message) => ctx.progress(fraction, message));
  },
};
