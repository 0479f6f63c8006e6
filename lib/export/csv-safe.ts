/**
 * CSV cells that are safe to open in a spreadsheet.
 *
 * Formula injection (CSV injection): Excel, LibreOffice and Google Sheets evaluate a text cell
 * that starts with `=`, `+`, `-` or `@` as a formula, and a leading tab or carriage return can
 * hide such a prefix. Titles, artists and provenance come from uploads and imports, so a clip
 * titled `=HYPERLINK("http://evil","click")` would run in an engineer's spreadsheet. Following
 * OWASP's recommendation, such text cells get a leading single quote, which every spreadsheet
 * shows as a text marker, and every cell that needs it is quoted per RFC 4180 so that an embedded
 * quote or separator cannot start a new cell. Only string values are neutralised: a number such as
 * `-2` in a numeric column is written bare and stays a number for pandas and spreadsheets.
 *
 * @see https://owasp.org/www-community/attacks/CSV_Injection
 */

export type CsvValue = string | number | boolean | null | undefined;

const FORMULA_TRIGGER = /^[=+\-@\t\r]/;
const NEEDS_QUOTES = /[",\r\n]/;

/**
 * Encode one text cell: neutralise a formula prefix, then quote if needed.
 * O(length of the text).
 */
export function csvTextCell(text: string): string {
  const safe = FORMULA_TRIGGER.test(text) ? `'${text}` : text;
  return NEEDS_QUOTES.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/**
 * Encode one cell of any supported type. Finite numbers and booleans are written bare (they cannot
 * carry a formula and must stay numeric for pandas and spreadsheets); null, undefined and
 * non-finite numbers become an empty cell, which pandas reads as NaN.
 *
 * @example csvCell(-2) === '-2'; csvCell('-2+3') === "'-2+3"; csvCell('a,b') === '"a,b"'
 */
export function csvCell(value: CsvValue): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return Number.isFinite(value) ? String(value) : '';
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  return csvTextCell(value);
}

/** One CSV record terminated by CRLF, as RFC 4180 specifies. */
export function csvLine(values: readonly CsvValue[]): string {
  let line = '';
  for (let i = 0; i < values.length; i++) {
    if (i > 0) line += ',';
    line += csvCell(values[i]);
  }
  return line + '\r\n';
}
