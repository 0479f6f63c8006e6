import type { JobDefinition } from '@/lib/jobs/engine';
import { reapLeasesJob } from './reap-leases';

/** Every job the workers run; `chorus worker` and the in-process runner register these. */
export const ALL_JOBS = [reapLeasesJob] as JobDefinition<unknown>[];

/** Periodic jobs (cron, UTC). */
export const SCHEDULES: { job: JobDefinition<unknown>; cron: string; data: unknown }[] = [
  { job: reapLeasesJob as JobDefinition<unknown>, cron: '* * * * *', data: {} },
];
