import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { aggregates, clips, leases } from '@/db/schema';
import { execRows } from '@/db/client';
import { drainVotes } from '@/lib/crowd/drain';
import { nextClipFor, submitVote } from '@/lib/queue/service';
import { changeProjectSettings } from '@/lib/settings/service';
import { createRng } from '@/lib/util/random';
import { createTestDb, ensureTaxonomy, insertContributor, insertReadyClips, resetCrowd, type TestDb } from '../helpers/db';

/**
 * The batched vote aggregator (lib/crowd/drain.ts): the vote request only stores the answer; a
 * drain applies pending answers to their clips in batches, in arrival order, and a drain that
 * fails part-way loses nothing and counts nothing twice.
 */

let t: TestDb;

beforeAll(async () => {
  t = await createTestDb();
  await ensureTaxonomy(t.handle.db);
});
afterAll(async () => t.close());

beforeEach(async () => {
  await resetCrowd(t.handle, { overlap: 3, minVotes: 3, maxVotes: 5, consensusThreshold: 0.9 });
});

const newClips = (n: number) => insertReadyClips(t.handle.db, n, { durationS: 30, title: (i) => `d${i}` });

const contributor = () => insertContributor(t.handle.db, 'd');

/** A vote through the real request path on a lease made for the test (the clip's slot taken as the pick would). */
async function vote(userId: string, clipId: string, tags: string[], key = `k-${randomBytes(6).toString('hex')}`) {
  const [lease] = await t.handle.db
    .insert(leases)
    .values({ clipId, userId, queue: 'crowd', expiresAt: new Date(Date.now() + 300_000) })
    .returning();
  await t.handle.db
    .update(clips)
    .set({ assigned: sql`${clips.assigned} + 1` })
    .where(eq(clips.id, clipId));
  return submitVote(t.handle.db, userId, { kind: 'vote', leaseId: lease.id, tags, idempotencyKey: key, listenedMs: 20_000 });
}

const pendingIds = async () =>
  (
    await execRows<{ id: string }>(t.handle.db, sql`select id from votes where aggregated_at is null order by created_at, id`)
  ).map((r) => r.id);

async function tally(clipId: string) {
  const rows = await t.handle.db.select().from(aggregates).where(eq(aggregates.clipId, clipId));
  return Object.fromEntries(rows.map((r) => [r.tag, { posterior: r.posterior, yes: r.yesVotes, no: r.noVotes }]));
}

const clipRow = async (id: string) => (await t.handle.db.select().from(clips).where(eq(clips.id, id)))[0];

describe('the vote request only records the answer', () => {
  it('stores the vote pending and moves the counters; posteriors and state wait for the drain', async () => {
    const [clipId] = await newClips(1);
    const result = await vote(await contributor(), clipId, ['calm']);
    expect(await pendingIds()).toEqual([result.voteId]);
    expect(await t.handle.db.select().from(aggregates)).toHaveLength(0);
    const before = await clipRow(clipId);
    expect(before).toMatchObject({ voteCount: 1, assigned: 1, labelState: 'open', overlapTarget: 3 });

    const drained = await drainVotes(t.handle.db);
    expect(drained).toMatchObject({ votes: 1, clips: 1, batches: 1, more: false });
    expect(await pendingIds()).toEqual([]);
    expect((await tally(clipId)).calm).toMatchObject({ yes: 1, no: 0 });
    // A second drain finds nothing to do.
    expect(await drainVotes(t.handle.db)).toMatchObject({ votes: 0, batches: 0 });
  });

  it('a skip is not pending: nothing for the aggregator to apply', async () => {
    const [clipId] = await newClips(1);
    const userId = await contributor();
    const item = await nextClipFor(t.handle.db, userId, [], () => 1);
    expect(item?.clip.id).toBe(clipId);
    await submitVote(t.handle.db, userId, { kind: 'skip', leaseId: item!.lease.id, idempotencyKey: 'drain-skip-1' });
    expect(await pendingIds()).toEqual([]);
  });
});

describe('batching', () => {
  it('N votes on several clips are applied by one drain, in one batch', async () => {
    const ids = await newClips(4);
    const voters = [await contributor(), await contributor(), await contributor()];
    for (const clipId of ids) for (const v of voters) await vote(v, clipId, ['happy']);
    expect(await pendingIds()).toHaveLength(12);

    const drained = await drainVotes(t.handle.db);
    expect(drained).toMatchObject({ votes: 12, clips: 4, batches: 1, more: false });
    expect(await pendingIds()).toEqual([]);
    for (const clipId of ids) {
      const tags = await tally(clipId);
      expect(tags.happy).toMatchObject({ yes: 3, no: 0 });
      expect(tags.sad).toMatchObject({ yes: 0, no: 3 });
    }
  });

  it('a backlog larger than a batch is drained in batches of the given size, oldest answers first', async () => {
    const ids = await newClips(5);
    const userId = await contributor();
    const cast: string[] = [];
    for (const clipId of ids) cast.push((await vote(userId, clipId, ['calm'])).voteId);
    expect(await pendingIds()).toEqual(cast);

    const first = await drainVotes(t.handle.db, { batchSize: 2, maxBatches: 1 });
    expect(first).toMatchObject({ votes: 2, batches: 1, more: true });
    // The two oldest answers were applied (and their clips), the three newer ones wait.
    expect(await pendingIds()).toEqual(cast.slice(2));
    expect((await tally(ids[0])).calm).toMatchObject({ yes: 1 });
    expect((await tally(ids[1])).calm).toMatchObject({ yes: 1 });
    expect(await tally(ids[2])).toEqual({});

    const rest = await drainVotes(t.handle.db, { batchSize: 2 });
    expect(rest).toMatchObject({ votes: 3, batches: 2, more: false });
    expect(await pendingIds()).toEqual([]);
  });
});

describe('ordering', () => {
  it('draining once after many votes gives what draining after each vote gives', async () => {
    const [stepwise, batched] = await newClips(2);
    const voters = [await contributor(), await contributor(), await contributor(), await contributor()];
    const answers = [['happy', 'calm'], ['happy'], ['sad'], ['happy', 'dreamy']];
    for (let i = 0; i < voters.length; i++) {
      await vote(voters[i], stepwise, answers[i]);
      await drainVotes(t.handle.db);
    }
    for (let i = 0; i < voters.length; i++) await vote(voters[i], batched, answers[i]);
    await drainVotes(t.handle.db);

    const a = await tally(stepwise);
    const b = await tally(batched);
    expect(Object.keys(b).sort()).toEqual(Object.keys(a).sort());
    for (const tag of Object.keys(a)) {
      expect(b[tag].posterior, tag).toBeCloseTo(a[tag].posterior, 12);
      expect(b[tag].yes, tag).toBe(a[tag].yes);
      expect(b[tag].no, tag).toBe(a[tag].no);
    }
    const [ra, rb] = [await clipRow(stepwise), await clipRow(batched)];
    expect(rb.labelState).toBe(ra.labelState);
  });
});

describe('a drain that fails part-way', () => {
  it('loses nothing and counts nothing twice', async () => {
    const ids = await newClips(3);
    const voters = [await contributor(), await contributor()];
    // Arrival order: clip 0 twice, clip 1 twice, then clip 2 twice; batches of two.
    for (const clipId of ids) for (const v of voters) await vote(v, clipId, ['tense'], `crash-${clipId}-${v}`);
    const crashKey = `crash-${ids[1]}-${voters[1]}`;
    // The second batch fails after its clips were written, when its answers are being marked.
    await t.handle.exec(`
      create or replace function drain_test_crash() returns trigger language plpgsql as $$
      begin
        if new.idempotency_key = '${crashKey}' then raise exception 'simulated crash mid-batch'; end if;
        return new;
      end $$;
      create trigger drain_test_crash before update of aggregated_at on votes for each row execute function drain_test_crash();`);
    try {
      const failure = await drainVotes(t.handle.db, { batchSize: 2 }).then(
        () => null,
        (err: unknown) => err as Error & { cause?: Error },
      );
      // Drizzle wraps the database error; the trigger's message is its cause.
      expect(failure?.cause?.message ?? failure?.message).toMatch(/simulated crash mid-batch/);
      const pending = await pendingIds();
      // Batch one committed; batch two rolled back whole (its clip's aggregates too); batch three never ran.
      expect(pending).toHaveLength(4);
      expect((await tally(ids[0])).tense).toMatchObject({ yes: 2, no: 0 });
      expect(await tally(ids[1])).toEqual({});
      expect(await tally(ids[2])).toEqual({});
    } finally {
      await t.handle.exec(`drop trigger drain_test_crash on votes; drop function drain_test_crash();`);
    }

    const again = await drainVotes(t.handle.db, { batchSize: 2 });
    expect(again).toMatchObject({ votes: 4, batches: 2, more: false });
    expect(await pendingIds()).toEqual([]);
    for (const clipId of ids) {
      expect((await tally(clipId)).tense).toMatchObject({ yes: 2, no: 0 });
      expect((await clipRow(clipId)).voteCount).toBe(2);
    }
  });
});

describe('overlap with the drain delay', () => {
  it('no clip ever gets more votes than its overlap target, which never passes maxVotes', async () => {
    await changeProjectSettings(t.handle.db, { overlap: 3, minVotes: 3, maxVotes: 5 });
    const ids = await newClips(8);
    const crowd = await Promise.all(Array.from({ length: 10 }, () => contributor()));
    const rng = createRng(7);
    const moods = [['calm'], ['sad'], ['happy'], ['calm', 'dreamy']];
    let running = true;
    // The aggregator runs beside the contributors, as the worker does, always some votes behind.
    const drainer = (async () => {
      let drains = 0;
      while (running) {
        await drainVotes(t.handle.db, { batchSize: 3, maxBatches: 1 });
        drains++;
        await new Promise((r) => setTimeout(r, 5));
      }
      return drains;
    })();
    const answered = await Promise.all(
      crowd.map(async (userId) => {
        let n = 0;
        for (;;) {
          const item = await nextClipFor(t.handle.db, userId, [], () => 1);
          if (!item) return n;
          const tags = moods[Math.floor(rng() * moods.length)];
          await submitVote(t.handle.db, userId, {
            kind: 'vote',
            leaseId: item.lease.id,
            tags,
            idempotencyKey: `ov-${item.lease.id}`,
          });
          n++;
        }
      }),
    );
    running = false;
    expect(await drainer).toBeGreaterThan(0);
    await drainVotes(t.handle.db);

    expect(answered.reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(ids.length * 3);
    const rows = await execRows<{ id: string; vote_count: number; overlap_target: number; assigned: number; votes: number }>(
      t.handle.db,
      sql`select c.id, c.vote_count, c.overlap_target, c.assigned, (select count(*)::int from votes v where v.clip_id = c.id) as votes
          from clips c`,
    );
    for (const r of rows) {
      expect(Number(r.votes), r.id).toBe(Number(r.vote_count));
      expect(Number(r.vote_count), r.id).toBeLessThanOrEqual(Number(r.overlap_target));
      expect(Number(r.overlap_target), r.id).toBeLessThanOrEqual(5);
      expect(Number(r.assigned), r.id).toBe(Number(r.vote_count));
    }
    expect(await pendingIds()).toEqual([]);
  });
});

describe('the drain-votes job', () => {
  it('chains itself: a drain that throws does not end the chain, and a later link applies the votes', async () => {
    const { startJobEngine, stopJobEngine } = await import('@/lib/jobs/runtime');
    const { drainVotesJob } = await import('@/jobs/drain-votes');
    const { jobRuns } = await import('@/db/schema');
    const waitFor = async <T>(read: () => Promise<T>, done: (x: T) => boolean): Promise<T> => {
      const deadline = Date.now() + 30_000;
      let value = await read();
      while (!done(value) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        value = await read();
      }
      return value;
    };
    const [clipId] = await newClips(1);
    await t.handle.exec(`
      create or replace function drain_test_fail() returns trigger language plpgsql as $$
      begin raise exception 'simulated drain failure'; end $$;
      create trigger drain_test_fail before update of aggregated_at on votes for each row execute function drain_test_fail();`);
    const engine = await startJobEngine(t.handle, [drainVotesJob as never]);
    try {
      await engine.work();
      const { voteId } = await vote(await contributor(), clipId, ['dark']);
      await engine.enqueue(drainVotesJob, { windowSeconds: 0 });
      const failed = await waitFor(
        () => t.handle.db.select().from(jobRuns).where(eq(jobRuns.name, 'drain-votes')),
        (rows) => rows.some((r) => r.state === 'failed'),
      );
      // The job recorded the failing statement (drizzle wraps the trigger's error in it).
      expect(failed.find((r) => r.state === 'failed')?.error).toMatch(/update votes set aggregated_at/);
      expect(await pendingIds()).toEqual([voteId]);
      await t.handle.exec(`drop trigger drain_test_fail on votes; drop function drain_test_fail();`);
      expect(await waitFor(pendingIds, (ids) => ids.length === 0)).toEqual([]);
      expect((await tally(clipId)).dark).toMatchObject({ yes: 1, no: 0 });
    } finally {
      await t.handle.exec(`drop trigger if exists drain_test_fail on votes; drop function if exists drain_test_fail();`);
      await stopJobEngine();
    }
  });
});
