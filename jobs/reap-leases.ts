import type { JobDefinition } from '@/lib/jobs/engine';
import { reapLeasesSpec } from '@/lib/queue/jobs';
import { reclaimExpiredLeases, vacuumQueueIfDead } from '@/lib/queue/repo';

/**
 * Returns abandoned clips to the queue even when nobody asks for the next clip, then vacuums the
 * clips table when enough dead rows piled up (the pick walks dead index entries until a VACUUM).
 */
export const reapLeasesJob: JobDefinition<Record<string, never>> = {
  ...reapLeasesSpec,
  async handler(_data, ctx) {
    const reclaimed = await reclaimExpiredLeases(ctx.db);
    return { reclaimed, vacuumed: await vacuumQueueIfDead(ctx.db) };
  },
};
