import { getDbHandle } from '@/db';
import type { Command } from './types';

export const workerCommand: Command = {
  summary: 'Run background job workers until interrupted',
  usage: 'chorus worker',
  async run(_argv, io) {
    const { runWorkers, startJobEngine, stopJobEngine } = await import('@/lib/jobs/runtime');
    const { JOBS } = await import('../registry');
    const handle = await getDbHandle();
    const engine = await startJobEngine(handle, JOBS.all);
    await runWorkers(engine, JOBS);
    io.stderr.write(`chorus worker: running ${JOBS.all.map((j) => j.name).join(', ')} on the ${handle.mode} database\n`);
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
