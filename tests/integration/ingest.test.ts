import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { clipFeatures, clips, featureStats } from '@/db/schema';
import { demoCatalog, renderClip } from '@/lib/audio/synth';
import { encodeWav } from '@/lib/audio/wav';
import { EXTRACTOR_VERSION, FEATURE_NAMES } from '@/lib/audio/extract';
import { ingestMany } from '@/lib/catalog/service';
import { extractClips } from '@/lib/features/service';
import { LocalAudioStore, setAudioStore } from '@/lib/storage';
import { POST as upload } from '@/app/api/clips/route';
import { createTestDb, ensureTaxonomy, makeUser, type TestDb } from '../helpers/db';
import { ctx } from '../helpers/http';

let t: TestDb;
let dir: string;
let store: LocalAudioStore;

beforeAll(async () => {
  t = await createTestDb();
  await ensureTaxonomy(t.handle.db);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chorus-ingest-'));
  store = new LocalAudioStore(dir);
  setAudioStore(store);
});
afterAll(async () => {
  setAudioStore(undefined);
  fs.rmSync(dir, { recursive: true, force: true });
  await t.close();
});

function demoWav(index: number, seconds = 4): Uint8Array {
  const spec = demoCatalog(8, 3)[index];
  const samples = renderClip({ ...spec, recipe: { ...spec.recipe, durationS: seconds } }, 22050);
  return encodeWav([samples], 22050);
}

const meta = (title: string) => ({ title, artist: 'a', licence: 'CC0-1.0', provenance: {} });

describe('ingest and extraction', () => {
  it('stores new audio once, recognises a re-import, and rejects non-audio by its bytes', async () => {
    const wav = demoWav(0);
    const results = await ingestMany(
      t.handle.db,
      store,
      [
        { bytes: wav, name: 'one.wav', source: 'test', metadata: meta('one') },
        { bytes: wav, name: 'copy-of-one.wav', source: 'test', metadata: meta('copy') },
        { bytes: new TextEncoder().encode('%PDF-1.4 definitely not audio'), name: 'song.mp3', source: 'test', metadata: meta('pdf') },
        { bytes: new Uint8Array(0), name: 'empty.wav', source: 'test', metadata: meta('empty') },
      ],
      { maxBytes: 10e6 },
    );
    expect(results.map((r) => r.status)).toEqual(['created', 'duplicate', 'rejected', 'rejected']);
    expect(results[1].clipId).toBe(results[0].clipId);
    expect(results[2].error).toMatch(/song\.mp3/);
    expect(results[3].error).toMatch(/empty/);
    const rows = await t.handle.db.select().from(clips).where(eq(clips.source, 'test'));
    expect(rows).toHaveLength(1);
    expect(fs.existsSync(path.join(dir, rows[0].audioKey!))).toBe(true);
  });

  it('enforces the size limit with a clear 413-class error', async () => {
    const [result] = await ingestMany(t.handle.db, store, [{ bytes: demoWav(1), name: 'big.wav', source: 'test', metadata: meta('big') }], {
      maxBytes: 1000,
    });
    expect(result.status).toBe('rejected');
    expect(result.error).toMatch(/over the .* limit/);
  });

  it('extracts features for good clips, marks a truncated one failed with the reason, and skips finished clips on a re-run', async () => {
    const good = demoWav(2);
    const truncated = demoWav(3).slice(0, 2000);
    const results = await ingestMany(
      t.handle.db,
      store,
      [
        { bytes: good, name: 'good.wav', source: 'extract', metadata: meta('good') },
        { bytes: truncated, name: 'cut.wav', source: 'extract', metadata: meta('cut') },
      ],
      { maxBytes: 10e6 },
    );
    const ids = results.map((r) => r.clipId!);
    const outcomes = await extractClips(t.handle.db, store, ids);
    expect(outcomes.map((o) => o.status)).toEqual(['extracted', 'failed']);
    const [goodClip] = await t.handle.db.select().from(clips).where(eq(clips.id, ids[0]));
    expect(goodClip.status).toBe('ready');
    expect(goodClip.durationS).toBeCloseTo(4, 1);
    const [features] = await t.handle.db.select().from(clipFeatures).where(eq(clipFeatures.clipId, ids[0]));
    expect(features.extractorVersion).toBe(EXTRACTOR_VERSION);
    expect(features.vector).toHaveLength(FEATURE_NAMES.length);
    expect(features.tempoBpm).toBeGreaterThan(0);
    const [cut] = await t.handle.db.select().from(clips).where(eq(clips.id, ids[1]));
    expect(cut.status).toBe('failed');
    expect(cut.error).toBeTruthy();
    const [stats] = await t.handle.db.select().from(featureStats).where(eq(featureStats.extractorVersion, EXTRACTOR_VERSION));
    expect(stats.mean).toHaveLength(FEATURE_NAMES.length);
    const again = await extractClips(t.handle.db, store, [ids[0]]);
    expect(again[0].status).toBe('skipped');
  });

  it('the upload route answers per file and refuses contributors', async () => {
    const admin = await makeUser(t.handle, 'admin');
    const contributor = await makeUser(t.handle, 'contributor');
    const form = new FormData();
    form.append('file', new Blob([demoWav(4) as Uint8Array<ArrayBuffer>], { type: 'audio/wav' }), 'upload.wav');
    form.append('file', new Blob([new TextEncoder().encode('hello')], { type: 'audio/wav' }), 'fake.wav');
    const res = await upload(
      new Request('http://localhost/api/clips', { method: 'POST', body: form, headers: { authorization: `Bearer ${admin.token}` } }),
      ctx({}),
    );
    expect(res.status).toBe(201);
    const body = (await res.json()) as { results: { status: string; name: string }[] };
    expect(body.results.map((r) => [r.name, r.status])).toEqual([
      ['upload.wav', 'created'],
      ['fake.wav', 'rejected'],
    ]);
    const denied = await upload(
      new Request('http://localhost/api/clips', { method: 'POST', body: form, headers: { authorization: `Bearer ${contributor.token}` } }),
      ctx({}),
    );
    expect(denied.status).toBe(403);
  });
});
