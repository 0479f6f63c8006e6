/**
 * Dataset export: immutable, versioned snapshots in JSONL, CSV and Parquet, laid out for Hugging
 * Face `datasets`, with a manifest and a datasheet. Independent of the database: the caller feeds
 * rows from a cursor; nothing here imports `db/`, Next or React.
 *
 * ## Typical use (a snapshot job)
 *
 * ```ts
 * const splits = assignStableSplits(registry, clips.map((c) => ({ id: c.id, labels: c.tags })), { seed });
 * // persist the new entries of `splits` in the split registry, then:
 * const manifest = await writeSnapshot({
 *   dir: `${root}/${name}/v${version}`, name, version, formats: ['parquet', 'jsonl'],
 *   filters, columns: { tags: taxonomyTagKeys, features: true },
 *   rows: () => cursorOfExportRows(),          // each row carries `split` from `splits`
 *   meta: { taxonomy_version, model_version, extractor_version, datasheet: { label_process, agreement } },
 *   expectedRows: n, onProgress: (p) => job.progress(p.rows / n),
 * });
 * ```
 *
 * ## Rows — `row.ts`
 * - `exportRowSchema` / `ExportRow`: clip_id, sha256, title, artist, licence, provenance (JSON
 *   text), source, duration_s, tags (hard labels), soft_labels (tag → posterior), vote_count,
 *   expert_resolved, split, taxonomy_version, features?, embedding?.
 * - `ExportColumns` { tags: string[]; features?: boolean; embedding?: boolean }: the column set,
 *   fixed before the first row. `exportColumnNames(columns)`, `softLabelColumn(tag)` → `p_<tag>`.
 * - `SPLITS`, `EXPORT_FORMATS`, `Split`, `ExportFormat`.
 *
 * ## Writers — `writers.ts` (streaming, one file each; the file must not exist)
 * - `writeParquet(path, rows, columns, options?)`, `writeJsonl(path, rows, columns)`,
 *   `writeCsv(path, rows, columns)`, `writeRows(format, path, rows, columns, options?)`:
 *   `rows` is an `AsyncIterable<ExportRow> | Iterable<ExportRow>`; resolve to
 *   `FileResult` { path, rows, bytes, sha256 } (sha256 computed while writing).
 * - `openSink(format, path, columns, options?)` → `RowSink` { write(row): void | Promise<void>;
 *   close(): Promise<FileResult>; abort() }: push-based form, for fanning one cursor out.
 * - `exportParquetSchema(columns)`: the Parquet schema (UTF8 strings, DOUBLE posteriors and
 *   duration, INT32, BOOLEAN, LIST<UTF8> tags, LIST<FLOAT> vectors; Snappy).
 * - Memory: one row group (10,000 rows, or fewer once it holds 500,000 vector values) per Parquet
 *   file, ~1 MiB per text file.
 *
 * ## CSV safety — `csv-safe.ts`
 * - `csvCell(value)`, `csvTextCell(text)`, `csvLine(values)`: RFC 4180 quoting plus OWASP
 *   formula-injection neutralisation of text cells; numbers stay numbers.
 *
 * ## Splits — `splits.ts` (pure)
 * - `iterativeStratification(items, { proportions?, seed? }) → Map<id, Split>`
 *   (Sechidis, Tsoumakas & Vlahavas 2011), default 0.8 / 0.1 / 0.1.
 * - `assignStableSplits(existing, items, options?) → Map<id, Split>`: existing clips keep their
 *   split; only new ones are stratified against what each split still lacks.
 *
 * ## Layout and manifest — `layout.ts`
 * - `<dir>/data/<split>-NNNNN-of-NNNNN.<ext>`, `<dir>/README.md`, `<dir>/manifest.json`.
 * - `shardPath`, `shardGlob`, `datasetConfigs(formats)`, `manifestSchema` / `SnapshotManifest`,
 *   `checksumList(files)` (`sha256sum` format).
 *
 * ## Datasheet — `datasheet.ts` (pure)
 * - `buildDatasheet({ manifest, description?, tag_info?, label_process?, agreement?, splits?,
 *   known_limits? }) → string`: README.md with `datasets` YAML front matter.
 *
 * ## Snapshot — `snapshot.ts`
 * - `writeSnapshot(options) → Promise<SnapshotManifest>`: one pass over `rows()`, all splits and
 *   formats, shards of `maxRowsPerFile`, datasheet, manifest last; written in a staging directory
 *   renamed into place; throws `SnapshotExistsError` (code `SNAPSHOT_EXISTS`) if `dir` exists.
 * - `readManifest(dir)`, `verifySnapshot(dir) → string[]` (problems; empty when intact),
 *   `sha256File(path)`.
 */
export * from './row';
export * from './csv-safe';
export * from './writers';
export * from './splits';
export * from './layout';
export * from './datasheet';
export * from './snapshot';
