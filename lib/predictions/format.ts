import { parseCsvRecords, type CsvRecord } from '@/lib/util/csv';
import { csvLine } from '@/lib/export/csv-safe';
import { PROB_PREFIX, type PredictionFormat } from './schemas';

/**
 * Reading and writing prediction files (see ./schemas for the format). Pure: clip references and
 * tag keys are checked against the database by ./service. Every bad row is a problem naming its
 * line; when there is one, no rows are returned (the import is all or nothing).
 */

export interface PredictionRow {
  /** 1-based line of the file. */
  line: number;
  /** Clip id or sha256, lower-case. */
  clip: string;
  /** tag key → probability, in the file's column order. */
  probs: Map<string, number>;
}

export interface ParsedPredictions {
  rows: PredictionRow[];
  /** Every tag named by a column or field. */
  tags: string[];
  problems: string[];
}

const MAX_PROBLEMS = 200;

function probability(raw: unknown): number | string {
  if (typeof raw === 'number')
    return Number.isFinite(raw) && raw >= 0 && raw <= 1 ? raw : `${raw} is not a probability in [0, 1]`;
  if (typeof raw === 'string') {
    const v = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(v)) return `"${raw.slice(0, 40)}" is not a number`;
    return v >= 0 && v <= 1 ? v : `${raw} is not a probability in [0, 1]`;
  }
  return `${JSON.stringify(raw)?.slice(0, 40)} is not a number`;
}

function finish(rows: PredictionRow[], tags: Set<string>, problems: string[], records: number): ParsedPredictions {
  if (records === 0 && problems.length === 0) problems.push('the file has no prediction rows');
  const seen = new Map<string, number>();
  for (const row of rows) {
    const earlier = seen.get(row.clip);
    if (earlier !== undefined) problems.push(`line ${row.line}: clip ${row.clip} is already given on line ${earlier}`);
    else seen.set(row.clip, row.line);
  }
  problems.sort((a, b) => lineOf(a) - lineOf(b));
  const shown =
    problems.length > MAX_PROBLEMS
      ? [...problems.slice(0, MAX_PROBLEMS), `… and ${problems.length - MAX_PROBLEMS} more`]
      : problems;
  return { rows: problems.length ? [] : rows, tags: [...tags], problems: shown };
}

const lineOf = (problem: string) => Number(/^line (\d+)/.exec(problem)?.[1] ?? 0);

function rowProbs(line: number, clip: string, entries: [string, unknown][], problems: string[]): PredictionRow | null {
  const probs = new Map<string, number>();
  const bad: string[] = [];
  for (const [tag, raw] of entries) {
    if (raw === '' || raw === null || raw === undefined) continue; // not predicted for this clip
    const p = probability(raw);
    if (typeof p === 'string') bad.push(`${PROB_PREFIX}${tag}: ${p}`);
    else probs.set(tag, p);
  }
  if (bad.length) {
    problems.push(`line ${line} (${clip}): ${bad.join('; ')}`);
    return null;
  }
  if (probs.size === 0) {
    problems.push(`line ${line} (${clip}): no probability given`);
    return null;
  }
  return { line, clip, probs };
}

export function parsePredictionsCsv(text: string): ParsedPredictions {
  let records: CsvRecord[];
  try {
    records = parseCsvRecords(text);
  } catch (err) {
    return { rows: [], tags: [], problems: [`unreadable CSV: ${(err as Error).message}`] };
  }
  const header = (records[0]?.record ?? []).map((h) => h.toLowerCase());
  const clipAt = header.indexOf('clip');
  const tagCols = header
    .map((h, i) => [h, i] as const)
    .filter(([h]) => h.startsWith(PROB_PREFIX) && h.length > PROB_PREFIX.length);
  if (clipAt < 0 || tagCols.length === 0)
    return { rows: [], tags: [], problems: ['line 1: the first line must name a clip column and at least one p_<tag> column'] };
  const tags = new Set(tagCols.map(([h]) => h.slice(PROB_PREFIX.length)));
  if (tags.size !== tagCols.length) return { rows: [], tags: [], problems: ['line 1: a p_<tag> column is named twice'] };
  const problems: string[] = [];
  const rows: PredictionRow[] = [];
  for (const { record, info } of records.slice(1)) {
    const line = info.lines;
    if (record.length !== header.length) {
      problems.push(`line ${line}: expected ${header.length} fields, found ${record.length}`);
      continue;
    }
    const clip = (record[clipAt] ?? '').trim().toLowerCase();
    if (!clip) {
      problems.push(`line ${line}: the clip cell is empty (a clip id or sha256)`);
      continue;
    }
    const row = rowProbs(
      line,
      clip,
      tagCols.map(([h, i]) => [h.slice(PROB_PREFIX.length), record[i]]),
      problems,
    );
    if (row) rows.push(row);
  }
  return finish(rows, tags, problems, records.length - 1);
}

export function parsePredictionsJsonl(text: string): ParsedPredictions {
  const problems: string[] = [];
  const rows: PredictionRow[] = [];
  const tags = new Set<string>();
  let records = 0;
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = i + 1;
    if (raw.trim() === '') return;
    records++;
    let value: unknown;
    try {
      value = JSON.parse(raw);
    } catch (err) {
      problems.push(`line ${line}: not JSON (${(err as Error).message})`);
      return;
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      problems.push(`line ${line}: not a JSON object`);
      return;
    }
    const obj = value as Record<string, unknown>;
    const clip = typeof obj.clip === 'string' ? obj.clip.trim().toLowerCase() : '';
    if (!clip) {
      problems.push(`line ${line}: "clip" (a clip id or sha256) is missing`);
      return;
    }
    const entries = Object.entries(obj)
      .filter(([k]) => k.startsWith(PROB_PREFIX) && k.length > PROB_PREFIX.length)
      .map(([k, v]) => [k.slice(PROB_PREFIX.length).toLowerCase(), v] as [string, unknown]);
    for (const [tag] of entries) tags.add(tag);
    const row = rowProbs(line, clip, entries, problems);
    if (row) rows.push(row);
  });
  return finish(rows, tags, problems, records);
}

export function parsePredictions(text: string, format: PredictionFormat): ParsedPredictions {
  return format === 'csv' ? parsePredictionsCsv(text) : parsePredictionsJsonl(text);
}

/** Mean binary entropy (bits) of the given probabilities: 0 when sure, 1 when every tag is a coin flip. */
export function meanEntropy(probs: readonly number[]): number {
  if (probs.length === 0) return 0;
  let sum = 0;
  for (const p of probs) {
    const q = Math.min(1 - 1e-12, Math.max(1e-12, p));
    sum += -(q * Math.log2(q) + (1 - q) * Math.log2(1 - q));
  }
  return sum / probs.length;
}

export interface ExportRow {
  clip: string;
  /** Parallel to the export's tag list; null where the clip has no probability for the tag. */
  probs: (number | null)[];
}

const round = (p: number | null) => (p === null ? null : Math.round(p * 1e6) / 1e6);

export function predictionsHeader(tags: readonly string[], format: PredictionFormat): string {
  return format === 'csv' ? csvLine(['clip', ...tags.map((t) => PROB_PREFIX + t)]) : '';
}

export function formatPredictionRows(tags: readonly string[], rows: readonly ExportRow[], format: PredictionFormat): string {
  if (format === 'csv') return rows.map((r) => csvLine([r.clip, ...r.probs.map(round)])).join('');
  return rows
    .map((r) => {
      const obj: Record<string, string | number> = { clip: r.clip };
      tags.forEach((t, j) => {
        const p = round(r.probs[j]);
        if (p !== null) obj[PROB_PREFIX + t] = p;
      });
      return JSON.stringify(obj) + '\n';
    })
    .join('');
}
