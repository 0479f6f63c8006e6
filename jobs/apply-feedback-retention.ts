import type { JobDefinition } from '@/lib/jobs/engine';
import { applyFeedbackRetentionSpec } from '@/lib/recommend/jobs';
import { applyFeedbackRetention } from '@/lib/recommend/service';

/** Deletes listener feedback events (and idle listener sessions) older than settings.feedbackRetentionDays. */
export const applyFeedbackRetentionJob: JobDefinition<Record<string, never>> = {
  ...applyFeedbackRetentionSpec,
  async handler(_data, ctx) {
    return applyFeedbackRetention(ctx.handle);
  },
};
