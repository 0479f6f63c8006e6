import type { DbHandle } from '@/db/client';
import { createBoss, JobEngine, type JobDefinition, type JobSpec } from './engine';

/**
 * The jobs a process registers: every definition (spec + handler, from jobs/registry.ts), the
 * cron schedules and the jobs queued once where workers start. Handed in by the entry points
 * (instrumentation.ts, `chorus worker`) so that lib/ never imports jobs/.
 */
export interface JobSet {
  all: JobDefinition<unknown>[];
  schedules: { job: JobSpec<unknown>; cron: string; data: unknown }[];
  atStart: { job: JobSpec<unknown>; data: unknown }[];
}

const holder = globalThis as unknown as { __chorusJobs?: Promise<JobEngine> };

/** Starts (once per process) the job engine with the given job definitions. */
export function startJobEngine(handle: DbHandle, definitions: JobDefinition<unknown>[]): Promise<JobEngine> {
  holder.__chorusJobs ??= (async () => {
    const engine = new JobEngine(createBoss(handle), handle);
    await engine.start(definitions);
    return engine;
  })().catch((err) => {
    holder.__chorusJobs = undefined;
    throw err;
  });
  return holder.__chorusJobs;
}

/** Consumes jobs in this process, installs the cron schedules and queues the start-up jobs. */
export async function runWorkers(engine: JobEngine, jobs: JobSet): Promise<void> {
  await engine.work();
  for (const s of jobs.schedules) await engine.schedule(s.job, s.cron, s.data);
  for (const s of jobs.atStart) await engine.enqueue(s.job, s.data);
}

export function jobEngine(): Promise<JobEngine> | undefined {
  return holder.__chorusJobs;
}

export async function stopJobEngine(): Promise<void> {
  const engine = await holder.__chorusJobs;
  holder.__chorusJobs = undefined;
  await engine?.stop();
}
