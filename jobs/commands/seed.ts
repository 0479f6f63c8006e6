import { parseArgs } from 'node:util';
import { getDbHandle } from '@/db';
import { env } from '@/lib/env';
import { audioStore } from '@/lib/storage';
import { positiveInt, type Command } from './types';

export const seedCommand: Command = {
  summary: 'Synthesize the demo catalog (and simulated votes, with a report against the planted truth)',
  usage: 'chorus seed [--clips N] [--seed N] [--simulate-votes [--report]]',
  async run(argv, io) {
    const { values } = parseArgs({
      args: argv,
      options: {
        clips: { type: 'string', default: '64' },
        seed: { type: 'string', default: '1' },
        'simulate-votes': { type: 'boolean', default: false },
        report: { type: 'boolean', default: false },
      },
    });
    const clips = positiveInt(values.clips, '--clips');
    if (values.report && !values['simulate-votes']) {
      io.stderr.write('chorus seed: --report needs --simulate-votes\n');
      return 2;
    }
    const { seedDemo, ensureDemoAccounts, simulationReportFor } = await import('@/lib/demo/seed');
    const handle = await getDbHandle();
    const result = await seedDemo(handle.db, audioStore(), {
      clips,
      seed: positiveInt(values.seed, '--seed'),
      simulateVotes: values['simulate-votes'],
      onProgress: (done, total) => io.stderr.write(`\rsynthesizing ${done}/${total}`),
    });
    io.stderr.write('\n');
    const accounts = await ensureDemoAccounts(handle.db, env().CHORUS_DEMO_PASSWORD);
    const { ensureDemoProjects } = await import('@/lib/demo/projects');
    for (const line of await ensureDemoProjects(handle.db)) io.stderr.write(`${line}\n`);
    const { simulation, ...summary } = result;
    if (values.report && simulation) {
      // One JSON object on stdout, for scripts; the seed summary goes to stderr.
      io.stderr.write(JSON.stringify({ ...summary, accounts }) + '\n');
      io.stdout.write(JSON.stringify({ ...summary, ...(await simulationReportFor(handle.db, simulation)) }, null, 2) + '\n');
      return 0;
    }
    io.stdout.write(JSON.stringify({ ...summary, accounts }, null, 2) + '\n');
    return 0;
  },
};
