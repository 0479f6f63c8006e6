import { z } from 'zod';
import type { JobSpec } from '@/lib/jobs/engine';

/** Deletes listener feedback older than settings.feedbackRetentionDays (bound in jobs/apply-feedback-retention.ts). */
export const applyFeedbackRetentionSpec: JobSpec<Record<string, never>> = {
  name: 'apply-feedback-retention',
  schema: z.object({}).strict() as never,
  options: {
    retryLimit: 2,
    retryDelay: 60,
    retryBackoff: true,
    expireInSeconds: 15 * 60,
    singletonKey: 'apply-feedback-retention',
  },
};

/** One look at the running embedding canary (bound in jobs/canary-check.ts). */
export const canaryCheckSpec: JobSpec<Record<string, never>> = {
  name: 'canary-check',
  schema: z.object({}).strict() as never,
  options: { retryLimit: 0, retryDelay: 60, retryBackoff: false, expireInSeconds: 120, singletonKey: 'canary-check' },
};
