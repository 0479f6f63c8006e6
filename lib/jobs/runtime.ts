import type { DbHandle } from '@/db/client';
import { createBoss, JobEngine, type JobDefinition } from './engine';

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

export function jobEngine(): Promise<JobEngine> | undefined {
  return holder.__chorusJobs;
}

export async function stopJobEngine(): Promise<void> {
  const engine = await holder.__chorusJobs;
  holder.__chorusJobs = undefined;
  await engine?.stop();
}
