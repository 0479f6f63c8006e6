/**
 * A streaming parser of PostgreSQL's COPY text format (`COPY … TO STDOUT`, the default format):
 * one row a line, columns separated by a tab, NULL written `\N`, and a backslash escaping the
 * characters that would break the layout (`\t`, `\n`, `\r`, `\\`) plus `\b`, `\f`, `\v`, octal
 * `\ooo` and hex `\xhh` bytes (PostgreSQL 15 documentation, "COPY", section "Text Format").
 * PostgreSQL itself writes only the first kind and `\b \f \v`; the byte escapes are accepted as the
 * reader side of the format allows them. Chunks may split a row, an escape or a multi-byte UTF-8
 * character anywhere: bytes are buffered up to the end of a line and each line decoded whole.
 */

const NEWLINE = 0x0a;

const SIMPLE_ESCAPES: Record<string, string> = { b: '\b', f: '\f', n: '\n', r: '\r', t: '\t', v: '\v', '\\': '\\' };

/** The fields of one line (without its `\n`); null for `\N`. */
export function parseCopyLine(line: string): (string | null)[] {
  const fields: (string | null)[] = [];
  let start = 0;
  for (;;) {
    const tab = line.indexOf('\t', start);
    const raw = tab < 0 ? line.slice(start) : line.slice(start, tab);
    fields.push(raw === '\\N' ? null : raw.includes('\\') ? unescapeField(raw) : raw);
    if (tab < 0) return fields;
    start = tab + 1;
  }
}

function unescapeField(raw: string): string {
  let out = '';
  let bytes: number[] | null = null;
  const flushBytes = () => {
    if (bytes) out += Buffer.from(bytes).toString('utf8');
    bytes = null;
  };
  for (let i = 0; i < raw.length; i++) {
    const ch = raw[i];
    if (ch !== '\\') {
      flushBytes();
      out += ch;
      continue;
    }
    const next = raw[i + 1];
    if (next === undefined) throw new Error(`COPY text: a field ends in a lone backslash: ${JSON.stringify(raw)}`);
    // Octal and hex escapes are bytes (several make one UTF-8 character), the rest characters.
    const octal = /^[0-7]{1,3}/.exec(raw.slice(i + 1, i + 4));
    const hex = next === 'x' ? /^[0-9a-fA-F]{1,2}/.exec(raw.slice(i + 2, i + 4)) : null;
    if (octal) {
      (bytes ??= []).push(parseInt(octal[0], 8) & 0xff);
      i += octal[0].length;
    } else if (hex) {
      (bytes ??= []).push(parseInt(hex[0], 16));
      i += 1 + hex[0].length;
    } else {
      flushBytes();
      // Any other escaped character stands for itself (`\N` inside a longer field is a plain N).
      out += SIMPLE_ESCAPES[next] ?? next;
      i += 1;
    }
  }
  flushBytes();
  return out;
}

/**
 * Rows of a COPY text stream, `batch` at a time (the last batch may be shorter). A row's fields are
 * strings or null; the caller converts the types it selected. Throws on a stream that ends in the
 * middle of a row. O(bytes) time; memory is one batch plus the unfinished line.
 */
export async function* parseCopyText(chunks: AsyncIterable<Uint8Array>, batch: number): AsyncGenerator<(string | null)[][]> {
  if (!Number.isInteger(batch) || batch < 1) throw new Error(`COPY text: batch must be a positive integer, got ${batch}`);
  let rows: (string | null)[][] = [];
  let carry: Buffer | null = null;
  for await (const chunk of chunks) {
    const buf: Buffer = carry ? Buffer.concat([carry, chunk]) : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    carry = null;
    let start = 0;
    for (;;) {
      const end = buf.indexOf(NEWLINE, start);
      if (end < 0) break;
      // A data newline is always escaped (`\n`), so a raw 0x0a ends the row; UTF-8 continuation
      // bytes are never 0x0a, so a whole line is whole characters.
      rows.push(parseCopyLine(buf.toString('utf8', start, end)));
      start = end + 1;
      if (rows.length === batch) {
        yield rows;
        rows = [];
      }
    }
    if (start < buf.length) carry = Buffer.from(buf.subarray(start));
  }
  if (carry) throw new Error(`COPY text: the stream ended inside a row (${carry.length} bytes without a newline)`);
  if (rows.length > 0) yield rows;
}
