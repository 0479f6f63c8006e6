import { z } from 'zod';
import type { JobDefinition } from '@/lib/jobs/engine';
import { applyRetention } from '@/lib/catalog/retention';
import { audioStore } from '@/lib/storage';

/** Deletes raw audio of finished clips when the project does not retain audio (settings.retainAudio). */
export const applyRetentionJob: JobDefinition<{ limit: number }> = {
  name: 'apply-retention',
  schema: z.object({ limit: z.number().int().min(1).max(10_000).default(500) }),
  options: { retryLimit: 2, retryDelay: 60, retryBackoff: true, expireInSeconds: 15 * 60, singletonKey: 'apply-retention' },
  async handler({ limit }, ctx) {
    return applyRetention(ctx.db, audioStore(), limit);
  },
};
