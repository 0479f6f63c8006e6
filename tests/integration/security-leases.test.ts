/**
 * Issue 22, finding 5 (leases and idempotency), as an attacker — or a buggy client — sees it.
 *
 * - An expert's review lease sent to /api/votes used to be taken as a crowd vote: the clip's
 *   vote count went past its overlap, the expert's own decision on it then failed with 409, or
 *   the insert hit a unique constraint (500). A lease belongs to one queue.
 * - An idempotency key sent again on another lease used to replay the old answer and record
 *   nothing: the client believed its new answer was saved. A key belongs to the answer (and so
 *   the lease) it was first used for; reused elsewhere it is refused with a clear 409.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { POST as postDecision } from '@/app/api/review/decisions/route';
import { GET as reviewNext } from '@/app/api/review/next/route';
import { GET as queueNext } from '@/app/api/queue/next/route';
import { POST as postVote } from '@/app/api/votes/route';
import { clips, expertDecisions, leases, users, votes, type Role } from '@/db/schema';
import { createApiToken } from '@/lib/auth/repo';
import { insertClip } from '@/lib/catalog/repo';
import { changeProjectSettings } from '@/lib/settings/service';
import { createTestDb, ensureTaxonomy, type TestDb } from '../helpers/db';
import { ctx, request } from '../helpers/http';

let t: TestDb;
const TAG = 'calm';

beforeAll(async () => {
  t = await createTestDb();
  await ensureTaxonomy(t.handle.db);
  await changeProjectSettings(t.handle.db, { goldRate: 0, newContributorGoldRate: 0, targetedQuestionRate: 0, secondOpinionRate: 0 });
  for (let i = 0; i < 4; i++) {
    await insertClip(t.handle.db, { sha256: randomBytes(32).toString('hex'), title: `open ${i}`, status: 'ready', priority: 10 - i });
  }
  for (let i = 0; i < 3; i++) {
    await insertClip(t.handle.db, { sha256: randomBytes(32).toString('hex'), title: `disputed ${i}`, status: 'ready', labelState: 'disputed', priority: 10 - i });
  }
});
afterAll(async () => t.close());

/** A user with an API token and no password (hashing one costs a second on this machine). */
async function quickUser(role: Role) {
  const suffix = randomBytes(4).toString('hex');
  const [user] = await t.handle.db.insert(users).values({ email: `${role}-${suffix}@leases.test`, name: `${role} ${suffix}`, role }).returning();
  return { user, token: (await createApiToken(t.handle.db, user.id, 'test')).token };
}

async function json(res: Response) {
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { error?: { code: string; message: string } } };
}
const vote = async (token: string, body: Record<string, unknown>) => json(await postVote(request('POST', '/api/votes', { token, body }), ctx({})));
const decision = async (token: string, body: Record<string, unknown>) => json(await postDecision(request('POST', '/api/review/decisions', { token, body }), ctx({})));
const nextClip = async (token: string) => {
  const res = await json(await queueNext(request('GET', '/api/queue/next', { token }), ctx({})));
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as unknown as { lease: { id: string }; clip: { id: string } };
};
const nextReview = async (token: string) => {
  const res = await json(await reviewNext(request('GET', '/api/review/next', { token }), ctx({})));
  expect(res.status, JSON.stringify(res.body)).toBe(200);
  return res.body as unknown as { lease: { id: string }; clip: { id: string } };
};

describe('finding 5: leases — a lease is only good for its own queue', () => {
  it('finding 5: leases — /api/votes refuses an expert’s review lease with 409 WRONG_QUEUE and records nothing', async () => {
    const expert = await quickUser('expert');
    const item = await nextReview(expert.token);
    const [before] = await t.handle.db.select().from(clips).where(eq(clips.id, item.clip.id));

    for (const body of [
      { kind: 'vote', leaseId: item.lease.id, tags: [TAG], idempotencyKey: `wrong-queue-vote-${item.lease.id}` },
      { kind: 'skip', leaseId: item.lease.id, idempotencyKey: `wrong-queue-skip-${item.lease.id}` },
    ]) {
      const res = await vote(expert.token, body);
      expect(res.status, JSON.stringify(res.body)).toBe(409);
      expect(res.body.error?.code).toBe('WRONG_QUEUE');
      expect(res.body.error?.message).toMatch(/review/i);
    }
    // Nothing was recorded, no count moved, and the lease is still the expert's to settle.
    expect(await t.handle.db.select().from(votes).where(eq(votes.clipId, item.clip.id))).toHaveLength(0);
    const [after] = await t.handle.db.select().from(clips).where(eq(clips.id, item.clip.id));
    expect({ voteCount: after.voteCount, assigned: after.assigned }).toEqual({ voteCount: before.voteCount, assigned: before.assigned });
    const [lease] = await t.handle.db.select().from(leases).where(eq(leases.id, item.lease.id));
    expect(lease.state).toBe('active');
    const decided = await decision(expert.token, { leaseId: item.lease.id, tags: [TAG], idempotencyKey: `decide-${item.lease.id}` });
    expect(decided.status, JSON.stringify(decided.body)).toBe(201);
  });

  it('finding 5: leases — /api/review/decisions still refuses a crowd lease (404), so neither queue takes the other’s', async () => {
    const expert = await quickUser('expert');
    const crowd = await nextClip(expert.token);
    const res = await decision(expert.token, { leaseId: crowd.lease.id, tags: [TAG], idempotencyKey: `crowd-lease-${crowd.lease.id}` });
    expect(res.status).toBe(404);
    expect(await t.handle.db.select().from(expertDecisions).where(eq(expertDecisions.clipId, crowd.clip.id))).toHaveLength(0);
  });
});

describe('finding 5: idempotency — a key is scoped to the lease it was first used on', () => {
  it('finding 5: idempotency — a vote key reused on another lease is refused with 409 IDEMPOTENCY_KEY_REUSED, not replayed; the lease stays usable', async () => {
    const me = await quickUser('contributor');
    const key = `reused-key-${randomBytes(4).toString('hex')}`;
    const first = await nextClip(me.token);
    const recorded = await vote(me.token, { kind: 'vote', leaseId: first.lease.id, tags: [TAG], idempotencyKey: key });
    expect(recorded.status).toBe(201);

    // A retry of the same answer on the same lease is still a replay.
    const retry = await vote(me.token, { kind: 'vote', leaseId: first.lease.id, tags: [TAG], idempotencyKey: key });
    expect(retry.status).toBe(200);
    expect(retry.body).toMatchObject({ voteId: recorded.body.voteId, clipId: first.clip.id, replayed: true });

    // The same key on another lease: a clear error, not the old vote passed off as this one.
    const second = await nextClip(me.token);
    expect(second.clip.id).not.toBe(first.clip.id);
    const reused = await vote(me.token, { kind: 'vote', leaseId: second.lease.id, tags: [TAG], idempotencyKey: key });
    expect(reused.status, JSON.stringify(reused.body)).toBe(409);
    expect(reused.body.error?.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await t.handle.db.select().from(votes).where(and(eq(votes.clipId, second.clip.id), eq(votes.userId, me.user.id)))).toHaveLength(0);

    // With a fresh key the answer is recorded on that lease.
    const fresh = await vote(me.token, { kind: 'vote', leaseId: second.lease.id, tags: [TAG], idempotencyKey: `${key}-2` });
    expect(fresh.status).toBe(201);
    expect(fresh.body).toMatchObject({ clipId: second.clip.id, replayed: false });
    expect(await t.handle.db.select().from(votes).where(eq(votes.userId, me.user.id))).toHaveLength(2);
  });

  it('finding 5: idempotency — a review decision key reused on another clip is refused with 409 IDEMPOTENCY_KEY_REUSED, not replayed', async () => {
    const expert = await quickUser('expert');
    const key = `reused-decision-${randomBytes(4).toString('hex')}`;
    const first = await nextReview(expert.token);
    expect((await decision(expert.token, { leaseId: first.lease.id, tags: [TAG], idempotencyKey: key })).status).toBe(201);
    const second = await nextReview(expert.token);
    expect(second.clip.id).not.toBe(first.clip.id);
    const reused = await decision(expert.token, { leaseId: second.lease.id, tags: [TAG], idempotencyKey: key });
    expect(reused.status, JSON.stringify(reused.body)).toBe(409);
    expect(reused.body.error?.code).toBe('IDEMPOTENCY_KEY_REUSED');
    expect(await t.handle.db.select().from(expertDecisions).where(eq(expertDecisions.clipId, second.clip.id))).toHaveLength(0);
    expect((await decision(expert.token, { leaseId: second.lease.id, tags: [TAG], idempotencyKey: `${key}-2` })).status).toBe(201);
  });
});
