import { z } from 'zod';
import type { JobDefinition } from '@/lib/jobs/engine';
import { applyFeedbackRetention } from '@/lib/recommend/service';

/** Deletes listener feedback events (and idle listener sessions) older than settings.feedbackRetentionDays. */
export const applyFeedbackRetentionJob: JobDefinition<Record<string, never>> = {
  name: 'apply-feedback-retention',
  schema: z.object({}).strict() as never,
  options: { retryLimit: 2, retryDelay: 60, retryBackoff: true, expireInSeconds: 15 * 60, singletonKey: 'apply-feedback-retention' },
  async handler(_data, ctx) {
    return applyFeedbackRetention(ctx.handle);
  },
};
