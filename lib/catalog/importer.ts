import fs from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'csv-parse/sync';
import { CatalogRowSchema, type CatalogRow } from './schemas';

export interface CatalogEntry {
  /** 1-based line (CSV/JSONL) or 0 for a folder scan. */
  line: number;
  file: string;
  row: CatalogRow;
}

export interface CatalogProblem {
  line: number;
  error: string;
}

const AUDIO_EXTENSIONS = /\.(wav|wave|mp3|flac|ogg|oga|opus)$/i;

/**
 * Reads what `chorus import` was given: a folder (every audio file in it, recursively), or a
 * catalog CSV/JSONL whose rows name local files. Every path must resolve inside `root` (the
 * catalog's folder by default): `../` tricks and absolute paths elsewhere are refused per row.
 * A malformed row is reported with its line number; the other rows still import.
 */
export async function readCatalog(target: string, root?: string): Promise<{ entries: CatalogEntry[]; problems: CatalogProblem[] }> {
  const stat = await fs.stat(target);
  if (stat.isDirectory()) {
    const base = path.resolve(root ?? target);
    const files = (await walk(path.resolve(target))).filter((f) => AUDIO_EXTENSIONS.test(f)).sort();
    return {
      entries: files.filter((f) => inside(base, f)).map((file) => ({ line: 0, file, row: { path: path.relative(base, file), provenance: {} } })),
      problems: [],
    };
  }
  const base = path.resolve(root ?? path.dirname(target));
  const text = await fs.readFile(target, 'utf8');
  const raw = /\.jsonl?$/i.test(target) ? parseJsonl(text) : parseCsv(text);
  const entries: CatalogEntry[] = [];
  const problems: CatalogProblem[] = [...raw.problems];
  for (const { line, value } of raw.rows) {
    const parsed = CatalogRowSchema.safeParse(value);
    if (!parsed.success) {
      problems.push({ line, error: parsed.error.issues.map((i) => `${i.path.join('.') || 'row'}: ${i.message}`).join('; ') });
      continue;
    }
    if (parsed.data.path.includes('\0')) {
      problems.push({ line, error: 'path contains a NUL character' });
      continue;
    }
    const file = resolveCatalogPath(base, parsed.data.path);
    if (!file) {
      problems.push({ line, error: `path "${parsed.data.path}" is outside the catalog folder ${base}` });
      continue;
    }
    // A symbolic link inside the folder may point anywhere: judge where it really leads.
    const real = await realInside(base, file);
    if (real === false) {
      problems.push({ line, error: `path "${parsed.data.path}" is a link to a file outside the catalog folder ${base}` });
      continue;
    }
    entries.push({ line, file, row: parsed.data });
  }
  return { entries, problems };
}

/** False when `file` exists but its real path (links resolved) leaves `base`; true otherwise (a missing file fails later, per row). */
async function realInside(base: string, file: string): Promise<boolean> {
  let realFile: string;
  try {
    realFile = await fs.realpath(file);
  } catch {
    return true;
  }
  const realBase = await fs.realpath(base).catch(() => base);
  return inside(realBase, realFile);
}

/** The absolute file a catalog path points to, or null when it escapes `base`. */
export function resolveCatalogPath(base: string, given: string): string | null {
  let p = given;
  if (p.startsWith('file://')) {
    try {
      p = fileURLToPath(p);
    } catch {
      return null;
    }
  }
  if (p.includes('\0')) return null;
  const file = path.resolve(base, p);
  return inside(base, file) ? file : null;
}

function inside(base: string, file: string): boolean {
  const rel = path.relative(base, file);
  return rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel);
}

async function walk(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await fs.readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await walk(full)));
    else if (entry.isFile()) out.push(full);
  }
  return out;
}

function parseJsonl(text: string): { rows: { line: number; value: unknown }[]; problems: CatalogProblem[] } {
  const rows: { line: number; value: unknown }[] = [];
  const problems: CatalogProblem[] = [];
  text.split(/\r?\n/).forEach((raw, i) => {
    if (!raw.trim()) return;
    try {
      rows.push({ line: i + 1, value: JSON.parse(raw) });
    } catch (err) {
      problems.push({ line: i + 1, error: `not valid JSON (${(err as Error).message})` });
    }
  });
  return { rows, problems };
}

function parseCsv(text: string): { rows: { line: number; value: unknown }[]; problems: CatalogProblem[] } {
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parse(text, { columns: true, skip_empty_lines: true, trim: true, bom: true, info: true, relax_column_count: true }) as never;
  } catch (err) {
    const e = err as { lines?: number; message: string };
    return { rows: [], problems: [{ line: e.lines ?? 0, error: `unreadable CSV: ${e.message}` }] };
  }
  if (records.length > 0 && !('path' in records[0].record)) {
    return { rows: [], problems: [{ line: 1, error: 'the header must have a "path" column (and optionally title, artist, licence, provenance)' }] };
  }
  return {
    rows: records.map(({ record, info }) => ({
      line: info.lines,
      value: Object.fromEntries(Object.entries(record).filter(([, v]) => v !== '' && v !== undefined)),
    })),
    problems: [],
  };
}
