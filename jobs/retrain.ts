import type { JobDefinition } from '@/lib/jobs/engine';
import { isAppError } from '@/lib/errors';
import { rescoreSpec } from '@/lib/active/jobs';
import { rewardAutoStrategy } from '@/lib/active/service';
import { labelsSinceLastModel } from '@/lib/model/retrain-triggers';
import { retrainSpec, type RetrainPayload } from '@/lib/model/jobs';
import { hasActiveModel } from '@/lib/model/repo';
import { retrain } from '@/lib/model/service';

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
  ...retrainSpec,
  concurrency: 1,
  async handler(data, ctx) {
    let trained: Awaited<ReturnType<typeof retrain>> | null = null;
    let skipped: string | null = null;
    try {
      trained = await retrain(ctx.db, {
        trigger: data.trigger,
        kinds: data.kinds,
        rewardStrategy: rewardAutoStrategy,
        onProgress: (f, m) => ctx.progress(0.95 * f, m),
      });
    } catch (err) {
      if (!(isAppError(err) && err.code === 'UNPROCESSABLE')) throw err;
      skipped = err.message;
    }
    const rescore =
      trained || !(await hasActiveModel(ctx.db))
        ? ((await ctx.enqueue?.(rescoreSpec, {
            reason: trained ? `retrain: model ${trained.candidateId}` : 'retrain refused',
          })) ?? null)
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
