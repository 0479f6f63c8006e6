import type { JobDefinition } from '@/lib/jobs/engine';
import { pushEmbeddingsSpec, type PushPayload } from '@/lib/active/jobs';
import { pushActiveEmbeddings } from '@/lib/active/service';

/**
 * Last step of retrain → rescore → push: pushes the active model's embeddings to the
 * recommender as a new embedding version, only when the active model changed (its embeddings
 * are not the active version already). Stately: one waiting, one running.
 */
export const pushEmbeddingsJob: JobDefinition<PushPayload> = {
  ...pushEmbeddingsSpec,
  concurrency: 1,
  async handler(_data, ctx) {
    const result = await pushActiveEmbeddings(ctx.db, { onProgress: (f, m) => ctx.progress(f, m) });
    return {
      pushed: result.pushed,
      modelId: result.modelId,
      embeddingVersion: result.embeddingVersion,
      reason: result.reason,
      pruned: result.prunedVersions,
    };
  },
};
