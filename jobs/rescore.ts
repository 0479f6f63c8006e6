import { z } from 'zod';
import type { JobDefinition } from '@/lib/jobs/engine';
import { jobEngine } from '@/lib/jobs/runtime';
import { embeddingsStale, rescoreCatalog } from '@/lib/active/service';
import { pushEmbeddingsJob } from './push-embeddings';

const RescorePayload = z.object({ reason: z.string().max(100).default('manual') });
export type RescorePayload = z.infer<typeof RescorePayload>;

/**
 * Rescores every clip with the active model (predictions, queue priorities), or ranks the
 * catalog by cold-start diversity when no model exists; then, only when the active model's
 * embeddings are not the recommender's active version, queues the push-embeddings job (the
 * chain retrain → rescore → push). Queued after a retrain, a promotion or a rollback, and by the
 * periodic check before the first model. Stately queue: one waiting, one running; safe to run twice.
 */
export const rescoreJob: JobDefinition<RescorePayload> = {
  name: 'rescore',
  schema: RescorePayload as z.ZodType<RescorePayload>,
  options: { retryLimit: 2, retryDelay: 60, retryBackoff: true, expireInSeconds: 60 * 60 },
  policy: 'stately',
  concurrency: 1,
  async handler(data, ctx) {
    const result = await rescoreCatalog(ctx.db, { pushEmbeddings: false, onProgress: (f, m) => ctx.progress(f, m) });
    const push =
      result.modelId !== null && (await embeddingsStale(ctx.db, result.modelId))
        ? ((await ctx.enqueue?.(pushEmbeddingsJob, { reason: `model ${result.modelId} (${data.reason})`.slice(0, 100) })) ?? null)
        : null;
    return {
      mode: result.mode,
      modelId: result.modelId,
      clips: result.clips,
      next: push ? { pushEmbeddings: push } : null,
    };
  },
};

/** Queues a rescore when a job engine runs in this process; returns its id or null (one already waiting). */
export async function requestRescore(reason: string): Promise<string | null> {
  const engine = await jobEngine();
  if (!engine) return null;
  return engine.enqueue(rescoreJob, { reason });
}
