import type { JobDefinition } from '@/lib/jobs/engine';
import { pushEmbeddingsSpec, rescoreSpec, type RescorePayload } from '@/lib/active/jobs';
import { embeddingsStale, rescoreCatalog } from '@/lib/active/service';

/**
 * Rescores every clip with the active model (predictions, queue priorities), or ranks the
 * catalog by cold-start diversity when no model exists; then, only when the active model's
 * embeddings are not the recommender's active version, queues the push-embeddings job (the
 * chain retrain → rescore → push). Queued after a retrain, a promotion or a rollback, and by the
 * periodic check before the first model. Stately queue: one waiting, one running; safe to run twice.
 */
export const rescoreJob: JobDefinition<RescorePayload> = {
  ...rescoreSpec,
  concurrency: 1,
  async handler(data, ctx) {
    const result = await rescoreCatalog(ctx.db, { pushEmbeddings: false, onProgress: (f, m) => ctx.progress(f, m) });
    const push =
      result.modelId !== null && (await embeddingsStale(ctx.db, result.modelId))
        ? ((await ctx.enqueue?.(pushEmbeddingsSpec, { reason: `model ${result.modelId} (${data.reason})`.slice(0, 100) })) ?? null)
        : null;
    return {
      mode: result.mode,
      modelId: result.modelId,
      clips: result.clips,
      next: push ? { pushEmbeddings: push } : null,
    };
  },
};
