import { z } from 'zod';
import type { JobDefinition } from '@/lib/jobs/engine';
import { jobEngine } from '@/lib/jobs/runtime';
import { automaticTrigger } from '@/lib/model/service';
import { rescoreJob } from './rescore';
import { retrainJob } from './retrain';

/**
 * Every minute: starts a retrain after settings.retrainEveryLabels new settled labels or on
 * the retrainIntervalHours schedule, and a rescore when new open clips have no priority yet —
 * cold-start diversity before the first model (see `automaticTrigger`).
 */
export const retrainCheckJob: JobDefinition<Record<string, never>> = {
  name: 'retrain-check',
  schema: z.object({}).strict() as never,
  options: { retryLimit: 0, retryDelay: 60, retryBackoff: false, expireInSeconds: 120 },
  async handler(_data, ctx) {
    const trigger = await automaticTrigger(ctx.db);
    if (!trigger) return { started: null };
    const engine = await jobEngine();
    if (!engine) return { started: null, reason: 'no job engine' };
    const jobId =
      trigger.kind === 'rescore'
        ? await engine.enqueue(rescoreJob, { reason: trigger.reason })
        : await engine.enqueue(retrainJob, { trigger: trigger.kind });
    return { started: trigger, jobId };
  },
};
