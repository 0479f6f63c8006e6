import { createHash, randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { chmod, mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';
import { z } from 'zod';
import { buildDatasheet, type DatasheetInput } from './datasheet';
import {
  checksumList,
  DATA_DIR,
  DATASHEET_FILE,
  MANIFEST_FILE,
  manifestSchema,
  shardPath,
  type FileEntry,
  type SnapshotManifest,
} from './layout';
import {
  EXPORT_FORMATS,
  exportColumnNames,
  exportColumnsSchema,
  exportRowSchema,
  SPLITS,
  type ExportColumns,
  type ExportFormat,
  type ExportRow,
  type Split,
} from './row';
import { openSink, type FileResult, type RowSink, type WriterOptions } from './writers';
import { dict } from '@/lib/util/dict';

export interface SnapshotProgress {
  phase: 'rows' | 'finalize' | 'done';
  rows: number;
  /** `expectedRows` when the caller gave it, so a job can show a percentage. */
  total?: number;
}

export interface WriteSnapshotOptions {
  /** Final snapshot directory; must not exist (snapshots are immutable). */
  dir: string;
  name: string;
  version: number;
  formats: readonly ExportFormat[];
  /** The snapshot definition, recorded verbatim in the manifest and the card. */
  filters: Record<string, unknown>;
  columns: ExportColumns;
  /**
   * The rows, each with its split already assigned (see `assignStableSplits`). Called exactly once,
   * after the directory is claimed, so a database cursor is only opened when the write will go
   * ahead; all splits and formats are written in that one pass.
   */
  rows: () => AsyncIterable<ExportRow> | Iterable<ExportRow>;
  meta: {
    taxonomy_version: number;
    model_version: string | null;
    extractor_version: string | null;
    /** Defaults to now; pass it to make a snapshot byte-for-byte reproducible. */
    created_at?: Date | string;
    /** Card content beyond the manifest (description, label process, agreement, limits …). */
    datasheet?: Omit<DatasheetInput, 'manifest'>;
    /** Recorded as the manifest's `build` (how the rows were produced); omitted when absent. */
    build?: Record<string, unknown>;
  };
  onProgress?: (progress: SnapshotProgress) => void;
  expectedRows?: number;
  /** Rows between progress reports (default 10,000). */
  progressEvery?: number;
  /** Rows per shard file before a new shard starts (default 500,000). */
  maxRowsPerFile?: number;
  /** Validate every row with `exportRowSchema` (default true; about 2 µs a row). */
  validate?: boolean;
  writer?: WriterOptions;
  signal?: AbortSignal;
}

/** Thrown when the snapshot directory already exists: a snapshot is never overwritten. */
export class SnapshotExistsError extends Error {
  readonly code = 'SNAPSHOT_EXISTS';
  constructor(readonly dir: string) {
    super(`snapshot directory already exists: ${dir}`);
    this.name = 'SnapshotExistsError';
  }
}

/**
 * One split in one format: a sequence of shard files, each closed after `maxRows` rows. The final
 * `-of-N` names need N, known only at the end, so shards are written under temporary names and
 * renamed by `finish`.
 */
class ShardedSink {
  private current: RowSink | null = null;
  private readonly done: FileResult[] = [];

  constructor(
    private readonly root: string,
    private readonly split: Split,
    private readonly format: ExportFormat,
    private readonly columns: ExportColumns,
    private readonly maxRows: number,
    private readonly options: WriterOptions,
  ) {}

  private async open(): Promise<RowSink> {
    const path = join(this.root, DATA_DIR, `.${this.split}-${this.done.length}.${this.format}.partial`);
    this.current = await openSink(this.format, path, this.columns, this.options);
    return this.current;
  }

  /**
   * A full shard is closed when the next row arrives, not when it fills, so a row count that is a
   * multiple of `maxRows` does not leave an empty last shard. Returns a promise only when the row
   * needs I/O (a flush or a new shard), keeping the per-row path free of promise allocations.
   */
  write(row: ExportRow): void | Promise<void> {
    const sink = this.current;
    if (sink && sink.rows < this.maxRows) return sink.write(row);
    return this.rotate(row);
  }

  private async rotate(row: ExportRow): Promise<void> {
    if (this.current) this.done.push(await this.current.close());
    const pending = (await this.open()).write(row);
    if (pending) await pending;
  }

  /** Close the last shard (or write an empty one: every split needs a file for `datasets`) and name them. */
  async finish(): Promise<FileEntry[]> {
    if (this.current) this.done.push(await this.current.close());
    else if (this.done.length === 0) this.done.push(await (await this.open()).close());
    this.current = null;
    const entries: FileEntry[] = [];
    for (let i = 0; i < this.done.length; i++) {
      const rel = shardPath(this.split, this.format, i, this.done.length);
      await rename(this.done[i].path, join(this.root, rel));
      const { rows, bytes, sha256 } = this.done[i];
      entries.push({ path: rel, rows, bytes, sha256, format: this.format, split: this.split });
    }
    return entries;
  }

  async abort(): Promise<void> {
    await this.current?.abort();
  }
}

function emptyCounts(tags: readonly string[]): SnapshotManifest['counts'] {
  // Null-prototype: tag keys like `constructor` or `toString` must count from 0, not from Object's.
  const zeroTags = () => dict<number>(tags.map((t) => [t, 0]));
  return {
    rows: 0,
    per_split: { train: 0, validation: 0, test: 0 },
    per_tag: zeroTags(),
    per_split_tag: { train: zeroTags(), validation: zeroTags(), test: zeroTags() },
    per_licence: dict(),
    per_source: dict(),
    expert_resolved: 0,
  };
}

/**
 * Create an immutable snapshot directory: data files for every split and format, the datasheet
 * (README.md) and, last, manifest.json with the sha256 of every file.
 *
 * Streaming: rows are pulled once and written as they come; memory is bounded by one Parquet
 * row group per split plus ~1 MiB per text file, whatever the row count.
 *
 * Atomicity and immutability: everything is written into a hidden sibling staging directory that
 * is renamed to `dir` only when complete, so a crash or an error leaves no half snapshot, and a
 * concurrent writer of the same `dir` loses with `SnapshotExistsError`. Files are made read-only.
 *
 * @returns the manifest as written.
 */
export async function writeSnapshot(options: WriteSnapshotOptions): Promise<SnapshotManifest> {
  const dir = resolve(options.dir);
  const columns = exportColumnsSchema.parse(options.columns);
  const formats = EXPORT_FORMATS.filter((f) => options.formats.includes(f));
  if (formats.length === 0) throw new Error('writeSnapshot needs at least one format');
  if (!Number.isInteger(options.version) || options.version < 1) throw new Error('snapshot version must be a positive integer');
  if (await exists(dir)) throw new SnapshotExistsError(dir);

  const staging = join(dirname(dir), `.${basename(dir)}.partial-${randomUUID().slice(0, 8)}`);
  await mkdir(join(staging, DATA_DIR), { recursive: true });

  const sinks = new Map<Split, ShardedSink[]>(
    SPLITS.map((split) => [
      split,
      formats.map(
        (format) => new ShardedSink(staging, split, format, columns, options.maxRowsPerFile ?? 500_000, options.writer ?? {}),
      ),
    ]),
  );
  const tagSet = new Set(columns.tags);
  const counts = emptyCounts(columns.tags);
  // Maps, not objects, while counting: licence and source names come from imports, and a name
  // like `__proto__` must not reach an object's prototype.
  const licences = new Map<string, number>();
  const sources = new Map<string, number>();
  const validate = options.validate ?? true;
  const every = options.progressEvery ?? 10_000;
  const taxonomyVersion = options.meta.taxonomy_version;

  let manifest: SnapshotManifest;
  try {
    for await (const input of options.rows()) {
      const row = validate ? validRow(input, counts.rows) : input;
      if (row.taxonomy_version !== taxonomyVersion) {
        throw new Error(`clip ${row.clip_id} has taxonomy version ${row.taxonomy_version}, snapshot is ${taxonomyVersion}`);
      }
      counts.rows++;
      counts.per_split[row.split]++;
      for (const tag of row.tags) {
        if (!tagSet.has(tag)) throw new Error(`clip ${row.clip_id} has tag ${tag} outside the exported columns`);
        counts.per_tag[tag]++;
        counts.per_split_tag[row.split][tag]++;
      }
      licences.set(row.licence, (licences.get(row.licence) ?? 0) + 1);
      sources.set(row.source, (sources.get(row.source) ?? 0) + 1);
      if (row.expert_resolved) counts.expert_resolved++;
      for (const sink of sinks.get(row.split)!) {
        const pending = sink.write(row);
        if (pending) await pending;
      }
      if (counts.rows % every === 0) {
        options.signal?.throwIfAborted();
        options.onProgress?.({ phase: 'rows', rows: counts.rows, total: options.expectedRows });
      }
    }
    options.signal?.throwIfAborted();
    options.onProgress?.({ phase: 'finalize', rows: counts.rows, total: options.expectedRows });

    counts.per_licence = dict(licences);
    counts.per_source = dict(sources);
    const files: FileEntry[] = [];
    for (const split of SPLITS) for (const sink of sinks.get(split)!) files.push(...(await sink.finish()));

    const created = options.meta.created_at ?? new Date();
    const base = {
      name: options.name,
      version: options.version,
      created_at: typeof created === 'string' ? created : created.toISOString(),
      formats,
      filters: options.filters,
      counts,
      tags: columns.tags,
      taxonomy_version: taxonomyVersion,
      model_version: options.meta.model_version,
      extractor_version: options.meta.extractor_version,
      columns: exportColumnNames(columns),
      ...(options.meta.build ? { build: options.meta.build } : {}),
    };
    const card = Buffer.from(buildDatasheet({ ...options.meta.datasheet, manifest: base }), 'utf8');
    await writeFile(join(staging, DATASHEET_FILE), card, { flag: 'wx' });
    files.push({
      path: DATASHEET_FILE,
      rows: null,
      bytes: card.byteLength,
      sha256: sha256Hex(card),
      format: 'markdown',
      split: null,
    });

    files.sort((a, b) => (a.path < b.path ? -1 : 1));
    const parsed: SnapshotManifest = { ...base, files, content_sha256: sha256Hex(checksumList(files)) };
    await writeFile(join(staging, MANIFEST_FILE), JSON.stringify(parsed, null, 2) + '\n', { flag: 'wx' });

    for (const f of [...files.map((f) => f.path), MANIFEST_FILE]) await chmod(join(staging, f), 0o444);
    try {
      await rename(staging, dir);
    } catch (err) {
      if (isErrno(err, 'EEXIST') || isErrno(err, 'ENOTEMPTY')) throw new SnapshotExistsError(dir);
      throw err;
    }
    manifest = parsed;
  } catch (err) {
    for (const list of sinks.values()) for (const sink of list) await sink.abort().catch(() => undefined);
    await rm(staging, { recursive: true, force: true });
    throw err;
  }
  options.onProgress?.({ phase: 'done', rows: counts.rows, total: options.expectedRows });
  return manifest;
}

function validRow(input: unknown, index: number): ExportRow {
  const parsed = exportRowSchema.safeParse(input);
  if (parsed.success) return parsed.data;
  const id = (input as { clip_id?: unknown } | null)?.clip_id;
  throw new Error(`invalid export row ${index} (clip ${String(id)}):\n${z.prettifyError(parsed.error)}`);
}

/** Read and validate `<dir>/manifest.json`. */
export async function readManifest(dir: string): Promise<SnapshotManifest> {
  return manifestSchema.parse(JSON.parse(await readFile(join(dir, MANIFEST_FILE), 'utf8')));
}

/**
 * Check a snapshot against its manifest: every listed file exists with its size and sha256
 * (recomputed by streaming, O(total bytes) time, O(1) memory), `content_sha256` matches the list,
 * and no unlisted file sits in the snapshot. Returns the problems found (empty when intact).
 */
export async function verifySnapshot(dir: string): Promise<string[]> {
  const manifest = await readManifest(dir);
  const problems: string[] = [];
  for (const f of manifest.files) {
    const path = join(dir, f.path);
    if (!(await exists(path))) {
      problems.push(`missing: ${f.path}`);
      continue;
    }
    const { size } = await stat(path);
    if (size !== f.bytes) problems.push(`size changed: ${f.path} (${size} bytes, manifest ${f.bytes})`);
    const hash = await sha256File(path);
    if (hash !== f.sha256) problems.push(`checksum mismatch: ${f.path}`);
  }
  if (sha256Hex(checksumList(manifest.files)) !== manifest.content_sha256)
    problems.push('content_sha256 does not match the file list');
  const listed = new Set([...manifest.files.map((f) => f.path), MANIFEST_FILE]);
  const present = [
    ...(await readdir(dir)).filter((name) => name !== DATA_DIR),
    ...(await readdir(join(dir, DATA_DIR))).map((name) => `${DATA_DIR}/${name}`),
  ];
  for (const p of present) if (!listed.has(p)) problems.push(`unlisted file: ${p}`);
  return problems;
}

/** Streaming sha256 of a file (hex). */
export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    (err) => {
      if (isErrno(err, 'ENOENT')) return false;
      throw err;
    },
  );
}

function isErrno(err: unknown, code: string): boolean {
  return typeof err === 'object' && err !== null && (err as { code?: unknown }).code === code;
}
