import { runAggregateCli } from '@/lib/crowd/aggregate-cli';
import type { Command } from './types';

export const aggregateCommand: Command = {
  summary: 'Aggregate crowd votes from a CSV (item,worker,label) into labels with confidences',
  usage: 'chorus aggregate --votes <csv> [--method mv|wmv|wawa|ds|glad|mace] [--gold <csv>] --out <csv> [--workers-out <csv>]',
  run: (argv, io) => runAggregateCli(argv, io),
};
