import { z } from 'zod';
import type { JobDefinition } from '@/lib/jobs/engine';
import { reclaimExpiredLeases } from '@/lib/queue/repo';

/** Returns abandoned clips to the queue even when nobody asks for the next clip. */
export const reapLeasesJob: JobDefinition<Record<string, never>> = {
  name: 'reap-leases',
  schema: z.object({}).strict() as never,
  options: { retryLimit: 1, retryDelay: 5, retryBackoff: false, expireInSeconds: 60 },
  async handler(_data, ctx) {
    return { reclaimed: await reclaimExpiredLeases(ctx.db) };
  },
};
