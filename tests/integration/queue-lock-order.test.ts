/**
 * Issue 12 item 4: the vote, the batched aggregator's drain and the lease reaper take row locks in
 * one order — a lease before its clip, several clips in id order — so they never deadlock. (The
 * fault suite saw `deadlock detected` on votes; the reaper used to lock every expired lease's clip
 * in one unordered UPDATE, i.e. in hash order, while the drain locks its clips in id order.)
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import postgres from 'postgres';
import { eq, sql } from 'drizzle-orm';
import { clips, leases } from '@/db/schema';
import { execRows } from '@/db/client';
import { drainVotes } from '@/lib/crowd/drain';
import { reclaimExpiredLeases } from '@/lib/queue/repo';
import { nextClipFor, submitVote } from '@/lib/queue/service';
import { createTestDb, ensureTaxonomy, insertContributor, insertReadyClips, resetCrowd, type TestDb } from '../helpers/db';

const onPostgres = process.env.CHORUS_TEST_DB === 'postgres';

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
    goldRate: 0,
    newContributorGoldRate: 0,
    qualificationClips: 0,
    maxActiveLeases: 3,
  });
});

const contributor = () => insertContributor(t.handle.db, 'lo');

/** A lease on the clip with its slot taken, as the pick leaves it; expired when `expired`. */
async function lease(userId: string, clipId: string, expired: boolean) {
  const [row] = await t.handle.db
    .insert(leases)
    .values({ clipId, userId, queue: 'crowd', expiresAt: new Date(Date.now() + (expired ? -60_000 : 300_000)) })
    .returning();
  await t.handle.db
    .update(clips)
    .set({ assigned: sql`${clips.assigned} + 1` })
    .where(eq(clips.id, clipId));
  return row;
}

const integrity = async () => {
  const [row] = await execRows<{ over: number; mismatched: number; slots: number }>(
    t.handle.db,
    sql`select
          (select count(*)::int from clips c where (select count(*) from votes v where v.clip_id = c.id and v.kind = 'vote') > c.overlap_target) as over,
          (select count(*)::int from clips c where c.vote_count <> (select count(*) from votes v where v.clip_id = c.id and v.kind = 'vote')) as mismatched,
          (select count(*)::int from clips c where c.assigned <> (select count(*) from votes v where v.clip_id = c.id and v.kind = 'vote')
                                                               + (select count(*) from leases l where l.clip_id = c.id and l.state = 'active' and not l.is_gold)) as slots`,
  );
  return row;
};

describe.skipIf(!onPostgres)('lock order on PostgreSQL: reaper and drain over the same clips', () => {
  it('a reaper and a drain both queued behind a held clip row finish without a deadlock', async () => {
    const ids = await insertReadyClips(t.handle.db, 40);
    const sorted = [...ids].sort();
    const voter = await contributor();
    const idler = await contributor();
    for (const clipId of ids) {
      // A pending vote on every clip (the drain's work) and an expired lease on every clip (the reaper's).
      const l = await lease(voter, clipId, false);
      await submitVote(t.handle.db, voter, { kind: 'vote', leaseId: l.id, tags: ['happy'], idempotencyKey: `v-${clipId}` });
      await lease(idler, clipId, true);
    }
    const dbName = new URL(t.handle.url!).pathname.slice(1);
    const holder = postgres(t.handle.url!, { max: 1, onnotice: () => {} });
    const admin = postgres(process.env.CHORUS_TEST_POSTGRES_URL!, { max: 1, onnotice: () => {} });
    try {
      let releaseHold!: () => void;
      const released = new Promise<void>((r) => (releaseHold = r));
      let held!: () => void;
      const isHeld = new Promise<void>((r) => (held = r));
      // Another writer holds the middle clip: whoever locks clips stops there, holding the lower ones.
      const hold = holder.begin(async (tx) => {
        await tx`select 1 from clips where id = ${sorted[20]} for no key update`;
        held();
        await released;
      });
      await isHeld;
      const reaper = reclaimExpiredLeases(t.handle.db);
      const drain = drainVotes(t.handle.db);
      // Both must be waiting on row locks before the hold is let go (a state, polled; no timing assumed).
      for (;;) {
        const [w] = await admin<{ n: number }[]>`
          select count(*)::int as n from pg_stat_activity where datname = ${dbName} and wait_event_type = 'Lock'`;
        if (w.n >= 2) break;
        await new Promise((r) => setTimeout(r, 20));
      }
      releaseHold();
      await hold;
      const [reaped, drained] = await Promise.all([reaper, drain]);
      expect(reaped).toBe(40);
      expect(drained.votes).toBe(40);
    } finally {
      await holder.end();
      await admin.end();
    }
    expect(await integrity()).toEqual({ over: 0, mismatched: 0, slots: 0 });
  });
});

describe('votes, drains and the reaper at once', () => {
  it('every answer is stored and applied once, no error (deadlock or other), counters equal the answers', async () => {
    await insertReadyClips(t.handle.db, 30);
    const people = await Promise.all(Array.from({ length: 12 }, () => contributor()));
    // Expired leases of someone else on the top clips, for the reaper to hand back while votes land there.
    const idler = await contributor();
    const top = await execRows<{ id: string }>(t.handle.db, sql`select id from clips order by priority desc limit 10`);
    for (const { id } of top) await lease(idler, id, true);
    let stop = false;
    const errors: unknown[] = [];
    const background = (async () => {
      while (!stop) {
        await Promise.all([drainVotes(t.handle.db), reclaimExpiredLeases(t.handle.db)]).catch((err) => errors.push(err));
      }
    })();
    await Promise.all(
      people.map(async (userId, i) => {
        for (let n = 0; n < 6; n++) {
          try {
            const item = await nextClipFor(t.handle.db, userId, [], () => 1);
            if (!item) return;
            await submitVote(t.handle.db, userId, {
              kind: 'vote',
              leaseId: item.lease.id,
              tags: ['happy'],
              idempotencyKey: `c-${i}-${n}`,
            });
          } catch (err) {
            errors.push(err);
          }
        }
      }),
    );
    stop = true;
    await background;
    expect(errors).toEqual([]);
    await drainVotes(t.handle.db, { maxBatches: 1000 });
    const [votes] = await execRows<{ n: number; pending: number }>(
      t.handle.db,
      sql`select count(*)::int as n, count(*) filter (where aggregated_at is null)::int as pending from votes`,
    );
    expect(votes.n).toBe(12 * 6);
    expect(votes.pending).toBe(0);
    expect(await integrity()).toEqual({ over: 0, mismatched: 0, slots: 0 });
  });
});
