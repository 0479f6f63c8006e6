import type { JobDefinition } from '@/lib/jobs/engine';
import { expireProjectLeases } from '@/lib/projects/items-repo';
import { reapLeasesSpec } from '@/lib/queue/jobs';
import { reclaimExpiredLeases, vacuumQueueIfDead } from '@/lib/queue/repo';

/**
 * Returns abandoned clips to the queue even when nobody asks for the next clip, then vacuums the
 * clips table when enough dead rows piled up (the pick walks dead index entries until a VACUUM).
 * Projects' leases past expiry are marked expired in their own statement (their slots are free
 * already: a project item counts live leases only).
 */
export const reapLeasesJob: JobDefinition<Record<string, never>> = {
  ...reapLeasesSpec,
  async handler(_data, ctx) {
    const reclaimed = await reclaimExpiredLeases(ctx.db);
    const projectLeasesExpired = await expireProjectLeases(ctx.db);
    return { reclaimed, projectLeasesExpired, vacuumed: await vacuumQueueIfDead(ctx.db) };
  },
};
