import type { JobDefinition } from '@/lib/jobs/engine';
import { jobEngine } from '@/lib/jobs/runtime';
import { rescoreSpec } from '@/lib/active/jobs';
import { retrainCheckSpec, retrainSpec } from '@/lib/model/jobs';
import { automaticTrigger } from '@/lib/model/service';

/**
 * Every minute: starts a retrain after settings.retrainEveryLabels new settled labels or on
 * the retrainIntervalHours schedule, and a rescore when new open clips have no priority yet —
 * cold-start diversity before the first model (see `automaticTrigger`).
 */
export const retrainCheckJob: JobDefinition<Record<string, never>> = {
  ...retrainCheckSpec,
  async handler(_data, ctx) {
    const trigger = await automaticTrigger(ctx.db);
    if (!trigger) return { started: null };
    const engine = await jobEngine();
    if (!engine) return { started: null, reason: 'no job engine' };
    const jobId =
      trigger.kind === 'rescore'
        ? await engine.enqueue(rescoreSpec, { reason: trigger.reason })
        : await engine.enqueue(retrainSpec, { trigger: trigger.kind });
    return { started: trigger, jobId };
  },
};
