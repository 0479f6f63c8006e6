import type { JobDefinition } from '@/lib/jobs/engine';
import { applyRetentionSpec } from '@/lib/catalog/jobs';
import { applyRetention } from '@/lib/catalog/retention';
import { audioStore } from '@/lib/storage';

/** Deletes raw audio of finished clips when the project does not retain audio (settings.retainAudio). */
export const applyRetentionJob: JobDefinition<{ limit: number }> = {
  ...applyRetentionSpec,
  async handler({ limit }, ctx) {
    return applyRetention(ctx.db, audioStore(), limit);
  },
};
