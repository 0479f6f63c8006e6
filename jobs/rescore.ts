import { z } from 'zod';
import type { JobDefinition } from '@/lib/jobs/engine';
import { jobEngine } from '@/lib/jobs/runtime';
import { rescoreCatalog } from '@/lib/active/service';

const RescorePayload = z.object({ reason: z.string().max(100).default('manual') });
export type RescorePayload = z.infer<typeof RescorePayload>;

/**
 * Rescores every clip with the active model (predictions, priorities, embeddings), or ranks
 * the catalog by cold-start diversity when no model exists. Queued after a promotion or a
 * rollback, and by the periodic check before the first model. Safe to run twice.
 */
export const rescoreJob: JobDefinition<RescorePayload> = {
  name: 'rescore',
  schema: RescorePayload as z.ZodType<RescorePayload>,
  options: { retryLimit: 2, retryDelay: 60, retryBackoff: true, expireInSeconds: 60 * 60 },
  concurrency: 1,
  async handler(_data, ctx) {
    const result = await rescoreCatalog(ctx.db, { onProgress: (f, m) => ctx.progress(f, m) });
    return {
      mode: result.mode,
      modelId: result.modelId,
      clips: result.clips,
      embeddingVersion: result.embeddingVersion,
      pruned: result.prunedVersions,
    };
  },
};

/** Queues a rescore when a job engine runs in this process; returns its id or null. */
export async function requestRescore(reason: string): Promise<string | null> {
  const engine = await jobEngine();
  if (!engine) return null;
  return engine.enqueue(rescoreJob, { reason });
}
