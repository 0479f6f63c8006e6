/**
 * `chorus simulate`: the offline active-learning loop on a CSV.
 *
 *   chorus simulate --data <csv> --labels <col,col,…>
 *     [--strategy random|uncertainty|margin|entropy|disagreement|hybrid|auto] [--seed N]
 *     [--initial N] [--batch N] [--rounds N]
 *     [--annotators N --annotator-accuracy P] --out <json>
 *
 * The CSV has a header; every column not named by --labels is a numeric
 * feature, and every --labels column holds 0 or 1. Writes the learning curve
 * `[{labels_used, micro_f1, macro_f1, subset_accuracy, hamming_loss}]` to
 * --out. Without --strategy, the product's default (a new project's settings.strategy — what
 * the live queue runs), so the curve forecasts the live queue. Exit codes: 0 success, 1 bad
 * data or failure, 2 bad usage.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { parse } from 'csv-parse/sync';
import { ProjectSettingsFields } from '@/lib/settings/schemas';
import { SIMULATION_STRATEGIES, simulateLoop, type SimulationData, type SimulationStrategy } from './simulate';

/** The live queue's default strategy: a new project's settings.strategy. */
export function productDefaultStrategy(): SimulationStrategy {
  return ProjectSettingsFields.shape.strategy.parse(undefined) as SimulationStrategy;
}

export interface CliIo {
  stdout: { write(chunk: string): unknown };
  stderr: { write(chunk: string): unknown };
}

export const SIMULATE_USAGE = `usage: chorus simulate --data <csv> --labels <col,col,…> [--strategy ${SIMULATION_STRATEGIES.join('|')}]
                       [--seed N] [--initial N] [--batch N] [--rounds N]
                       [--annotators N --annotator-accuracy P] [--test-fraction F] --out <json>
  --data                CSV with a header: numeric feature columns and 0/1 label columns
  --labels              the label columns, comma-separated
  --strategy            query strategy (default: the live queue's default, ${productDefaultStrategy()})
  --seed                random seed (default 1)
  --initial             items labelled at random before the first model (default 20)
  --batch               items labelled per round (default 20)
  --rounds              rounds after the initial model (default 10)
  --annotators          simulated annotators per item, majority vote (default 1)
  --annotator-accuracy  probability each vote is right (default 1)
  --test-fraction       held-out share of the rows for evaluation (default 0.25)
  --out                 where to write the JSON learning curve
`;

class UsageError extends Error {}

const FLAGS = ['data', 'labels', 'strategy', 'seed', 'initial', 'batch', 'rounds', 'annotators', 'annotator-accuracy', 'test-fraction', 'out'] as const;
type Flag = (typeof FLAGS)[number];

/**
 * Runs `chorus simulate` with the arguments after the command name and
 * returns the exit code (0 ok, 1 bad data or failure, 2 bad usage); messages
 * go to `io`, never to process streams directly, so the CLI entry and tests
 * share it.
 */
export async function runSimulateCli(argv: string[], io: CliIo): Promise<number> {
  let args: Partial<Record<Flag, string>>;
  try {
    if (argv.includes('--help') || argv.includes('-h')) {
      io.stdout.write(SIMULATE_USAGE);
      return 0;
    }
    args = parseArgs(argv);
  } catch (error) {
    io.stderr.write(`chorus simulate: ${(error as Error).message}\n${SIMULATE_USAGE}`);
    return 2;
  }
  try {
    const options = {
      strategy: (args.strategy ?? productDefaultStrategy()) as SimulationStrategy,
      seed: integer(args, 'seed', 1),
      initial: integer(args, 'initial', 20),
      batch: integer(args, 'batch', 20),
      rounds: integer(args, 'rounds', 10),
      annotators: integer(args, 'annotators', 1),
      annotatorAccuracy: number(args, 'annotator-accuracy', 1),
      testFraction: number(args, 'test-fraction', 0.25),
    };
    if (!SIMULATION_STRATEGIES.includes(options.strategy)) {
      throw new UsageError(`unknown strategy "${options.strategy}" (expected one of ${SIMULATION_STRATEGIES.join(', ')})`);
    }
    const labels = (args.labels as string).split(',').map((s) => s.trim()).filter(Boolean);
    if (!labels.length) throw new UsageError('--labels names no columns');

    let text: string;
    try {
      text = await readFile(args.data as string, 'utf8');
    } catch (cause) {
      throw new Error(`cannot read --data ${args.data}: ${(cause as Error).message}`);
    }
    // Progress goes to stderr: stdout carries the summary (and --save's line) that scripts read.
    const started = performance.now();
    const progress = (line: string) => void io.stderr.write(`${line} (${((performance.now() - started) / 1000).toFixed(1)} s)\n`);
    const { data, features } = parseSimulationCsv(text, labels, args.data as string);
    progress(`read ${data.n} rows, ${features.length} features, ${labels.length} labels from ${args.data}`);
    progress(
      `simulating strategy ${options.strategy}: ${options.initial} initial labels, then up to ${options.rounds} rounds of ${options.batch}, ` +
        `one model trained per round (${Math.round(options.testFraction * 100)} % of the rows held out)`,
    );
    const { curve, auto } = simulateLoop(data, options);
    progress(`simulated ${curve.length - 1} rounds`);
    try {
      await writeFile(args.out as string, JSON.stringify(curve, null, 2) + '\n');
    } catch (cause) {
      throw new Error(`cannot write --out ${args.out}: ${(cause as Error).message}`);
    }
    progress(`wrote ${curve.length} curve points to ${args.out}`);
    const last = curve[curve.length - 1];
    io.stdout.write(
      `simulate: ${data.n} items, ${features.length} features, ${labels.length} labels, strategy ${options.strategy}: ` +
        `micro-F1 ${curve[0].micro_f1.toFixed(3)} → ${last.micro_f1.toFixed(3)} with ${last.labels_used} labels; wrote ${args.out}\n` +
        (auto
          ? `auto favours ${auto.summary.favoured} after ${auto.summary.rounds} rounds (${auto.summary.experts
              .map((e) => `${e.strategy} ${e.probability.toFixed(2)}`)
              .join(', ')}); drawn: ${auto.drawn.join(' ')}\n`
          : ''),
    );
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`chorus simulate: ${error.message}\n${SIMULATE_USAGE}`);
      return 2;
    }
    io.stderr.write(`chorus simulate: ${(error as Error).message}\n`);
    return 1;
  }
}

function parseArgs(argv: string[]): Partial<Record<Flag, string>> {
  const out: Partial<Record<Flag, string>> = {};
  for (let k = 0; k < argv.length; k++) {
    const arg = argv[k];
    if (!arg.startsWith('--')) throw new UsageError(`unexpected argument "${arg}"`);
    const eq = arg.indexOf('=');
    const name = (eq >= 0 ? arg.slice(2, eq) : arg.slice(2)) as Flag;
    if (!FLAGS.includes(name)) throw new UsageError(`unknown option --${name}`);
    let value: string | undefined;
    if (eq >= 0) value = arg.slice(eq + 1);
    else {
      value = argv[k + 1];
      k++;
    }
    if (value === undefined || value.startsWith('--') || value === '') throw new UsageError(`--${name} needs a value`);
    if (out[name] !== undefined) throw new UsageError(`--${name} is given twice`);
    out[name] = value;
  }
  for (const required of ['data', 'labels', 'out'] as const) {
    if (out[required] === undefined) throw new UsageError(`--${required} is required`);
  }
  return out;
}

function integer(args: Partial<Record<Flag, string>>, name: Flag, fallback: number): number {
  const raw = args[name];
  if (raw === undefined) return fallback;
  if (!/^-?\d+$/.test(raw)) throw new UsageError(`--${name} must be an integer, got "${raw}"`);
  return Number(raw);
}

function number(args: Partial<Record<Flag, string>>, name: Flag, fallback: number): number {
  const raw = args[name];
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(v)) throw new UsageError(`--${name} must be a number, got "${raw}"`);
  return v;
}

/**
 * Parses the simulation CSV: a header, then one row per item; the columns
 * named in `labelColumns` must hold 0 or 1, every other column a finite
 * number. Errors name the column and the 1-based line. O(rows·columns).
 *
 * @example parseSimulationCsv('a,b,happy\n1,2,1\n', ['happy']).data.d // → 2
 */
export function parseSimulationCsv(
  text: string,
  labelColumns: string[],
  source = 'CSV',
): { data: SimulationData; features: string[] } {
  let rows: { record: string[]; info: { lines: number } }[];
  try {
    rows = parse(text, { info: true, skip_empty_lines: true, trim: true, bom: true }) as unknown as typeof rows;
  } catch (cause) {
    throw new Error(`${source} is not valid CSV: ${(cause as Error).message}`);
  }
  if (!rows.length) throw new Error(`${source} is empty`);
  const header = rows[0].record;
  const seen = new Set<string>();
  for (const name of header) {
    if (seen.has(name)) throw new Error(`${source}: column "${name}" appears twice in the header`);
    seen.add(name);
  }
  const labelIndex = labelColumns.map((name) => {
    const k = header.indexOf(name);
    if (k < 0) throw new Error(`${source}: label column "${name}" is missing (columns: ${header.join(', ')})`);
    return k;
  });
  const featureIndex = header.map((_, k) => k).filter((k) => !labelIndex.includes(k));
  if (!featureIndex.length) throw new Error(`${source}: no feature columns (every column is a label)`);
  const body = rows.slice(1);
  if (!body.length) throw new Error(`${source} has a header but no rows`);
  const n = body.length;
  const d = featureIndex.length;
  const t = labelIndex.length;
  const x = new Float32Array(n * d);
  const y = new Uint8Array(n * t);
  body.forEach(({ record, info }, i) => {
    const line = info.lines;
    featureIndex.forEach((k, f) => {
      const cell = record[k];
      const v = Number(cell);
      if (cell === '' || !Number.isFinite(v)) {
        throw new Error(`${source} line ${line}: column "${header[k]}" is not numeric ("${cell}")`);
      }
      x[i * d + f] = v;
    });
    labelIndex.forEach((k, j) => {
      const cell = record[k];
      if (cell !== '0' && cell !== '1') {
        throw new Error(`${source} line ${line}: label column "${header[k]}" must be 0 or 1, got "${cell}"`);
      }
      y[i * t + j] = cell === '1' ? 1 : 0;
    });
  });
  return { data: { x, n, d, y, t }, features: featureIndex.map((k) => header[k]) };
}
