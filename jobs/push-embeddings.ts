import { z } from 'zod';
import type { JobDefinition } from '@/lib/jobs/engine';
import { pushActiveEmbeddings } from '@/lib/active/service';

const PushPayload = z.object({ reason: z.string().max(100).default('manual') });
export type PushPayload = z.infer<typeof PushPayload>;

/**
 * Last step of retrain → rescore → push: pushes the active model's embeddings to the
 * recommender as a new embedding version, only when the active model changed (its embeddings
 * are not the active version already). Stately: one waiting, one running.
 */
export const pushEmbeddingsJob: JobDefinition<PushPayload> = {
  name: 'push-embeddings',
  schema: PushPayload as z.ZodType<PushPayload>,
  options: { retryLimit: 2, retryDelay: 60, retryBackoff: true, expireInSeconds: 60 * 60 },
  policy: 'stately',
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
