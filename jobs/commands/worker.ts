import { getDbHandle } from '@/db';
import type { Command } from './types';

export const workerCommand: Command = {
  summary: 'Run background job workers until interrupted',
  usage: 'chorus worker',
  async run(_argv, io) {
    const { startJobEngine, stopJobEngine } = await import('@/lib/jobs/runtime');
    const { ALL_JOBS, SCHEDULES } = await import('../registry');
    const handle = await getDbHandle();
    const engine = await startJobEngine(handle, ALL_JOBS);
    await engine.work();
    for (const s of SCHEDULES) await engine.schedule(s.job, s.cron, s.data);
    // The first link of the vote-drain chain now, not at the next minute's schedule.
    const { drainVotesJob } = await import('../drain-votes');
    await engine.enqueue(drainVotesJob, { windowSeconds: 8 });
    io.stderr.write(`chorus worker: running ${ALL_JOBS.map((j) => j.name).join(', ')} on the ${handle.mode} database\n`);
    await new Promise<void>((resolve) => {
      const stop = () => resolve();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
    });
    io.stderr.write('chorus worker: finishing running jobs…\n');
    await stopJobEngine();
    return 0;
  },
};
