import { z } from 'zod';
import type { Db } from '@/db/client';
import type { JobDefinition } from '@/lib/jobs/engine';
import { jobEngine } from '@/lib/jobs/runtime';
import { recordAudit } from '@/lib/audit/repo';
import { AppError, isAppError } from '@/lib/http/errors';
import type { RetrainRequestSchema } from '@/lib/model/schemas';
import { labelsSinceLastModel } from '@/lib/active/repo';
import { hasActiveModel } from '@/lib/model/repo';
import { rescoreJob } from './rescore';
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
 * Retrain → register → promote-if-better, then queues the rescore job (which queues the
 * embedding push only when the active model changed): the chain retrain → rescore → push as
 * three pg-boss jobs, each on a stately queue (one waiting, one running). A second run while one
 * trains fails with CONFLICT and is retried later; a run killed midway leaves 'training' rows
 * the next run marks failed. Too few labels is not an error: the job completes with
 * `skipped` (why) and `labelsAtRefusal` in its result, which the periodic check reads to wait
 * for new labels instead of queueing the same refusal every minute; before any model a refused
 * run still queues a rescore (cold-start diversity ranks the catalog).
 */
export const retrainJob: JobDefinition<RetrainPayload> = {
  name: 'retrain',
  schema: RetrainPayload as z.ZodType<RetrainPayload>,
  options: { retryLimit: 2, retryDelay: 120, retryBackoff: true, expireInSeconds: 2 * 60 * 60 },
  policy: 'stately',
  concurrency: 1,
  async handler(data, ctx) {
    let trained: Awaited<ReturnType<typeof retrain>> | null = null;
    let skipped: string | null = null;
    try {
      trained = await retrain(ctx.db, {
        trigger: data.trigger,
        kinds: data.kinds,
        onProgress: (f, m) => ctx.progress(0.95 * f, m),
      });
    } catch (err) {
      if (!(isAppError(err) && err.code === 'UNPROCESSABLE')) throw err;
      skipped = err.message;
    }
    const rescore =
      trained || !(await hasActiveModel(ctx.db))
        ? ((await ctx.enqueue?.(rescoreJob, { reason: trained ? `retrain: model ${trained.candidateId}` : 'retrain refused' })) ?? null)
        : null;
    await ctx.progress(1, skipped ? `refused: ${skipped}` : 'trained; rescoring queued');
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
      ...(skipped ? { labelsAtRefusal: (await labelsSinceLastModel(ctx.db)).labels } : {}),
      next: rescore ? { rescore } : null,
    };
  },
};

/**
 * The engineer's button: queues a retrain and records who asked. 409 while one trains or when
 * no job engine runs here. The queue is not in the app's transaction (pg-boss sends on its own
 * connection, and on the embedded database a second statement would wait for the open
 * transaction for ever), so the pair is kept together by compensation: when the audit row cannot
 * be written, the queued job is cancelled and the error goes to the caller.
 */
export async function requestRetrain(db: Db, actorId: string, request: z.infer<typeof RetrainRequestSchema>): Promise<string> {
  if (await isTraining(db)) throw new AppError('CONFLICT', 'A retrain is already running; watch its progress below');
  const engine = await jobEngine();
  if (!engine) throw new AppError('CONFLICT', 'The job engine is not running in this process');
  const id = await engine.enqueue(retrainJob, RetrainPayload.parse({ trigger: 'manual', kinds: request.kinds }));
  if (!id) throw new AppError('CONFLICT', 'A retrain is already queued; it will start when the running one ends');
  try {
    await recordAudit(db, { actorId, action: 'model.retrain', entity: 'job', entityId: id, after: request });
  } catch (err) {
    await engine.cancel(retrainJob, id, 'cancelled: the request could not be recorded in the audit log');
    throw err;
  }
  return id;
}
