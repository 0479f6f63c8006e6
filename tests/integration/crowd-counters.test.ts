import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { aggregates, clips, leases } from '@/db/schema';
import { insertClip } from '@/lib/catalog/repo';
import { drainVotes } from '@/lib/crowd/drain';
import { runFullAggregation } from '@/lib/crowd/full-aggregation';

import { createTaxonomyVersionFromEdits, getActiveTaxonomy } from '@/lib/taxonomy/repo';
import { GET as next } from '@/app/api/queue/next/route';
import { POST as vote } from '@/app/api/votes/route';
import { createTestDb, ensureTaxonomy, makeUser, resetCrowd, type TestDb } from '../helpers/db';
import { ctx, request } from '../helpers/http';

/**
 * The slot and vote counters the queue pick checks (`assigned < overlap_target`) against the
 * votes the aggregator counts: a targeted yes/no answer is evidence on its tag, not a vote, and
 * votes cast before a taxonomy edit are carried through the mapping, so no clip is stranded.
 */

let t: TestDb;

beforeAll(async () => {
  t = await createTestDb();
  await ensureTaxonomy(t.handle.db);
});
afterAll(async () => t.close());

beforeEach(async () => {
  await resetCrowd(t.handle, {
    overlap: 3,
    minVotes: 3,
    maxVotes: 5,
    consensusThreshold: 0.9,
    goldRate: 0,
    newContributorGoldRate: 0,
    targetedQuestionRate: 0,
    secondOpinionRate: 0,
  });
});

async function newClip(): Promise<string> {
  const row = await insertClip(t.handle.db, {
    sha256: randomBytes(32).toString('hex'),
    title: 'c',
    status: 'ready',
    durationS: 30,
  });
  return row.id;
}

const contributor = async () => (await makeUser(t.handle, 'contributor')).token;

/** The next clip the API leases to this contributor (null when the queue has nothing). */
async function lease(token: string): Promise<{ clipId: string; leaseId: string } | null> {
  const res = await next(request('GET', '/api/queue/next', { token }), ctx({}));
  if (res.status === 204) return null;
  expect(res.status).toBe(200);
  const body = (await res.json()) as { clip: { id: string } | null; lease: { id: string } | null } | null;
  return body?.clip && body.lease ? { clipId: body.clip.id, leaseId: body.lease.id } : null;
}

async function answer(token: string, body: Record<string, unknown>): Promise<void> {
  const res = await vote(
    request('POST', '/api/votes', { token, body: { idempotencyKey: `k-${randomBytes(6).toString('hex')}`, ...body } }),
    ctx({}),
  );
  expect(res.status).toBe(201);
}

/** A full vote through the API on the clip the queue leases. */
async function voteThroughQueue(clipId: string, tags: string[]): Promise<void> {
  const token = await contributor();
  const item = await lease(token);
  expect(item?.clipId).toBe(clipId);
  await answer(token, { kind: 'vote', leaseId: item!.leaseId, tags });
}

const clipRow = async (id: string) => (await t.handle.db.select().from(clips).where(eq(clips.id, id)))[0];

describe('targeted answers are evidence on their tag, not votes, for state decisions', () => {
  it('2 votes + 1 targeted yes with minVotes 3: still open, and the queue leases it for a third vote', async () => {
    const clipId = await newClip();
    await voteThroughQueue(clipId, ['calm']);
    await voteThroughQueue(clipId, ['calm']);
    // A yes/no question on calm, asked on a lease that holds a slot as the pick would take it.
    const asked = await makeUser(t.handle, 'contributor');
    const [q] = await t.handle.db
      .insert(leases)
      .values({ clipId, userId: asked.user.id, queue: 'crowd', questionTag: 'calm', expiresAt: new Date(Date.now() + 300_000) })
      .returning();
    await t.handle.db
      .update(clips)
      .set({ assigned: sql`${clips.assigned} + 1` })
      .where(eq(clips.id, clipId));
    await answer(asked.token, { kind: 'targeted', leaseId: q.id, answer: true });
    await drainVotes(t.handle.db);

    // Counting the yes/no as a vote would make this consensus on 3 "votes".
    expect(await clipRow(clipId)).toMatchObject({ labelState: 'open', voteCount: 2, assigned: 2, overlapTarget: 3 });
    await voteThroughQueue(clipId, ['calm']);
    expect(await clipRow(clipId)).toMatchObject({ voteCount: 3, assigned: 3 });
  });
});

describe('a taxonomy edit does not strand clips', () => {
  it('2 old-version votes, target 3, one new vote: the clip is leased again and reaches a state', async () => {
    const clipId = await newClip();
    await voteThroughQueue(clipId, ['calm']);
    await voteThroughQueue(clipId, ['calm']);
    await drainVotes(t.handle.db);
    expect(await clipRow(clipId)).toMatchObject({ labelState: 'open', voteCount: 2, assigned: 2, overlapTarget: 3 });
    // A clip settled before the edit (set directly: settling takes more votes than the test needs).
    const settledBefore = await newClip();
    // Ahead of the open clip in the queue (both would tie at the default priority, in uuid order).
    await t.handle.db.update(clips).set({ priority: 1 }).where(eq(clips.id, settledBefore));
    await voteThroughQueue(settledBefore, ['calm']);
    await drainVotes(t.handle.db);
    await t.handle.db.update(clips).set({ labelState: 'consensus' }).where(eq(clips.id, settledBefore));

    // A new tag: the old votes were never asked about it, so they cannot settle the clip alone.
    const base = (await getActiveTaxonomy(t.handle.db)).version;
    await createTaxonomyVersionFromEdits(
      t.handle.db,
      base,
      [{ op: 'add', key: 'brooding', label: 'Brooding', description: '' }],
      'test',
    );
    await voteThroughQueue(clipId, ['calm']);
    await drainVotes(t.handle.db);
    // Before the fix: posteriors from 1 vote, target 1 + 2 = 3 = assigned, open, never leased again.
    const after = await clipRow(clipId);
    expect(after).toMatchObject({ labelState: 'open', voteCount: 3, assigned: 3 });
    expect(after.overlapTarget).toBeGreaterThan(3);
    const calmTally = async () =>
      (
        await t.handle.db
          .select()
          .from(aggregates)
          .where(and(eq(aggregates.clipId, clipId), eq(aggregates.tag, 'calm')))
      )[0];
    // The old votes are carried into the posterior through the mapping (calm → calm).
    expect(await calmTally()).toMatchObject({ yesVotes: 3, noVotes: 0, method: 'br-incremental' });
    // The full EM carries them too: it neither drops their evidence nor lowers the target.
    await runFullAggregation(t.handle.db, { trigger: 'manual', force: true });
    expect(await calmTally()).toMatchObject({ yesVotes: 3, noVotes: 0, method: 'br-em' });
    expect(await clipRow(clipId)).toMatchObject({ labelState: 'open', overlapTarget: after.overlapTarget });
    // The new tag was never asked on the settled clip; the EM does not reopen it.
    expect(await clipRow(settledBefore)).toMatchObject({ labelState: 'consensus' });

    // Voted on through the queue until it leaves it, within maxVotes (5).
    for (let i = 0; i < 2 && (await clipRow(clipId)).labelState === 'open'; i++) {
      await voteThroughQueue(clipId, ['calm']);
      await drainVotes(t.handle.db);
    }
    const settled = await clipRow(clipId);
    expect(['consensus', 'disputed']).toContain(settled.labelState);
    expect(settled.voteCount).toBeLessThanOrEqual(5);
  });
});
