import { z } from 'zod';
import type { JobSpec } from '@/lib/jobs/engine';
import { jobEngine } from '@/lib/jobs/runtime';

const ReasonPayload = z.object({ reason: z.string().max(100).default('manual') });
export type RescorePayload = z.infer<typeof ReasonPayload>;
export type PushPayload = z.infer<typeof ReasonPayload>;

/** Rescores the catalog with the active model (bound in jobs/rescore.ts). Stately: one waiting, one running. */
export const rescoreSpec: JobSpec<RescorePayload> = {
  name: 'rescore',
  schema: ReasonPayload as z.ZodType<RescorePayload>,
  options: { retryLimit: 2, retryDelay: 60, retryBackoff: true, expireInSeconds: 60 * 60 },
  policy: 'stately',
};

/** Pushes the active model's embeddings to the recommender (bound in jobs/push-embeddings.ts). Stately. */
export const pushEmbeddingsSpec: JobSpec<PushPayload> = {
  name: 'push-embeddings',
  schema: ReasonPayload as z.ZodType<PushPayload>,
  options: { retryLimit: 2, retryDelay: 60, retryBackoff: true, expireInSeconds: 60 * 60 },
  policy: 'stately',
};

/** Queues a rescore when a job engine runs in this process; returns its id or null (one already waiting). */
export async function requestRescore(reason: string): Promise<string | null> {
  const engine = await jobEngine();
  if (!engine) return null;
  return engine.enqueue(rescoreSpec, { reason });
}
