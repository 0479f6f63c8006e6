import type { JobDefinition } from '@/lib/jobs/engine';
import { env } from '@/lib/env';
import { extractFeaturesSpec } from '@/lib/features/jobs';
import { extractClips } from '@/lib/features/service';
import { audioStore } from '@/lib/storage';

/** Extracts features for a batch of clips (ingest queues batches of up to 16). */
export const extractFeaturesJob: JobDefinition<{ clipIds: string[] }> = {
  ...extractFeaturesSpec,
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
