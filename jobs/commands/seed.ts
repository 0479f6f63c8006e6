import { parseArgs } from 'node:util';
import { getDbHandle } from '@/db';
import { env } from '@/lib/env';
import { audioStore } from '@/lib/storage';
import { positiveInt, type Command } from './types';

export const seedCommand: Command = {
  summary: 'Synthesize the demo catalog (and simulated votes)',
  usage: 'chorus seed [--clips N] [--seed N] [--simulate-votes]',
  async run(argv, io) {
    const { values } = parseArgs({
      args: argv,
      options: {
        clips: { type: 'string', default: '64' },
        seed: { type: 'string', default: '1' },
        'simulate-votes': { type: 'boolean', default: false },
      },
    });
    const clips = positiveInt(values.clips, '--clips');
    const { seedDemo, ensureDemoAccounts } = await import('@/lib/demo/seed');
    const handle = await getDbHandle();
    const result = await seedDemo(handle.db, audioStore(), {
      clips,
      seed: positiveInt(values.seed, '--seed'),
      simulateVotes: values['simulate-votes'],
      onProgress: (done, total) => io.stderr.write(`\rsynthesizing ${done}/${total}`),
    });
    io.stderr.write('\n');
    const accounts = await ensureDemoAccounts(handle.db, env().CHORUS_DEMO_PASSWORD);
    io.stdout.write(JSON.stringify({ ...result, accounts }, null, 2) + '\n');
    return 0;
  },
};
