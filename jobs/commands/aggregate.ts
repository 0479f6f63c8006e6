import { AGGREGATE_USAGE, runAggregateCli } from '@/lib/crowd/aggregate-cli';
import type { CliIo } from '@/lib/crowd/csv-input';
import { runPairwiseAggregateCli } from '@/lib/pairwise/aggregate-cli';
import { runRatingAggregateCli } from '@/lib/rating/aggregate-cli';
import type { Command } from './types';

/**
 * `chorus aggregate`: `--type pairwise` and `--type rating` (or `valence_arousal`) go to their own
 * paths; `--type tags` (the default) is the categorical aggregation, its contract unchanged.
 */
export async function runAggregateCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const at = argv.findIndex((a) => a === '--type' || a.startsWith('--type='));
  if (at < 0) return runAggregateCli(argv, io);
  const inline = argv[at].startsWith('--type=');
  const type = inline ? argv[at].slice('--type='.length) : argv[at + 1];
  const rest = [...argv.slice(0, at), ...argv.slice(inline ? at + 1 : at + 2)];
  if (type === 'pairwise') return runPairwiseAggregateCli(rest, io);
  if (type === 'rating' || type === 'valence_arousal') return runRatingAggregateCli(rest, io);
  if (type === 'tags') return runAggregateCli(rest, io);
  io.stderr.write(`chorus aggregate: unknown --type "${type ?? ''}" (use tags, pairwise, rating)\n\n${AGGREGATE_USAGE}`);
  return 2;
}

export const aggregateCommand: Command = {
  summary:
    'Aggregate crowd votes from a CSV (item,worker,label) into labels with confidences; --type pairwise|rating for comparisons and valence–arousal ratings',
  usage:
    'chorus aggregate [--type tags|pairwise|rating] --votes <csv> [--method mv|wmv|wawa|ds|glad|mace|crowd-bt|bt] [--gold <csv>] --out <csv> [--workers-out <csv>]',
  run: (argv, io) => runAggregateCommand(argv, io),
};
