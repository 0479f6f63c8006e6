import { parseArgs } from 'node:util';
import { getDbHandle } from '@/db';
import { UsageError, type Command } from './types';

export const importVotesCommand: Command = {
  summary: 'Import crowd votes from another platform (CSV item,worker,label; label = tags joined by | or (none)), then aggregate',
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
    const { ensureDefaultTaxonomy } = await import('@/lib/taxonomy/default');
    let text: string;
    try {
      text = await fs.readFile(positionals[0], 'utf8');
    } catch (err) {
      throw new UsageError(`cannot read ${positionals[0]} (${(err as NodeJS.ErrnoException).code ?? String(err)})`);
    }
    const handle = await getDbHandle();
    // Like the server at boot: a database without a taxonomy gets the default one (CHORUS_DEMO=0, CLI only).
    if (await ensureDefaultTaxonomy(handle.db)) {
      io.stderr.write('no mood taxonomy yet: created the default one (see `chorus taxonomy show`)\n');
    }
    const source = values.source ?? path.basename(positionals[0]).replace(/\.[^.]+$/, '');
    const started = Date.now();
    const result = await importVotesCsv(handle.db, text, {
      source,
      onBatch: (p) =>
        void io.stderr.write(
          `imported ${p.imported} votes — ${p.done}/${p.total} rows checked, batch ${p.batch}/${p.batches} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`,
        ),
    });
    io.stderr.write(
      `import done: ${result.imported} imported, ${result.duplicates} duplicates, ${result.rejected.length} rejected of ${result.rows} rows\n`,
    );
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
