import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { aggregates, clipFeatures, clips, datasetSplits, users, votes } from '@/db/schema';
import { iterateExportRecords, iterateSplitCandidates, type ClipSelection, type SplitCandidate } from '@/lib/export/repo';
import { cursorClient } from '@/db/cursor';
import { createTestDb, ensureTaxonomy, type TestDb } from '../helpers/db';

/**
 * The snapshot readers: on PostgreSQL one server-side cursor per pass (lib/export/stream.ts), on
 * PGlite — and inside a transaction — keyset pages. Both must yield the same records.
 */

let t: TestDb;
/** clip id → the users with a vote or targeted answer on it (skips are not votes). */
const votersByClip = new Map<string, string[]>();
const TAGS = ['happy', 'sad', 'calm', 'energetic', 'tense', 'dreamy', 'dark', 'uplifting'];
const STATES = ['consensus', 'expert_resolved', 'open', 'disputed'] as const;

beforeAll(async () => {
  t = await createTestDb();
  await ensureTaxonomy(t.handle.db);
  const voters = await t.handle.db
    .insert(users)
    .values([0, 1, 2].map((u) => ({ email: `voter-${u}-${randomBytes(4).toString('hex')}@export.test`, name: `voter ${u}`, role: 'contributor' as const })))
    .returning({ id: users.id });
  const allVotes: (typeof votes.$inferInsert)[] = [];
  for (let i = 0; i < 57; i++) {
    const [c] = await t.handle.db
      .insert(clips)
      .values({
        sha256: randomBytes(32).toString('hex'),
        title: `clip ${i}`,
        artist: `artist ${i % 4}`,
        licence: i % 2 ? 'CC0-1.0' : 'CC-BY-4.0',
        status: 'ready',
        durationS: 10 + i,
        labelState: STATES[i % 4],
        voteCount: 3,
        provenance: { row: i },
      })
      .returning({ id: clips.id });
    // Clip i: voter 0 votes when i is even, voter 1 gives a targeted answer when i % 3 == 0, voter 2 only skips.
    const kinds = [i % 2 === 0 ? 'vote' : null, i % 3 === 0 ? 'targeted' : null, 'skip'] as const;
    const cast = kinds.flatMap((kind, u) => (kind ? [{ clipId: c.id, userId: voters[u].id, kind, taxonomyVersion: 1, idempotencyKey: `k-${i}-${u}` }] : []));
    allVotes.push(...cast);
    votersByClip.set(c.id, cast.filter((v) => v.kind !== 'skip').map((v) => v.userId));
    if (i % 7 === 6) continue; // no aggregates: never selected
    await t.handle.db.insert(aggregates).values(
      TAGS.map((tag, j) => {
        const p = ((i * 31 + j * 17) % 100) / 100;
        return { clipId: c.id, tag, posterior: p, label: p >= 0.5, confidence: Math.max(p, 1 - p), yesVotes: 0, noVotes: 0, method: 'ds' };
      }),
    );
    if (i % 3 === 0) await t.handle.db.insert(datasetSplits).values({ clipId: c.id, split: i % 2 ? 'test' : 'train' });
    if (i % 2 === 0) {
      await t.handle.db.insert(clipFeatures).values({ clipId: c.id, extractorVersion: 'x1', vector: [i, i / 2, 0.25], named: {} });
    }
  }
  await t.handle.db.insert(votes).values(allVotes);
});
afterAll(async () => t.close());

async function collect<T>(it: AsyncIterable<T[]>): Promise<T[]> {
  const out: T[] = [];
  for await (const page of it) out.push(...page);
  return out;
}

const filters = { states: ['open', 'consensus', 'disputed', 'expert_resolved'], minConfidence: 0.52, taxonomyVersion: 1 } as unknown as ClipSelection['filters'];

describe('snapshot readers', () => {
  it('use a cursor exactly on PostgreSQL outside a transaction', async () => {
    expect(cursorClient(t.handle.db) !== null).toBe(t.handle.mode === 'postgres');
    await t.handle.db.transaction(async (tx) => expect(cursorClient(tx)).toBeNull());
  });

  it('give the connection back when the reader stops early (more early stops than the pool has connections)', async () => {
    const sel: ClipSelection = { filters, labelVersions: [1], fixedVersion: 1 };
    for (let i = 0; i < 70; i++) {
      for await (const page of iterateExportRecords(t.handle.db, sel, {}, 3)) {
        expect(page.length).toBeLessThanOrEqual(3);
        break;
      }
    }
    const all = await collect(iterateExportRecords(t.handle.db, sel, {}, 50));
    expect(all.length).toBeGreaterThan(10);
  });

  const cases = [
    { name: 'one taxonomy version, set-based', fixed: true, extra: {} },
    { name: 'per-clip version lookup', fixed: false, extra: {} },
    { name: 'one version with a licence filter: per-clip laterals', fixed: true, extra: { licences: ['CC0-1.0'] } },
  ];
  for (const { name, fixed, extra } of cases) {
    it(`yield the same split candidates and rows as the keyset pages (${name})`, async () => {
      const sel: ClipSelection = { filters: { ...filters, ...extra }, labelVersions: [1], ...(fixed ? { fixedVersion: 1 } : {}) };
      const vectors = { extractorVersion: 'x1' };
      // Small batches, so several cursor fetches (and pages) are involved.
      const streamed = await collect(iterateSplitCandidates(t.handle.db, sel, 7));
      const streamedRows = await collect(iterateExportRecords(t.handle.db, sel, vectors, 5));
      const [paged, pagedRows] = await t.handle.db.transaction(async (tx) => [
        await collect(iterateSplitCandidates(tx, sel, 7)),
        await collect(iterateExportRecords(tx, sel, vectors, 5)),
      ]);
      expect(streamed.length).toBeGreaterThan(5);
      // The cursor's pass 1 comes in no particular order (the stratifier sorts by id); the voters too.
      const byId = (cs: SplitCandidate[]) => cs.map((c) => ({ ...c, voters: [...c.voters].sort() })).sort((a, b) => (a.id < b.id ? -1 : 1));
      expect(byId(streamed)).toEqual(byId(paged));
      for (const c of streamed) expect([...c.voters].sort()).toEqual([...votersByClip.get(c.id)!].sort());
      expect(streamed.some((c) => c.voters.length > 0) && streamed.some((c) => c.voters.length === 0)).toBe(true);
      expect(streamedRows).toEqual(pagedRows);
      expect(streamedRows.map((r) => r.id)).toEqual([...streamedRows.map((r) => r.id)].sort());
      if (!('licences' in extra)) {
        expect(streamedRows.some((r) => r.split !== null) && streamedRows.some((r) => r.split === null)).toBe(true);
        expect(streamedRows.some((r) => r.features !== null) && streamedRows.some((r) => r.features === null)).toBe(true);
      } else {
        expect(streamedRows.every((r) => r.licence === 'CC0-1.0')).toBe(true);
      }
      // Filters: every row meets the minimum confidence on every tag.
      for (const r of streamedRows) for (const p of Object.values(r.posteriors)) expect(Math.max(p, 1 - p)).toBeGreaterThanOrEqual(0.52 - 1e-6);
    });
  }
});
