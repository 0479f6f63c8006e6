import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { clips, goldAnswers, leases, votes } from '@/db/schema';
import { execRows } from '@/db/client';
import { reclaimExpiredLeases } from '@/lib/queue/repo';
import { pickNextClip, reclaimExpiredBatch } from '@/lib/queue/pick';
import { answersSoFar, forgetAnswers, setAnswerCacheClock } from '@/lib/queue/contributor-cache';
import { nextClipFor, submitVote } from '@/lib/queue/service';
import { getProjectSettings } from '@/lib/settings/repo';
import { changeProjectSettings } from '@/lib/settings/service';
import { clearClips, createTestDb, ensureTaxonomy, insertReadyClips, makeUser, type TestDb } from '../helpers/db';

let t: TestDb;

beforeAll(async () => {
  t = await createTestDb();
  await ensureTaxonomy(t.handle.db);
});
afterAll(async () => t.close());

async function resetCatalog(n: number) {
  await clearClips(t.handle);
  return insertReadyClips(t.handle.db, n);
}

const never = () => 1;
const expire = (leaseId: string) =>
  t.handle.db
    .update(leases)
    .set({ expiresAt: new Date(Date.now() - 1000) })
    .where(eq(leases.id, leaseId));

async function activeLeases(userId?: string) {
  return execRows<{ id: string; clip_id: string; user_id: string }>(
    t.handle.db,
    sql`select id, clip_id, user_id from leases where state = 'active' ${userId ? sql`and user_id = ${userId}` : sql``}`,
  );
}

/** Every invariant the queue promises, read from the database. */
async function checkIntegrity() {
  const [row] = await execRows<{ over: number; doubled: number; slots: number }>(
    t.handle.db,
    sql`select
          (select count(*)::int from clips c
            where (select count(*) from votes v where v.clip_id = c.id and v.kind = 'vote'
                     and not exists (select 1 from gold_answers g where g.clip_id = c.id)) > c.overlap_target) as over,
          (select count(*)::int from (select clip_id, user_id from leases where state = 'active'
                                       group by 1, 2 having count(*) > 1) d) as doubled,
          (select count(*)::int from clips c
            where not exists (select 1 from gold_answers g where g.clip_id = c.id)
              and c.assigned <> (select count(*) from leases l where l.clip_id = c.id and l.state = 'active' and not l.is_gold)
                              + (select count(*) from votes v where v.clip_id = c.id and v.kind = 'vote')) as slots`,
  );
  expect(row).toEqual({ over: 0, doubled: 0, slots: 0 });
}

describe('next-clip pick (one statement)', () => {
  beforeEach(async () => {
    await changeProjectSettings(t.handle.db, {
      overlap: 3,
      leaseSeconds: 300,
      maxActiveLeases: 2,
      goldRate: 0,
      newContributorGoldRate: 0,
    });
  });

  it('returns the clip with the lease, so the service needs no second read', async () => {
    const ids = await resetCatalog(2);
    const { user } = await makeUser(t.handle, 'contributor');
    const settings = await getProjectSettings(t.handle.db);
    const picked = (await pickNextClip(t.handle.db, { userId: user.id, settings, exclude: [], wantGold: false }))!;
    expect(picked.reused).toBe(false);
    expect(picked.clip).toMatchObject({ id: ids[0], title: 'clip 0', durationS: 10, excerptStartS: 0, playbackGainDb: 0 });
    expect(picked.lease.clipId).toBe(ids[0]);
    expect(picked.lease.expiresAt.getTime()).toBeGreaterThan(Date.now() + 200_000);
    const [clip] = await t.handle.db.select().from(clips).where(eq(clips.id, ids[0]));
    expect(clip.assigned).toBe(1);
  });

  it('hands back a held lease (oldest first, honouring exclude) once the contributor holds maxActiveLeases', async () => {
    await resetCatalog(5);
    const { user } = await makeUser(t.handle, 'contributor');
    const first = (await nextClipFor(t.handle.db, user.id, [], never))!;
    const second = (await nextClipFor(t.handle.db, user.id, [first.clip.id], never))!;
    expect(second.clip.id).not.toBe(first.clip.id);
    // At the limit: no new lease, the oldest held one comes back (a reload).
    const again = (await nextClipFor(t.handle.db, user.id, [], never))!;
    expect(again.lease.id).toBe(first.lease.id);
    expect(again.clip.id).toBe(first.clip.id);
    // A preloading client that already shows the first one gets the second one.
    const other = (await nextClipFor(t.handle.db, user.id, [first.clip.id], never))!;
    expect(other.lease.id).toBe(second.lease.id);
    // Both excluded: nothing (it must not take a third).
    expect(await nextClipFor(t.handle.db, user.id, [first.clip.id, second.clip.id], never)).toBeNull();
    expect(await activeLeases(user.id)).toHaveLength(2);
    await checkIntegrity();
  });

  it('does not hand back an expired lease of the contributor, nor take its clip again before it is reclaimed', async () => {
    const ids = await resetCatalog(3);
    await changeProjectSettings(t.handle.db, { maxActiveLeases: 1 });
    const { user } = await makeUser(t.handle, 'contributor');
    const first = (await nextClipFor(t.handle.db, user.id, [], never))!;
    await expire(first.lease.id);
    const next = (await nextClipFor(t.handle.db, user.id, [], never))!;
    expect(next.lease.id).not.toBe(first.lease.id);
    expect(next.clip.id).toBe(ids[1]);
    await checkIntegrity();
  });

  it('leaves expired leases to the reaper while the queue has other clips (reclaim is off the hot path)', async () => {
    const ids = await resetCatalog(2);
    await changeProjectSettings(t.handle.db, { overlap: 1 });
    const a = await makeUser(t.handle, 'contributor');
    const b = await makeUser(t.handle, 'contributor');
    const leaseA = (await nextClipFor(t.handle.db, a.user.id, [], never))!;
    expect(leaseA.clip.id).toBe(ids[0]);
    await expire(leaseA.lease.id);
    const forB = (await nextClipFor(t.handle.db, b.user.id, [], never))!;
    expect(forB.clip.id).toBe(ids[1]);
    const [stillActive] = await t.handle.db.select().from(leases).where(eq(leases.id, leaseA.lease.id));
    expect(stillActive.state).toBe('active');
    // The reaper job's sweep returns the slot.
    expect(await reclaimExpiredLeases(t.handle.db)).toBe(1);
    const [clip] = await t.handle.db.select().from(clips).where(eq(clips.id, ids[0]));
    expect(clip.assigned).toBe(0);
    await checkIntegrity();
  });

  it('reclaims expired leases (bounded) when the pick finds nothing, then looks again', async () => {
    const ids = await resetCatalog(1);
    await changeProjectSettings(t.handle.db, { overlap: 1 });
    const a = await makeUser(t.handle, 'contributor');
    const b = await makeUser(t.handle, 'contributor');
    const leaseA = (await nextClipFor(t.handle.db, a.user.id, [], never))!;
    expect(await nextClipFor(t.handle.db, b.user.id, [], never)).toBeNull();
    await expire(leaseA.lease.id);
    const forB = (await nextClipFor(t.handle.db, b.user.id, [], never))!;
    expect(forB.clip.id).toBe(ids[0]);
    const [old] = await t.handle.db.select().from(leases).where(eq(leases.id, leaseA.lease.id));
    expect(old.state).toBe('expired');
    await expect(
      submitVote(t.handle.db, a.user.id, {
        kind: 'vote',
        leaseId: leaseA.lease.id,
        tags: ['calm'],
        idempotencyKey: 'pick-late-1',
      }),
    ).rejects.toMatchObject({ code: 'LEASE_EXPIRED' });
    await checkIntegrity();
  });

  it('the bounded reclaim takes at most its batch, oldest expiry first', async () => {
    const ids = await resetCatalog(4);
    await changeProjectSettings(t.handle.db, { overlap: 1, maxActiveLeases: 4 });
    const { user } = await makeUser(t.handle, 'contributor');
    const got = [];
    for (let i = 0; i < 4; i++) got.push((await nextClipFor(t.handle.db, user.id, [], never))!);
    for (const [i, g] of got.entries()) {
      await t.handle.db
        .update(leases)
        .set({ expiresAt: new Date(Date.now() - 10_000 + i * 1000) })
        .where(eq(leases.id, g.lease.id));
    }
    expect(await reclaimExpiredBatch(t.handle.db, 3)).toBe(3);
    const rows = await t.handle.db.select().from(leases).where(eq(leases.userId, user.id));
    const active = rows.filter((r) => r.state === 'active').map((r) => r.clipId);
    expect(active).toEqual([ids[3]]);
    expect(await reclaimExpiredBatch(t.handle.db, 3)).toBe(1);
    await checkIntegrity();
  });

  it('never hands out failed, settled or gold-answer clips on the ordinary path, nor one the contributor answered', async () => {
    const ids = await resetCatalog(6);
    await changeProjectSettings(t.handle.db, { maxActiveLeases: 10 });
    await t.handle.db.update(clips).set({ status: 'failed' }).where(eq(clips.id, ids[0]));
    await t.handle.db.update(clips).set({ labelState: 'disputed' }).where(eq(clips.id, ids[1]));
    await t.handle.db.update(clips).set({ labelState: 'consensus' }).where(eq(clips.id, ids[2]));
    await t.handle.db.insert(goldAnswers).values({ clipId: ids[3], taxonomyVersion: 1, tags: ['happy'] });
    const { user } = await makeUser(t.handle, 'contributor');
    const first = (await nextClipFor(t.handle.db, user.id, [], never))!;
    expect(first.clip.id).toBe(ids[4]);
    await submitVote(t.handle.db, user.id, {
      kind: 'flag',
      leaseId: first.lease.id,
      reason: 'broken',
      idempotencyKey: 'pick-flag-1',
    });
    const second = (await nextClipFor(t.handle.db, user.id, [], never))!;
    expect(second.clip.id).toBe(ids[5]);
    await submitVote(t.handle.db, user.id, {
      kind: 'vote',
      leaseId: second.lease.id,
      tags: ['sad'],
      idempotencyKey: 'pick-vote-1',
    });
    expect(await nextClipFor(t.handle.db, user.id, [], never)).toBeNull();
    await checkIntegrity();
  });

  it('N parallel next calls never over-assign a clip, never double a lease, and the slot counters add up', async () => {
    const ids = await resetCatalog(8);
    await changeProjectSettings(t.handle.db, { overlap: 3, maxActiveLeases: 3 });
    const users = await Promise.all(Array.from({ length: 12 }, () => makeUser(t.handle, 'contributor')));
    // 12 contributors × 3 calls each, all at once (and each contributor's calls race each other,
    // as two tabs would): 36 requests for 24 slots.
    const results = await Promise.all(users.flatMap((u) => [0, 1, 2].map(() => nextClipFor(t.handle.db, u.user.id, [], never))));
    const leased = await activeLeases();
    const perClip = new Map<string, number>();
    for (const l of leased) perClip.set(l.clip_id, (perClip.get(l.clip_id) ?? 0) + 1);
    expect(Math.max(...perClip.values())).toBeLessThanOrEqual(3);
    expect(leased.length).toBeLessThanOrEqual(24);
    expect([...perClip.keys()].every((id) => ids.includes(id))).toBe(true);
    // Every answer handed out is a lease that exists, is active and belongs to the caller.
    const byId = new Map(leased.map((l) => [l.id, l]));
    results.forEach((r, i) => {
      if (!r) return;
      const l = byId.get(r.lease.id);
      expect(l?.user_id).toBe(users[Math.floor(i / 3)].user.id);
      expect(l?.clip_id).toBe(r.clip.id);
    });
    await checkIntegrity();
    // Voting on everything handed out and asking again fills the catalog up to its overlap (the
    // crowd's overlap growth may raise a clip's target on the way), never past it.
    for (let round = 0; round < 4; round++) {
      const mine = await execRows<{ id: string; user_id: string }>(
        t.handle.db,
        sql`select id, user_id from leases where state = 'active'`,
      );
      await Promise.all(
        mine.map((l) =>
          submitVote(t.handle.db, l.user_id, { kind: 'vote', leaseId: l.id, tags: ['calm'], idempotencyKey: `par-${l.id}` }),
        ),
      );
      await Promise.all(users.flatMap((u) => [0, 1].map(() => nextClipFor(t.handle.db, u.user.id, [], never))));
      await checkIntegrity();
    }
    const [totals] = await execRows<{ votes: number; active: number; target: number }>(
      t.handle.db,
      sql`select (select count(*)::int from votes) as votes,
                 (select count(*)::int from leases where state = 'active') as active,
                 (select sum(overlap_target)::int from clips) as target`,
    );
    expect(Number(totals.votes)).toBeGreaterThanOrEqual(24);
    expect(Number(totals.votes) + Number(totals.active)).toBeLessThanOrEqual(Number(totals.target));
  });
});

describe('cached answer count (gold rate of new contributors)', () => {
  afterEach(() => setAnswerCacheClock(null));

  async function goldCatalog() {
    const ids = await resetCatalog(8);
    for (const id of ids.slice(0, 4))
      await t.handle.db.insert(goldAnswers).values({ clipId: id, taxonomyVersion: 1, tags: ['happy'] });
    // New contributors always get gold, experienced ones never: the draw (0.5) decides by the rate.
    await changeProjectSettings(t.handle.db, {
      overlap: 3,
      maxActiveLeases: 3,
      newContributorVotes: 2,
      newContributorGoldRate: 1,
      goldRate: 0,
    });
    return { gold: new Set(ids.slice(0, 4)) };
  }
  const half = () => 0.5;

  it('counts each stored answer at once (skips and replays do not count), so the rate switches on time', async () => {
    const { gold } = await goldCatalog();
    const { user } = await makeUser(t.handle, 'contributor');
    const a = (await nextClipFor(t.handle.db, user.id, [], half))!;
    expect(gold.has(a.clip.id)).toBe(true);
    await submitVote(t.handle.db, user.id, { kind: 'skip', leaseId: a.lease.id, idempotencyKey: 'c-skip-1' });
    expect(await answersSoFar(t.handle.db, user.id)).toBe(0);
    const b = (await nextClipFor(t.handle.db, user.id, [], half))!;
    expect(gold.has(b.clip.id)).toBe(true);
    const voteB = { kind: 'vote' as const, leaseId: b.lease.id, tags: ['happy'], idempotencyKey: 'c-vote-1' };
    await submitVote(t.handle.db, user.id, voteB);
    await submitVote(t.handle.db, user.id, voteB); // replay
    expect(await answersSoFar(t.handle.db, user.id)).toBe(1);
    const c = (await nextClipFor(t.handle.db, user.id, [], half))!;
    expect(gold.has(c.clip.id)).toBe(true);
    await submitVote(t.handle.db, user.id, { kind: 'vote', leaseId: c.lease.id, tags: ['happy'], idempotencyKey: 'c-vote-2' });
    expect(await answersSoFar(t.handle.db, user.id)).toBe(2);
    // Two answers: experienced now, gold rate 0.
    const d = (await nextClipFor(t.handle.db, user.id, [], half))!;
    expect(gold.has(d.clip.id)).toBe(false);
  });

  it('re-reads the database after the TTL (answers stored or deleted elsewhere) and on forgetAnswers', async () => {
    const { gold } = await goldCatalog();
    let clock = 1_000_000;
    setAnswerCacheClock(() => clock);
    const { user } = await makeUser(t.handle, 'contributor');
    expect(await answersSoFar(t.handle.db, user.id)).toBe(0);
    // Two answers stored by "another process": not seen within the TTL…
    const others = await execRows<{ id: string }>(
      t.handle.db,
      sql`select id from clips where id not in (select clip_id from gold_answers) limit 2`,
    );
    for (const [i, o] of others.entries()) {
      await t.handle.db
        .insert(votes)
        .values({
          clipId: o.id,
          userId: user.id,
          kind: 'vote',
          taxonomyVersion: 1,
          tags: ['calm'],
          idempotencyKey: `elsewhere-${i}`,
        });
    }
    expect(await answersSoFar(t.handle.db, user.id)).toBe(0);
    const stillNew = (await nextClipFor(t.handle.db, user.id, [], half))!;
    expect(gold.has(stillNew.clip.id)).toBe(true);
    // …and seen after it.
    clock += 61_000;
    expect(await answersSoFar(t.handle.db, user.id)).toBe(2);
    const experienced = (await nextClipFor(t.handle.db, user.id, [], half))!;
    expect(gold.has(experienced.clip.id)).toBe(false);
    // Deleted answers: forgetAnswers drops the entry at once.
    await t.handle.db.delete(votes).where(eq(votes.userId, user.id));
    expect(await answersSoFar(t.handle.db, user.id)).toBe(2);
    forgetAnswers(user.id);
    expect(await answersSoFar(t.handle.db, user.id)).toBe(0);
  });
});
