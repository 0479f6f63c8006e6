import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { and, asc, eq } from 'drizzle-orm';
import { auditLog, tagMappings, tags, taxonomyVersions, votes } from '@/db/schema';
import { insertClip } from '@/lib/catalog/repo';
import { nextClipFor } from '@/lib/queue/service';
import { changeProjectSettings } from '@/lib/settings/service';
import { getActiveTaxonomy, listTaxonomyVersions, loadMapping } from '@/lib/taxonomy/repo';
import { mapLabels } from '@/lib/taxonomy/mapping';
import * as adminTaxonomy from '@/app/api/admin/taxonomy/route';
import * as mappingRoute from '@/app/api/admin/taxonomy/[version]/mapping/route';
import * as publicTaxonomy from '@/app/api/taxonomy/route';
import { createTestDb, ensureTaxonomy, makeUser, type TestDb } from '../helpers/db';
import { ctx, request } from '../helpers/http';

// v1 is the demo taxonomy: happy, sad, calm, energetic, tense, dreamy, dark, uplifting.
let t: TestDb;
let admin: Awaited<ReturnType<typeof makeUser>>;
let engineer: Awaited<ReturnType<typeof makeUser>>;
let contributor: Awaited<ReturnType<typeof makeUser>>;
let voteId: string;

const tag = (key: string, label: string, description = '') => ({ key, label, description });
const post = (token: string, body: unknown) => adminTaxonomy.POST(request('POST', '/api/admin/taxonomy', { token, body }), ctx({}));

beforeAll(async () => {
  t = await createTestDb();
  await ensureTaxonomy(t.handle.db);
  [admin, engineer, contributor] = await Promise.all([makeUser(t.handle, 'admin'), makeUser(t.handle, 'engineer'), makeUser(t.handle, 'contributor')]);
  const clip = await insertClip(t.handle.db, { sha256: randomBytes(32).toString('hex'), title: 'before the edit', status: 'ready', durationS: 10, priority: 1 });
  const [vote] = await t.handle.db
    .insert(votes)
    .values({ clipId: clip.id, userId: contributor.user.id, kind: 'vote', taxonomyVersion: 1, tags: ['happy', 'calm', 'sad'], idempotencyKey: 'v1-vote' })
    .returning();
  voteId = vote.id;
  await changeProjectSettings(t.handle.db, { overlap: 3 });
});
afterAll(async () => t.close());

describe('taxonomy versions', () => {
  it('creates v2 by rename + merge + split: tags, mapping rows, active flag, audit', async () => {
    expect((await getActiveTaxonomy(t.handle.db)).version).toBe(1); // warm the 2 s cache on purpose
    const res = await post(admin.token, {
      baseVersion: 1,
      note: 'finer happy, one calm',
      ops: [
        { op: 'rename', from: 'sad', toKey: 'melancholic', label: 'Melancholic' },
        { op: 'merge', from: ['calm', 'dreamy'], into: tag('serene', 'Serene', 'Calm or dreamy') },
        { op: 'split', from: 'happy', into: [tag('joyful', 'Joyful'), tag('cheerful', 'Cheerful')] },
      ],
    });
    expect(res.status).toBe(201);
    const body = (await res.json()) as { version: number; baseVersion: number; mapping: Record<string, string[]> };
    expect(body).toMatchObject({ version: 2, baseVersion: 1 });

    const v2Tags = await t.handle.db.select().from(tags).where(eq(tags.taxonomyVersion, 2)).orderBy(asc(tags.position));
    expect(v2Tags.map((r) => r.key)).toEqual(['joyful', 'cheerful', 'melancholic', 'serene', 'energetic', 'tense', 'dark', 'uplifting']);
    expect(v2Tags.find((r) => r.key === 'serene')).toMatchObject({ label: 'Serene', description: 'Calm or dreamy' });

    const rows = await t.handle.db.select().from(tagMappings).where(and(eq(tagMappings.fromVersion, 1), eq(tagMappings.toVersion, 2)));
    const pairs = rows.map((r) => `${r.fromKey}>${r.toKey}`).sort();
    expect(pairs).toEqual(
      [
        'happy>joyful',
        'happy>cheerful',
        'sad>melancholic',
        'calm>serene',
        'dreamy>serene',
        'energetic>energetic',
        'tense>tense',
        'dark>dark',
        'uplifting>uplifting',
      ].sort(),
    );

    const versions = await t.handle.db.select().from(taxonomyVersions).orderBy(asc(taxonomyVersions.version));
    expect(versions.map((v) => [v.version, v.isActive])).toEqual([
      [1, false],
      [2, true],
    ]);
    expect(versions[1]).toMatchObject({ note: 'finer happy, one calm', createdBy: admin.user.id });

    const [audit] = await t.handle.db.select().from(auditLog).where(and(eq(auditLog.entity, 'taxonomy_version'), eq(auditLog.entityId, '2')));
    expect(audit).toMatchObject({ actorId: admin.user.id, action: 'taxonomy.version.create', before: { version: 1 } });
    expect((audit.after as { mapping: Record<string, string[]> }).mapping.happy).toEqual(['joyful', 'cheerful']);
  });

  it('votes cast under v1 stay v1', async () => {
    const [vote] = await t.handle.db.select().from(votes).where(eq(votes.id, voteId));
    expect(vote.taxonomyVersion).toBe(1);
    expect(vote.tags).toEqual(['happy', 'calm', 'sad']);
  });

  it('the labeling queue and GET /api/taxonomy offer v2 at once (the cache was cleared)', async () => {
    // A contributor who has not voted on the one clip yet (the v1 voter has).
    const other = await makeUser(t.handle, 'contributor');
    const next = await nextClipFor(t.handle.db, other.user.id, [], () => 1);
    expect(next?.taxonomy.version).toBe(2);
    expect(next?.taxonomy.tags.map((x) => x.key)).toContain('serene');
    const res = await publicTaxonomy.GET(request('GET', '/api/taxonomy', { token: other.token }), ctx({}));
    expect(((await res.json()) as { version: number }).version).toBe(2);
  });

  it('refuses a stale baseVersion with 409 and changes nothing', async () => {
    const res = await post(admin.token, { baseVersion: 1, ops: [{ op: 'remove', key: 'tense' }] });
    expect(res.status).toBe(409);
    const body = (await res.json()) as { error: { code: string; message: string } };
    expect(body.error.code).toBe('CONFLICT');
    expect(body.error.message).toMatch(/v1 is no longer the active version \(v2 is\)/);
    expect((await t.handle.db.select().from(taxonomyVersions)).length).toBe(2);
  });

  it('answers an invalid edit with 422 naming the change and the tag, and a malformed body with 400', async () => {
    const bad = await post(admin.token, { baseVersion: 2, ops: [{ op: 'merge', from: ['serene', 'calm'], into: tag('quiet', 'Quiet') }] });
    expect(bad.status).toBe(422);
    expect(((await bad.json()) as { error: { message: string } }).error.message).toBe("Change 1 (merge): unknown tag 'calm' (not in v2)");
    const malformed = await post(admin.token, { baseVersion: 2, ops: [{ op: 'explode', key: 'dark' }] });
    expect(malformed.status).toBe(400);
    expect((await t.handle.db.select().from(taxonomyVersions)).length).toBe(2);
  });

  it('only admins may create versions; engineers may read', async () => {
    const body = { baseVersion: 2, ops: [{ op: 'remove', key: 'tense' }] };
    expect((await post(contributor.token, body)).status).toBe(403);
    expect((await post(engineer.token, body)).status).toBe(403);
    const res = await adminTaxonomy.GET(request('GET', '/api/admin/taxonomy', { token: engineer.token }), ctx({}));
    expect(res.status).toBe(200);
    const view = (await res.json()) as { active: { version: number }; versions: { version: number; tagCount: number; voteCount: number; isActive: boolean }[] };
    expect(view.active.version).toBe(2);
    expect(view.versions.map((v) => [v.version, v.tagCount, v.voteCount, v.isActive])).toEqual([
      [2, 8, 0, true],
      [1, 8, 1, false],
    ]);
  });

  it('of two concurrent edits of the same version, one wins and the other gets 409', async () => {
    const [a, b] = await Promise.all([
      post(admin.token, { baseVersion: 2, ops: [{ op: 'remove', key: 'tense' }] }),
      post(admin.token, { baseVersion: 2, ops: [{ op: 'add', key: 'epic', label: 'Epic' }] }),
    ]);
    expect([a.status, b.status].sort()).toEqual([201, 409]);
    const active = await t.handle.db.select().from(taxonomyVersions).where(eq(taxonomyVersions.isActive, true));
    expect(active.map((v) => v.version)).toEqual([3]);
    const loser = a.status === 409 ? a : b;
    expect(((await loser.json()) as { error: { message: string } }).error.message).toMatch(/v2 is no longer the active version \(v3 is\)/);
  });

  it('loadMapping composes v1 → v3 through v2, and the mapping route serves it', async () => {
    const v3 = await getActiveTaxonomy(t.handle.db);
    const res = await post(admin.token, {
      baseVersion: v3.version,
      ops: [{ op: 'merge', from: ['melancholic', 'dark'], into: tag('somber', 'Somber') }, { op: 'remove', key: 'cheerful' }],
    });
    expect(res.status).toBe(201);
    const v4 = ((await res.json()) as { version: number }).version;
    expect(v4).toBe(4);

    const v1to4 = await loadMapping(t.handle.db, 1, v4);
    expect(v1to4).toMatchObject({
      happy: ['joyful'],
      sad: ['somber'],
      dark: ['somber'],
      calm: ['serene'],
      dreamy: ['serene'],
      energetic: ['energetic'],
      uplifting: ['uplifting'],
    });
    // tense survives unless the concurrent test's winning edit removed it in v3.
    const v3Keys = v3.tags.map((x) => x.key);
    expect(v1to4.tense).toEqual(v3Keys.includes('tense') ? ['tense'] : []);
    expect(Object.keys(v1to4).sort()).toEqual(['calm', 'dark', 'dreamy', 'energetic', 'happy', 'sad', 'tense', 'uplifting']);
    // The stored v1 vote read in v4.
    expect(mapLabels(['happy', 'calm', 'sad'], v1to4)).toEqual(['joyful', 'serene', 'somber']);

    expect(await loadMapping(t.handle.db, 2, 2)).toMatchObject({ joyful: ['joyful'], serene: ['serene'] });
    await expect(loadMapping(t.handle.db, 4, 1)).rejects.toMatchObject({ code: 'UNPROCESSABLE' });
    await expect(loadMapping(t.handle.db, 1, 99)).rejects.toMatchObject({ code: 'NOT_FOUND' });

    const viaRoute = await mappingRoute.GET(request('GET', '/api/admin/taxonomy/1/mapping', { token: engineer.token }), ctx({ version: '1' }));
    expect(viaRoute.status).toBe(200);
    const view = (await viaRoute.json()) as { from: { version: number }; to: { version: number }; mapping: Record<string, string[]> };
    expect([view.from.version, view.to.version]).toEqual([1, v4]);
    expect(view.mapping).toEqual(v1to4);
    const explicit = await mappingRoute.GET(request('GET', '/api/admin/taxonomy/1/mapping?to=2', { token: admin.token }), ctx({ version: '1' }));
    expect(((await explicit.json()) as { mapping: Record<string, string[]> }).mapping.happy).toEqual(['joyful', 'cheerful']);
    const badVersion = await mappingRoute.GET(request('GET', '/api/admin/taxonomy/x/mapping', { token: admin.token }), ctx({ version: 'x' }));
    expect(badVersion.status).toBe(400);
    const forbidden = await mappingRoute.GET(request('GET', '/api/admin/taxonomy/1/mapping', { token: contributor.token }), ctx({ version: '1' }));
    expect(forbidden.status).toBe(403);
  });

  it('lists versions newest first with counts', async () => {
    const list = await listTaxonomyVersions(t.handle.db);
    expect(list.map((v) => v.version)).toEqual([4, 3, 2, 1]);
    expect(list[0]).toMatchObject({ isActive: true, createdBy: { id: admin.user.id } });
    expect(list.find((v) => v.version === 1)).toMatchObject({ voteCount: 1, tagCount: 8, createdBy: null });
  });
});
