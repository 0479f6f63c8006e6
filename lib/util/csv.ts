import { parse } from 'csv-parse/sync';

/** One CSV record with the file line it ends on (for messages that name the line). */
export interface CsvRecord {
  record: string[];
  info: { lines: number };
}

/**
 * Parses CSV text the way every upload and CLI here reads it: a byte-order mark dropped, blank
 * lines skipped, cells trimmed, rows of any length (the caller checks the columns it needs).
 * Throws csv-parse's error on malformed CSV (an unclosed quote…); it carries `lines`.
 */
export function parseCsvRecords(text: string): CsvRecord[] {
  // With `info: true` csv-parse yields { record, info } pairs; its typings only know the plain form.
  return parse(text, {
    bom: true,
    info: true,
    skip_empty_lines: true,
    trim: true,
    relax_column_count: true,
  }) as unknown as CsvRecord[];
}
