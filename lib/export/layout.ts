import { z } from 'zod';
import { EXPORT_FORMATS, SPLITS, type ExportFormat, type Split } from './row';

/**
 * On-disk layout of a snapshot, chosen so that Hugging Face `datasets` loads the directory as is
 * (`load_dataset("<dir>")` reads the YAML `configs` of README.md) and pandas / DuckDB can glob
 * the files:
 *
 *   <dir>/README.md                                  datasheet with `datasets` front matter
 *   <dir>/manifest.json                              filters, counts, versions, file checksums
 *   <dir>/data/<split>-<shard>-of-<shards>.<ext>     per split and format, shards numbered from 0
 *
 * The shard naming is the one the Hub itself writes (`train-00000-of-00002.parquet`).
 */

export const DATA_DIR = 'data';
export const MANIFEST_FILE = 'manifest.json';
export const DATASHEET_FILE = 'README.md';

const EXTENSIONS: Record<ExportFormat, string> = { parquet: 'parquet', jsonl: 'jsonl', csv: 'csv' };

/** Relative path of one shard, e.g. `data/train-00000-of-00001.parquet`. */
export function shardPath(split: Split, format: ExportFormat, shard: number, shards: number): string {
  const n = (i: number) => String(i).padStart(5, '0');
  return `${DATA_DIR}/${split}-${n(shard)}-of-${n(shards)}.${EXTENSIONS[format]}`;
}

/** Glob of all shards of a split in one format, as used in the `datasets` configs. */
export function shardGlob(split: Split, format: ExportFormat): string {
  return `${DATA_DIR}/${split}-*.${EXTENSIONS[format]}`;
}

/**
 * The `configs` block of the dataset card. A `datasets` config must hold files of one format, so
 * the preferred format (Parquet when written: typed, compressed, columnar) is `default` and every
 * other written format gets a config named after it (`load_dataset(dir, "jsonl")`).
 */
export function datasetConfigs(formats: readonly ExportFormat[]) {
  const ordered = EXPORT_FORMATS.filter((f) => formats.includes(f));
  return ordered.map((format, i) => ({
    config_name: i === 0 ? 'default' : format,
    data_files: SPLITS.map((split) => ({ split, path: shardGlob(split, format) })),
  }));
}

export const fileEntrySchema = z.object({
  path: z.string(),
  rows: z.number().int().nonnegative().nullable(),
  bytes: z.number().int().nonnegative(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  format: z.enum([...EXPORT_FORMATS, 'markdown']),
  split: z.enum(SPLITS).nullable(),
});
export type FileEntry = z.infer<typeof fileEntrySchema>;

const countsByTag = z.record(z.string(), z.number().int().nonnegative());

/** `manifest.json`: the machine-readable record of a snapshot, written last. */
export const manifestSchema = z.object({
  name: z.string(),
  version: z.number().int().positive(),
  created_at: z.string(),
  formats: z.array(z.enum(EXPORT_FORMATS)),
  /** The snapshot definition (clip states, minimum confidence, licences, dates, sources …), as given. */
  filters: z.record(z.string(), z.unknown()),
  counts: z.object({
    rows: z.number().int().nonnegative(),
    per_split: z.record(z.enum(SPLITS), z.number().int().nonnegative()),
    /** Positive hard labels per tag over all splits. */
    per_tag: countsByTag,
    per_split_tag: z.record(z.enum(SPLITS), countsByTag),
    per_licence: countsByTag,
    per_source: countsByTag,
    expert_resolved: z.number().int().nonnegative(),
  }),
  tags: z.array(z.string()),
  taxonomy_version: z.number().int().positive(),
  model_version: z.string().nullable(),
  extractor_version: z.string().nullable(),
  columns: z.array(z.string()),
  /**
   * How the rows were produced, when the caller records it (label taxonomy versions and the tag
   * mapping applied, model, embedding version, split seed …). Optional and free-form: absent
   * unless `writeSnapshot` is given `meta.build`.
   */
  build: z.record(z.string(), z.unknown()).optional(),
  /** Every file of the snapshot except the manifest itself, sorted by path. */
  files: z.array(fileEntrySchema),
  /** sha256 of the lines `<sha256>  <path>\n` of `files` (the `sha256sum` format): one fingerprint for the whole snapshot. */
  content_sha256: z.string().regex(/^[0-9a-f]{64}$/),
});
export type SnapshotManifest = z.infer<typeof manifestSchema>;

/** The text whose sha256 is `content_sha256`; also a valid input for `sha256sum -c`. */
export function checksumList(files: readonly Pick<FileEntry, 'path' | 'sha256'>[]): string {
  return files.map((f) => `${f.sha256}  ${f.path}\n`).join('');
}
