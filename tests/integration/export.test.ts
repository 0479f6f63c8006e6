import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { asyncBufferFromFile, parquetReadObjects } from 'hyparquet';
import {
  agreementStats,
  aggregates,
  clipEmbeddings,
  clipFeatures,
  clips,
  datasetSnapshots,
  datasetSplits,
  embeddingVersions,
  expertDecisions,
  jobRuns,
  models,
  tagMappings,
  tags as tagsTable,
  taxonomyVersions,
  users,
  votes,
} from '@/db/schema';
import { EXTRACTOR_VERSION } from '@/lib/audio/extract';
import { resetEnvCache } from '@/lib/env';
import { assignStableSplits, DEFAULT_SPLIT_PROPORTIONS, readManifest, sha256File, verifySnapshot, type SnapshotManifest } from '@/lib/export';
import { buildSnapshot, createSnapshot, exportSnapshotInline, SPLIT_SEED } from '@/lib/export/service';
import { countSnapshotRows } from '@/lib/export/count';
import type { CreateSnapshotInput, SnapshotView } from '@/lib/export/schemas';
import { startJobEngine, stopJobEngine } from '@/lib/jobs/runtime';
import { exportSnapshotJob } from '@/jobs/export-snapshot';
import type { JobDefinition } from '@/lib/jobs/engine';
import { runCli } from '../helpers/cli';
import { createRng } from '@/lib/util/random';
import * as datasetsRoute from '@/app/api/datasets/route';
import * as datasetRoute from '@/app/api/datasets/[id]/route';
import * as fileRoute from '@/app/api/datasets/[id]/files/[...path]/route';
import { createTestDb, ensureTaxonomy, makeUser, type TestDb } from '../helpers/db';
import { request } from '../helpers/http';

/**
 * Dataset snapshots against a real database (PGlite and PostgreSQL): fixtures are written
 * straight into clips / votes / aggregates / expert_decisions / clip_features / clip_embeddings,
 * and every expectation below is computed from those fixtures, not from the export code.
 */

const TAGS_V1 = ['happy', 'sad', 'calm', 'energetic', 'tense', 'dreamy', 'dark', 'uplifting'];
const STATES = ['consensus', 'consensus', 'expert_resolved', 'open', 'disputed', 'consensus'] as const;
const LICENCES = ['CC-BY-4.0', 'CC0-1.0', 'CC-BY-NC-4.0'];
const NOISE = [0.05, 0.12, 0.3];

interface Fixture {
  id: string;
  sha256: string;
  title: string;
  artist: string;
  licence: string;
  source: string;
  provenance: Record<string, unknown>;
  durationS: number | null;
  state: (typeof STATES)[number];
  createdAt: Date;
  voteCount: number;
  /** null: no aggregates (never exported). */
  posteriors: Record<string, number> | null;
  labels: string[];
  confidences: number[];
  features: number[] | null;
  embedding: number[] | null;
  taxonomyVersion: number;
}

let t: TestDb;
let tmp: string;
let engineer: { token: string; id: string };
let contributorToken: string;
let voters: string[] = [];
let expertId: string;
let embeddingVersionId: number;
const fixtures = new Map<string, Fixture>();
let serial = 0;

function uuidFor(i: number): string {
  return `00000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`;
}

/** Clip i of the catalog: metadata, state and labels vary with i so that every filter has something to cut. */
function makeFixture(i: number, opts: { taxonomyVersion?: number; tagKeys?: string[] } = {}): Fixture {
  const rng = createRng(1000 + i);
  const tagKeys = opts.tagKeys ?? TAGS_V1;
  const noise = NOISE[(i * 7) % 3];
  const truth = tagKeys.filter((_, k) => (i + k) % 3 === 0 || rng() < 0.15);
  const state = STATES[i % STATES.length];
  const expert = state === 'expert_resolved';
  const unlabelled = i % 13 === 12;
  const posteriors: Record<string, number> = {};
  const confidences: number[] = [];
  const labels: string[] = [];
  for (const tag of tagKeys) {
    const yes = truth.includes(tag);
    const p = expert ? (yes ? 1 : 0) : Math.fround(yes ? 1 - noise * (0.4 + 0.6 * rng()) : noise * (0.4 + 0.6 * rng()));
    posteriors[tag] = p;
    confidences.push(Math.fround(Math.max(p, 1 - p)));
    if (p >= 0.5) labels.push(tag);
  }
  return {
    id: uuidFor(++serial),
    sha256: createHash('sha256').update(`clip-${i}-${serial}`).digest('hex'),
    title: i === 1 ? '=HYPERLINK("http://evil.example","x")' : `Song ${i}, "live"`,
    artist: `Artist ${i % 5}`,
    licence: LICENCES[i % 3],
    source: i % 2 ? 'demo' : 'import:catalog.csv',
    provenance: { importer: 'test', row: i, uri: `file:///catalog/${i}.wav` },
    durationS: i % 7 === 0 ? null : Math.fround(10 + i / 4),
    state,
    createdAt: new Date(Date.UTC(2025, 0, 1 + i, 12)),
    voteCount: unlabelled ? 0 : 3,
    posteriors: unlabelled ? null : posteriors,
    labels: unlabelled ? [] : labels,
    confidences,
    features: i % 4 === 3 ? null : Array.from({ length: 6 }, (_, k) => Math.fround(Math.sin(i * 6 + k))),
    embedding: i % 5 === 4 ? null : Array.from({ length: 4 }, (_, k) => Math.fround(Math.cos(i * 4 + k))),
    taxonomyVersion: opts.taxonomyVersion ?? 1,
  };
}

async function insertFixtures(list: Fixture[]): Promise<void> {
  const db = t.handle.db;
  await db.insert(clips).values(
    list.map((f) => ({
      id: f.id,
      sha256: f.sha256,
      title: f.title,
      artist: f.artist,
      licence: f.licence,
      source: f.source,
      provenance: f.provenance,
      durationS: f.durationS,
      status: 'ready' as const,
      labelState: f.state,
      voteCount: f.voteCount,
      createdAt: f.createdAt,
    })),
  );
  const voteRows = list.flatMap((f) =>
    f.posteriors
      ? voters.map((userId, k) => ({
          clipId: f.id,
          userId,
          kind: 'vote' as const,
          taxonomyVersion: f.taxonomyVersion,
          tags: k === 0 ? f.labels : f.labels.slice(0, Math.max(1, f.labels.length - k)),
          idempotencyKey: `fx-${f.id}-${k}`,
        }))
      : [],
  );
  if (voteRows.length) await db.insert(votes).values(voteRows);
  const aggRows = list.flatMap((f) =>
    f.posteriors
      ? Object.entries(f.posteriors).map(([tag, p]) => ({
          clipId: f.id,
          tag,
          posterior: p,
          label: p >= 0.5,
          confidence: Math.max(p, 1 - p),
          yesVotes: p >= 0.5 ? 3 : 0,
          noVotes: p >= 0.5 ? 0 : 3,
          method: f.state === 'expert_resolved' ? 'expert' : 'ds',
        }))
      : [],
  );
  if (aggRows.length) await db.insert(aggregates).values(aggRows);
  const decisions = list.filter((f) => f.state === 'expert_resolved' && f.posteriors);
  if (decisions.length) {
    await db.insert(expertDecisions).values(
      decisions.map((f) => ({ clipId: f.id, userId: expertId, taxonomyVersion: f.taxonomyVersion, tags: f.labels, idempotencyKey: `fx-${f.id}` })),
    );
  }
  const withFeatures = list.filter((f) => f.features);
  if (withFeatures.length) {
    await db.insert(clipFeatures).values(
      withFeatures.map((f) => ({ clipId: f.id, extractorVersion: EXTRACTOR_VERSION, vector: f.features!, named: {} })),
    );
    // An old extractor's vector must never be exported.
    await db.insert(clipFeatures).values(
      withFeatures.map((f) => ({ clipId: f.id, extractorVersion: 'old-extractor-0', vector: [9, 9, 9], named: {} })),
    );
  }
  const withEmbedding = list.filter((f) => f.embedding);
  if (withEmbedding.length) {
    await db.insert(clipEmbeddings).values(withEmbedding.map((f) => ({ versionId: embeddingVersionId, clipId: f.id, embedding: f.embedding! })));
  }
  for (const f of list) fixtures.set(f.id, f);
}

async function addClips(n: number, from: number, opts: { taxonomyVersion?: number; tagKeys?: string[] } = {}): Promise<Fixture[]> {
  const list = Array.from({ length: n }, (_, k) => makeFixture(from + k, opts));
  await insertFixtures(list);
  return list;
}

/** What the filters should select, computed from the fixtures. */
function expectedIds(f: {
  states?: string[];
  minConfidence?: number;
  licences?: string[];
  sources?: string[];
  from?: Date;
  to?: Date;
  versions?: number[];
}): string[] {
  const states = f.states ?? ['consensus', 'expert_resolved'];
  const min = Math.fround(f.minConfidence ?? 0.8);
  return [...fixtures.values()]
    .filter(
      (x) =>
        x.posteriors !== null &&
        states.includes(x.state) &&
        Math.min(...x.confidences) >= min &&
        (!f.licences || f.licences.includes(x.licence)) &&
        (!f.sources || f.sources.includes(x.source)) &&
        (!f.from || x.createdAt >= f.from) &&
        (!f.to || x.createdAt < f.to) &&
        (f.versions ?? [1]).includes(x.taxonomyVersion),
    )
    .map((x) => x.id)
    .sort();
}

const noEnqueue = async () => null;

async function build(input: CreateSnapshotInput): Promise<{ manifest: SnapshotManifest; dir: string; id: string }> {
  const { snapshot } = await createSnapshot(t.handle.db, input, { userId: engineer.id, enqueue: noEnqueue });
  const manifest = await buildSnapshot(t.handle.db, snapshot.id);
  const [row] = await t.handle.db.select().from(datasetSnapshots).where(eq(datasetSnapshots.id, snapshot.id));
  expect(row.status).toBe('ready');
  return { manifest, dir: row.path!, id: snapshot.id };
}

function readJsonl(dir: string, manifest: SnapshotManifest): Record<string, unknown>[] {
  return manifest.files
    .filter((f) => f.format === 'jsonl')
    .flatMap((f) =>
      fs
        .readFileSync(path.join(dir, f.path), 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
    );
}

async function readParquet(dir: string, manifest: SnapshotManifest): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  for (const f of manifest.files.filter((f) => f.format === 'parquet')) {
    const rows = await parquetReadObjects({ file: await asyncBufferFromFile(path.join(dir, f.path)) });
    expect(rows.length, f.path).toBe(f.rows);
    for (const r of rows) expect(r.split, `${r.clip_id} in ${f.path}`).toBe(f.split);
    out.push(...rows);
  }
  return out;
}

async function registry(): Promise<Map<string, string>> {
  const rows = await t.handle.db.select().from(datasetSplits);
  return new Map(rows.map((r) => [r.clipId, r.split]));
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'chorus-export-'));
  process.env.CHORUS_DATA_DIR = tmp;
  resetEnvCache();
  t = await createTestDb();
  await ensureTaxonomy(t.handle.db);
  const eng = await makeUser(t.handle, 'engineer');
  engineer = { token: eng.token, id: eng.user.id };
  contributorToken = (await makeUser(t.handle, 'contributor')).token;
  voters = (
    await t.handle.db
      .insert(users)
      .values([0, 1, 2].map((k) => ({ email: `voter-${k}@test.local`, name: `Voter ${k}`, role: 'contributor' as const })))
      .returning()
  ).map((u) => u.id);
  expertId = (await makeUser(t.handle, 'expert')).user.id;
  const [model] = await t.handle.db
    .insert(models)
    .values({ kind: 'mlp', status: 'active', featureVersion: EXTRACTOR_VERSION, taxonomyVersion: 1, tagKeys: TAGS_V1 })
    .returning();
  const [ev] = await t.handle.db.insert(embeddingVersions).values({ modelId: model.id, source: 'model', dim: 4, status: 'active' }).returning();
  embeddingVersionId = ev.id;
  await t.handle.db.insert(agreementStats).values([
    { scope: 'overall', alpha: 0.5, kappa: 0.45, items: 10, computedAt: new Date('2025-01-01T00:00:00Z') },
    { scope: 'overall', alpha: 0.61, kappa: 0.58, items: 40, computedAt: new Date('2025-02-01T00:00:00Z') },
    { scope: 'tag', tag: 'happy', alpha: 0.72, kappa: 0.7, items: 40, computedAt: new Date('2025-02-01T00:00:00Z') },
  ]);
  await addClips(48, 0);
});

afterAll(async () => {
  await stopJobEngine();
  await t?.close();
  delete process.env.CHORUS_DATA_DIR;
  resetEnvCache();
  fs.rmSync(tmp, { recursive: true, force: true });
});

async function waitReady(id: string, ms = 60_000): Promise<SnapshotView> {
  const deadline = Date.now() + ms;
  for (;;) {
    const res = await datasetRoute.GET(request('GET', `/api/datasets/${id}`, { token: engineer.token }), { params: Promise.resolve({ id }) });
    expect(res.status).toBe(200);
    const { snapshot } = (await res.json()) as { snapshot: SnapshotView };
    if (snapshot.status !== 'building') return snapshot;
    if (Date.now() > deadline) throw new Error(`snapshot ${id} still building: ${JSON.stringify(snapshot.job)}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('dataset snapshots', () => {
  it('POST /api/datasets builds a snapshot in a job; its Parquet matches the database column by column', async () => {
    const engine = await startJobEngine(t.handle, [exportSnapshotJob as JobDefinition<unknown>]);
    await engine.work();
    const res = await datasetsRoute.POST(
      request('POST', '/api/datasets', {
        token: engineer.token,
        body: { name: 'moods', formats: ['parquet', 'jsonl', 'csv'], includeFeatures: true, includeEmbeddings: true },
      }),
    );
    expect(res.status).toBe(202);
    const created = (await res.json()) as { snapshot: SnapshotView; jobId: string };
    expect(created.jobId).toBeTruthy();
    expect(created.snapshot).toMatchObject({ name: 'moods', version: 1, status: 'building' });

    const view = await waitReady(created.snapshot.id);
    expect(view.status, view.error ?? '').toBe('ready');
    expect(view.job).toMatchObject({ id: created.jobId, state: 'completed', progress: 1 });
    const [row] = await t.handle.db.select().from(datasetSnapshots).where(eq(datasetSnapshots.id, view.id));
    expect(row.path).toBe(path.join(tmp, 'snapshots', 'moods', 'v1'));
    const dir = row.path!;
    const manifest = await readManifest(dir);
    expect(await verifySnapshot(dir)).toEqual([]);

    const expected = expectedIds({});
    expect(expected.length).toBeGreaterThan(5);
    expect(manifest.counts.rows).toBe(expected.length);
    expect(manifest.taxonomy_version).toBe(1);
    expect(manifest.extractor_version).toBe(EXTRACTOR_VERSION);
    expect(manifest.model_version).not.toBeNull();
    expect(manifest.build).toMatchObject({ label_versions: { '1': expected.length }, embedding_version: { id: embeddingVersionId, dim: 4 } });
    expect(manifest.filters).toMatchObject({ states: ['consensus', 'expert_resolved'], minConfidence: 0.8, taxonomyVersion: 1 });
    expect(manifest.files.map((f) => f.path)).toContain('data/train-00000-of-00001.parquet');
    expect(manifest.files.filter((f) => f.format !== 'markdown')).toHaveLength(9);

    const rows = await readParquet(dir, manifest);
    expect(rows.map((r) => r.clip_id).sort()).toEqual(expected);
    const splits = await registry();
    // The build plans in flat arrays (pass 1 through COPY on PostgreSQL): its splits are exactly the
    // object-form stratifier's over the same clips and labels, as before that change.
    const planned = assignStableSplits(
      new Map(),
      rows.map((r) => ({ id: r.clip_id as string, labels: r.tags as string[] })),
      { seed: SPLIT_SEED, proportions: DEFAULT_SPLIT_PROPORTIONS },
    );
    expect(new Set(planned.values()).size).toBe(3);
    for (const r of rows) expect(splits.get(r.clip_id as string), `clip ${r.clip_id}`).toBe(planned.get(r.clip_id as string));
    const perTag = Object.fromEntries(TAGS_V1.map((tag) => [tag, 0]));
    for (const r of rows) {
      const f = fixtures.get(r.clip_id as string)!;
      expect(Object.keys(r)).toEqual([
        'clip_id', 'sha256', 'title', 'artist', 'licence', 'provenance', 'source', 'duration_s', 'tags',
        ...TAGS_V1.map((tag) => `p_${tag}`), 'vote_count', 'expert_resolved', 'split', 'taxonomy_version', 'features', 'embedding',
      ]);
      expect(r.sha256).toBe(f.sha256);
      expect(r.title).toBe(f.title);
      expect(r.artist).toBe(f.artist);
      expect(r.licence).toBe(f.licence);
      expect(JSON.parse(r.provenance as string)).toEqual(f.provenance);
      expect(r.source).toBe(f.source);
      if (f.durationS === null) expect(r.duration_s).toBeNull();
      else expect(r.duration_s).toBeCloseTo(f.durationS, 5);
      expect(r.tags).toEqual(f.labels);
      for (const tag of TAGS_V1) expect(r[`p_${tag}`] as number).toBeCloseTo(f.posteriors![tag], 6);
      expect(r.vote_count).toBe(3);
      expect(r.expert_resolved).toBe(f.state === 'expert_resolved');
      expect(r.split).toBe(splits.get(f.id));
      expect(r.taxonomy_version).toBe(1);
      expect(r.features).toEqual(f.features);
      expect(r.embedding).toEqual(f.embedding);
      for (const tag of f.labels) perTag[tag]++;
    }
    expect(manifest.counts.per_tag).toEqual(perTag);
    expect(manifest.counts.expert_resolved).toBe(rows.filter((r) => r.expert_resolved).length);

    // The other formats hold the same rows; the CSV neutralises the formula title.
    const jsonl = readJsonl(dir, manifest);
    expect(jsonl.map((r) => r.clip_id).sort()).toEqual(expected);
    const csv = manifest.files.filter((f) => f.format === 'csv').map((f) => fs.readFileSync(path.join(dir, f.path), 'utf8')).join('');
    // The formula-titled clip is among the exported rows, so the neutralised form must be there.
    expect(expected.filter((id) => fixtures.get(id)!.title.startsWith('='))).toHaveLength(1);
    expect(csv).toContain(`"'=HYPERLINK(`);
    expect(csv).not.toMatch(/(^|,)=HYPERLINK/m);

    // Every selected clip has a persisted split; the datasheet carries provenance, process and agreement.
    for (const id of expected) expect(splits.has(id)).toBe(true);
    const card = fs.readFileSync(path.join(dir, 'README.md'), 'utf8');
    expect(card).toContain('CC-BY-NC-4.0');
    expect(card).toContain('| (overall) | 0.610 | 0.580 |');
    expect(card).toContain('Dawid–Skene');
    expect(card).toContain('data/train-*.parquet');
  });

  it('honours each filter: states, minimum confidence, licence, source and date range', async () => {
    const cases: { filters: CreateSnapshotInput['filters']; expect: Parameters<typeof expectedIds>[0] }[] = [
      { filters: { states: ['open', 'disputed'], minConfidence: 0 }, expect: { states: ['open', 'disputed'], minConfidence: 0 } },
      { filters: { minConfidence: 0.9 }, expect: { minConfidence: 0.9 } },
      { filters: { minConfidence: 0.7, licences: ['CC0-1.0'] }, expect: { minConfidence: 0.7, licences: ['CC0-1.0'] } },
      {
        filters: { states: ['consensus', 'expert_resolved', 'open'], minConfidence: 0.6, sources: ['demo'] },
        expect: { states: ['consensus', 'expert_resolved', 'open'], minConfidence: 0.6, sources: ['demo'] },
      },
      {
        filters: { minConfidence: 0, from: '2025-01-10', to: '2025-01-30' },
        expect: { minConfidence: 0, from: new Date('2025-01-10T00:00:00Z'), to: new Date('2025-01-31T00:00:00Z') },
      },
    ];
    for (const [k, c] of cases.entries()) {
      const { manifest, dir } = await build({ name: `filtered-${k}`, formats: ['jsonl'], filters: c.filters });
      const ids = readJsonl(dir, manifest).map((r) => r.clip_id).sort();
      const want = expectedIds(c.expect);
      expect(want.length, `case ${k} selects something`).toBeGreaterThan(0);
      expect(ids, `case ${k}: ${JSON.stringify(c.filters)}`).toEqual(want);
      expect(manifest.counts.rows).toBe(want.length);
    }
    // Confidence really cut: 0.9 selects fewer than 0.8, which selects fewer than 0.
    expect(expectedIds({ minConfidence: 0.9 }).length).toBeLessThan(expectedIds({}).length);
    expect(expectedIds({}).length).toBeLessThan(expectedIds({ minConfidence: 0 }).length);
  });

  it('keeps every split across versions when new clips arrive; only new clips are stratified', async () => {
    const filters = { states: ['consensus', 'expert_resolved', 'open', 'disputed'] as const, minConfidence: 0 };
    const first = await build({ name: 'stable', formats: ['jsonl'], filters: { ...filters, states: [...filters.states] } });
    const before = new Map(readJsonl(first.dir, first.manifest).map((r) => [r.clip_id as string, r.split as string]));
    expect(first.manifest.version).toBe(1);

    const added = await addClips(40, 48);
    const second = await build({ name: 'stable', formats: ['jsonl', 'parquet'], filters: { ...filters, states: [...filters.states] } });
    expect(second.manifest.version).toBe(2);
    expect(second.dir).not.toBe(first.dir);
    const after = new Map(readJsonl(second.dir, second.manifest).map((r) => [r.clip_id as string, r.split as string]));
    for (const [id, split] of before) expect(after.get(id), `clip ${id}`).toBe(split);
    const fresh = added.filter((f) => f.posteriors).map((f) => f.id);
    for (const id of fresh) expect(after.has(id)).toBe(true);
    expect(after.size).toBe(before.size + fresh.length);
    expect(second.manifest.build).toMatchObject({ splits: { new_assignments: fresh.length, kept_from_earlier_snapshots: before.size } });
    // New clips are spread over all three splits, most of them in train.
    const newSplits = fresh.map((id) => after.get(id));
    expect(new Set(newSplits)).toEqual(new Set(['train', 'validation', 'test']));
    expect(newSplits.filter((s) => s === 'train').length).toBeGreaterThan(fresh.length / 2);
    // The registry agrees with the files.
    const reg = await registry();
    for (const [id, split] of after) expect(reg.get(id)).toBe(split);
  });

  it('is immutable: new votes change neither files nor checksums; the next snapshot is a new version', async () => {
    const first = await build({ name: 'frozen', formats: ['parquet', 'csv'], filters: { minConfidence: 0 } });
    const hashes = Object.fromEntries(await Promise.all(first.manifest.files.map(async (f) => [f.path, await sha256File(path.join(first.dir, f.path))])));
    const manifestBytes = fs.readFileSync(path.join(first.dir, 'manifest.json'));

    // New evidence: a clip flips its labels and its state.
    const target = [...fixtures.values()].find((f) => f.state === 'consensus' && f.posteriors && f.labels.length > 0 && f.taxonomyVersion === 1)!;
    await t.handle.db.execute(sql`update aggregates set posterior = 1 - posterior, label = not label where clip_id = ${target.id}`);
    await t.handle.db.insert(votes).values({ clipId: target.id, userId: engineer.id, kind: 'vote', taxonomyVersion: 1, tags: ['dark'], idempotencyKey: 'late-vote' });
    await t.handle.db.update(clips).set({ voteCount: 4 }).where(eq(clips.id, target.id));

    expect(await verifySnapshot(first.dir)).toEqual([]);
    for (const f of first.manifest.files) expect(await sha256File(path.join(first.dir, f.path))).toBe(hashes[f.path]);
    expect(fs.readFileSync(path.join(first.dir, 'manifest.json')).equals(manifestBytes)).toBe(true);
    // Files are read-only on disk, and writing the same version again is refused.
    expect(fs.statSync(path.join(first.dir, first.manifest.files[0].path)).mode & 0o222).toBe(0);
    const [row] = await t.handle.db.select().from(datasetSnapshots).where(eq(datasetSnapshots.id, first.id));
    expect((row.manifest as { content_sha256: string }).content_sha256).toBe(first.manifest.content_sha256);

    const second = await build({ name: 'frozen', formats: ['parquet', 'csv'], filters: { minConfidence: 0 } });
    expect(second.manifest.version).toBe(2);
    expect(second.manifest.content_sha256).not.toBe(first.manifest.content_sha256);
    const rows = await readParquet(second.dir, second.manifest);
    const changed = rows.find((r) => r.clip_id === target.id)!;
    expect(changed.vote_count).toBe(4);
    expect(changed.tags).not.toEqual(target.labels);
    // Rebuilding v1 (a retried job) returns the recorded manifest and touches nothing.
    expect((await buildSnapshot(t.handle.db, first.id)).content_sha256).toBe(first.manifest.content_sha256);
    // Restore the fixture for the other tests.
    await t.handle.db.execute(sql`update aggregates set posterior = 1 - posterior, label = not label where clip_id = ${target.id}`);
    await t.handle.db.update(clips).set({ voteCount: 3 }).where(eq(clips.id, target.id));
    await t.handle.db.delete(votes).where(eq(votes.idempotencyKey, 'late-vote'));
  });

  it('serves listed files to an engineer token, refuses traversal and unlisted files, and a contributor', async () => {
    const { manifest, dir, id } = await build({ name: 'served', formats: ['parquet'], filters: { minConfidence: 0 } });
    const get = (segments: string[] | undefined, token = engineer.token) =>
      fileRoute.GET(request('GET', `/api/datasets/${id}/files/${(segments ?? []).join('/')}`, { token }), {
        params: Promise.resolve({ id, path: segments }),
      });

    const res = await get(['data', 'train-00000-of-00001.parquet']);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/vnd.apache.parquet');
    expect(res.headers.get('content-disposition')).toBe('attachment; filename="served-v1-train-00000-of-00001.parquet"');
    const entry = manifest.files.find((f) => f.path === 'data/train-00000-of-00001.parquet')!;
    expect(res.headers.get('etag')).toBe(`"${entry.sha256}"`);
    const body = Buffer.from(await res.arrayBuffer());
    expect(createHash('sha256').update(body).digest('hex')).toBe(entry.sha256);
    const rows = await parquetReadObjects({ file: body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength) });
    expect(rows).toHaveLength(entry.rows!);

    const card = await get(['README.md']);
    expect(card.status).toBe(200);
    expect(card.headers.get('content-type')).toContain('text/markdown');
    const man = await get(['manifest.json']);
    expect(man.status).toBe(200);
    expect(((await man.json()) as SnapshotManifest).content_sha256).toBe(manifest.content_sha256);

    fs.writeFileSync(path.join(dir, 'notes.txt'), 'not part of the snapshot');
    fs.writeFileSync(path.join(tmp, 'secret.txt'), 'secret');
    const refused: [string[] | undefined, number][] = [
      [['..', '..', '..', 'secret.txt'], 400],
      [['data', '..', 'manifest.json'], 400],
      [['..%2F..%2Fsecret.txt'], 404],
      [['data/../../secret.txt'], 400],
      [['notes.txt'], 404],
      [['data', 'train-00001-of-00001.parquet'], 404],
      [[path.join(tmp, 'secret.txt')], 400],
      [undefined, 404],
    ];
    for (const [segments, status] of refused) {
      const r = await get(segments);
      expect(r.status, JSON.stringify(segments)).toBe(status);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBeTruthy();
    }
    expect((await get(['README.md'], contributorToken)).status).toBe(403);
    expect((await datasetRoute.GET(request('GET', `/api/datasets/${id}`, { token: contributorToken }), { params: Promise.resolve({ id }) })).status).toBe(403);
    expect((await get(['README.md'], 'chorus_not-a-token')).status).toBe(401);
  });

  it('answers 409 while a build of the same name runs, recovers from a dead build, and validates input', async () => {
    const db = t.handle.db;
    const { snapshot } = await createSnapshot(db, { name: 'busy', filters: { minConfidence: 0 } }, { userId: engineer.id, enqueue: async () => 'job-busy' });
    await db.insert(jobRuns).values({ jobId: 'job-busy', name: 'export-snapshot', state: 'active' });
    const post = (body: unknown, token = engineer.token) => datasetsRoute.POST(request('POST', '/api/datasets', { token, body }));
    const conflict = await post({ name: 'busy' });
    expect(conflict.status).toBe(409);
    expect(((await conflict.json()) as { error: { code: string } }).error.code).toBe('CONFLICT');

    // The job died: the next create marks the stuck build failed and goes ahead as version 2.
    await db.update(jobRuns).set({ state: 'failed', error: 'worker died' }).where(eq(jobRuns.jobId, 'job-busy'));
    const ok = await post({ name: 'busy', formats: ['jsonl'] });
    expect(ok.status).toBe(202);
    const created = (await ok.json()) as { snapshot: SnapshotView };
    expect(created.snapshot.version).toBe(2);
    const [stuck] = await db.select().from(datasetSnapshots).where(eq(datasetSnapshots.id, snapshot.id));
    expect(stuck.status).toBe('failed');
    expect((await waitReady(created.snapshot.id)).status).toBe('ready');

    for (const [body, status] of [
      [{ name: '../etc' }, 400],
      [{ name: 'ok', formats: [] }, 400],
      [{ name: 'ok', formats: ['xlsx'] }, 400],
      [{ name: 'ok', filters: { minConfidence: 2 } }, 400],
      [{ name: 'ok', filters: { from: '2025-02-01', to: '2025-01-01' } }, 400],
      [{ name: 'ok', filters: { taxonomyVersion: 99 } }, 422],
      [{ name: 'ok', filters: { bogus: 1 } }, 400],
    ] as [unknown, number][]) {
      expect((await post(body)).status, JSON.stringify(body)).toBe(status);
    }
    expect((await post({ name: 'nope' }, contributorToken)).status).toBe(403);

    const list = await datasetsRoute.GET(request('GET', '/api/datasets?name=busy', { token: engineer.token }));
    const { snapshots } = (await list.json()) as { snapshots: SnapshotView[] };
    expect(snapshots.map((s) => [s.version, s.status])).toEqual([
      [2, 'ready'],
      [1, 'failed'],
    ]);
    expect(snapshots[0].files.length).toBeGreaterThan(0);
    expect(snapshots[0].counts?.rows).toBe(expectedIds({}).length);
  });

  it('maps labels to a newer taxonomy version through tag_mappings (merge: max; split: copy) and records the versions', async () => {
    const db = t.handle.db;
    // v2: happy → joyful (rename), calm + dreamy → serene (merge), energetic → energetic + driving (split),
    // dark removed, nostalgic new; sad, tense, uplifting unchanged. Not activated: v1 stays the active version.
    const [{ version: v2 }] = await db.insert(taxonomyVersions).values({ note: 'v2', isActive: false }).returning();
    const tagsV2 = ['joyful', 'sad', 'serene', 'energetic', 'driving', 'tense', 'uplifting', 'nostalgic'];
    await db.insert(tagsTable).values(tagsV2.map((key, position) => ({ taxonomyVersion: v2, key, label: key, position })));
    await db.insert(tagMappings).values(
      [
        ['happy', 'joyful'],
        ['calm', 'serene'],
        ['dreamy', 'serene'],
        ['energetic', 'energetic'],
        ['energetic', 'driving'],
      ].map(([fromKey, toKey]) => ({ fromVersion: 1, fromKey, toVersion: v2, toKey })),
    );
    // Some clips were labelled under v2 itself.
    const native = await addClips(12, 200, { taxonomyVersion: v2, tagKeys: tagsV2 });

    const filters = { minConfidence: 0, states: ['consensus', 'expert_resolved', 'open', 'disputed'] as ('consensus' | 'expert_resolved' | 'open' | 'disputed')[] };
    const unmapped = await build({ name: 'v2-only', formats: ['jsonl'], filters: { ...filters, taxonomyVersion: v2, applyMapping: false } });
    const v1Count = expectedIds({ ...filters }).length;
    expect(readJsonl(unmapped.dir, unmapped.manifest).map((r) => r.clip_id).sort()).toEqual(expectedIds({ ...filters, versions: [v2] }));
    expect(unmapped.manifest.build).toMatchObject({ excluded_other_taxonomy: { '1': v1Count } });
    expect(fs.readFileSync(path.join(unmapped.dir, 'README.md'), 'utf8')).toContain('mapping was not requested');
    // The count the /datasets form shows before building is the row count of the build.
    expect((await countSnapshotRows(db, { filters: { ...filters, taxonomyVersion: v2, applyMapping: false } })).rows).toBe(unmapped.manifest.counts.rows);

    const { manifest, dir } = await build({ name: 'v2-mapped', formats: ['parquet'], filters: { ...filters, taxonomyVersion: v2, applyMapping: true } });
    expect(manifest.taxonomy_version).toBe(v2);
    expect(manifest.tags).toEqual(tagsV2);
    expect((await countSnapshotRows(db, { filters: { ...filters, taxonomyVersion: v2 } })).rows).toBe(manifest.counts.rows);
    expect(manifest.build).toMatchObject({
      label_versions: { '1': v1Count, [String(v2)]: native.filter((f) => f.posteriors).length },
      tag_mapping: { '1': { happy: ['joyful'], calm: ['serene'], dreamy: ['serene'], energetic: ['energetic', 'driving'], dark: [], sad: ['sad'] } },
    });
    const rows = await readParquet(dir, manifest);
    expect(rows.map((r) => r.clip_id).sort()).toEqual(expectedIds({ ...filters, versions: [1, v2] }));
    let merged = 0;
    for (const r of rows) {
      const f = fixtures.get(r.clip_id as string)!;
      expect(r.taxonomy_version).toBe(v2);
      if (f.taxonomyVersion === v2) {
        expect(r.tags).toEqual(f.labels);
        for (const tag of tagsV2) expect(r[`p_${tag}`] as number).toBeCloseTo(f.posteriors![tag], 6);
        continue;
      }
      const p = f.posteriors!;
      expect(r.p_joyful as number).toBeCloseTo(p.happy, 6);
      expect(r.p_serene as number).toBeCloseTo(Math.max(p.calm, p.dreamy), 6);
      expect(r.p_energetic as number).toBeCloseTo(p.energetic, 6);
      expect(r.p_driving as number).toBeCloseTo(p.energetic, 6);
      expect(r.p_sad as number).toBeCloseTo(p.sad, 6);
      expect(r.p_nostalgic).toBeNull();
      const want = tagsV2.filter(
        (tag) =>
          (tag === 'joyful' && f.labels.includes('happy')) ||
          (tag === 'serene' && (f.labels.includes('calm') || f.labels.includes('dreamy'))) ||
          ((tag === 'energetic' || tag === 'driving') && f.labels.includes('energetic')) ||
          (['sad', 'tense', 'uplifting'].includes(tag) && f.labels.includes(tag)),
      );
      expect(r.tags).toEqual(want);
      if (p.calm !== p.dreamy) merged++;
    }
    expect(merged).toBeGreaterThan(0);
    expect(fs.readFileSync(path.join(dir, 'README.md'), 'utf8')).toContain(`mapped to version ${v2}`);
    // Leave v2 clips out of later expectations.
    for (const f of native) fixtures.delete(f.id);
    await db.delete(clips).where(sql`${clips.id} in (${sql.join(native.map((f) => sql`${f.id}::uuid`), sql`, `)})`);
  });

  it('`chorus export` builds inline and prints the manifest as JSON', async () => {
    const out = path.join(tmp, 'cli-out');
    const { code, stdout, stderr } = await runCli(['export', '--format', 'parquet,jsonl', '--format', 'csv', '--out', out, '--name', 'cli-set', '--min-confidence', '0.6']);
    expect(code, stderr).toBe(0);
    const manifest = JSON.parse(stdout) as SnapshotManifest;
    expect(manifest).toMatchObject({ name: 'cli-set', version: 1, formats: ['parquet', 'jsonl', 'csv'] });
    expect(manifest.filters).toMatchObject({ minConfidence: 0.6 });
    expect(manifest.counts.rows).toBe(expectedIds({ minConfidence: 0.6 }).length);
    expect(await readManifest(out)).toEqual(manifest);
    expect(await verifySnapshot(out)).toEqual([]);
    expect(fs.existsSync(path.join(out, 'data', 'train-00000-of-00001.parquet'))).toBe(true);
    expect(stderr).toContain(`written to ${out}`);
    const [row] = await t.handle.db.select().from(datasetSnapshots).where(eq(datasetSnapshots.name, 'cli-set'));
    expect(row).toMatchObject({ status: 'ready', version: 1, path: out });
    const [run0] = await t.handle.db.select().from(jobRuns).where(eq(jobRuns.jobId, row.jobId!));
    expect(run0).toMatchObject({ state: 'completed', progress: 1 });

    // Same --out again: refused (immutable), nothing registered; a new --out makes version 2.
    const again = await runCli(['export', '--format', 'jsonl', '--out', out, '--name', 'cli-set']);
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('not empty');
    const second = await runCli(['export', '--format', 'jsonl', '--out', path.join(tmp, 'cli-out-2'), '--name', 'cli-set']);
    expect(second.code, second.stderr).toBe(0);
    expect((JSON.parse(second.stdout) as SnapshotManifest).version).toBe(2);

    expect((await runCli(['export', '--format', 'jsonl'])).code).toBe(2);
    expect((await runCli(['export', '--out', path.join(tmp, 'x')])).code).toBe(2);
    const bad = await runCli(['export', '--format', 'xlsx', '--out', path.join(tmp, 'x')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--format');
    expect((await runCli(['export', '--format', 'jsonl', '--out', path.join(tmp, 'x'), '--min-confidence', 'high'])).code).toBe(2);
    const help = await runCli(['--help']);
    expect(help.stdout).toContain('export');
  });

  it('a direct inline export honours --out even when it is an empty directory', async () => {
    const out = path.join(tmp, 'empty-out');
    fs.mkdirSync(out);
    const { manifest } = await exportSnapshotInline(t.handle.db, { name: 'inline', formats: ['csv'] }, { dir: out });
    expect(manifest.counts.rows).toBe(expectedIds({}).length);
    expect(fs.existsSync(path.join(out, 'manifest.json'))).toBe(true);
  });
});
