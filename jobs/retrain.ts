import { z } from 'zod';
import type { Db } from '@/db/client';
import type { JobDefinition } from '@/lib/jobs/engine';
import { jobEngine } from '@/lib/jobs/runtime';
import { AppError, isAppError } from '@/lib/http/errors';
import { rescoreCatalog } from '@/lib/active/service';
import { isTraining, retrain } from '@/lib/model/service';

const RetrainPayload = z.object({
  trigger: z.enum(['manual', 'labels', 'schedule']).default('manual'),
  kinds: z
    .array(z.enum(['logistic', 'mlp']))
    .min(1)
    .max(2)
    .optional(),
});
export type RetrainPayload = z.infer<typeof RetrainPayload>;

/**
 * Retrain → register → promote-if-better → rescore every clip → push embeddings, as one job
 * with progress (training 0–60 %, rescoring 60–100 %). Safe to run twice: a second run while
 * one trains fails with CONFLICT and is retried later; a run killed midway leaves 'training'
 * rows the next run marks failed. Too few labels is not an error: the catalog is still
 * rescored (cold-start diversity before the first model).
 */
export const retrainJob: JobDefinition<RetrainPayload> = {
  name: 'retrain',
  schema: RetrainPayload as z.ZodType<RetrainPayload>,
  options: { retryLimit: 2, retryDelay: 120, retryBackoff: true, expireInSeconds: 2 * 60 * 60 },
  concurrency: 1,
  async handler(data, ctx) {
    let trained: Awaited<ReturnType<typeof retrain>> | null = null;
    let skipped: string | null = null;
    try {
      trained = await retrain(ctx.db, {
        trigger: data.trigger,
        kinds: data.kinds,
        onProgress: (f, m) => ctx.progress(0.6 * f, m),
      });
    } catch (err) {
      if (!(isAppError(err) && err.code === 'UNPROCESSABLE')) throw err;
      skipped = err.message;
    }
    const rescore = await rescoreCatalog(ctx.db, {
      catalog: trained?.catalog,
      onProgress: (f, m) => ctx.progress(0.6 + 0.4 * f, m),
    });
    return {
      trained: trained
        ? {
            models: trained.models,
            candidateId: trained.candidateId,
            promoted: trained.promoted,
            reason: trained.reason,
            labelsUsed: trained.labelsUsed,
          }
        : null,
      skipped,
      rescore: { mode: rescore.mode, modelId: rescore.modelId, clips: rescore.clips, embeddingVersion: rescore.embeddingVersion },
    };
  },
};

/** Queues a retrain (the engineer's button and the periodic trigger). 409 while one trains or when no job engine runs here. */
export async function requestRetrain(db: Db, payload: Partial<RetrainPayload>): Promise<string> {
  if (await isTraining(db)) throw new AppError('CONFLICT', 'A retrain is already running; watch its progress below');
  const engine = await jobEngine();
  if (!engine) throw new AppError('CONFLICT', 'The job engine is not running in this process');
  const id = await engine.enqueue(retrainJob, RetrainPayload.parse(payload));
  if (!id) throw new AppError('CONFLICT', 'The retrain could not be queued');
  return id;
}
