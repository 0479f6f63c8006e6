import type { JobDefinition } from '@/lib/jobs/engine';
import { reapLeasesSpec } from '@/lib/queue/jobs';
import { reclaimExpiredLeases } from '@/lib/queue/repo';

/** Returns abandoned clips to the queue even when nobody asks for the next clip. */
export const reapLeasesJob: JobDefinition<Record<string, never>> = {
  ...reapLeasesSpec,
  async handler(_data, ctx) {
    return { reclaimed: await reclaimExpiredLeases(ctx.db) };
  },
};
