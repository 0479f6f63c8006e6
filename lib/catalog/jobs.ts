import { z } from 'zod';
import type { JobSpec } from '@/lib/jobs/engine';

/** Deletes raw audio of finished clips when the project does not retain audio (bound in jobs/apply-retention.ts). */
export const applyRetentionSpec: JobSpec<{ limit: number }> = {
  name: 'apply-retention',
  schema: z.object({ limit: z.number().int().min(1).max(10_000).default(500) }),
  options: { retryLimit: 2, retryDelay: 60, retryBackoff: true, expireInSeconds: 15 * 60, singletonKey: 'apply-retention' },
};
