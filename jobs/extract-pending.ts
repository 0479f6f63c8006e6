import { z } from 'zod';
import type { JobDefinition } from '@/lib/jobs/engine';
import { EXTRACTOR_VERSION } from '@/lib/audio/extract';
import { env } from '@/lib/env';
import { clipsNeedingFeatures } from '@/lib/features/repo';
import { extractClips } from '@/lib/features/service';
import { audioStore } from '@/lib/storage';

/**
 * Sweeper: extracts clips that have no features of the current extractor version — new clips
 * whose job was lost, and every clip after an extractor upgrade (old vectors stay until then).
 */
export const extractPendingJob: JobDefinition<{ limit: number }> = {
  name: 'extract-pending',
  schema: z.object({ limit: z.number().int().min(1).max(1000).default(64) }),
  options: { retryLimit: 1, retryDelay: 30, retryBackoff: false, expireInSeconds: 30 * 60, singletonKey: 'extract-pending' },
  async handler({ limit }, ctx) {
    const ids = await clipsNeedingFeatures(ctx.db, EXTRACTOR_VERSION, limit);
    const outcomes = await extractClips(ctx.db, audioStore(), ids, {
      maxDurationS: env().CHORUS_MAX_DURATION_S,
      onProgress: (done, total, message) => ctx.progress(done / total, message),
    });
    return { extracted: outcomes.filter((o) => o.status === 'extracted').length, failed: outcomes.filter((o) => o.status === 'failed').length };
  },
};
