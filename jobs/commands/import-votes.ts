import { parseArgs } from 'node:util';
import { getDbHandle } from '@/db';
import { UsageError, type Command } from './types';

export const importVotesCommand: Command = {
  summary: 'Import crowd votes from another platform (CSV item,worker,label; label = tags joined by |), then aggregate',
  usage: 'chorus import-votes <votes.csv> [--source NAME] [--no-aggregate]',
  async run(argv, io) {
    const { values, positionals } = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        source: { type: 'string' },
        'no-aggregate': { type: 'boolean', default: false },
      },
    });
    if (positionals.length !== 1) throw new UsageError('give exactly one CSV file');
    const fs = await import('node:fs/promises');
    const path = await import('node:path');
    const { importVotesCsv } = await import('@/lib/crowd/import-votes');
    const { runFullAggregation } = await import('@/lib/crowd/full-aggregation');
    let text: string;
    try {
      text = await fs.readFile(positionals[0], 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read ${positionals[0]} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
    const handle = await getDbHandle();
    const source = values.source ?? path.basename(positionals[0]).replace(/\.[^.]+$/, '');
    const result = await importVotesCsv(handle.db, text, { source });
    let aggregation: unknown;
    if (!values['no-aggregate'] && result.imported > 0) {
      const run = await runFullAggregation(handle.db, {
        trigger: 'import',
        force: true,
        onProgress: (fraction, message) =>
          void io.stderr.write(`\raggregating ${Math.round(fraction * 100)}% ${message}`.padEnd(60)),
      });
      io.stderr.write('\n');
      aggregation = {
        clips: run.clips,
        workers: run.workers,
        votes: run.votes,
        states: run.states,
        paused: run.paused.length,
        durationMs: run.durationMs,
      };
    }
    io.stdout.write(JSON.stringify({ source, ...result, aggregation }, null, 2) + '\n');
    return result.rejected.length > 0 ? 1 : 0;
  },
};
