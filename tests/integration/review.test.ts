import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { aggregates, auditLog, clips, expertDecisions, goldAnswers, leases, votes } from '@/db/schema';
import { insertClip } from '@/lib/catalog/repo';
import { decide, nextReviewFor } from '@/lib/review/service';
import { escalateClipByHand } from '@/lib/catalog/service';
import { GET as agreement } from '@/app/api/review/agreement/route';
import { createTestDb, ensureTaxonomy, makeUser, type TestDb } from '../helpers/db';
import { ctx, request } from '../helpers/http';

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
  await ensureTaxonomy(t.handle.db);
});
afterAll(async () => t.close());

async function disputedClip(title: string) {
  const clip = await insertClip(t.handle.db, {
    sha256: randomBytes(32).toString('hex'),
    title,
    status: 'ready',
    labelState: 'disputed',
    priority: 1,
  });
  const voters = await Promise.all([1, 2, 3].map(() => makeUser(t.handle, 'contributor')));
  const said = [['calm'], ['sad', 'dark'], ['calm', 'dreamy']];
  for (const [i, v] of voters.entries()) {
    await t.handle.db.insert(votes).values({
      clipId: clip.id,
      userId: v.user.id,
      kind: 'vote',
      taxonomyVersion: 1,
      tags: said[i],
      idempotencyKey: `seed-${i}-${clip.id}`,
    });
  }
  return { clip, voters };
}

describe('expert review', () => {
  it('shows a disputed clip with anonymous votes, and one expert at a time holds it', async () => {
    const { clip, voters } = await disputedClip('disputed one');
    const a = await makeUser(t.handle, 'expert');
    const b = await makeUser(t.handle, 'expert');
    const item = (await nextReviewFor(t.handle.db, a.user.id))!;
    expect(item.clip.id).toBe(clip.id);
    expect(item.why.reasons.join(' ')).toMatch(/crowd disputes/);
    expect(item.votes.count).toBe(3);
    expect(item.votes.perTag.find((p) => p.tag === 'calm')).toMatchObject({ yes: 2, no: 1 });
    const text = JSON.stringify(item);
    for (const v of voters) {
      expect(text).not.toContain(v.user.id);
      expect(text).not.toContain(v.user.email);
    }
    const forB = await nextReviewFor(t.handle.db, b.user.id);
    expect(forB?.clip.id).not.toBe(clip.id);
  });

  it('a decision is final for aggregation and audited before → after; a replay returns the first result', async () => {
    const { clip } = await disputedClip('disputed two');
    await t.handle.exec(`update leases set state = 'released' where queue = 'expert'`);
    const expert = await makeUser(t.handle, 'expert');
    let item = (await nextReviewFor(t.handle.db, expert.user.id))!;
    // Settle the earlier clip first if it comes up.
    while (item.clip.id !== clip.id) {
      await decide(t.handle.db, expert.user.id, { leaseId: item.lease.id, tags: ['calm'], note: '', idempotencyKey: `k-${item.lease.id}` }, () => 1);
      item = (await nextReviewFor(t.handle.db, expert.user.id))!;
    }
    const input = { leaseId: item.lease.id, tags: ['calm', 'dreamy'], note: 'soft pads, no drums', idempotencyKey: `decide-${item.lease.id}` };
    const first = await decide(t.handle.db, expert.user.id, input, () => 1);
    const replay = await decide(t.handle.db, expert.user.id, input, () => 1);
    expect(replay).toMatchObject({ decisionId: first.decisionId, replayed: true });
    const [row] = await t.handle.db.select().from(clips).where(eq(clips.id, clip.id));
    expect(row.labelState).toBe('expert_resolved');
    const labels = await t.handle.db.select().from(aggregates).where(eq(aggregates.clipId, clip.id));
    expect(labels.filter((l) => l.label).map((l) => l.tag).sort()).toEqual(['calm', 'dreamy']);
    expect(labels.every((l) => l.method === 'expert' && l.confidence === 1)).toBe(true);
    const [audit] = await t.handle.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.entityId, clip.id), eq(auditLog.action, 'review.decide')));
    expect(audit.actorId).toBe(expert.user.id);
    expect((audit.before as { labelState: string }).labelState).toBe('disputed');
    expect((audit.after as { tags: string[] }).tags).toEqual(['calm', 'dreamy']);
  });

  it('refuses an unknown tag and a decision on someone else’s lease', async () => {
    await disputedClip('disputed three');
    await t.handle.exec(`update leases set state = 'released' where queue = 'expert'`);
    const expert = await makeUser(t.handle, 'expert');
    const other = await makeUser(t.handle, 'expert');
    const item = (await nextReviewFor(t.handle.db, expert.user.id))!;
    await expect(
      decide(t.handle.db, expert.user.id, { leaseId: item.lease.id, tags: ['groovy'], note: '', idempotencyKey: 'bad-tag-123' }),
    ).rejects.toMatchObject({ code: 'UNKNOWN_TAG' });
    await expect(
      decide(t.handle.db, other.user.id, { leaseId: item.lease.id, tags: ['calm'], note: '', idempotencyKey: 'not-mine-123' }),
    ).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('a sampled decision goes to a second expert, whose answer changes no label and feeds agreement', async () => {
    await t.handle.exec(`update leases set state = 'released' where queue = 'expert'; update clips set label_state = 'consensus' where label_state = 'disputed';`);
    const { clip } = await disputedClip('second opinion');
    const first = await makeUser(t.handle, 'expert');
    const second = await makeUser(t.handle, 'expert');
    const item = (await nextReviewFor(t.handle.db, first.user.id))!;
    expect(item.clip.id).toBe(clip.id);
    await decide(t.handle.db, first.user.id, { leaseId: item.lease.id, tags: ['sad'], note: '', idempotencyKey: 'so-first-1' }, () => 0);
    const again = (await nextReviewFor(t.handle.db, second.user.id))!;
    expect(again.clip.id).toBe(clip.id);
    expect(again.secondOpinion).toBe(true);
    const result = await decide(t.handle.db, second.user.id, { leaseId: again.lease.id, tags: ['sad', 'dark'], note: '', idempotencyKey: 'so-second-1' });
    expect(result.secondOpinion).toBe(true);
    const labels = await t.handle.db.select().from(aggregates).where(eq(aggregates.clipId, clip.id));
    expect(labels.filter((l) => l.label).map((l) => l.tag)).toEqual(['sad']);
    const decisions = await t.handle.db.select().from(expertDecisions).where(eq(expertDecisions.clipId, clip.id));
    expect(decisions.every((d) => !d.secondOpinionWanted)).toBe(true);
    expect(await nextReviewFor(t.handle.db, second.user.id)).toBeNull();
    const engineer = await makeUser(t.handle, 'engineer');
    const res = await agreement(request('GET', '/api/review/agreement', { token: engineer.token }), ctx({}));
    const body = (await res.json()) as { pairs: number; percentAgreement: number };
    expect(body.pairs).toBe(1);
    // 8 tags, the experts differ only on "dark": 7/8 agree.
    expect(body.percentAgreement).toBeCloseTo(7 / 8, 10);
  });

  it('a clip sent here by hand comes before crowd disputes and sampled second opinions, whatever their priority', async () => {
    await t.handle.exec(`update leases set state = 'released' where queue = 'expert'; update clips set label_state = 'consensus' where label_state = 'disputed';`);
    const { clip: sampled } = await disputedClip('sampled for a second opinion');
    const first = await makeUser(t.handle, 'expert');
    const item = (await nextReviewFor(t.handle.db, first.user.id))!;
    await decide(t.handle.db, first.user.id, { leaseId: item.lease.id, tags: ['sad'], note: '', idempotencyKey: 'hand-first-1' }, () => 0);
    const { clip: dispute } = await disputedClip('high-priority dispute');
    await t.handle.db.update(clips).set({ priority: 100 }).where(eq(clips.id, dispute.id));
    const low = await insertClip(t.handle.db, { sha256: randomBytes(32).toString('hex'), title: 'sent by hand', status: 'ready', labelState: 'open', priority: 0 });
    const engineer = await makeUser(t.handle, 'engineer');
    await escalateClipByHand(t.handle.db, engineer.user.id, low.id);

    const expert = await makeUser(t.handle, 'expert');
    const next = (await nextReviewFor(t.handle.db, expert.user.id))!;
    expect(next.clip.id).toBe(low.id);
    expect(next.why.reasons.join(' ')).toMatch(/engineer/i);
    await decide(t.handle.db, expert.user.id, { leaseId: next.lease.id, tags: ['calm'], note: '', idempotencyKey: 'hand-first-2' });
    // Without the hand escalation the usual order holds: the sampled second opinion, then the dispute.
    expect((await nextReviewFor(t.handle.db, expert.user.id))!.clip.id).toBe(sampled.id);
  });

  it('a clip made gold while an expert holds it leaves their screen: the lease goes back and the next clip is served', async () => {
    await t.handle.exec(
      `update leases set state = 'released' where queue = 'expert'; update clips set label_state = 'consensus' where label_state = 'disputed';
       update expert_decisions set second_opinion_wanted = false;`,
    );
    const { clip: first } = await disputedClip('made gold on screen');
    const { clip: second } = await disputedClip('next in line');
    await t.handle.db.update(clips).set({ priority: 50 }).where(eq(clips.id, first.id));
    const expert = await makeUser(t.handle, 'expert');
    const held = (await nextReviewFor(t.handle.db, expert.user.id))!;
    expect(held.clip.id).toBe(first.id);
    // The same visit again returns the held lease…
    expect((await nextReviewFor(t.handle.db, expert.user.id))!.lease.id).toBe(held.lease.id);
    await t.handle.db.insert(goldAnswers).values({ clipId: first.id, taxonomyVersion: 1, tags: ['calm'], createdBy: expert.user.id });
    // …until the clip becomes gold.
    const next = (await nextReviewFor(t.handle.db, expert.user.id))!;
    expect(next.clip.id).toBe(second.id);
    const [old] = await t.handle.db.select().from(leases).where(eq(leases.id, held.lease.id));
    expect(old.state).toBe('released');
  });
});
