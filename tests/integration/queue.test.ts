import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { clips, goldAnswers, leases, votes } from '@/db/schema';
import { execRows } from '@/db/client';
import { leaseNextClip, reclaimExpiredLeases } from '@/lib/queue/repo';
import { nextClipFor, submitVote } from '@/lib/queue/service';
import { getProjectSettings } from '@/lib/settings/repo';
import { changeProjectSettings } from '@/lib/settings/service';
import { AppError } from '@/lib/errors';
import { clearClips, createTestDb, ensureTaxonomy, insertReadyClips, makeUser, type TestDb } from '../helpers/db';

let t: TestDb;

beforeAll(async () => {
  t = await createTestDb();
  await ensureTaxonomy(t.handle.db);
});
afterAll(async () => t.close());
// Every test starts from the same settings, whatever the one before it changed (files run in any order, and -t runs one).
beforeEach(async () => {
  await changeProjectSettings(t.handle.db, { overlap: 3, minVotes: 3, maxVotes: 7, leaseSeconds: 300, maxActiveLeases: 3 });
});

async function resetCatalog(n: number) {
  await clearClips(t.handle);
  return insertReadyClips(t.handle.db, n);
}

const never = () => 1;

describe('next clip', () => {
  it('hands out the highest-priority clip, and each clip at most `overlap` times', async () => {
    const ids = await resetCatalog(3);
    const users = await Promise.all([1, 2, 3, 4].map(() => makeUser(t.handle, 'contributor')));
    const got: string[] = [];
    for (const u of users) got.push((await nextClipFor(t.handle.db, u.user.id, [], never))!.clip.id);
    expect(got.slice(0, 3)).toEqual([ids[0], ids[0], ids[0]]);
    expect(got[3]).toBe(ids[1]);
    const [row] = await t.handle.db.select().from(clips).where(eq(clips.id, ids[0]));
    expect(row.assigned).toBe(3);
  });

  it('gives a preloading client a different clip and never one the contributor already voted on', async () => {
    const ids = await resetCatalog(3);
    const { user } = await makeUser(t.handle, 'contributor');
    const first = (await nextClipFor(t.handle.db, user.id, [], never))!;
    const second = (await nextClipFor(t.handle.db, user.id, [first.clip.id], never))!;
    expect(second.clip.id).not.toBe(first.clip.id);
    await submitVote(t.handle.db, user.id, {
      kind: 'vote',
      leaseId: first.lease.id,
      tags: ['happy'],
      idempotencyKey: 'k-first-1',
    });
    const third = (await nextClipFor(t.handle.db, user.id, [second.clip.id], never))!;
    expect([first.clip.id, second.clip.id]).not.toContain(third.clip.id);
    expect(ids).toContain(third.clip.id);
  });

  it('does not reveal gold status, votes or model scores to the contributor', async () => {
    await resetCatalog(1);
    const { user } = await makeUser(t.handle, 'contributor');
    const item = (await nextClipFor(t.handle.db, user.id, [], never))!;
    const text = JSON.stringify(item);
    for (const leak of ['isGold', 'gold', 'priority', 'votes', 'posterior', 'recipe', 'probs']) expect(text).not.toContain(leak);
  });

  it('returns an expired lease to the queue and refuses a vote on it', async () => {
    const ids = await resetCatalog(1);
    await changeProjectSettings(t.handle.db, { overlap: 1 });
    const a = await makeUser(t.handle, 'contributor');
    const b = await makeUser(t.handle, 'contributor');
    const lease = (await nextClipFor(t.handle.db, a.user.id, [], never))!;
    expect(await nextClipFor(t.handle.db, b.user.id, [], never)).toBeNull();
    await t.handle.db
      .update(leases)
      .set({ expiresAt: new Date(Date.now() - 1000) })
      .where(eq(leases.id, lease.lease.id));
    const forB = await nextClipFor(t.handle.db, b.user.id, [], never);
    expect(forB?.clip.id).toBe(ids[0]);
    await expect(
      submitVote(t.handle.db, a.user.id, {
        kind: 'vote',
        leaseId: lease.lease.id,
        tags: ['calm'],
        idempotencyKey: 'late-vote-1',
      }),
    ).rejects.toMatchObject({ code: 'LEASE_EXPIRED' });
    expect(await reclaimExpiredLeases(t.handle.db)).toBe(0);
  });

  it('never hands one clip past its overlap to parallel clients', async () => {
    const ids = await resetCatalog(10);
    const settings = { ...(await getProjectSettings(t.handle.db)), overlap: 3 };
    const users = await Promise.all(Array.from({ length: 24 }, () => makeUser(t.handle, 'contributor')));
    const results = await Promise.all(
      users.map((u) => leaseNextClip(t.handle.db, { userId: u.user.id, settings, exclude: [], wantGold: false })),
    );
    const perClip = new Map<string, number>();
    for (const r of results) perClip.set(r!.clipId, (perClip.get(r!.clipId) ?? 0) + 1);
    expect([...perClip.values()].every((n) => n <= 3)).toBe(true);
    expect(results.every(Boolean)).toBe(true);
    // SKIP LOCKED trades strict priority order for throughput under contention, but every
    // request is served and the slots add up.
    expect([...perClip.values()].reduce((a, b) => a + b, 0)).toBe(24);
    expect([...perClip.keys()].every((id) => ids.includes(id))).toBe(true);
    const rows = await execRows<{ clip_id: string; n: number; assigned: number }>(
      t.handle.db,
      sql`select l.clip_id, count(*)::int as n, max(c.assigned) as assigned from leases l join clips c on c.id = l.clip_id
          where l.state = 'active' group by l.clip_id`,
    );
    for (const r of rows) expect(Number(r.n)).toBe(Number(r.assigned));
  });
});

describe('gold clips', () => {
  it('are served outside the overlap, once per contributor, and look like any other clip', async () => {
    const [goldId] = await resetCatalog(2);
    await changeProjectSettings(t.handle.db, { overlap: 1 });
    await t.handle.db.insert(goldAnswers).values({ clipId: goldId, taxonomyVersion: 1, tags: ['happy'] });
    const users = await Promise.all([1, 2, 3].map(() => makeUser(t.handle, 'contributor')));
    for (const u of users) {
      const item = (await nextClipFor(t.handle.db, u.user.id, [], () => 0))!;
      expect(item.clip.id).toBe(goldId);
      await submitVote(t.handle.db, u.user.id, {
        kind: 'vote',
        leaseId: item.lease.id,
        tags: ['happy'],
        idempotencyKey: `gold-${u.user.id}`,
      });
      // Seen once: the next gold request falls back to the ordinary queue.
      const again = await nextClipFor(t.handle.db, u.user.id, [], () => 0);
      expect(again?.clip.id).not.toBe(goldId);
      if (again)
        await submitVote(t.handle.db, u.user.id, { kind: 'skip', leaseId: again.lease.id, idempotencyKey: `skip-${u.user.id}` });
    }
    const [gold] = await t.handle.db.select().from(clips).where(eq(clips.id, goldId));
    expect(gold.voteCount).toBe(3);
    expect(gold.assigned).toBe(0);
  });
});

describe('votes', () => {
  it('stores a vote once: a replay with the same idempotency key returns the first result', async () => {
    const [clipId] = await resetCatalog(1);
    const { user } = await makeUser(t.handle, 'contributor');
    const item = (await nextClipFor(t.handle.db, user.id, [], never))!;
    const input = { kind: 'vote' as const, leaseId: item.lease.id, tags: ['happy', 'energetic'], idempotencyKey: 'same-key-123' };
    const [first, second] = await Promise.all([submitVote(t.handle.db, user.id, input), submitVote(t.handle.db, user.id, input)]);
    expect(first.voteId).toBe(second.voteId);
    expect([first.replayed, second.replayed].sort()).toEqual([false, true]);
    const stored = await t.handle.db.select().from(votes).where(eq(votes.clipId, clipId));
    expect(stored).toHaveLength(1);
    expect(stored[0].tags.sort()).toEqual(['energetic', 'happy']);
    const [clip] = await t.handle.db.select().from(clips).where(eq(clips.id, clipId));
    expect(clip.voteCount).toBe(1);
  });

  it('refuses an unknown tag with a 422 naming it, and stores nothing', async () => {
    const [clipId] = await resetCatalog(1);
    const { user } = await makeUser(t.handle, 'contributor');
    const item = (await nextClipFor(t.handle.db, user.id, [], never))!;
    const err = await submitVote(t.handle.db, user.id, {
      kind: 'vote',
      leaseId: item.lease.id,
      tags: ['happy', 'groovy'],
      idempotencyKey: 'unknown-tag-1',
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('UNKNOWN_TAG');
    expect((err as AppError).message).toContain('groovy');
    expect(await t.handle.db.select().from(votes).where(eq(votes.clipId, clipId))).toHaveLength(0);
    // The lease is still usable: the contributor can correct the answer.
    const ok = await submitVote(t.handle.db, user.id, {
      kind: 'vote',
      leaseId: item.lease.id,
      tags: ['happy'],
      idempotencyKey: 'unknown-tag-2',
    });
    expect(ok.replayed).toBe(false);
  });

  it('refuses a vote without a valid lease of your own', async () => {
    await resetCatalog(1);
    const a = await makeUser(t.handle, 'contributor');
    const b = await makeUser(t.handle, 'contributor');
    const item = (await nextClipFor(t.handle.db, a.user.id, [], never))!;
    await expect(
      submitVote(t.handle.db, b.user.id, { kind: 'vote', leaseId: item.lease.id, tags: ['sad'], idempotencyKey: 'not-mine-1' }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
    await expect(
      submitVote(t.handle.db, a.user.id, {
        kind: 'vote',
        leaseId: '00000000-0000-4000-8000-000000000000',
        tags: ['sad'],
        idempotencyKey: 'no-lease-1',
      }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('a second, different answer on a completed lease is a 409', async () => {
    await resetCatalog(1);
    const { user } = await makeUser(t.handle, 'contributor');
    const item = (await nextClipFor(t.handle.db, user.id, [], never))!;
    await submitVote(t.handle.db, user.id, { kind: 'vote', leaseId: item.lease.id, tags: ['sad'], idempotencyKey: 'answer-one' });
    await expect(
      submitVote(t.handle.db, user.id, { kind: 'vote', leaseId: item.lease.id, tags: ['happy'], idempotencyKey: 'answer-two' }),
    ).rejects.toMatchObject({ code: 'DUPLICATE' });
  });

  it('parallel votes on one clip all land (no deadlock between the vote insert and the clip lock)', async () => {
    const [clipId] = await resetCatalog(1);
    await changeProjectSettings(t.handle.db, { overlap: 6, minVotes: 6, maxVotes: 6 });
    const users = await Promise.all(Array.from({ length: 6 }, () => makeUser(t.handle, 'contributor')));
    const items = await Promise.all(users.map((u) => nextClipFor(t.handle.db, u.user.id, [], never)));
    const results = await Promise.all(
      users.map((u, i) =>
        submitVote(t.handle.db, u.user.id, {
          kind: 'vote',
          leaseId: items[i]!.lease.id,
          tags: ['calm'],
          idempotencyKey: `par-${i}-vote`,
        }),
      ),
    );
    expect(results.every((r) => !r.replayed)).toBe(true);
    const [clip] = await t.handle.db.select().from(clips).where(eq(clips.id, clipId));
    expect(clip.voteCount).toBe(6);
  });

  it('a skip gives the slot back to the queue', async () => {
    const [clipId] = await resetCatalog(1);
    const { user } = await makeUser(t.handle, 'contributor');
    const item = (await nextClipFor(t.handle.db, user.id, [], never))!;
    await submitVote(t.handle.db, user.id, { kind: 'skip', leaseId: item.lease.id, idempotencyKey: 'skip-key-1' });
    const [clip] = await t.handle.db.select().from(clips).where(eq(clips.id, clipId));
    expect(clip.assigned).toBe(0);
    expect(clip.voteCount).toBe(0);
    // …but not to the contributor who skipped it.
    expect(await nextClipFor(t.handle.db, user.id, [], never)).toBeNull();
  });
});
