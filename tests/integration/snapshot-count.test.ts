import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { aggregates, clips, tagMappings, tags as tagsTable, taxonomyVersions, votes } from '@/db/schema';
import { exportSnapshotInline } from '@/lib/export/service';
import type { SnapshotCount } from '@/lib/export/schemas';
import * as countRoute from '@/app/api/datasets/count/route';
import { createTestDb, ensureTaxonomy, makeUser, type TestDb } from '../helpers/db';
import { request } from '../helpers/http';

/**
 * POST /api/datasets/count: how many rows the filters select before building, and which filter
 * emptied a 0-row selection. Fixtures are written straight into clips / aggregates / votes:
 *   6 consensus clips, every tag at confidence 0.95
 *   2 consensus clips, weakest tag at confidence 0.85
 *   2 open clips, weakest tag at confidence 0.7
 *   1 consensus clip without aggregates (no labels: never counted)
 * so 10 labelled clips; the defaults (consensus + expert-resolved, min confidence 0.8) select 8.
 */

const TAGS = ['happy', 'sad', 'calm', 'energetic', 'tense', 'dreamy', 'dark', 'uplifting'];
let t: TestDb;
let engineer: { token: string; id: string };
let contributorToken: string;
let voter: string;
let serial = 0;
let tmp: string;

async function addClip(state: 'consensus' | 'open', weakest: number | null, version = 1) {
  const id = `00000000-0000-4000-8000-${(++serial).toString(16).padStart(12, '0')}`;
  await t.handle.db.insert(clips).values({
    id,
    sha256: createHash('sha256').update(`count-${serial}`).digest('hex'),
    title: `c${serial}`,
    status: 'ready',
    labelState: state,
    voteCount: weakest === null ? 0 : 1,
    licence: serial % 2 ? 'CC0-1.0' : 'CC-BY-4.0',
  });
  if (weakest === null) return id;
  await t.handle.db.insert(votes).values({ clipId: id, userId: voter, kind: 'vote', taxonomyVersion: version, tags: ['calm'], idempotencyKey: `count-${id}` });
  await t.handle.db.insert(aggregates).values(
    TAGS.map((tag, k) => {
      const confidence = k === 0 ? weakest : 0.95;
      const label = tag === 'calm';
      return { clipId: id, tag, posterior: label ? confidence : 1 - confidence, label, confidence, method: 'ds' };
    }),
  );
  return id;
}

async function count(filters: unknown, token = engineer.token): Promise<{ status: number; body: SnapshotCount & { error?: { code: string } } }> {
  const res = await countRoute.POST(request('POST', '/api/datasets/count', { token, body: { filters } }));
  return { status: res.status, body: (await res.json()) as SnapshotCount & { error?: { code: string } } };
}

beforeAll(async () => {
  t = await createTestDb();
  await ensureTaxonomy(t.handle.db);
  const e = await makeUser(t.handle, 'engineer');
  engineer = { token: e.token, id: e.user.id };
  contributorToken = (await makeUser(t.handle, 'contributor')).token;
  voter = (await makeUser(t.handle, 'contributor')).user.id;
  for (let i = 0; i < 6; i++) await addClip('consensus', 0.95);
  for (let i = 0; i < 2; i++) await addClip('consensus', 0.85);
  for (let i = 0; i < 2; i++) await addClip('open', 0.7);
  await addClip('consensus', null);
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'chorus-count-'));
});
afterAll(async () => {
  fs.rmSync(tmp, { recursive: true, force: true });
  await t.close();
});

describe('POST /api/datasets/count', () => {
  it('counts the rows of the default filters, step by step, and the build writes exactly that many', async () => {
    const { status, body } = await count({});
    expect(status).toBe(200);
    expect(body).toMatchObject({ rows: 8, labelled: 10, taxonomyVersion: 1, emptyReason: null, hint: null });
    expect(body.steps).toEqual([
      { filter: 'taxonomy', label: 'taxonomy v1 (older labels mapped)', before: 10, after: 10 },
      { filter: 'states', label: 'states consensus, expert-resolved', before: 10, after: 8 },
      { filter: 'minConfidence', label: 'min confidence 0.8', before: 8, after: 8 },
    ]);
    const { manifest } = await exportSnapshotInline(t.handle.db, { name: 'count-check', formats: ['jsonl'] }, { dir: path.join(tmp, 'a') });
    expect(manifest.counts.rows).toBe(body.rows);
  });

  it('says which filter emptied the selection, with the numbers', async () => {
    const all = ['open', 'consensus', 'disputed', 'expert_resolved'];
    const strict = await count({ states: all, minConfidence: 0.99 });
    expect(strict.body.rows).toBe(0);
    expect(strict.body.emptyReason).toBe('min confidence 0.99 leaves 0 of 10 labelled clips');
    expect(strict.body.hint).toMatch(/Lower the minimum confidence/);

    const afterStates = await count({ minConfidence: 0.99 });
    expect(afterStates.body.emptyReason).toBe(
      'min confidence 0.99 leaves 0 of the 8 clips that states consensus, expert-resolved keeps (10 labelled in all)',
    );

    const disputed = await count({ states: ['disputed'] });
    expect(disputed.body).toMatchObject({ rows: 0, emptyReason: 'states disputed leaves 0 of 10 labelled clips' });

    const licence = await count({ licences: ['CC-BY-NC-4.0'] });
    expect(licence.body.rows).toBe(0);
    expect(licence.body.emptyReason).toMatch(/^licence CC-BY-NC-4.0 leaves 0 of the 8 clips/);

    const dates = await count({ to: '2001-01-01' });
    expect(dates.body.emptyReason).toMatch(/^added until 2001-01-01 leaves 0 of the 8 clips/);

    const open = await count({ states: ['open'], minConfidence: 0.6 });
    expect(open.body).toMatchObject({ rows: 2, emptyReason: null });
  });

  it('after a taxonomy change, maps older labels by default; without mapping, names the taxonomy as the cause', async () => {
    const db = t.handle.db;
    const [{ version: v2 }] = await db.insert(taxonomyVersions).values({ note: 'v2', isActive: false }).returning();
    const tagsV2 = TAGS.map((k) => (k === 'calm' ? 'serene' : k));
    await db.insert(tagsTable).values(tagsV2.map((key, position) => ({ taxonomyVersion: v2, key, label: key, position })));
    await db.insert(tagMappings).values(TAGS.map((k) => ({ fromVersion: 1, fromKey: k, toVersion: v2, toKey: k === 'calm' ? 'serene' : k })));

    const mapped = await count({ taxonomyVersion: v2 });
    expect(mapped.body).toMatchObject({ rows: 8, labelled: 10, taxonomyVersion: v2, emptyReason: null });
    const { manifest } = await exportSnapshotInline(db, { name: 'count-v2', formats: ['jsonl'], filters: { taxonomyVersion: v2 } }, { dir: path.join(tmp, 'b') });
    expect(manifest.counts.rows).toBe(8);
    expect(manifest.counts.per_tag.serene).toBe(8);

    const unmapped = await count({ taxonomyVersion: v2, applyMapping: false });
    expect(unmapped.body).toMatchObject({ rows: 0, emptyReason: `taxonomy v${v2} without mapping leaves 0 of 10 labelled clips` });
    expect(unmapped.body.hint).toBe('The labelled clips were labelled under taxonomy v1: map labels from other versions to include them.');
  });

  it('validates the filters with the snapshot schema (400) and a missing taxonomy version (422)', async () => {
    for (const filters of [{ minConfidence: 2 }, { states: [] }, { states: ['nope'] }, { unknown: 1 }, { from: 'yesterday' }, { from: '2025-02-01', to: '2025-01-01' }]) {
      const res = await count(filters);
      expect(res.status, JSON.stringify(filters)).toBe(400);
      expect(res.body.error?.code).toBeTruthy();
    }
    const extra = await countRoute.POST(request('POST', '/api/datasets/count', { token: engineer.token, body: { filters: {}, name: 'x' } }));
    expect(extra.status).toBe(400);
    expect((await count({ taxonomyVersion: 99 })).status).toBe(422);
  });

  it('is for engineers and admins only', async () => {
    expect((await count({}, contributorToken)).status).toBe(403);
    expect((await countRoute.POST(request('POST', '/api/datasets/count', { body: { filters: {} } }))).status).toBe(401);
  });
});
