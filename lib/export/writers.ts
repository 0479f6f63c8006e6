import { createHash, type Hash } from 'node:crypto';
import { open, rm, type FileHandle } from 'node:fs/promises';
import { ByteWriter, ParquetWriter } from 'hyparquet-writer';
import { csvLine, csvTextCell, type CsvValue } from './csv-safe';
import {
  exportColumnNames,
  exportColumnsSchema,
  softLabelColumn,
  type ExportColumns,
  type ExportFormat,
  type ExportRow,
} from './row';
import { dict } from '@/lib/util/dict';

/** What a finished file is: enough for the manifest to list and verify it. */
export interface FileResult {
  path: string;
  rows: number;
  bytes: number;
  /** Hex sha256 of the file's bytes, computed while writing (no second read). */
  sha256: string;
}

/**
 * A push-based writer for one file. `write` returns a promise only when the row made the sink
 * flush to disk; awaiting it gives backpressure, and writes stay ordered and safe even if the
 * caller does not await (flushes are chained and copy their bytes).
 */
export interface RowSink {
  readonly path: string;
  readonly rows: number;
  write(row: ExportRow): void | Promise<void>;
  /** Flush, close and report the file. */
  close(): Promise<FileResult>;
  /** Close and delete the partial file (after an error). */
  abort(): Promise<void>;
}

export interface WriterOptions {
  /**
   * Parquet: rows per row group (default 10,000). Encoding a group allocates ~60 bytes of garbage
   * per value, so larger groups raise peak memory for little gain: at 1M rows, 50,000-row groups
   * peaked at ~460 MB RSS against ~290 MB for 20,000, with files only ~10% smaller. A snapshot
   * holds one open group per split, and the validation and test groups fill slowly (a tenth of the
   * rows each), so their rows live long enough to reach the old generation: a 1M-clip build from
   * PostgreSQL peaked at 455–474 MB with 20,000-row groups and 319–320 MB with 10,000, files 0.2%
   * larger, same CPU (bench/RESULTS.md, issue 12).
   */
  rowGroupSize?: number;
  /**
   * Parquet: flush a row group early once it buffers this many vector values (features +
   * embedding; default 500,000, i.e. ~7,800 rows of 64-d features, ~1,000 of 512-d). List columns
   * go through Dremel encoding, which builds value and level arrays per group; at 100k rows of
   * 64-d features, 1.3M values per group peaked near 600 MB RSS, 500k near 400 MB.
   */
  maxVectorValuesPerGroup?: number;
  /** Parquet: extra key/value metadata stored in the file footer. */
  kvMetadata?: { key: string; value?: string }[];
}

const DEFAULT_ROW_GROUP_SIZE = 10_000;
const DEFAULT_MAX_VECTOR_VALUES = 500_000;
/** Text sinks hand the OS about 1 MiB at a time: large enough to amortise syscalls, small enough not to matter for memory. */
const TEXT_FLUSH_CHARS = 1 << 20;

/**
 * An exclusively created file whose bytes are counted and hashed as they are written. Writes are
 * chained so that callers may fire them without awaiting; the first error is kept and rethrown by
 * the next write or by `close`, so an ignored promise never becomes an unhandled rejection.
 */
class HashedFile {
  private tail: Promise<void> = Promise.resolve();
  private error: unknown = null;
  private readonly hash: Hash = createHash('sha256');
  bytes = 0;

  private constructor(
    readonly path: string,
    private readonly handle: FileHandle,
  ) {}

  /** Fails with EEXIST rather than overwrite: snapshot files are never replaced. */
  static async create(path: string): Promise<HashedFile> {
    return new HashedFile(path, await open(path, 'wx'));
  }

  /** `chunk` must not be mutated afterwards: it is written asynchronously. */
  write(chunk: Uint8Array): Promise<void> {
    if (this.error) throw this.error;
    this.hash.update(chunk);
    this.bytes += chunk.byteLength;
    this.tail = this.tail.then(async () => {
      if (this.error) return;
      try {
        await this.handle.write(chunk);
      } catch (err) {
        this.error = err;
      }
    });
    return this.tail;
  }

  async close(): Promise<{ bytes: number; sha256: string }> {
    await this.tail;
    await this.handle.close();
    if (this.error) throw this.error;
    return { bytes: this.bytes, sha256: this.hash.digest('hex') };
  }

  async abort(): Promise<void> {
    await this.tail;
    await this.handle.close().catch(() => undefined);
    await rm(this.path, { force: true });
  }
}

/** Line-oriented text sink shared by JSONL and CSV: buffers encoded lines, flushes ~1 MiB at a time. */
class TextSink implements RowSink {
  rows = 0;
  private pending = '';

  constructor(
    private readonly file: HashedFile,
    private readonly encode: (row: ExportRow) => string,
    header = '',
  ) {
    this.pending = header;
  }

  get path(): string {
    return this.file.path;
  }

  write(row: ExportRow): void | Promise<void> {
    this.pending += this.encode(row);
    this.rows++;
    if (this.pending.length >= TEXT_FLUSH_CHARS) return this.flush();
  }

  private flush(): Promise<void> {
    const chunk = Buffer.from(this.pending, 'utf8');
    this.pending = '';
    return this.file.write(chunk);
  }

  async close(): Promise<FileResult> {
    if (this.pending) await this.flush();
    const { bytes, sha256 } = await this.file.close();
    return { path: this.file.path, rows: this.rows, bytes, sha256 };
  }

  abort(): Promise<void> {
    return this.file.abort();
  }
}

/** A missing posterior is null in every format; own keys only, so a tag named `constructor` reads no prototype. */
function posterior(row: ExportRow, tag: string): number | null {
  return Object.hasOwn(row.soft_labels, tag) ? row.soft_labels[tag] : null;
}

/**
 * The JSON object written for a row: fixed key order and only the declared columns, so every line
 * of every split has the same shape (the `datasets` JSON loader infers one schema from them).
 */
function jsonlObject(row: ExportRow, columns: Required<ExportColumns>): Record<string, unknown> {
  const soft = dict<number | null>();
  for (const tag of columns.tags) soft[tag] = posterior(row, tag);
  const out: Record<string, unknown> = {
    clip_id: row.clip_id,
    sha256: row.sha256,
    title: row.title,
    artist: row.artist,
    licence: row.licence,
    provenance: row.provenance,
    source: row.source,
    duration_s: row.duration_s,
    tags: row.tags,
    soft_labels: soft,
    vote_count: row.vote_count,
    expert_resolved: row.expert_resolved,
    split: row.split,
    taxonomy_version: row.taxonomy_version,
  };
  if (columns.features) out.features = row.features ?? null;
  if (columns.embedding) out.embedding = row.embedding ?? null;
  return out;
}

/** A CSV record in `exportColumnNames` order: tags joined by `;`, vectors as JSON arrays. */
function csvRecord(row: ExportRow, columns: Required<ExportColumns>): string {
  const cells: CsvValue[] = [
    row.clip_id,
    row.sha256,
    row.title,
    row.artist,
    row.licence,
    row.provenance,
    row.source,
    row.duration_s,
    row.tags.join(';'),
  ];
  for (const tag of columns.tags) cells.push(posterior(row, tag));
  cells.push(row.vote_count, row.expert_resolved, row.split, row.taxonomy_version);
  if (columns.features) cells.push(row.features ? JSON.stringify(row.features) : null);
  if (columns.embedding) cells.push(row.embedding ? JSON.stringify(row.embedding) : null);
  return csvLine(cells);
}

type ParquetSchema = ConstructorParameters<typeof ParquetWriter>[0]['schema'];
type ParquetColumn = Parameters<ParquetWriter['write']>[0]['columnData'][number];

/**
 * Parquet schema of an export. Lists use the standard three-level LIST layout
 * (`<name>.list.element`), which pyarrow, DuckDB and `datasets` read as list columns. Strings are
 * UTF8 byte arrays, posteriors and durations DOUBLE, vectors FLOAT (they are stored as `real` in
 * the database, so FLOAT loses nothing and halves the size).
 */
export function exportParquetSchema(columns: ExportColumns): ParquetSchema {
  const spec = exportColumnsSchema.parse(columns);
  const text = (name: string) => ({ name, type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'REQUIRED' }) as const;
  const list = (name: string, required: boolean, element: Record<string, unknown>): ParquetSchema => [
    { name, repetition_type: required ? 'REQUIRED' : 'OPTIONAL', converted_type: 'LIST', num_children: 1 },
    { name: 'list', repetition_type: 'REPEATED', num_children: 1 },
    { name: 'element', repetition_type: 'REQUIRED', ...element },
  ];
  const fields: ParquetSchema = [
    text('clip_id'),
    text('sha256'),
    text('title'),
    text('artist'),
    text('licence'),
    text('provenance'),
    text('source'),
    { name: 'duration_s', type: 'DOUBLE', repetition_type: 'OPTIONAL' },
    ...list('tags', true, { type: 'BYTE_ARRAY', converted_type: 'UTF8' }),
    ...spec.tags.map((tag) => ({ name: softLabelColumn(tag), type: 'DOUBLE', repetition_type: 'OPTIONAL' }) as const),
    { name: 'vote_count', type: 'INT32', repetition_type: 'REQUIRED' },
    { name: 'expert_resolved', type: 'BOOLEAN', repetition_type: 'REQUIRED' },
    text('split'),
    { name: 'taxonomy_version', type: 'INT32', repetition_type: 'REQUIRED' },
    ...(spec.features ? list('features', false, { type: 'FLOAT' }) : []),
    ...(spec.embedding ? list('embedding', false, { type: 'FLOAT' }) : []),
  ];
  const topLevel = exportColumnNames(spec).length;
  return [{ name: 'schema', num_children: topLevel }, ...fields];
}

/**
 * Columns without min/max statistics: they are unique per clip (or vectors) and not sorted, so
 * their bounds can never let DuckDB or pyarrow skip a row group, while comparing long strings for
 * them was the largest avoidable cost in profiles (~8% of the Parquet write time).
 */
const NO_STATISTICS = new Set(['clip_id', 'sha256', 'title', 'artist', 'provenance', 'features', 'embedding']);

/**
 * Sends the writer's bytes to a HashedFile after every row group. The bytes are copied because the
 * ParquetWriter reuses its buffer for the next group while the file write is still in flight.
 */
class FileByteWriter extends ByteWriter {
  constructor(private readonly file: HashedFile) {
    super(1 << 20);
  }

  flush(): Promise<void> {
    const chunk = new Uint8Array(this.buffer.slice(0, this.index));
    this.index = 0;
    return this.file.write(chunk);
  }

  finish(): Promise<void> {
    return this.flush();
  }
}

/**
 * Buffers one row group as column arrays (the row objects can be collected as soon as they are
 * transposed), writes it with hyparquet-writer's incremental ParquetWriter, and drops it.
 * Memory: O(rowGroupSize × row width), independent of the file's row count.
 */
class ParquetSink implements RowSink {
  rows = 0;
  private readonly names: string[];
  private readonly writer: ParquetWriter;
  private readonly rowGroupSize: number;
  private readonly maxVectorValues: number;
  private cols: unknown[][] = [];
  private buffered = 0;
  private vectorValues = 0;

  constructor(
    private readonly file: HashedFile,
    private readonly columns: Required<ExportColumns>,
    options: WriterOptions,
  ) {
    this.names = exportColumnNames(columns);
    this.rowGroupSize = options.rowGroupSize ?? DEFAULT_ROW_GROUP_SIZE;
    this.maxVectorValues = options.maxVectorValuesPerGroup ?? DEFAULT_MAX_VECTOR_VALUES;
    this.writer = new ParquetWriter({
      writer: new FileByteWriter(file),
      schema: exportParquetSchema(columns),
      createdBy: 'chorus export (hyparquet-writer)',
      kvMetadata: options.kvMetadata,
    });
    this.resetBuffers();
  }

  get path(): string {
    return this.file.path;
  }

  private resetBuffers(): void {
    this.cols = this.names.map(() => []);
    this.buffered = 0;
    this.vectorValues = 0;
  }

  write(row: ExportRow): void | Promise<void> {
    const c = this.cols;
    let i = 0;
    c[i++].push(row.clip_id);
    c[i++].push(row.sha256);
    c[i++].push(row.title);
    c[i++].push(row.artist);
    c[i++].push(row.licence);
    c[i++].push(row.provenance);
    c[i++].push(row.source);
    c[i++].push(row.duration_s);
    c[i++].push(row.tags);
    for (const tag of this.columns.tags) c[i++].push(posterior(row, tag));
    c[i++].push(row.vote_count);
    c[i++].push(row.expert_resolved);
    c[i++].push(row.split);
    c[i++].push(row.taxonomy_version);
    if (this.columns.features) {
      c[i++].push(row.features ?? null);
      this.vectorValues += row.features?.length ?? 0;
    }
    if (this.columns.embedding) {
      c[i++].push(row.embedding ?? null);
      this.vectorValues += row.embedding?.length ?? 0;
    }
    this.rows++;
    this.buffered++;
    if (this.buffered >= this.rowGroupSize || this.vectorValues >= this.maxVectorValues) {
      return this.flushGroup();
    }
  }

  private flushGroup(): void | Promise<void> {
    if (this.buffered === 0) return;
    const columnData = this.names.map(
      (name, j) => ({ name, data: this.cols[j], statistics: !NO_STATISTICS.has(name) }) as ParquetColumn,
    );
    const rows = this.buffered;
    this.resetBuffers();
    return this.writer.write({ columnData, rowGroupSize: rows });
  }

  async close(): Promise<FileResult> {
    await this.flushGroup();
    await this.writer.finish();
    const { bytes, sha256 } = await this.file.close();
    return { path: this.file.path, rows: this.rows, bytes, sha256 };
  }

  abort(): Promise<void> {
    return this.file.abort();
  }
}

/**
 * Create `path` (which must not exist) and return a sink for one format. `columns` fixes the
 * column set; rows are assumed valid (`writeSnapshot` validates them with `exportRowSchema`).
 */
export async function openSink(
  format: ExportFormat,
  path: string,
  columns: ExportColumns,
  options: WriterOptions = {},
): Promise<RowSink> {
  const spec = exportColumnsSchema.parse(columns);
  const file = await HashedFile.create(path);
  switch (format) {
    case 'jsonl':
      return new TextSink(file, (row) => JSON.stringify(jsonlObject(row, spec)) + '\n');
    case 'csv':
      return new TextSink(file, (row) => csvRecord(row, spec), exportColumnNames(spec).map(csvTextCell).join(',') + '\r\n');
    case 'parquet':
      return new ParquetSink(file, spec, options);
  }
}

/**
 * Stream `rows` into a new file at `path` in the given format. Memory is bounded by one flush
 * buffer (text) or one row group (Parquet), whatever the number of rows. On error the partial
 * file is deleted and the error rethrown.
 */
export async function writeRows(
  format: ExportFormat,
  path: string,
  rows: AsyncIterable<ExportRow> | Iterable<ExportRow>,
  columns: ExportColumns,
  options: WriterOptions = {},
): Promise<FileResult> {
  const sink = await openSink(format, path, columns, options);
  try {
    for await (const row of rows) {
      const pending = sink.write(row);
      if (pending) await pending;
    }
    return await sink.close();
  } catch (err) {
    await sink.abort();
    throw err;
  }
}

/** JSON Lines: one object per line, `soft_labels` as an object keyed by tag. */
export function writeJsonl(
  path: string,
  rows: AsyncIterable<ExportRow> | Iterable<ExportRow>,
  columns: ExportColumns,
): Promise<FileResult> {
  return writeRows('jsonl', path, rows, columns);
}

/** RFC 4180 CSV with a header, formula-injection-safe text cells (see `csv-safe.ts`). */
export function writeCsv(
  path: string,
  rows: AsyncIterable<ExportRow> | Iterable<ExportRow>,
  columns: ExportColumns,
): Promise<FileResult> {
  return writeRows('csv', path, rows, columns);
}

/** Parquet (Snappy), one row group per `rowGroupSize` rows, schema from `exportParquetSchema`. */
export function writeParquet(
  path: string,
  rows: AsyncIterable<ExportRow> | Iterable<ExportRow>,
  columns: ExportColumns,
  options: WriterOptions = {},
): Promise<FileResult> {
  return writeRows('parquet', path, rows, columns, options);
}
