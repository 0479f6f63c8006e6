/**
 * File reading and writing shared by the `chorus aggregate` paths (tags, pairwise, ratings): a CSV
 * file's records with their line numbers, errors that name the file and the line, and output files.
 */

import { readFile, writeFile } from 'node:fs/promises';
import { parseCsvRecords, type CsvRecord } from '@/lib/util/csv';

/** Where a command writes; process.stdout / process.stderr in the real CLI, buffers in tests. */
export interface CliIo {
  readonly stdout: { write(chunk: string): unknown };
  readonly stderr: { write(chunk: string): unknown };
}

/**
 * The frame every `chorus aggregate` path runs in: `parse` reads the command line ('help' prints
 * `usage`); `progress` lines go to stderr with the seconds since the start (stdout is left to the
 * caller; a million votes take seconds to read and EM can run long, so each step says what it
 * did and when). Returns the exit code: 0 done, 1 bad input file, 2 bad command line (with the
 * usage).
 */
export async function runAggregateCommand<A>(
  io: CliIo,
  usage: string,
  parse: () => A | 'help',
  run: (args: A, progress: (line: string) => void) => Promise<void>,
): Promise<number> {
  try {
    const args = parse();
    if (args === 'help') {
      io.stdout.write(usage);
      return 0;
    }
    const started = performance.now();
    await run(args, (line) => void io.stderr.write(`${line} (${((performance.now() - started) / 1000).toFixed(1)} s)\n`));
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`chorus aggregate: ${error.message}\n\n${usage}`);
      return 2;
    }
    io.stderr.write(`chorus aggregate: ${(error as Error).message}\n`);
    return 1;
  }
}

/** A mistake in the command line: exit code 2 and the usage text. */
export class UsageError extends Error {}

/** A problem with an input file: exit code 1, message names file and line. */
export class InputError extends Error {}

/** A CSV file's records with the line each ends on; an unreadable or malformed file names itself and the line. */
export async function readCsvRecords(path: string): Promise<CsvRecord[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InputError(`${path}: cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
  try {
    return parseCsvRecords(text);
  } catch (error) {
    const line = (error as { lines?: number }).lines;
    throw new InputError(`${path}${line ? ` line ${line}` : ''}: ${(error as Error).message}`);
  }
}

export async function writeOutput(path: string, text: string): Promise<void> {
  try {
    await writeFile(path, text, 'utf8');
  } catch (error) {
    throw new InputError(`${path}: cannot write (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
  }
}

/** Six decimals are plenty for a probability or a score and keep the CSV diff-friendly. */
export function formatNumber(x: number): string {
  return String(Number(x.toFixed(6)));
}

/**
 * `--flag value` / `--flag=value` pairs into a map; `--help`/`-h` gives 'help'. Unknown flags, a
 * missing value and a flag given twice are usage errors.
 */
export function parseFlags(argv: readonly string[], valueFlags: ReadonlySet<string>): Map<string, string> | 'help' {
  const values = new Map<string, string>();
  for (let a = 0; a < argv.length; a++) {
    const arg = argv[a];
    if (arg === '--help' || arg === '-h') return 'help';
    const eq = arg.indexOf('=');
    const flag = arg.startsWith('--') && eq > 0 ? arg.slice(0, eq) : arg;
    if (!valueFlags.has(flag)) throw new UsageError(`unknown argument "${arg}"`);
    const value = flag === arg ? argv[++a] : arg.slice(eq + 1);
    if (value === undefined || value === '') throw new UsageError(`${flag} needs a value`);
    if (values.has(flag)) throw new UsageError(`${flag} given twice`);
    values.set(flag, value);
  }
  return values;
}

/** A flag the command cannot run without; a usage error saying so (`--votes <csv> is required`) when absent. */
export function requiredFlag(flags: ReadonlyMap<string, string>, flag: string, takes: string): string {
  const value = flags.get(flag);
  if (!value) throw new UsageError(`${flag} ${takes} is required`);
  return value;
}

/** The dense 0-based index of `key` in `map`, adding it when new: items and workers in first-seen order. */
export function denseIndex(map: Map<string, number>, key: string): number {
  let k = map.get(key);
  if (k === undefined) map.set(key, (k = map.size));
  return k;
}

/** Most malformed rows listed before a file is rejected. */
export const MAX_REPORTED_ROWS = 10;

/**
 * Read a CSV whose header names `required` (and possibly `optional`) columns and validate each data
 * row with `schema` (given the row's cells by column name; an absent optional column is undefined).
 * Every malformed row is reported with its line number (the first {@link MAX_REPORTED_ROWS}) and
 * the file is rejected as a whole, so nothing is aggregated from half a file.
 */
export async function readValidatedRows<T>(
  path: string,
  required: readonly string[],
  optional: readonly string[],
  schema: {
    safeParse(
      input: unknown,
    ):
      | { success: true; data: T }
      | { success: false; error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] } };
  },
): Promise<{ row: T; line: number }[]> {
  const records = await readCsvRecords(path);
  const header = records[0]?.record ?? [];
  const missing = required.filter((c) => !header.includes(c));
  if (records.length === 0 || missing.length > 0) {
    throw new InputError(
      `${path}: missing header: the first line must name the columns ${required.join(',')}` +
        (records.length ? ` (found "${header.join(',')}")` : ' (the file is empty)'),
    );
  }
  const columns = [...required, ...optional.filter((c) => header.includes(c))];
  const position = columns.map((c) => header.indexOf(c));
  const rows: { row: T; line: number }[] = [];
  const problems: string[] = [];
  let bad = 0;
  for (const { record, info } of records.slice(1)) {
    let problem: string | null = null;
    if (record.length !== header.length) {
      problem = `expected ${header.length} fields (${header.join(',')}), found ${record.length}`;
    } else {
      const cells: Record<string, string> = {};
      columns.forEach((c, k) => (cells[c] = record[position[k]]));
      const parsed = schema.safeParse(cells);
      if (parsed.success) rows.push({ row: parsed.data, line: info.lines });
      else {
        const issue = parsed.error.issues[0];
        const where = issue.path.length ? `${issue.path.map(String).join('.')}: ` : '';
        problem = `${where}${issue.message}`;
      }
    }
    if (problem !== null) {
      bad++;
      if (problems.length < MAX_REPORTED_ROWS) problems.push(`${path} line ${info.lines}: ${problem}`);
    }
  }
  if (bad > 0) {
    const more = bad > problems.length ? `\n… and ${bad - problems.length} more malformed row(s)` : '';
    throw new InputError(`${bad} malformed row(s), nothing aggregated:\n${problems.join('\n')}${more}`);
  }
  return rows;
}

/** `csv` unless the path ends in .jsonl / .ndjson or `format` says otherwise. */
export function outputFormat(path: string, format: string | undefined): 'csv' | 'jsonl' {
  if (format !== undefined) {
    if (format !== 'csv' && format !== 'jsonl') throw new UsageError(`--format must be csv or jsonl, got "${format}"`);
    return format;
  }
  return /\.(jsonl|ndjson)$/i.test(path) ? 'jsonl' : 'csv';
}

/** Rows as CSV (header from `columns`) or JSON lines (one object per row, keys in `columns` order). */
export function formatRows(rows: readonly (string | number)[][], columns: readonly string[], format: 'csv' | 'jsonl'): string {
  if (format === 'jsonl') {
    return (
      rows.map((r) => JSON.stringify(Object.fromEntries(columns.map((c, k) => [c, r[k]])))).join('\n') + (rows.length ? '\n' : '')
    );
  }
  const escape = (v: string | number) => {
    const t = String(v);
    return /[",\n\r]/.test(t) ? `"${t.replace(/"/g, '""')}"` : t;
  };
  return [columns.join(','), ...rows.map((r) => r.map(escape).join(','))].join('\n') + '\n';
}
