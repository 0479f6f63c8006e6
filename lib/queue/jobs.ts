import { z } from 'zod';
import type { JobSpec } from '@/lib/jobs/engine';

/** Returns abandoned clips to the queue even when nobody asks for the next clip (bound in jobs/reap-leases.ts). */
export const reapLeasesSpec: JobSpec<Record<string, never>> = {
  name: 'reap-leases',
  schema: z.object({}).strict() as never,
  options: { retryLimit: 1, retryDelay: 5, retryBackoff: false, expireInSeconds: 60 },
};
