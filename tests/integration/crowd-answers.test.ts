import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { execRows } from '@/db/client';
import { aggregates, clips, leases, votes } from '@/db/schema';
import { insertClip } from '@/lib/catalog/repo';
import { annotatorSummaries } from '@/lib/crowd/dashboard';
import { drainVotes } from '@/lib/crowd/drain';
import { forgetCurrentFit } from '@/lib/crowd/model-store';
import { changeProjectSettings } from '@/lib/settings/service';
import { getActiveTaxonomy } from '@/lib/taxonomy/repo';
import { GET as next } from '@/app/api/queue/next/route';
import { POST as vote } from '@/app/api/votes/route';
import { POST as undo } from '@/app/api/votes/undo/route';
import { createTestDb, ensureTaxonomy, makeUser, type TestDb } from '../helpers/db';
import { ctx, request } from '../helpers/http';

/**
 * Issue 15 item 3: "none of these" is a vote that says no to every tag; an answer can be undone
 * for 10 s, before the aggregator applied it (deleted, the clip back under its lease) or after
 * (deleted and the clip recomputed from what remains); the answer time feeds the median shown
 * to the contributor and on /loop.
 */

let t: TestDb;
let tags: string[];

beforeAll(async () => {
  t = await createTestDb();
  await ensureTaxonomy(t.handle.db);
  tags = (await getActiveTaxonomy(t.handle.db)).tags.map((x) => x.key);
});
afterAll(async () => t.close());

beforeEach(async () => {
  await t.handle.exec(
    `delete from votes; delete from leases; delete from gold_answers; delete from aggregates; delete from clips;
     delete from worker_reliability; delete from crowd_fits; delete from audit_log where action = 'vote.undo';`,
  );
  forgetCurrentFit();
  await changeProjectSettings(t.handle.db, {
    overlap: 3,
    minVotes: 3,
    maxVotes: 5,
    consensusThreshold: 0.9,
    goldRate: 0,
    newContributorGoldRate: 0,
    targetedQuestionRate: 0,
  });
});

async function newClip(): Promise<string> {
  return (await insertClip(t.handle.db, { sha256: randomBytes(32).toString('hex'), title: 'c', status: 'ready', durationS: 30 })).id;
}

const contributor = async () => {
  const { user, token } = await makeUser(t.handle, 'contributor');
  return { id: user.id, token };
};

async function lease(token: string): Promise<{ clipId: string; leaseId: string }> {
  const res = await next(request('GET', '/api/queue/next', { token }), ctx({}));
  expect(res.status).toBe(200);
  const body = (await res.json()) as { clip: { id: string }; lease: { id: string } };
  return { clipId: body.clip.id, leaseId: body.lease.id };
}

async function answer(token: string, body: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await vote(request('POST', '/api/votes', { token, body: { idempotencyKey: `k-${randomBytes(6).toString('hex')}`, ...body } }), ctx({}));
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

async function undoAs(token: string, voteId: string) {
  const res = await undo(request('POST', '/api/votes/undo', { token, body: { voteId } }), ctx({}));
  return { status: res.status, body: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

const clipRow = async (id: string) => (await t.handle.db.select().from(clips).where(eq(clips.id, id)))[0];
const leaseRow = async (id: string) => (await t.handle.db.select().from(leases).where(eq(leases.id, id)))[0];
const tally = async (clipId: string) =>
  Object.fromEntries(
    (await t.handle.db.select().from(aggregates).where(eq(aggregates.clipId, clipId))).map((a) => [a.tag, { yes: a.yesVotes, no: a.noVotes, p: a.posterior }]),
  );
const undoAudits = async (voteId: string) =>
  execRows<{ actor_id: string; before: { kind: string; aggregated: boolean } }>(
    t.handle.db,
    sql`select actor_id, before from audit_log where action = 'vote.undo' and entity_id = ${voteId}`,
  );

describe('"None of these" (issue 15 item 3a)', () => {
  it('is stored as a vote with no tag, counts as a vote, and is a "no" on every tag', async () => {
    const clipId = await newClip();
    const a = await contributor();
    const held = await lease(a.token);
    expect(held.clipId).toBe(clipId);
    const stored = await answer(a.token, { kind: 'none', leaseId: held.leaseId, listenedMs: 7000 });
    expect(stored.status).toBe(201);
    expect(stored.body.kind).toBe('vote');
    const [row] = await t.handle.db.select().from(votes).where(eq(votes.id, stored.body.voteId as string));
    expect(row).toMatchObject({ kind: 'vote', tags: [], listenedMs: 7000 });
    expect((await clipRow(clipId)).voteCount).toBe(1);
    await drainVotes(t.handle.db);
    const after = await tally(clipId);
    expect(Object.keys(after).sort()).toEqual([...tags].sort());
    for (const tag of tags) expect(after[tag], tag).toMatchObject({ yes: 0, no: 1 });
  });

  it('an empty tag list is not a vote: the API asks for "none" instead', async () => {
    await newClip();
    const a = await contributor();
    const held = await lease(a.token);
    const refused = await answer(a.token, { kind: 'vote', tags: [], leaseId: held.leaseId });
    expect(refused.status).toBe(400);
    expect((await leaseRow(held.leaseId)).state).toBe('active');
  });
});

describe('Undo of the last answer (issue 15 item 3b)', () => {
  it('before the drain: the answer is gone, the clip is back under the same lease, and the drain has nothing to apply', async () => {
    const clipId = await newClip();
    const a = await contributor();
    const held = await lease(a.token);
    const stored = await answer(a.token, { kind: 'vote', tags: [tags[0]], leaseId: held.leaseId });
    const voteId = stored.body.voteId as string;
    expect(await clipRow(clipId)).toMatchObject({ voteCount: 1, assigned: 1 });

    const undone = await undoAs(a.token, voteId);
    expect(undone.status).toBe(200);
    expect(undone.body).toMatchObject({ voteId, replayed: false, item: { lease: { id: held.leaseId }, clip: { id: clipId }, question: null } });
    expect(await t.handle.db.select().from(votes).where(eq(votes.id, voteId))).toHaveLength(0);
    expect((await leaseRow(held.leaseId)).state).toBe('active');
    // The vote is uncounted; the slot stays, held by the lease again.
    expect(await clipRow(clipId)).toMatchObject({ voteCount: 0, assigned: 1 });
    expect((await drainVotes(t.handle.db)).votes).toBe(0);
    expect(await tally(clipId)).toEqual({});
    const audits = await undoAudits(voteId);
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ actor_id: a.id, before: { kind: 'vote', aggregated: false } });

    // Idempotent: the same undo again changes nothing and answers the same clip.
    const again = await undoAs(a.token, voteId);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ voteId, replayed: true, item: { lease: { id: held.leaseId } } });
    expect(await undoAudits(voteId)).toHaveLength(1);
    expect(await clipRow(clipId)).toMatchObject({ voteCount: 0, assigned: 1 });

    // The contributor answers again on the lease they got back, differently.
    const second = await answer(a.token, { kind: 'vote', tags: [tags[1]], leaseId: held.leaseId });
    expect(second.status).toBe(201);
    await drainVotes(t.handle.db);
    expect((await tally(clipId))[tags[1]]).toMatchObject({ yes: 1, no: 0 });
    expect((await tally(clipId))[tags[0]]).toMatchObject({ yes: 0, no: 1 });
  });

  it('after the drain: the clip is recomputed from the answers that remain (consensus back to open)', async () => {
    // Three unanimous votes settle every tag at 0.75 under the default priors.
    await changeProjectSettings(t.handle.db, { consensusThreshold: 0.75 });
    const clipId = await newClip();
    const voters = [await contributor(), await contributor(), await contributor()];
    const ids: string[] = [];
    for (const v of voters) {
      const held = await lease(v.token);
      expect(held.clipId).toBe(clipId);
      ids.push((await answer(v.token, { kind: 'vote', tags: [tags[0]], leaseId: held.leaseId })).body.voteId as string);
    }
    await drainVotes(t.handle.db);
    expect((await clipRow(clipId)).labelState).toBe('consensus');
    expect((await tally(clipId))[tags[0]]).toMatchObject({ yes: 3, no: 0 });
    const pBefore = (await tally(clipId))[tags[0]].p;

    const last = voters[2];
    const undone = await undoAs(last.token, ids[2]);
    expect(undone.status).toBe(200);
    expect(undone.body.item.clip.id).toBe(clipId);
    // Two votes are fewer than minVotes (3): open again, with the counts of two votes.
    expect(await clipRow(clipId)).toMatchObject({ labelState: 'open', voteCount: 2, assigned: 3 });
    const after = (await tally(clipId))[tags[0]];
    expect(after).toMatchObject({ yes: 2, no: 0 });
    expect(after.p).toBeLessThan(pBefore);
    expect((await undoAudits(ids[2]))[0].before).toMatchObject({ aggregated: true });
  });

  it("refuses someone else's answer (404), an answer with a later one after it (409) and one past the window (409 UNDO_EXPIRED)", async () => {
    await newClip();
    await newClip();
    const a = await contributor();
    const b = await contributor();
    const first = await lease(a.token);
    const v1 = (await answer(a.token, { kind: 'vote', tags: [tags[0]], leaseId: first.leaseId })).body.voteId as string;

    const stranger = await undoAs(b.token, v1);
    expect(stranger.status).toBe(404);
    expect(stranger.body.error.code).toBe('NOT_FOUND');
    expect(await t.handle.db.select().from(votes).where(eq(votes.id, v1))).toHaveLength(1);

    const second = await lease(a.token);
    const v2 = (await answer(a.token, { kind: 'skip', leaseId: second.leaseId })).body.voteId as string;
    const older = await undoAs(a.token, v1);
    expect(older.status).toBe(409);
    expect(older.body.error.message).toMatch(/last answer/);

    await execRows(t.handle.db, sql`update votes set created_at = created_at - interval '11 seconds' where user_id = ${a.id}`);
    const late = await undoAs(a.token, v2);
    expect(late.status).toBe(409);
    expect(late.body.error).toMatchObject({ code: 'UNDO_EXPIRED' });
    expect(late.body.error.message).toMatch(/10 s to undo this answer have passed/);
    expect(await t.handle.db.select().from(votes).where(eq(votes.id, v2))).toHaveLength(1);
    expect(await undoAudits(v2)).toHaveLength(0);
  });

  it('a skip gave its slot back: its undo takes one again while the clip has one free', async () => {
    const clipId = await newClip();
    const a = await contributor();
    const held = await lease(a.token);
    const skipped = (await answer(a.token, { kind: 'skip', leaseId: held.leaseId })).body.voteId as string;
    expect(await clipRow(clipId)).toMatchObject({ assigned: 0, voteCount: 0 });
    const undone = await undoAs(a.token, skipped);
    expect(undone.body.item.lease.id).toBe(held.leaseId);
    expect(await clipRow(clipId)).toMatchObject({ assigned: 1, voteCount: 0 });

    // With every slot taken meanwhile, the skip is still undone but the clip cannot come back.
    const again = (await answer(a.token, { kind: 'skip', leaseId: held.leaseId })).body.voteId as string;
    await t.handle.db.update(clips).set({ assigned: 3 }).where(eq(clips.id, clipId));
    const full = await undoAs(a.token, again);
    expect(full.status).toBe(200);
    expect(full.body.item).toBeNull();
    expect((await leaseRow(held.leaseId)).state).toBe('released');
    expect(await clipRow(clipId)).toMatchObject({ assigned: 3 });
  });
});

describe('Time per answer (issue 15 item 3c) and per-annotator agreement on /loop (item 6)', () => {
  it('medians of listenedMs per contributor, and kappa against the other raters', async () => {
    const clipIds = [await newClip(), await newClip()];
    const people = [await contributor(), await contributor(), await contributor()];
    // Both clips: a and b tick tags[0], c ticks tags[1]; times 4, 6, 20 s per person (a: 4 and 8 → median 6).
    const plan: [number, string, number][] = [
      [0, tags[0], 4000],
      [1, tags[0], 6000],
      [2, tags[1], 20_000],
    ];
    for (let round = 0; round < 2; round++) {
      for (const [who, tag, ms] of plan) {
        const held = await lease(people[who].token);
        expect(clipIds).toContain(held.clipId);
        const listenedMs = who === 0 && round === 1 ? 8000 : ms;
        expect((await answer(people[who].token, { kind: 'vote', tags: [tag], leaseId: held.leaseId, listenedMs })).status).toBe(201);
      }
    }
    const { window, annotators } = await annotatorSummaries(t.handle.db, people.map((p) => p.id));
    expect(window).toEqual({ clips: 2, votes: 6 });
    expect(annotators.get(people[0].id)!.medianAnswerS).toBe(6);
    expect(annotators.get(people[1].id)!.medianAnswerS).toBe(6);
    expect(annotators.get(people[2].id)!.medianAnswerS).toBe(20);
    // a and b always agree with each other and disagree with c on both ticked tags; every other tag is "no" for all.
    const [ka, kb, kc] = people.map((p) => annotators.get(p.id)!);
    expect(ka.sharedClips).toBe(2);
    expect(ka.kappa).toBeCloseTo(kb.kappa!, 12);
    expect(kc.kappa!).toBeLessThan(ka.kappa!);
    // By hand, per clip over T tags: tags[0] (2 yes, 1 no), tags[1] (1 yes, 2 no), the rest all "no" (P_e = 1).
    // p(tags[0]) = p(tags[1]) = 1/3 → P_e = 5/9 on those two, 1 on the other T − 2.
    const T = tags.length;
    const pe = (2 * (5 / 9) + (T - 2)) / T;
    const poA = (1 / 2 + 1 / 2 + (T - 2)) / T; // a agrees with b on tags[0] (1 of 2) and with b on tags[1] (1 of 2)
    const poC = (0 + 0 + (T - 2)) / T;
    expect(ka.observedAgreement).toBeCloseTo(poA, 12);
    expect(ka.kappa).toBeCloseTo((poA - pe) / (1 - pe), 12);
    expect(kc.kappa).toBeCloseTo((poC - pe) / (1 - pe), 12);
  });
});
