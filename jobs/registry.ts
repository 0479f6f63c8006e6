import type { JobDefinition } from '@/lib/jobs/engine';
import type { JobSet } from '@/lib/jobs/runtime';
import { extractFeaturesJob } from './extract-features';
import { extractPendingJob } from './extract-pending';
import { reapLeasesJob } from './reap-leases';
import { applyRetentionJob } from './apply-retention';
import { aggregateVotesJob } from './aggregate-votes';
import { drainVotesJob } from './drain-votes';
import { exportSnapshotJob } from './export-snapshot';
import { retrainJob } from './retrain';
import { rescoreJob } from './rescore';
import { pushEmbeddingsJob } from './push-embeddings';
import { retrainCheckJob } from './retrain-check';
import { applyFeedbackRetentionJob } from './apply-feedback-retention';
import { canaryCheckJob } from './canary-check';
import { deliverWebhookJob } from './deliver-webhook';
import { dispatchWebhooksJob } from './dispatch-webhooks';
import { aggregateProjectsJob } from './aggregate-projects';

/** Every job the workers run; `chorus worker` and the in-process runner register these. */
export const ALL_JOBS = [
  applyRetentionJob,
  reapLeasesJob,
  extractFeaturesJob,
  extractPendingJob,
  aggregateVotesJob,
  drainVotesJob,
  exportSnapshotJob,
  retrainJob,
  rescoreJob,
  pushEmbeddingsJob,
  retrainCheckJob,
  applyFeedbackRetentionJob,
  canaryCheckJob,
  dispatchWebhooksJob,
  deliverWebhookJob,
  aggregateProjectsJob,
] as JobDefinition<unknown>[];

/** Periodic jobs (cron, UTC). */
export const SCHEDULES: { job: JobDefinition<unknown>; cron: string; data: unknown }[] = [
  { job: applyRetentionJob as JobDefinition<unknown>, cron: '*/15 * * * *', data: { limit: 500 } },
  { job: reapLeasesJob as JobDefinition<unknown>, cron: '* * * * *', data: {} },
  { job: extractPendingJob as JobDefinition<unknown>, cron: '* * * * *', data: { limit: 64 } },
  // Full crowd EM; skipped when no vote arrived since the last run (new votes also trigger it).
  { job: aggregateVotesJob as JobDefinition<unknown>, cron: '*/10 * * * *', data: { trigger: 'schedule' } },
  // The vote drain chains itself every second (jobs/drain-votes.ts); this only restarts a broken chain.
  { job: drainVotesJob as JobDefinition<unknown>, cron: '* * * * *', data: {} },
  // Retrain after N new labels or on the configured interval; cold-start priorities before any model.
  { job: retrainCheckJob as JobDefinition<unknown>, cron: '* * * * *', data: {} },
  // Listener feedback older than settings.feedbackRetentionDays (privacy).
  { job: applyFeedbackRetentionJob as JobDefinition<unknown>, cron: '17 * * * *', data: {} },
  // The running embedding canary: promote, roll back or keep going.
  { job: canaryCheckJob as JobDefinition<unknown>, cron: '* * * * *', data: {} },
  // Outgoing webhooks: settled clips, promoted models and built snapshots become signed deliveries.
  { job: dispatchWebhooksJob as JobDefinition<unknown>, cron: '* * * * *', data: {} },
  // Valence–arousal and pairwise projects whose fit is behind their answers (none behind: nothing written).
  { job: aggregateProjectsJob as JobDefinition<unknown>, cron: '* * * * *', data: {} },
];

/**
 * Queued once where workers start (`chorus worker`, or the web process with in-process workers):
 * the first link of the vote-drain chain, instead of waiting for the next minute's schedule.
 */
export const AT_START: { job: JobDefinition<unknown>; data: unknown }[] = [
  { job: drainVotesJob as JobDefinition<unknown>, data: { windowSeconds: 8 } },
];

/** What the entry points hand to lib/boot.ts and `chorus worker`. */
export const JOBS: JobSet = { all: ALL_JOBS, schedules: SCHEDULES, atStart: AT_START };
