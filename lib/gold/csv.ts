import { parseCsvRecords, type CsvRecord } from '@/lib/util/csv';
import { csvLine } from '@/lib/export/csv-safe';
import { GoldAnswerInputSchema } from './schemas';

/**
 * The gold CSV of `chorus gold import` / `export` (DESIGN.md contracts):
 *
 *     clip,tags,tolerated
 *     3f2a…(sha256 or clip id),happy|energetic,calm
 *
 * `tags` (required moods, at least one) and `tolerated` (optional column; moods that may go
 * either way) are tag keys joined by `|`. Pure: clip references and tag keys are checked
 * against the database by lib/gold/service.ts.
 */

export interface GoldCsvRow {
  /** 1-based line of the file, for messages. */
  line: number;
  clip: string;
  tags: string[];
  tolerated: string[];
}

const splitTags = (cell: string | undefined) =>
  (cell ?? '')
    .split('|')
    .map((t) => t.trim())
    .filter((t) => t.length > 0);

/** Parses the file; every bad row is a problem naming its line, and no rows are returned when there is one. */
export function parseGoldCsv(text: string): { rows: GoldCsvRow[]; problems: string[] } {
  let records: CsvRecord[];
  try {
    records = parseCsvRecords(text);
  } catch (err) {
    return { rows: [], problems: [`unreadable CSV: ${(err as Error).message}`] };
  }
  const header = (records[0]?.record ?? []).map((h) => h.toLowerCase());
  const clip = header.indexOf('clip');
  const tags = header.indexOf('tags');
  const tolerated = header.indexOf('tolerated');
  if (clip < 0 || tags < 0) return { rows: [], problems: ['line 1: the first line must name the columns clip,tags[,tolerated]'] };
  const problems: string[] = [];
  const rows: GoldCsvRow[] = [];
  const seen = new Map<string, number>();
  for (const { record, info } of records.slice(1)) {
    const line = info.lines;
    const ref = (record[clip] ?? '').trim();
    if (!ref) {
      problems.push(`line ${line}: the clip cell is empty (a clip id or sha256)`);
      continue;
    }
    // The clip id is checked against the database; the schema checks tag keys and the two sets.
    const parsed = GoldAnswerInputSchema.safeParse({
      clipId: '00000000-0000-4000-8000-000000000000',
      tags: splitTags(record[tags]),
      tolerated: tolerated >= 0 ? splitTags(record[tolerated]) : [],
    });
    if (!parsed.success) {
      problems.push(`line ${line} (${ref}): ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
      continue;
    }
    const earlier = seen.get(ref.toLowerCase());
    if (earlier) {
      problems.push(`line ${line}: clip ${ref} is already given on line ${earlier}`);
      continue;
    }
    seen.set(ref.toLowerCase(), line);
    rows.push({ line, clip: ref.toLowerCase(), tags: parsed.data.tags, tolerated: parsed.data.tolerated });
  }
  if (records.length <= 1) problems.push('the file has no gold rows');
  return { rows: problems.length ? [] : rows, problems };
}

/** The export: header plus one row per gold clip, CRLF-terminated (RFC 4180). */
export function formatGoldCsv(rows: readonly { clip: string; tags: readonly string[]; tolerated: readonly string[] }[]): string {
  return (
    csvLine(['clip', 'tags', 'tolerated']) + rows.map((r) => csvLine([r.clip, r.tags.join('|'), r.tolerated.join('|')])).join('')
  );
}
