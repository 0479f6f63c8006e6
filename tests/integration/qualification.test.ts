import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { goldAnswers, leases, users, votes } from '@/db/schema';
import { auditTrail } from '@/lib/audit/repo';
import { insertClip } from '@/lib/catalog/repo';
import { AppError } from '@/lib/errors';
import { currentPause } from '@/lib/pause/repo';
import {
  forgetQualified,
  grantQualification,
  qualificationOverview,
  qualificationStatus,
  resumeIfRetryDue,
} from '@/lib/qualification/service';
import { nextClipFor, submitVote } from '@/lib/queue/service';
import { changeProjectSettings } from '@/lib/settings/service';
import { getActiveTaxonomy } from '@/lib/taxonomy/repo';
import { GET as getQualification } from '@/app/api/me/qualification/route';
import { GET as getNext } from '@/app/api/queue/next/route';
import { POST as postVote } from '@/app/api/votes/route';
import { createTestDb, ensureTaxonomy, makeUser, type TestDb } from '../helpers/db';
import { request } from '../helpers/http';

/**
 * Qualification rounds (issue 15, item 2) on both databases: a new contributor answers
 * `qualificationClips` gold clips before anything else; pass → qualified; fail → paused until the
 * retry time, then a fresh round; their votes cannot reach an ordinary clip; gold answers never leak.
 */

let t: TestDb;
let tags: string[];
const goldIds: string[] = [];
const plainIds: string[] = [];
/** Each gold clip's required moods: one mood per clip, nothing tolerated. */
const answerOf = new Map<string, string[]>();
const never = () => 1;

beforeAll(async () => {
  t = await createTestDb();
  await ensureTaxonomy(t.handle.db);
  tags = (await getActiveTaxonomy(t.handle.db)).tags.map((x) => x.key);
  const add = async (title: string, priority: number) =>
    (await insertClip(t.handle.db, { sha256: randomBytes(32).toString('hex'), title, priority, status: 'ready', durationS: 10 }))
      .id;
  for (let i = 0; i < 8; i++) {
    const id = await add(`g ${i}`, 1);
    goldIds.push(id);
    answerOf.set(id, [tags[i % tags.length]]);
    await t.handle.db.insert(goldAnswers).values({ clipId: id, taxonomyVersion: 1, tags: answerOf.get(id)! });
  }
  for (let i = 0; i < 6; i++) plainIds.push(await add(`p ${i}`, 10 - i));
}, 120_000);
afterAll(async () => t.close());
beforeEach(async () => {
  forgetQualified();
  await changeProjectSettings(t.handle.db, {
    qualificationClips: 3,
    qualificationThreshold: 0.8,
    qualificationRetryHours: 1,
    targetedQuestionRate: 0,
    goldRate: 0,
    newContributorGoldRate: 0,
    maxActiveLeases: 3,
  });
});

/** Leases the next clip and answers it: right (the gold answer) or wrong (every other mood: no check right). */
async function answerNext(userId: string, right: boolean) {
  const item = (await nextClipFor(t.handle.db, userId, [], never))!;
  expect(item, 'a clip is served').toBeTruthy();
  const gold = answerOf.get(item.clip.id);
  const wrong = tags.filter((x) => !gold?.includes(x));
  await submitVote(t.handle.db, userId, {
    kind: 'vote',
    leaseId: item.lease.id,
    tags: right && gold ? gold : wrong,
    idempotencyKey: `k-${item.lease.id}`,
  });
  return item.clip.id;
}

describe('qualification round', () => {
  it('serves only gold clips of the round, and a passed round lets ordinary clips through (audited)', async () => {
    const { user } = await makeUser(t.handle, 'contributor');
    expect(await qualificationStatus(t.handle.db, user.id)).toEqual({ state: 'in_progress', answered: 0, total: 3 });
    const served: string[] = [];
    for (let i = 0; i < 3; i++) served.push(await answerNext(user.id, true));
    // Ordinary clips have the higher priority: only the round kept them away.
    expect(served.every((id) => goldIds.includes(id))).toBe(true);
    expect(new Set(served).size).toBe(3);
    const status = await qualificationStatus(t.handle.db, user.id);
    expect(status.state).toBe('qualified');
    const audit = await auditTrail(t.handle.db, 'user', user.id);
    expect(audit.map((a) => a.action)).toContain('qualification.pass');
    expect(audit.find((a) => a.action === 'qualification.pass')!.after).toMatchObject({
      clips: 3,
      right: 3 * tags.length,
      total: 3 * tags.length,
    });
    const next = (await nextClipFor(t.handle.db, user.id, [], never))!;
    expect(next.clip.id).toBe(plainIds[0]);
  });

  it('fails below the pass mark: paused with the numbers and the retry time, then a fresh round of other clips', async () => {
    const { user } = await makeUser(t.handle, 'contributor');
    const first: string[] = [];
    for (let i = 0; i < 3; i++) first.push(await answerNext(user.id, i === 0));
    const [row] = await t.handle.db.select({ status: users.status }).from(users).where(eq(users.id, user.id));
    expect(row.status).toBe('paused');
    const pause = (await currentPause(t.handle.db, user.id))!;
    const check = pause.reason.checks[0];
    expect(check.check).toBe('qualification');
    if (check.check !== 'qualification') throw new Error('unreachable');
    // One clip right on every tag; two with every tag wrong.
    expect({ right: check.right, total: check.total, threshold: check.threshold }).toEqual({
      right: tags.length,
      total: 3 * tags.length,
      threshold: 0.8,
    });
    const retryAt = new Date(check.retryAt).getTime();
    expect(retryAt).toBeGreaterThan(Date.now() + 3_500_000);
    expect(retryAt).toBeLessThan(Date.now() + 3_700_000);
    expect(await qualificationStatus(t.handle.db, user.id)).toEqual({ state: 'failed', retryAt: check.retryAt });
    // Not before the retry time.
    expect(await resumeIfRetryDue(t.handle.db, user.id, new Date(retryAt - 60_000))).toBe(false);
    expect(await resumeIfRetryDue(t.handle.db, user.id, new Date(retryAt + 1000))).toBe(true);
    expect(await currentPause(t.handle.db, user.id)).toBeNull();
    expect((await auditTrail(t.handle.db, 'user', user.id)).map((a) => a.action)).toEqual(
      expect.arrayContaining(['qualification.fail', 'qualification.retry']),
    );
    expect(await qualificationStatus(t.handle.db, user.id)).toEqual({ state: 'in_progress', answered: 0, total: 3 });
    const second: string[] = [];
    for (let i = 0; i < 3; i++) second.push(await answerNext(user.id, true));
    expect(second.every((id) => goldIds.includes(id) && !first.includes(id))).toBe(true);
    expect((await qualificationStatus(t.handle.db, user.id)).state).toBe('qualified');
  });

  it('a skipped round clip counts as wrong on every mood it checks', async () => {
    const { user } = await makeUser(t.handle, 'contributor');
    await changeProjectSettings(t.handle.db, { qualificationClips: 1 });
    const item = (await nextClipFor(t.handle.db, user.id, [], never))!;
    await submitVote(t.handle.db, user.id, { kind: 'skip', leaseId: item.lease.id, idempotencyKey: `k-${item.lease.id}` });
    const check = (await currentPause(t.handle.db, user.id))!.reason.checks[0];
    expect(check).toMatchObject({ check: 'qualification', right: 0, total: tags.length });
  });

  it('an unqualified contributor cannot vote on an ordinary clip (403, nothing recorded)', async () => {
    const { user, token } = await makeUser(t.handle, 'contributor');
    // A lease on an ordinary clip the queue would never have handed them (e.g. held from before).
    const [lease] = await t.handle.db
      .insert(leases)
      .values({ clipId: plainIds[1], userId: user.id, queue: 'crowd', expiresAt: new Date(Date.now() + 60_000) })
      .returning();
    const res = await postVote(
      request('POST', '/api/votes', {
        token,
        body: { kind: 'vote', leaseId: lease.id, tags: [tags[0]], idempotencyKey: `k-${lease.id}` },
      }),
      { params: Promise.resolve({}) },
    );
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/qualification round/);
    expect(
      await t.handle.db
        .select()
        .from(votes)
        .where(and(eq(votes.userId, user.id), eq(votes.clipId, plainIds[1]))),
    ).toEqual([]);
    await expect(
      submitVote(t.handle.db, user.id, { kind: 'skip', leaseId: lease.id, idempotencyKey: `s-${lease.id}` }),
    ).rejects.toBeInstanceOf(AppError);
  });

  it('never tells the contributor a gold answer: the status and the queue items carry counts and clips only', async () => {
    const { user, token } = await makeUser(t.handle, 'contributor');
    const status = await getQualification(request('GET', '/api/me/qualification', { token }), { params: Promise.resolve({}) });
    expect(await status.json()).toEqual({ state: 'in_progress', answered: 0, total: 3 });
    const res = await getNext(request('GET', '/api/queue/next', { token }), { params: Promise.resolve({}) });
    const item = (await res.json()) as { clip: { id: string }; question: unknown };
    expect(goldIds).toContain(item.clip.id);
    // The item is the ordinary shape (no answer, no gold flag), and no question gives a mood away.
    expect(Object.keys(item).sort()).toEqual(['clip', 'lease', 'question', 'taxonomy']);
    expect(item.question).toBeNull();
    expect(JSON.stringify(Object.keys(item.clip))).not.toMatch(/gold|tolerated|answer/i);
    // After answering, the status says how many, not which were right.
    await submitVote(t.handle.db, user.id, {
      kind: 'vote',
      leaseId: (item as unknown as { lease: { id: string } }).lease.id,
      tags: [tags[0]],
      idempotencyKey: 'leak-1',
    });
    const after = await (
      await getQualification(request('GET', '/api/me/qualification', { token }), { params: Promise.resolve({}) })
    ).json();
    expect(after).toEqual({ state: 'in_progress', answered: 1, total: 3 });
  });

  it('is off with a warning when there are fewer gold clips than a round needs, and off at 0 clips', async () => {
    await changeProjectSettings(t.handle.db, { qualificationClips: 9 });
    const { user } = await makeUser(t.handle, 'contributor');
    expect(await qualificationStatus(t.handle.db, user.id)).toEqual({
      state: 'off',
      reason: 'not_enough_gold',
      goldClips: 8,
      needed: 9,
    });
    expect((await nextClipFor(t.handle.db, user.id, [], never))!.clip.id).not.toSatisfy((id: string) => goldIds.includes(id));
    const overview = await qualificationOverview(t.handle.db);
    expect(overview.active).toBe(false);
    expect(overview.warning).toMatch(/needs 9 gold clips .* there are 8/);
    await changeProjectSettings(t.handle.db, { qualificationClips: 0 });
    expect((await qualificationStatus(t.handle.db, user.id)).state).toBe('off');
    expect((await qualificationOverview(t.handle.db)).warning).toBeNull();
  });

  it('exempts experts, admins and engineers, and a granted contributor works at once', async () => {
    for (const role of ['expert', 'admin', 'engineer'] as const) {
      const { user } = await makeUser(t.handle, role);
      expect(await qualificationStatus(t.handle.db, user.id)).toEqual({ state: 'exempt' });
    }
    const { user } = await makeUser(t.handle, 'contributor');
    await grantQualification(t.handle.db, null, user.id, 'test');
    expect((await qualificationStatus(t.handle.db, user.id)).state).toBe('qualified');
    expect((await nextClipFor(t.handle.db, user.id, [], never))!.clip.id).toBe(plainIds[0]);
  });
});
