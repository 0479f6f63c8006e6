import type { JobDefinition } from '@/lib/jobs/engine';
import {
  aggregateProjectNow,
  aggregateProjectsSpec,
  aggregateStaleProjects,
  type AggregateProjectsPayload,
} from '@/lib/projects/aggregation-service';

/**
 * Fits valence–arousal and pairwise projects: on the schedule every project whose fit is behind
 * its answers (a minute with no new answer writes nothing), on demand one project. One at a time
 * per worker; writes are whole fits in one transaction, so a rerun is harmless.
 */
export const aggregateProjectsJob: JobDefinition<AggregateProjectsPayload> = {
  ...aggregateProjectsSpec,
  concurrency: 1,
  async handler({ projectId, force }, ctx) {
    if (projectId) return aggregateProjectNow(ctx.db, projectId, { force });
    return aggregateStaleProjects(ctx.db, (fraction, message) => ctx.progress(fraction, message));
  },
};
