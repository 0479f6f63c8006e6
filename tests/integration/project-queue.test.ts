import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import { projectAnswers, projectItems, projectLeases, projectMembers, projects, projectScores } from '@/db/schema';
import { insertClip } from '@/lib/catalog/repo';
import { insertLeaseIfOpen, readAnswers, setItemPriorities } from '@/lib/projects/items-repo';
import { nextTask } from '@/lib/projects/queue';
import { ProjectAnswerResultSchema, ProjectTaskSchema, type ProjectTask } from '@/lib/projects/schemas';
import { reapLeasesJob } from '@/jobs/reap-leases';
import { GET as nextRoute } from '@/app/api/projects/[slug]/next/route';
import { POST as answersRoute } from '@/app/api/projects/[slug]/answers/route';
import { POST as releaseRoute } from '@/app/api/projects/[slug]/leases/[id]/release/route';
import { createTestDb, makeUser, type TestDb } from '../helpers/db';
import { ctx, request } from '../helpers/http';

/**
 * The queue of valence–arousal and pairwise projects through its routes: leases, answers and their
 * counters, idempotency, the overlap under several contributors, the active pair choice, the reaper.
 */

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
});
afterAll(async () => t.close());

interface Who {
  id: string;
  token: string;
}

async function contributor(): Promise<Who> {
  const { user, token } = await makeUser(t.handle, 'contributor');
  return { id: user.id, token };
}

/** `n` ready clips with audio. */
async function readyClips(n: number): Promise<string[]> {
  const ids: string[] = [];
  for (let i = 0; i < n; i++) {
    const row = await insertClip(t.handle.db, {
      sha256: randomBytes(32).toString('hex'),
      title: `clip ${i}`,
      status: 'ready',
      durationS: 10,
      audioKey: `audio/${randomBytes(6).toString('hex')}.wav`,
    });
    ids.push(row.id);
  }
  return ids;
}

type ProjectRow = typeof projects.$inferSelect;

/** A project over `clipIds`, open to every signed-in user unless `members` are given. */
async function project(
  questionType: 'valence_arousal' | 'pairwise',
  clipIds: string[],
  opts: { overlap?: number; members?: string[] } = {},
): Promise<ProjectRow> {
  const db = t.handle.db;
  const [row] = await db
    .insert(projects)
    .values({
      slug: `p-${randomBytes(4).toString('hex')}`,
      name: 'test project',
      questionType,
      attribute: questionType === 'pairwise' ? 'energetic' : null,
      settings: { overlap: opts.overlap ?? 3, leaseMinutes: 10 },
      openToAll: !opts.members,
    })
    .returning();
  await db.insert(projectItems).values(clipIds.map((clipId) => ({ projectId: row.id, clipId })));
  if (opts.members?.length) {
    await db.insert(projectMembers).values(opts.members.map((userId) => ({ projectId: row.id, userId, role: 'contributor' as const })));
  }
  return row;
}

async function next(who: Who, p: ProjectRow, exclude: string[] = []): Promise<Response> {
  const q = exclude.length ? `?exclude=${exclude.join(',')}` : '';
  return nextRoute(request('GET', `/api/projects/${p.slug}/next${q}`, { token: who.token }), ctx({ slug: p.slug }));
}

async function task(who: Who, p: ProjectRow, exclude: string[] = []): Promise<ProjectTask | null> {
  const res = await next(who, p, exclude);
  if (res.status === 204) return null;
  expect(res.status, await res.clone().text()).toBe(200);
  return ProjectTaskSchema.parse(await res.json());
}

async function answer(who: Who, p: ProjectRow, body: Record<string, unknown>): Promise<Response> {
  return answersRoute(
    request('POST', `/api/projects/${p.slug}/answers`, { token: who.token, body: { idempotencyKey: key(), ...body } }),
    ctx({ slug: p.slug }),
  );
}

async function release(who: Who, p: ProjectRow, leaseId: string): Promise<Response> {
  return releaseRoute(
    request('POST', `/api/projects/${p.slug}/leases/${leaseId}/release`, { token: who.token, body: {} }),
    ctx({ slug: p.slug, id: leaseId }),
  );
}

const key = () => `k-${randomBytes(8).toString('hex')}`;

async function errorCode(res: Response): Promise<string> {
  return ((await res.json()) as { error: { code: string } }).error.code;
}

async function answersOf(p: ProjectRow) {
  return t.handle.db.select().from(projectAnswers).where(eq(projectAnswers.projectId, p.id));
}

async function counts(p: ProjectRow): Promise<Record<string, number>> {
  const rows = await t.handle.db.select().from(projectItems).where(eq(projectItems.projectId, p.id));
  return Object.fromEntries(rows.map((r) => [r.clipId, r.answerCount]));
}

async function leaseState(id: string): Promise<string> {
  const [row] = await t.handle.db.select({ state: projectLeases.state }).from(projectLeases).where(eq(projectLeases.id, id));
  return row.state;
}

async function expire(leaseId: string): Promise<void> {
  await t.handle.db
    .update(projectLeases)
    .set({ expiresAt: sql`now() - interval '1 minute'` })
    .where(eq(projectLeases.id, leaseId));
}

const vaClip = (task: ProjectTask | null) => {
  if (task?.type !== 'valence_arousal') throw new Error(`expected a rating task, got ${JSON.stringify(task)}`);
  return task.clip.id;
};
const pairOf = (task: ProjectTask | null) => {
  if (task?.type !== 'pairwise') throw new Error(`expected a pairwise task, got ${JSON.stringify(task)}`);
  return task;
};

describe('items repo', () => {
  it('sets priorities in one statement (only the project\'s items) and reads every answer back', async () => {
    const db = t.handle.db;
    const [c1, c2, c3] = await readyClips(3);
    const p = await project('valence_arousal', [c1, c2]);
    expect(await setItemPriorities(db, p.id, [{ clipId: c1, priority: 2.5 }, { clipId: c3, priority: 9 }])).toBe(1);
    const items = await db.select().from(projectItems).where(eq(projectItems.projectId, p.id));
    expect(Object.fromEntries(items.map((i) => [i.clipId, i.priority]))).toEqual({ [c1]: 2.5, [c2]: 0 });
    const u = await contributor();
    await db.insert(projectAnswers).values({ projectId: p.id, userId: u.id, clipId: c1, valence: 0.5, arousal: -0.25, idempotencyKey: key() });
    expect(await readAnswers(db, p.id)).toEqual([
      { userId: u.id, clipId: c1, clipBId: null, valence: 0.5, arousal: -0.25, choice: null, createdAt: expect.any(Date) },
    ]);
  });
});

describe('the lease insert under the lock', () => {
  it('refuses a clip at its overlap, a clip the caller holds, and a pair the caller compared', async () => {
    const db = t.handle.db;
    const [x, y, z] = await readyClips(3);
    const p = await project('pairwise', [x, y, z], { overlap: 2 });
    const [alice, bob, carol] = [await contributor(), await contributor(), await contributor()];
    const scope = (who: Who) => ({ projectId: p.id, userId: who.id, overlap: 2, leaseMinutes: 10 });
    // What a pick whose snapshot predates these leases would try: the insert itself says no.
    expect(await insertLeaseIfOpen(db, scope(alice), x, y)).not.toBeNull();
    expect(await insertLeaseIfOpen(db, scope(alice), y, z), 'alice holds y').toBeNull();
    expect(await insertLeaseIfOpen(db, scope(bob), x, z)).not.toBeNull();
    expect(await insertLeaseIfOpen(db, scope(carol), x, z), 'x has two live leases, its overlap').toBeNull();
    await db.insert(projectAnswers).values({ projectId: p.id, userId: carol.id, clipId: z, clipBId: y, choice: 'a', idempotencyKey: key() });
    expect(await insertLeaseIfOpen(db, scope(carol), y, z), 'carol compared z and y already').toBeNull();
    const held = await db.select().from(projectLeases).where(eq(projectLeases.projectId, p.id));
    expect(held.map((l) => [l.userId, l.clipId, l.clipBId])).toEqual(
      expect.arrayContaining([
        [alice.id, x, y],
        [bob.id, x, z],
      ]),
    );
    expect(held).toHaveLength(2);
  });
});

describe('valence–arousal queue', () => {
  it('round trip: highest priority first, reload keeps the lease, answer counts once, replays, refuses bad answers with nothing stored', async () => {
    const [low, high, mid] = await readyClips(3);
    const p = await project('valence_arousal', [low, high, mid]);
    await setItemPriorities(t.handle.db, p.id, [
      { clipId: low, priority: 1 },
      { clipId: high, priority: 3 },
      { clipId: mid, priority: 2 },
    ]);
    const alice = await contributor();
    const bob = await contributor();

    const first = await task(alice, p);
    expect(vaClip(first)).toBe(high);
    // A reload gets the same lease back; excluding its clip preloads the next one under a second lease.
    expect((await task(alice, p))!.lease.id).toBe(first!.lease.id);
    const second = await task(alice, p, [high]);
    expect(vaClip(second)).toBe(mid);
    expect(second!.lease.id).not.toBe(first!.lease.id);
    // Two live leases is the most: nothing more until one is answered or released (204, as when the
    // screen asks again while its last answer is still on the way), though `low` is open.
    expect((await next(alice, p, [high, mid])).status).toBe(204);

    // The wrong kind of answer for the project: 400, nothing stored, the lease still open.
    const wrong = await answer(alice, p, { leaseId: first!.lease.id, choice: 'a' });
    expect(wrong.status).toBe(400);
    expect(await answersOf(p)).toHaveLength(0);
    expect(await leaseState(first!.lease.id)).toBe('active');

    // Someone else's lease is not found, for answers and releases alike.
    expect((await answer(bob, p, { leaseId: first!.lease.id, valence: 0, arousal: 0 })).status).toBe(404);
    expect((await release(bob, p, first!.lease.id)).status).toBe(404);

    const k = key();
    const res = await answer(alice, p, { leaseId: first!.lease.id, valence: 0.5, arousal: -0.75, idempotencyKey: k, listenedMs: 4000 });
    expect(res.status).toBe(201);
    const stored = ProjectAnswerResultSchema.parse(await res.json());
    expect(stored).toEqual({ answerId: expect.any(String), replayed: false, skipped: false });
    expect(await counts(p)).toEqual({ [low]: 0, [high]: 1, [mid]: 0 });
    expect(await leaseState(first!.lease.id)).toBe('completed');
    const rows = await answersOf(p);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ userId: alice.id, clipId: high, clipBId: null, valence: 0.5, arousal: -0.75, choice: null, listenedMs: 4000 });

    // The same key again replays the first result; nothing doubles.
    const again = await answer(alice, p, { leaseId: first!.lease.id, valence: -1, arousal: 1, idempotencyKey: k });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ ...stored, replayed: true });
    expect(await answersOf(p)).toHaveLength(1);
    expect(await counts(p)).toEqual({ [low]: 0, [high]: 1, [mid]: 0 });

    // The same key on another lease is a client bug, not a replay.
    const reused = await answer(alice, p, { leaseId: second!.lease.id, valence: 0, arousal: 0, idempotencyKey: k });
    expect(reused.status).toBe(409);
    expect(await errorCode(reused)).toBe('IDEMPOTENCY_KEY_REUSED');

    // An expired lease takes no answer.
    await expire(second!.lease.id);
    const late = await answer(alice, p, { leaseId: second!.lease.id, valence: 0.1, arousal: 0.1 });
    expect(late.status).toBe(409);
    expect(await errorCode(late)).toBe('LEASE_EXPIRED');
    expect(await answersOf(p)).toHaveLength(1);
    expect(await counts(p)).toEqual({ [low]: 0, [high]: 1, [mid]: 0 });

    // The expired lease freed its slot and is no longer held: the next ask takes the best clip left for alice.
    const fourth = await task(alice, p);
    expect(vaClip(fourth)).toBe(mid);
    expect(fourth!.lease.id).not.toBe(second!.lease.id);

    // A skip gives the lease back and stores nothing; the client then excludes the clip.
    const skipped = await answer(alice, p, { leaseId: fourth!.lease.id, skip: true });
    expect(skipped.status).toBe(200);
    expect(await skipped.json()).toEqual({ answerId: null, replayed: false, skipped: true });
    expect(await leaseState(fourth!.lease.id)).toBe('released');
    expect(await answersOf(p)).toHaveLength(1);
    expect(vaClip(await task(alice, p, [mid]))).toBe(low);
  });

  it('among equal priorities, the clip with the fewest answers + live leases goes first', async () => {
    const [first, second] = (await readyClips(2)).sort();
    const p = await project('valence_arousal', [first, second], { overlap: 3 });
    const alice = await contributor();
    const bob = await contributor();
    const carol = await contributor();
    const dave = await contributor();
    // Both at 0: the clip id decides. Then alice's live lease weighs on `first`, so bob gets `second`.
    expect(vaClip(await task(alice, p))).toBe(first);
    const bobs = await task(bob, p);
    expect(vaClip(bobs)).toBe(second);
    // Bob's answer keeps `second` at 1 (a stored answer instead of a live lease); alice's lease keeps `first` at 1; a tie again.
    expect((await answer(bob, p, { leaseId: bobs!.lease.id, valence: 0, arousal: 0 })).status).toBe(201);
    expect(vaClip(await task(carol, p))).toBe(first);
    // Now `first` carries two live leases and `second` one answer.
    expect(vaClip(await task(dave, p))).toBe(second);
  });

  it('a clip the contributor already rated is a DUPLICATE, with nothing written', async () => {
    const [c] = await readyClips(1);
    const p = await project('valence_arousal', [c]);
    const alice = await contributor();
    const first = await task(alice, p);
    expect((await answer(alice, p, { leaseId: first!.lease.id, valence: 0, arousal: 0 })).status).toBe(201);
    expect(await task(alice, p)).toBeNull();
    // A second lease on the same clip (as a stale client might hold): the unique index refuses the rating.
    const [lease] = await t.handle.db
      .insert(projectLeases)
      .values({ projectId: p.id, userId: alice.id, clipId: c, expiresAt: sql`now() + interval '5 minutes'` })
      .returning();
    const dup = await answer(alice, p, { leaseId: lease.id, valence: 1, arousal: 1 });
    expect(dup.status).toBe(409);
    expect(await errorCode(dup)).toBe('DUPLICATE');
    expect(await answersOf(p)).toHaveLength(1);
    expect(await counts(p)).toEqual({ [c]: 1 });
    expect(await leaseState(lease.id)).toBe('active');
  });

  it('never exceeds the overlap with several contributors at once; each clip ends with exactly `overlap` ratings', async () => {
    const clipIds = await readyClips(5);
    const overlap = 2;
    const p = await project('valence_arousal', clipIds, { overlap });
    const crowd = await Promise.all(Array.from({ length: 4 }, () => contributor()));
    // Each contributor labels until the queue has nothing for them; all of them at the same time.
    await Promise.all(
      crowd.map(async (who) => {
        for (;;) {
          const got = await task(who, p);
          if (!got) return;
          const res = await answer(who, p, { leaseId: got.lease.id, valence: 0.2, arousal: 0.3 });
          expect(res.status).toBe(201);
        }
      }),
    );
    const rows = await answersOf(p);
    expect(rows).toHaveLength(clipIds.length * overlap);
    for (const id of clipIds) expect(rows.filter((r) => r.clipId === id), id).toHaveLength(overlap);
    expect(new Set(rows.map((r) => `${r.userId}/${r.clipId}`)).size).toBe(rows.length);
    expect(await counts(p)).toEqual(Object.fromEntries(clipIds.map((id) => [id, overlap])));
  });

  it('passes over clips that failed or lost their audio, and refuses the tags project', async () => {
    const [ok] = await readyClips(1);
    const failed = (await insertClip(t.handle.db, { sha256: randomBytes(32).toString('hex'), title: 'f', status: 'failed', audioKey: 'a/f.wav' })).id;
    const noAudio = (await insertClip(t.handle.db, { sha256: randomBytes(32).toString('hex'), title: 'n', status: 'ready' })).id;
    const p = await project('valence_arousal', [ok, failed, noAudio]);
    await setItemPriorities(t.handle.db, p.id, [
      { clipId: failed, priority: 5 },
      { clipId: noAudio, priority: 4 },
    ]);
    const alice = await contributor();
    const got = await task(alice, p);
    expect(vaClip(got)).toBe(ok);
    expect(await task(alice, p, [ok])).toBeNull();

    const mood = (await t.handle.db.select().from(projects).where(eq(projects.slug, 'mood')))[0];
    const res = await next(alice, mood);
    expect(res.status).toBe(400);
  });

  it("a lease of another project is not found through this one's routes", async () => {
    const [c, d] = await readyClips(2);
    const p = await project('valence_arousal', [c]);
    const q = await project('valence_arousal', [d]);
    const alice = await contributor();
    const inP = await task(alice, p);
    const viaQ = await answer(alice, q, { leaseId: inP!.lease.id, valence: 0, arousal: 0 });
    expect(viaQ.status).toBe(404);
    expect((await release(alice, q, inP!.lease.id)).status).toBe(404);
    expect(await answersOf(p)).toHaveLength(0);
    expect(await answersOf(q)).toHaveLength(0);
    expect(await leaseState(inP!.lease.id)).toBe('active');
  });

  it('a members-only project is not found for a non-member', async () => {
    const [c] = await readyClips(1);
    const member = await contributor();
    const outsider = await contributor();
    const p = await project('valence_arousal', [c], { members: [member.id] });
    expect((await next(outsider, p)).status).toBe(404);
    expect(vaClip(await task(member, p))).toBe(c);
  });
});

describe('pairwise queue', () => {
  it('never repeats a pair for a contributor; the choice maps to the shown clips; both clips count', async () => {
    const clipIds = await readyClips(4);
    const p = await project('pairwise', clipIds, { overlap: 10 });
    const alice = await contributor();
    const seen = new Set<string>();
    const choices = ['a', 'b', 'same'] as const;
    for (let i = 0; ; i++) {
      const got = await task(alice, p);
      if (!got) break;
      const pair = pairOf(got);
      expect(pair.attribute).toBe('energetic');
      expect(pair.a.id).not.toBe(pair.b.id);
      const unordered = [pair.a.id, pair.b.id].sort().join(',');
      expect(seen.has(unordered), `pair ${unordered} asked twice`).toBe(false);
      seen.add(unordered);
      const before = await counts(p);
      const choice = choices[i % 3];
      const res = await answer(alice, p, { leaseId: got.lease.id, choice });
      expect(res.status).toBe(201);
      const { answerId } = ProjectAnswerResultSchema.parse(await res.json());
      const [row] = await t.handle.db.select().from(projectAnswers).where(eq(projectAnswers.id, answerId!));
      // Stored in the order shown: choice 'a' is the clip shown as a.
      expect(row).toMatchObject({ clipId: pair.a.id, clipBId: pair.b.id, choice, valence: null, arousal: null });
      const after = await counts(p);
      expect(after[pair.a.id]).toBe(before[pair.a.id] + 1);
      expect(after[pair.b.id]).toBe(before[pair.b.id] + 1);
    }
    // Every unordered pair of the four clips, once.
    expect(seen.size).toBe(6);
    expect(await answersOf(p)).toHaveLength(6);
    // A rating is the wrong kind of answer here.
    const bob = await contributor();
    const got = await task(bob, p);
    const wrong = await answer(bob, p, { leaseId: got!.lease.id, valence: 0, arousal: 0 });
    expect(wrong.status).toBe(400);
    expect(await answersOf(p)).toHaveLength(6);
  });

  it('a comparison counts for both clips toward the overlap', async () => {
    const clipIds = await readyClips(3);
    const p = await project('pairwise', clipIds, { overlap: 1 });
    const alice = await contributor();
    const bob = await contributor();
    const got = pairOf(await task(alice, p));
    // Both clips of alice's pair are taken (overlap 1); one clip is left, and a pair needs two.
    expect(await task(bob, p)).toBeNull();
    expect((await answer(alice, p, { leaseId: got.lease.id, choice: 'b' })).status).toBe(201);
    expect(await task(bob, p)).toBeNull();
    const left = clipIds.find((id) => id !== got.a.id && id !== got.b.id)!;
    expect(await counts(p)).toEqual({ [got.a.id]: 1, [got.b.id]: 1, [left]: 0 });
  });

  it('several contributors at once: no clip past its overlap, no pair twice for anyone, counters equal the answers', async () => {
    const clipIds = await readyClips(6);
    const overlap = 2;
    const p = await project('pairwise', clipIds, { overlap });
    const crowd = await Promise.all(Array.from({ length: 4 }, () => contributor()));
    await Promise.all(
      crowd.map(async (who) => {
        for (;;) {
          const got = await task(who, p);
          if (!got) return;
          expect((await answer(who, p, { leaseId: got.lease.id, choice: 'same' })).status).toBe(201);
        }
      }),
    );
    const rows = await answersOf(p);
    const involving = (id: string) => rows.filter((r) => r.clipId === id || r.clipBId === id).length;
    const stored = await counts(p);
    for (const id of clipIds) {
      expect(involving(id), id).toBeLessThanOrEqual(overlap);
      expect(stored[id], id).toBe(involving(id));
    }
    // Six clips at two comparisons each make six comparisons; the pick leaves at most one clip short (it needs a partner).
    expect(rows.length).toBeGreaterThanOrEqual(5);
    expect(new Set(rows.map((r) => `${r.userId}/${[r.clipId, r.clipBId].sort().join(',')}`)).size).toBe(rows.length);
  });

  it('asks the pair with the largest expected gain under the planted fit, in the order chosen at random', async () => {
    const [x, y, hi, lo] = await readyClips(4);
    const p = await project('pairwise', [x, y, hi, lo], { overlap: 5 });
    // Priority alone would pair hi and lo first (the first two candidates, all gains equal without a fit).
    await setItemPriorities(t.handle.db, p.id, [
      { clipId: hi, priority: 2 },
      { clipId: lo, priority: 1 },
    ]);
    // x and y: close (θ 0 vs 0.1) and poorly known (sd 1): gain ½·ln(1 + 0.2494·2) ≈ 0.202 nats.
    // hi and lo: far apart (θ ±3) and known to ±0.1: p ≈ 0.9975, gain ≈ ½·ln(1 + 0.0025·0.02) ≈ 0.00002;
    // x–hi: p = σ(−3), J ≈ 0.045, v = 1.01: ≈ 0.022; the best by a wide margin is {x, y}.
    await t.handle.db.insert(projectScores).values([
      { projectId: p.id, clipId: x, score: 0, scoreSd: 1 },
      { projectId: p.id, clipId: y, score: 0.1, scoreSd: 1 },
      { projectId: p.id, clipId: hi, score: 3, scoreSd: 0.1 },
      { projectId: p.id, clipId: lo, score: -3, scoreSd: 0.1 },
    ]);
    const alice = await contributor();
    const bob = await contributor();
    const user = (who: Who) => ({ id: who.id, role: 'contributor' as const });
    // rankPairs lists {x, y} as (x, y) (candidate order: equal priority 0, then by clip id) …
    const [first, second] = [x, y].sort();
    const kept = pairOf(await nextTask(t.handle.db, user(alice), p, [], () => 0.1));
    expect([kept.a.id, kept.b.id]).toEqual([first, second]);
    // … and a draw ≥ ½ shows them the other way round.
    const swapped = pairOf(await nextTask(t.handle.db, user(bob), p, [], () => 0.9));
    expect([swapped.a.id, swapped.b.id]).toEqual([second, first]);
    // The lease keeps the order shown.
    const [lease] = await t.handle.db.select().from(projectLeases).where(eq(projectLeases.id, swapped.lease.id));
    expect([lease.clipId, lease.clipBId]).toEqual([second, first]);
  });

  it('a reload returns the held pair; excluding its clips preloads another; expired leases are reaped', async () => {
    const clipIds = await readyClips(5);
    const p = await project('pairwise', clipIds, { overlap: 5 });
    const alice = await contributor();
    const held = pairOf(await task(alice, p));
    const reload = pairOf(await task(alice, p));
    expect(reload.lease.id).toBe(held.lease.id);
    expect([reload.a.id, reload.b.id]).toEqual([held.a.id, held.b.id]);
    const preload = pairOf(await task(alice, p, [held.a.id, held.b.id]));
    expect(preload.lease.id).not.toBe(held.lease.id);
    expect([preload.a.id, preload.b.id]).not.toContain(held.a.id);
    expect([preload.a.id, preload.b.id]).not.toContain(held.b.id);

    // The reaper marks the expired one expired and leaves the live one alone (a first sweep takes
    // what earlier tests left expired, so the second counts this one alone).
    const reap = () => reapLeasesJob.handler({}, { db: t.handle.db, handle: t.handle, jobId: 'test', progress: async () => {} });
    await reap();
    await expire(held.lease.id);
    const result = await reap();
    expect(result).toMatchObject({ projectLeasesExpired: 1 });
    expect(await leaseState(held.lease.id)).toBe('expired');
    expect(await leaseState(preload.lease.id)).toBe('active');
    const late = await answer(alice, p, { leaseId: held.lease.id, choice: 'a' });
    expect(await errorCode(late)).toBe('LEASE_EXPIRED');

    // Releasing: one's own active lease once; again it is already released; then it is not held.
    const first = await release(alice, p, preload.lease.id);
    expect(first.status).toBe(200);
    expect(await first.json()).toEqual({ released: true });
    expect(await (await release(alice, p, preload.lease.id)).json()).toEqual({ released: false });
    expect(await leaseState(preload.lease.id)).toBe('released');
    const rows = await t.handle.db
      .select()
      .from(projectLeases)
      .where(and(eq(projectLeases.projectId, p.id), eq(projectLeases.userId, alice.id), eq(projectLeases.state, 'active')));
    expect(rows).toHaveLength(0);
  });
});
