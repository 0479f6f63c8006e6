import type { JobDefinition } from '@/lib/jobs/engine';
import { extractFeaturesJob } from './extract-features';
import { extractPendingJob } from './extract-pending';
import { reapLeasesJob } from './reap-leases';

/** Every job the workers run; `chorus worker` and the in-process runner register these. */
export const ALL_JOBS = [reapLeasesJob, extractFeaturesJob, extractPendingJob] as JobDefinition<unknown>[];

/** Periodic jobs (cron, UTC). */
export const SCHEDULES: { job: JobDefinition<unknown>; cron: string; data: unknown }[] = [
  { job: reapLeasesJob as JobDefinition<unknown>, cron: '* * * * *', data: {} },
  { job: extractPendingJob as JobDefinition<unknown>, cron: '* * * * *', data: { limit: 64 } },
];
