import { z } from 'zod';
import type { JobDefinition } from '@/lib/jobs/engine';
import { env } from '@/lib/env';
import { extractClips } from '@/lib/features/service';
import { audioStore } from '@/lib/storage';

/** Extracts features for a batch of clips (ingest queues batches of up to 16). */
export const extractFeaturesJob: JobDefinition<{ clipIds: string[] }> = {
  name: 'extract-features',
  schema: z.object({ clipIds: z.array(z.string().uuid()).min(1).max(256) }),
  options: { retryLimit: 3, retryDelay: 10, retryBackoff: true, expireInSeconds: 30 * 60 },
  concurrency: 1,
  async handler({ clipIds }, ctx) {
    const outcomes = await extractClips(ctx.db, audioStore(), clipIds, {
      maxDurationS: env().CHORUS_MAX_DURATION_S,
      onProgress: (done, total, message) => ctx.progress(done / total, message),
    });
    return {
      extracted: outcomes.filter((o) => o.status === 'extracted').length,
      skipped: outcomes.filter((o) => o.status === 'skipped').length,
      failed: outcomes.filter((o) => o.status === 'failed').map((o) => ({ clipId: o.clipId, error: o.error })),
    };
  },
};
