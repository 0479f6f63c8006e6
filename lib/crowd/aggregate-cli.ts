import { stringify } from 'csv-stringify/sync';
import { z } from 'zod';
import { aggregateVotes, CATEGORICAL_METHODS, MODEL_AWARE_METHODS } from './aggregate';
import type { CrowdlabResult } from './crowdlab';
import {
  type CliIo,
  formatNumber,
  InputError,
  parseFlags,
  readCsvRecords,
  UsageError,
  writeOutput,
  runAggregateCommand,
} from './csv-input';
import { itemRows, workerRows } from './encode';
import type { CategoricalMethod, IterationReport, Vote } from './types';

/** Least time between two EM iteration lines on stderr. */
const PROGRESS_INTERVAL_MS = 1000;

export type { CliIo } from './csv-input';

export const AGGREGATE_USAGE = `usage: chorus aggregate --votes <csv> [--method mv|wmv|wawa|ds|glad|mace|crowdlab] [--predictions <csv>] [--gold <csv>] --out <csv> [--workers-out <csv>]

  --votes <csv>        votes, header item,worker,label (labels are any strings)
  --method <m>         mv (majority), wmv (reliability-weighted majority),
                       wawa (majority weighted by agreement with majority),
                       ds (Dawid–Skene, default), glad (GLAD), mace (MACE),
                       crowdlab (Dawid–Skene with a model's predictions,
                       weighted by how well they agree with the crowd)
  --predictions <csv>  with crowdlab: the model's calibrated probabilities,
                       header item,p_<label>,… (one column per voted label;
                       clip is accepted for item); items without a row are
                       aggregated from their votes alone
  --gold <csv>         honeypots, header item,label; several rows for one item
                       list its tolerated answers
  --out <csv>          writes item,label,confidence, one row per item
  --workers-out <csv>  writes worker,reliability,reliability_std,votes

Other question types: chorus aggregate --type pairwise --help, chorus aggregate --type rating --help
`;

interface AggregateArgs {
  votes: string;
  out: string;
  method: CategoricalMethod;
  gold?: string;
  workersOut?: string;
  predictions?: string;
}

const VALUE_FLAGS = new Set(['--votes', '--method', '--gold', '--out', '--workers-out', '--predictions']);
const ALL_METHODS: readonly string[] = [...CATEGORICAL_METHODS, ...MODEL_AWARE_METHODS];

function parseArgs(argv: readonly string[]): AggregateArgs | 'help' {
  const values = parseFlags(argv, VALUE_FLAGS);
  if (values === 'help') return 'help';
  const votes = values.get('--votes');
  const out = values.get('--out');
  if (!votes) throw new UsageError('--votes <csv> is required');
  if (!out) throw new UsageError('--out <csv> is required');
  const method = values.get('--method') ?? 'ds';
  if (!ALL_METHODS.includes(method)) throw new UsageError(`unknown method "${method}" (use ${ALL_METHODS.join(', ')})`);
  const predictions = values.get('--predictions');
  const modelAware = (MODEL_AWARE_METHODS as readonly string[]).includes(method);
  if (modelAware && !predictions) throw new UsageError(`--method ${method} needs --predictions <csv>`);
  if (!modelAware && predictions)
    throw new UsageError(`--predictions is only read by --method ${MODEL_AWARE_METHODS.join(', ')}`);
  return {
    votes,
    out,
    method: method as CategoricalMethod,
    gold: values.get('--gold'),
    workersOut: values.get('--workers-out'),
    predictions,
  };
}

/**
 * Read a CSV whose header must contain `columns`; returns one object per data
 * row with those columns (extra columns are ignored). Every problem names the
 * file and the line.
 */
async function readTable<C extends string>(path: string, columns: readonly C[]): Promise<Record<C, string>[]> {
  const records = await readCsvRecords(path);
  const header = records[0]?.record ?? [];
  const position = columns.map((c) => header.indexOf(c));
  if (records.length === 0 || position.some((p) => p < 0)) {
    throw new InputError(
      `${path}: missing header: the first line must name the columns ${columns.join(',')}` +
        (records.length ? ` (found "${header.join(',')}")` : ' (the file is empty)'),
    );
  }
  return records.slice(1).map(({ record, info }) => {
    if (record.length !== header.length) {
      throw new InputError(
        `${path} line ${info.lines}: expected ${header.length} fields (${header.join(',')}), found ${record.length}`,
      );
    }
    const row = {} as Record<C, string>;
    columns.forEach((column, c) => {
      const value = record[position[c]];
      if (value === '') throw new InputError(`${path} line ${info.lines}: empty ${column}`);
      row[column] = value;
    });
    return row;
  });
}

/** One probability cell of a predictions file. */
const Probability = z.coerce.number({ error: 'not a number' }).min(0, { error: 'below 0' }).max(1, { error: 'above 1' });

/**
 * A predictions CSV: an `item` (or `clip`) column and one `p_<label>` column per label, each cell
 * a probability. Returns item → label → probability. Every problem names the file and the line.
 */
async function readPredictions(path: string): Promise<Map<string, Record<string, number>>> {
  const records = await readCsvRecords(path);
  const header = records[0]?.record ?? [];
  const idColumn = header.includes('item') ? header.indexOf('item') : header.indexOf('clip');
  const labelColumns = header.flatMap((name, c) =>
    name.startsWith('p_') && name.length > 2 ? [{ label: name.slice(2), c }] : [],
  );
  if (idColumn < 0 || labelColumns.length === 0) {
    throw new InputError(
      `${path}: missing header: the first line must name an item column and one p_<label> column per label` +
        (records.length ? ` (found "${header.join(',')}")` : ' (the file is empty)'),
    );
  }
  const out = new Map<string, Record<string, number>>();
  for (const { record, info } of records.slice(1)) {
    if (record.length !== header.length) {
      throw new InputError(
        `${path} line ${info.lines}: expected ${header.length} fields (${header.join(',')}), found ${record.length}`,
      );
    }
    const item = record[idColumn];
    if (item === '') throw new InputError(`${path} line ${info.lines}: empty ${header[idColumn]}`);
    if (out.has(item)) throw new InputError(`${path} line ${info.lines}: item "${item}" has a second row`);
    const row: Record<string, number> = {};
    for (const { label, c } of labelColumns) {
      const parsed = Probability.safeParse(record[c] === '' ? undefined : record[c]);
      if (!parsed.success) {
        throw new InputError(`${path} line ${info.lines}: p_${label} must be a probability in [0, 1], found "${record[c]}"`);
      }
      row[label] = parsed.data;
    }
    if (Object.values(row).every((p) => p === 0))
      throw new InputError(`${path} line ${info.lines}: every probability of "${item}" is 0`);
    out.set(item, row);
  }
  return out;
}

/** Checks predictions against the votes: every voted label needs a column; rows for unvoted items are reported and ignored. */
function checkPredictions(
  path: string,
  predictions: Map<string, Record<string, number>>,
  votes: readonly Vote[],
  io: CliIo,
): void {
  const columns = new Set(Object.keys(predictions.values().next().value ?? {}));
  const missing = [...new Set(votes.map((v) => v.label))].filter((label) => !columns.has(label)).sort();
  if (missing.length > 0)
    throw new InputError(`${path}: no p_<label> column for the voted label(s) ${missing.map((l) => `"${l}"`).join(', ')}`);
  const voted = new Set(votes.map((v) => v.item));
  const unknown = [...predictions.keys()].filter((item) => !voted.has(item));
  if (unknown.length > 0) {
    const shown = unknown
      .slice(0, 5)
      .map((id) => `"${id}"`)
      .join(', ');
    io.stderr.write(
      `${path}: ${unknown.length} row(s) name items with no votes, ignored: ${shown}${unknown.length > 5 ? ', …' : ''}\n`,
    );
  }
  const unscored = [...voted].filter((item) => !predictions.has(item)).length;
  if (unscored > 0)
    io.stderr.write(`${path}: ${unscored} voted item(s) have no prediction and are aggregated from their votes alone\n`);
}

/**
 * `chorus aggregate`: votes CSV in, one consensus label per item out. `argv`
 * holds the arguments after the command name. Returns the exit code: 0 done,
 * 1 bad input file, 2 bad command line.
 *
 * @example
 * await runAggregateCli(['--votes', 'votes.csv', '--method', 'ds', '--out', 'labels.csv'], process)
 */
export async function runAggregateCli(argv: readonly string[], io: CliIo): Promise<number> {
  return runAggregateCommand(
    io,
    AGGREGATE_USAGE,
    () => parseArgs(argv),
    async (args, progress) => {
      const votes: Vote[] = await readTable(args.votes, ['item', 'worker', 'label'] as const);
      progress(`read ${votes.length} votes from ${args.votes}`);
      let gold: Map<string, string[]> | undefined;
      if (args.gold) {
        gold = new Map();
        const rows = await readTable(args.gold, ['item', 'label'] as const);
        for (const { item, label } of rows) {
          const accepted = gold.get(item) ?? [];
          if (!accepted.includes(label)) accepted.push(label);
          gold.set(item, accepted);
        }
        progress(`read ${rows.length} gold answers for ${gold.size} items from ${args.gold}`);
      }
      let predictions: Map<string, Record<string, number>> | undefined;
      if (args.predictions) {
        predictions = await readPredictions(args.predictions);
        checkPredictions(args.predictions, predictions, votes, io);
        progress(`read ${predictions.size} predictions from ${args.predictions}`);
      }
      progress(`aggregating with ${args.method}`);
      // The first EM iteration, then at most one line a second: visible without flooding the terminal.
      let lastLine = -Infinity;
      const onIteration = (r: IterationReport) => {
        if (r.iteration > 1 && performance.now() - lastLine < PROGRESS_INTERVAL_MS) return;
        lastLine = performance.now();
        progress(`${args.method} iteration ${r.iteration}: largest posterior change ${r.maxChange.toExponential(2)}`);
      };
      const result = aggregateVotes(votes, { method: args.method, gold, predictions, onIteration });
      const items = itemRows(result).map((r) => [r.item, r.label, formatNumber(r.confidence)]);
      await writeOutput(args.out, stringify(items, { header: true, columns: ['item', 'label', 'confidence'] }));
      progress(`wrote ${items.length} items to ${args.out}`);
      if (args.workersOut) {
        const workers = workerRows(result).map((r) => [
          r.worker,
          formatNumber(r.reliability),
          formatNumber(r.reliabilityStd),
          r.votes,
        ]);
        await writeOutput(
          args.workersOut,
          stringify(workers, { header: true, columns: ['worker', 'reliability', 'reliability_std', 'votes'] }),
        );
        progress(`wrote ${workers.length} workers to ${args.workersOut}`);
      }
      if ('model' in result) {
        const m = (result as CrowdlabResult).model;
        progress(
          m.referenceItems > 0
            ? `model weight ${m.weight.toFixed(3)} (agrees with the crowd on ${(100 * m.modelAccuracy).toFixed(1)} % of ${m.referenceItems} items with ≥ 2 votes)`
            : 'model weight 0: no item has 2 or more votes to weigh the model on, so the votes alone decide',
        );
      }
      const fit =
        result.iterations > 0 ? ` (${result.converged ? 'converged' : 'stopped'} after ${result.iterations} iterations)` : '';
      progress(
        `aggregated ${votes.length} votes on ${result.items.length} items by ${result.workers.length} workers with ${result.method}${fit}`,
      );
    },
  );
}
