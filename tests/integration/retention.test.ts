import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { eq } from 'drizzle-orm';
import { clips } from '@/db/schema';
import { demoCatalog, renderClip } from '@/lib/audio/synth';
import { encodeWav } from '@/lib/audio/wav';
import { ingestMany } from '@/lib/catalog/service';
import { applyRetention } from '@/lib/catalog/retention';
import { extractClips } from '@/lib/features/service';
import { updateProjectSettings } from '@/lib/settings/repo';
import { LocalAudioStore } from '@/lib/storage';
import { createTestDb, ensureTaxonomy, type TestDb } from '../helpers/db';

let t: TestDb;
let dir: string;
let store: LocalAudioStore;

beforeAll(async () => {
  t = await createTestDb();
  await ensureTaxonomy(t.handle.db);
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chorus-retention-'));
  store = new LocalAudioStore(dir);
});
afterAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  await t.close();
});

describe('audio retention', () => {
  it('deletes raw audio of extracted, finally labeled clips only when the project does not retain audio', async () => {
    const wavs = [0, 1].map((i) => encodeWav([renderClip({ ...demoCatalog(2, 5)[i], recipe: { ...demoCatalog(2, 5)[i].recipe, durationS: 3 } })], 22050));
    const results = await ingestMany(
      t.handle.db,
      store,
      wavs.map((bytes, i) => ({ bytes, name: `r${i}.wav`, source: 'test', metadata: { title: `r${i}`, artist: '', licence: 'CC0-1.0', provenance: {} } })),
      { maxBytes: 1e7 },
    );
    const [labeled, open] = results.map((r) => r.clipId!);
    await extractClips(t.handle.db, store, [labeled, open]);
    await t.handle.db.update(clips).set({ labelState: 'consensus' }).where(eq(clips.id, labeled));
    expect(await applyRetention(t.handle.db, store)).toEqual({ deleted: 0 });
    await updateProjectSettings(t.handle.db, { retainAudio: false });
    const [before] = await t.handle.db.select().from(clips).where(eq(clips.id, labeled));
    expect(await applyRetention(t.handle.db, store)).toEqual({ deleted: 1 });
    const [after] = await t.handle.db.select().from(clips).where(eq(clips.id, labeled));
    expect(after.audioKey).toBeNull();
    expect(after.audioDeletedAt).not.toBeNull();
    expect(fs.existsSync(path.join(dir, before.audioKey!))).toBe(false);
    // Metadata and features stay; the open clip keeps its audio.
    expect(after.title).toBe('r0');
    const features = await t.handle.query('select 1 from clip_features where clip_id = $1', [labeled]);
    expect(features).toHaveLength(1);
    const [stillOpen] = await t.handle.db.select().from(clips).where(eq(clips.id, open));
    expect(fs.existsSync(path.join(dir, stillOpen.audioKey!))).toBe(true);
  });
});
