import { z } from 'zod';
import type { Db } from '@/db/client';
import { recordAudit } from '@/lib/audit/repo';
import { AppError } from '@/lib/errors';
import type { JobSpec } from '@/lib/jobs/engine';
import { jobEngine } from '@/lib/jobs/runtime';
import type { RetrainRequestSchema } from './schemas';
import { isTraining } from './service';

const RetrainPayload = z.object({
  trigger: z.enum(['manual', 'labels', 'schedule']).default('manual'),
  kinds: z
    .array(z.enum(['logistic', 'mlp']))
    .min(1)
    .max(2)
    .optional(),
});
export type RetrainPayload = z.infer<typeof RetrainPayload>;

/** Retrain → register → promote-if-better (bound in jobs/retrain.ts). Stately: one waiting, one running. */
export const retrainSpec: JobSpec<RetrainPayload> = {
  name: 'retrain',
  schema: RetrainPayload as z.ZodType<RetrainPayload>,
  options: { retryLimit: 2, retryDelay: 120, retryBackoff: true, expireInSeconds: 2 * 60 * 60 },
  policy: 'stately',
};

/** The every-minute check that starts a retrain or a cold-start rescore (bound in jobs/retrain-check.ts). */
export const retrainCheckSpec: JobSpec<Record<string, never>> = {
  name: 'retrain-check',
  schema: z.object({}).strict() as never,
  options: { retryLimit: 0, retryDelay: 60, retryBackoff: false, expireInSeconds: 120 },
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
  const id = await engine.enqueue(retrainSpec, RetrainPayload.parse({ trigger: 'manual', kinds: request.kinds }));
  if (!id) throw new AppError('CONFLICT', 'A retrain is already queued; it will start when the running one ends');
  try {
    await recordAudit(db, { actorId, action: 'model.retrain', entity: 'job', entityId: id, after: request });
  } catch (err) {
    await engine.cancel(retrainSpec, id, 'cancelled: the request could not be recorded in the audit log');
    throw err;
  }
  return id;
}
