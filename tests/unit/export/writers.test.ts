import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asyncBufferFromFile, parquetMetadataAsync, parquetReadObjects, parquetSchema as readSchema } from 'hyparquet';
import { parse } from 'csv-parse/sync';
import {
  exportColumnNames,
  openSink,
  softLabelColumn,
  writeCsv,
  writeJsonl,
  writeParquet,
  type ExportColumns,
  type ExportRow,
} from '@/lib/export';
import { HOSTILE_TITLES, makeRow, rowsOf, TAGS } from './fixtures';

const N = 2_345;
const columns: ExportColumns = { tags: TAGS, features: true, embedding: true };
const rows: ExportRow[] = Array.from({ length: N }, (_, i) => makeRow(i, 'train', { features: true, embedding: true }));

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'chorus-writers-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe('writeParquet, read back with hyparquet (independent reader)', () => {
  it('writes every column of every row, in several row groups, with the declared types', async () => {
    const path = join(dir, 'all.parquet');
    const result = await writeParquet(path, rowsOf(rows), columns, { rowGroupSize: 500 });
    const bytes = await readFile(path);
    expect(result).toEqual({ path, rows: N, bytes: bytes.byteLength, sha256: sha256(bytes) });

    const file = await asyncBufferFromFile(path);
    const meta = await parquetMetadataAsync(file);
    expect(Number(meta.num_rows)).toBe(N);
    expect(meta.row_groups).toHaveLength(Math.ceil(N / 500));

    const top = readSchema(meta).children.map((c) => c.element);
    expect(top.map((e) => e.name)).toEqual(exportColumnNames(columns));
    const byName = Object.fromEntries(top.map((e) => [e.name, e]));
    expect(byName.clip_id).toMatchObject({ type: 'BYTE_ARRAY', converted_type: 'UTF8' });
    expect(byName[softLabelColumn('calm')]).toMatchObject({ type: 'DOUBLE' });
    expect(byName.vote_count).toMatchObject({ type: 'INT32' });
    expect(byName.expert_resolved).toMatchObject({ type: 'BOOLEAN' });
    expect(byName.tags).toMatchObject({ converted_type: 'LIST' });
    expect(byName.features).toMatchObject({ converted_type: 'LIST' });

    const back = (await parquetReadObjects({ file })) as Record<string, unknown>[];
    expect(back).toHaveLength(N);
    for (let i = 0; i < N; i++) {
      const row = rows[i];
      const got = back[i];
      expect(Object.keys(got)).toEqual(exportColumnNames(columns));
      const expected: Record<string, unknown> = {
        clip_id: row.clip_id,
        sha256: row.sha256,
        title: row.title,
        artist: row.artist,
        licence: row.licence,
        provenance: row.provenance,
        source: row.source,
        duration_s: row.duration_s,
        tags: row.tags,
        vote_count: row.vote_count,
        expert_resolved: row.expert_resolved,
        split: row.split,
        taxonomy_version: row.taxonomy_version,
        features: row.features ?? null,
        embedding: row.embedding ?? null,
      };
      for (const tag of TAGS) expected[softLabelColumn(tag)] = row.soft_labels[tag] ?? null;
      expect(got).toEqual(expected);
    }
    // The fixture exercises the edge cases this test is meant to cover.
    expect(back.some((r) => r.duration_s === null)).toBe(true);
    expect(back.some((r) => (r.tags as string[]).length === 0)).toBe(true);
    expect(back.some((r) => r.features === null) && back.some((r) => r.embedding === null)).toBe(true);
    expect(back.some((r) => r.p_epic === null)).toBe(true);
    expect(back.slice(0, HOSTILE_TITLES.length).map((r) => r.title)).toEqual(HOSTILE_TITLES);
  });

  it('writes a valid empty file when there are no rows', async () => {
    const path = join(dir, 'empty.parquet');
    const result = await writeParquet(path, rowsOf([]), { tags: TAGS });
    expect(result.rows).toBe(0);
    const file = await asyncBufferFromFile(path);
    const meta = await parquetMetadataAsync(file);
    expect(Number(meta.num_rows)).toBe(0);
    expect(readSchema(meta).children.map((c) => c.element.name)).toEqual(exportColumnNames({ tags: TAGS }));
  });

  it('flushes groups early when vectors are wide', async () => {
    const path = join(dir, 'wide.parquet');
    await writeParquet(path, rows.slice(0, 100), columns, { rowGroupSize: 1000, maxVectorValuesPerGroup: 240 });
    const meta = await parquetMetadataAsync(await asyncBufferFromFile(path));
    expect(meta.row_groups.length).toBeGreaterThan(4);
    expect(meta.row_groups.reduce((s, g) => s + Number(g.num_rows), 0)).toBe(100);
  });
});

describe('writeJsonl', () => {
  it('round-trips every field, soft labels as an object in tag order', async () => {
    const path = join(dir, 'all.jsonl');
    const result = await writeJsonl(path, rowsOf(rows), columns);
    const text = await readFile(path, 'utf8');
    expect(result.sha256).toBe(sha256(Buffer.from(text)));
    const lines = text.split('\n');
    expect(lines.pop()).toBe('');
    expect(lines).toHaveLength(N);
    for (let i = 0; i < N; i++) {
      const got = JSON.parse(lines[i]);
      const soft = Object.fromEntries(TAGS.map((t) => [t, rows[i].soft_labels[t] ?? null]));
      expect(got).toEqual({
        ...rows[i],
        soft_labels: soft,
        features: rows[i].features ?? null,
        embedding: rows[i].embedding ?? null,
      });
      expect(Object.keys(got.soft_labels)).toEqual(TAGS);
    }
  });
});

describe('writeCsv', () => {
  it('round-trips with numbers as numbers and neutralised text cells', async () => {
    const path = join(dir, 'all.csv');
    const result = await writeCsv(path, rowsOf(rows), columns);
    expect(result.rows).toBe(N);
    const records = parse(await readFile(path, 'utf8'), { columns: true, cast: false }) as Record<string, string>[];
    expect(records).toHaveLength(N);
    expect(Object.keys(records[0])).toEqual(exportColumnNames(columns));

    const unquote = (cell: string) => (/^'[=+\-@\t\r]/.test(cell) ? cell.slice(1) : cell);
    for (let i = 0; i < N; i++) {
      const rec = records[i];
      const row = rows[i];
      for (const key of ['clip_id', 'sha256', 'title', 'artist', 'licence', 'provenance', 'source', 'split'] as const) {
        expect(unquote(rec[key])).toBe(row[key]);
        expect(rec[key]).not.toMatch(/^[=+\-@\t\r]/);
      }
      expect(rec.duration_s === '' ? null : Number(rec.duration_s)).toBe(row.duration_s);
      expect(rec.tags === '' ? [] : rec.tags.split(';')).toEqual(row.tags);
      for (const tag of TAGS) {
        const cell = rec[softLabelColumn(tag)];
        expect(cell === '' ? null : Number(cell)).toBe(row.soft_labels[tag] ?? null);
      }
      expect(Number(rec.vote_count)).toBe(row.vote_count);
      expect(rec.expert_resolved).toBe(String(row.expert_resolved));
      expect(Number(rec.taxonomy_version)).toBe(row.taxonomy_version);
      expect(rec.features === '' ? null : JSON.parse(rec.features)).toEqual(row.features ?? null);
      expect(rec.embedding === '' ? null : JSON.parse(rec.embedding)).toEqual(row.embedding ?? null);
    }
    // The hostile titles are prefixed, verbatim otherwise.
    expect(records.slice(0, 6).map((r) => r.title)).toEqual(HOSTILE_TITLES.slice(0, 6).map((t) => `'${t}`));
    // '-Minus' artists are text and get neutralised; the negative numbers in feature vectors do not.
    expect(records.find((r, i) => rows[i].artist === '-Minus')?.artist).toBe("'-Minus");
  });
});

describe('sinks', () => {
  it('refuses to overwrite an existing file', async () => {
    const path = join(dir, 'exists.jsonl');
    await writeFile(path, 'keep me');
    await expect(openSink('jsonl', path, { tags: TAGS })).rejects.toMatchObject({ code: 'EEXIST' });
    expect(await readFile(path, 'utf8')).toBe('keep me');
  });

  it('deletes the partial file when the source fails', async () => {
    const path = join(dir, 'broken.parquet');
    async function* failing() {
      yield rows[0];
      throw new Error('cursor lost');
    }
    await expect(writeParquet(path, failing(), { tags: TAGS })).rejects.toThrow('cursor lost');
    await expect(readFile(path)).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
