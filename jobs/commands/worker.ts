import { getDbHandle } from '@/db';
import type { Command } from './types';

export const workerCommand: Command = {
  summary: 'Run background job workers until interrupted',
  usage: 'chorus worker',
  async run(_argv, io) {
    const { startJobEngine, stopJobEngine } = await import('@/lib/jobs/runtime');
    const { ALL_JOBS, AT_START, SCHEDULES } = await import('../registry');
    const handle = await getDbHandle();
    const engine = await startJobEngine(handle, ALL_JOBS);
    await engine.work();
    for (const s of SCHEDULES) await engine.schedule(s.job, s.cron, s.data);
    for (const s of AT_START) await engine.enqueue(s.job, s.data);
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
