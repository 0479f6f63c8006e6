import type { JobDefinition } from '@/lib/jobs/engine';
import { EXTRACTOR_VERSION } from '@/lib/audio/extract';
import { env } from '@/lib/env';
import { extractPendingSpec } from '@/lib/features/jobs';
import { clipsNeedingFeatures } from '@/lib/features/repo';
import { extractClips } from '@/lib/features/service';
import { audioStore } from '@/lib/storage';

/**
 * Sweeper: extracts clips that have no features of the current extractor version — new clips
 * whose job was lost, and every clip after an extractor upgrade (old vectors stay until then).
 */
export const extractPendingJob: JobDefinition<{ limit: number }> = {
  ...extractPendingSpec,
  async handler({ limit }, ctx) {
    const ids = await clipsNeedingFeatures(ctx.db, EXTRACTOR_VERSION, limit);
    const outcomes = await extractClips(ctx.db, audioStore(), ids, {
      maxDurationS: env().CHORUS_MAX_DURATION_S,
      onProgress: (done, total, message) => ctx.progress(done / total, message),
    });
    return { extracted: outcomes.filter((o) => o.status === 'extracted').length, failed: outcomes.filter((o) => o.status === 'failed').length };
  },
};
