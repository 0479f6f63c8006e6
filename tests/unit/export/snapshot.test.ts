import { createHash } from 'node:crypto';
import { appendFile, chmod, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import {
  assignStableSplits,
  checksumList,
  iterativeStratification,
  readManifest,
  SnapshotExistsError,
  SPLITS,
  verifySnapshot,
  writeSnapshot,
  type ExportRow,
  type SnapshotProgress,
  type Split,
  type WriteSnapshotOptions,
} from '@/lib/export';
import { labelsFor, makeRow, TAGS } from './fixtures';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'chorus-snapshot-'));
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** Rows 0..n-1 with splits from the given map. */
function rowsWith(n: number, splits: ReadonlyMap<string, Split>, offset = 0): ExportRow[] {
  return Array.from({ length: n }, (_, k) => {
    const row = makeRow(offset + k, 'train', { features: true });
    row.split = splits.get(row.clip_id)!;
    return row;
  });
}

function splitItems(from: number, to: number) {
  return Array.from({ length: to - from }, (_, k) => ({ id: makeRow(from + k, 'train').clip_id, labels: labelsFor(from + k) }));
}

function options(dir: string, rows: ExportRow[], extra: Partial<WriteSnapshotOptions> = {}): WriteSnapshotOptions {
  return {
    dir,
    name: 'moods',
    version: 1,
    formats: ['parquet', 'jsonl', 'csv'],
    filters: { states: ['consensus', 'expert_resolved'], min_confidence: 0.7 },
    columns: { tags: TAGS, features: true },
    rows: async function* () {
      yield* rows;
    },
    meta: { taxonomy_version: 2, model_version: 'mlp-3', extractor_version: 'fx-1', created_at: '2025-06-01T00:00:00.000Z' },
    ...extra,
  };
}

async function readParquetRows(dir: string, paths: string[]): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (const p of paths)
    out.push(...((await parquetReadObjects({ file: await asyncBufferFromFile(join(dir, p)) })) as Record<string, unknown>[]));
  return out;
}

describe('writeSnapshot', () => {
  const N = 2_500;
  const splits = iterativeStratification(splitItems(0, N), { seed: 1 });
  const rows = rowsWith(N, splits);
  let dir: string;
  const progress: SnapshotProgress[] = [];

  beforeAll(async () => {
    dir = join(root, 'moods', 'v1');
    await writeSnapshot(
      options(dir, rows, { maxRowsPerFile: 800, progressEvery: 500, expectedRows: N, onProgress: (p) => progress.push(p) }),
    );
  });

  it('lays files out for Hugging Face datasets, sharded with -of-N names', async () => {
    const data = (await readdir(join(dir, 'data'))).sort();
    expect(data).toEqual(
      ['csv', 'jsonl', 'parquet']
        .flatMap((ext) => [
          `test-00000-of-00001.${ext}`,
          `train-00000-of-00003.${ext}`,
          `train-00001-of-00003.${ext}`,
          `train-00002-of-00003.${ext}`,
          `validation-00000-of-00001.${ext}`,
        ])
        .sort(),
    );
    expect((await readdir(dir)).sort()).toEqual(['README.md', 'data', 'manifest.json']);
    const card = await readFile(join(dir, 'README.md'), 'utf8');
    expect(card.startsWith('---\n')).toBe(true);
    expect(card).toContain(
      'configs:\n- config_name: "default"\n  data_files:\n  - split: "train"\n    path: "data/train-*.parquet"\n',
    );
    expect(card).toContain('- config_name: "jsonl"');
  });

  it('has manifest checksums that match the bytes of every file, recomputed here', async () => {
    const manifest = await readManifest(dir);
    const listed = manifest.files.map((f) => f.path);
    const onDisk = ['README.md', ...(await readdir(join(dir, 'data'))).map((f) => `data/${f}`)];
    expect([...listed].sort()).toEqual(onDisk.sort());
    for (const f of manifest.files) {
      const bytes = await readFile(join(dir, f.path));
      expect(f.bytes).toBe(bytes.byteLength);
      expect(f.sha256).toBe(sha256(bytes));
      // Read-only on disk: the snapshot is not meant to change.
      expect((await stat(join(dir, f.path))).mode & 0o222).toBe(0);
    }
    expect(manifest.content_sha256).toBe(sha256(Buffer.from(checksumList(manifest.files))));
    expect(await verifySnapshot(dir)).toEqual([]);
  });

  it('records filters, versions and counts that agree with the rows read back by hyparquet', async () => {
    const manifest = await readManifest(dir);
    expect(manifest).toMatchObject({
      name: 'moods',
      version: 1,
      created_at: '2025-06-01T00:00:00.000Z',
      filters: { states: ['consensus', 'expert_resolved'], min_confidence: 0.7 },
      taxonomy_version: 2,
      model_version: 'mlp-3',
      extractor_version: 'fx-1',
      tags: TAGS,
    });
    const parquetFiles = manifest.files.filter((f) => f.format === 'parquet');
    const back = await readParquetRows(
      dir,
      parquetFiles.map((f) => f.path),
    );
    expect(back).toHaveLength(N);
    expect(manifest.counts.rows).toBe(N);
    expect(new Set(back.map((r) => r.clip_id)).size).toBe(N);
    for (const f of parquetFiles) {
      const inFile = await readParquetRows(dir, [f.path]);
      expect(inFile).toHaveLength(f.rows!);
      expect(inFile.every((r) => r.split === f.split)).toBe(true);
    }
    for (const split of SPLITS) {
      const inSplit = back.filter((r) => r.split === split);
      expect(inSplit).toHaveLength(manifest.counts.per_split[split]);
      for (const tag of TAGS) {
        expect(inSplit.filter((r) => (r.tags as string[]).includes(tag))).toHaveLength(manifest.counts.per_split_tag[split][tag]);
      }
    }
    for (const tag of TAGS) expect(manifest.counts.per_tag[tag]).toBe(rows.filter((r) => r.tags.includes(tag)).length);
    expect(manifest.counts.expert_resolved).toBe(rows.filter((r) => r.expert_resolved).length);
    expect(manifest.counts.per_licence).toEqual({ 'CC-BY-4.0': 834, 'CC0-1.0': 833, 'CC-BY-NC-4.0': 833 });
    // Same rows in every format.
    for (const format of ['jsonl', 'csv'] as const) {
      const total = manifest.files.filter((f) => f.format === format).reduce((s, f) => s + f.rows!, 0);
      expect(total).toBe(N);
    }
  });

  it('reports progress as it streams, then finalize and done', () => {
    expect(progress.filter((p) => p.phase === 'rows').map((p) => p.rows)).toEqual([500, 1000, 1500, 2000, 2500]);
    expect(progress.slice(-2).map((p) => p.phase)).toEqual(['finalize', 'done']);
    expect(progress.every((p) => p.total === N)).toBe(true);
  });

  it('refuses to write over an existing snapshot, without opening the rows', async () => {
    const before = await readFile(join(dir, 'manifest.json'));
    const rowsFactory = vi.fn(options(dir, rows).rows);
    await expect(writeSnapshot({ ...options(dir, rows.slice(0, 10)), rows: rowsFactory })).rejects.toBeInstanceOf(
      SnapshotExistsError,
    );
    expect(rowsFactory).not.toHaveBeenCalled();
    expect(await readFile(join(dir, 'manifest.json'))).toEqual(before);
    expect(await verifySnapshot(dir)).toEqual([]);
  });

  it('lets verifySnapshot detect a changed or an added file', async () => {
    const copy = join(root, 'tampered');
    await writeSnapshot(options(copy, rows.slice(0, 50), { formats: ['jsonl'] }));
    expect(await verifySnapshot(copy)).toEqual([]);
    const target = join(copy, 'data', 'train-00000-of-00001.jsonl');
    await chmod(target, 0o644);
    await appendFile(target, '{"clip_id":"forged"}\n');
    await writeFile(join(copy, 'data', 'extra.jsonl'), '');
    const problems = await verifySnapshot(copy);
    expect(problems).toContain('checksum mismatch: data/train-00000-of-00001.jsonl');
    expect(problems.some((p) => p.startsWith('size changed: data/train-00000-of-00001.jsonl'))).toBe(true);
    expect(problems).toContain('unlisted file: data/extra.jsonl');
  });
});

describe('writeSnapshot failures leave nothing behind', () => {
  const leftovers = async (parent: string) =>
    (await readdir(parent).catch(() => [] as string[])).filter((n) => n.includes('partial'));

  it('removes the staging directory when the cursor fails', async () => {
    const parent = join(root, 'failing');
    const dir = join(parent, 'v1');
    const good = rowsWith(30, iterativeStratification(splitItems(0, 30), { seed: 1 }));
    await expect(
      writeSnapshot({
        ...options(dir, good),
        rows: async function* () {
          yield* good;
          throw new Error('connection reset');
        },
      }),
    ).rejects.toThrow('connection reset');
    await expect(stat(dir)).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await leftovers(parent)).toEqual([]);
  });

  it('loses cleanly to a concurrent writer that created the directory first', async () => {
    const parent = join(root, 'race');
    const dir = join(parent, 'v1');
    const good = rowsWith(10, new Map(splitItems(0, 10).map((x) => [x.id, 'train' as Split])));
    const writeOther = async () => {
      await mkdir(dir, { recursive: true });
      await writeFile(join(dir, 'manifest.json'), '{"other":true}');
    };
    await expect(
      writeSnapshot({
        ...options(dir, good),
        rows: async function* () {
          await writeOther();
          yield* good;
        },
      }),
    ).rejects.toBeInstanceOf(SnapshotExistsError);
    expect(await readFile(join(dir, 'manifest.json'), 'utf8')).toBe('{"other":true}');
    expect(await leftovers(parent)).toEqual([]);
  });

  it('rejects an invalid row and a row of another taxonomy version', async () => {
    const good = rowsWith(5, new Map(splitItems(0, 5).map((x) => [x.id, 'train' as Split])));
    const parent = join(root, 'invalid');
    await expect(writeSnapshot(options(join(parent, 'a'), [...good, { ...good[0], clip_id: 'not-a-uuid' }]))).rejects.toThrow(
      /uuid|UUID/,
    );
    await expect(writeSnapshot(options(join(parent, 'b'), [{ ...good[0], taxonomy_version: 1 }]))).rejects.toThrow(
      /taxonomy version/,
    );
    await expect(writeSnapshot(options(join(parent, 'c'), [{ ...good[0], tags: ['unknown'] }]))).rejects.toThrow();
    expect(await readdir(parent)).toEqual([]);
  });

  it('counts licence and source names verbatim, even __proto__', async () => {
    const rows = rowsWith(3, new Map(splitItems(0, 3).map((x) => [x.id, 'train' as Split]))).map((r) => ({
      ...r,
      licence: '__proto__',
      source: 'constructor',
    }));
    await writeSnapshot(options(join(root, 'proto'), rows, { formats: ['jsonl'] }));
    const onDisk = JSON.parse(await readFile(join(root, 'proto', 'manifest.json'), 'utf8'));
    expect(Object.entries(onDisk.counts.per_licence)).toEqual([['__proto__', 3]]);
    expect(Object.entries(onDisk.counts.per_source)).toEqual([['constructor', 3]]);
  });

  it('writes an empty, readable file for a split without rows', async () => {
    const dir = join(root, 'no-validation');
    const rows = rowsWith(20, new Map(splitItems(0, 20).map((x, i) => [x.id, i % 2 ? 'train' : 'test'] as [string, Split])));
    const manifest = await writeSnapshot(options(dir, rows, { formats: ['parquet', 'csv'] }));
    expect(manifest.counts.per_split.validation).toBe(0);
    const empty = await parquetReadObjects({
      file: await asyncBufferFromFile(join(dir, 'data', 'validation-00000-of-00001.parquet')),
    });
    expect(empty).toEqual([]);
    expect((await readFile(join(dir, 'data', 'validation-00000-of-00001.csv'), 'utf8')).split('\r\n')[0]).toMatch(
      /^clip_id,sha256,/,
    );
  });
});

describe('split stability across two snapshot versions', () => {
  it('keeps every clip of version 1 in its split in version 2, read back from the Parquet files', async () => {
    const v1Splits = iterativeStratification(splitItems(0, 1_500), { seed: 3 });
    const v1Dir = join(root, 'stable', 'v1');
    await writeSnapshot(options(v1Dir, rowsWith(1_500, v1Splits), { formats: ['parquet'] }));

    // The registry a later version starts from: clip → split as exported in v1.
    const v1Files = (await readManifest(v1Dir)).files.filter((f) => f.format === 'parquet').map((f) => f.path);
    const v1Rows = await readParquetRows(v1Dir, v1Files);
    const registry = new Map(v1Rows.map((r) => [r.clip_id as string, r.split as Split]));

    // Version 2 adds 700 clips and drops the first 100.
    const v2Splits = assignStableSplits(registry, splitItems(100, 2_200), { seed: 4 });
    const v2Dir = join(root, 'stable', 'v2');
    await writeSnapshot(options(v2Dir, rowsWith(2_100, v2Splits, 100), { formats: ['parquet'], version: 2 }));

    const v2Files = (await readManifest(v2Dir)).files.filter((f) => f.format === 'parquet').map((f) => f.path);
    const v2Rows = await readParquetRows(v2Dir, v2Files);
    expect(v2Rows).toHaveLength(2_100);
    let kept = 0;
    for (const r of v2Rows) {
      const before = registry.get(r.clip_id as string);
      if (before !== undefined) {
        expect(r.split).toBe(before);
        kept++;
      }
    }
    expect(kept).toBe(1_400);
    // New clips filled the splits towards 80/10/10 of the whole of version 2.
    const test = v2Rows.filter((r) => r.split === 'test').length;
    expect(Math.abs(test - 210)).toBeLessThanOrEqual(3);
  });
});
