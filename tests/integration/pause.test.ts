import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { auditLog, contributorPauses, leases, users } from '@/db/schema';
import { insertClip } from '@/lib/catalog/repo';
import { runFullAggregation } from '@/lib/crowd/full-aggregation';
import { forgetCurrentFit } from '@/lib/crowd/model-store';
import { submitVote } from '@/lib/queue/service';
import type { PauseView } from '@/lib/pause/schemas';
import * as mePauseRoute from '@/app/api/me/pause/route';
import * as appealRoute from '@/app/api/me/pause/appeal/route';
import * as pausesRoute from '@/app/api/admin/pauses/route';
import * as unpauseRoute from '@/app/api/admin/users/[id]/unpause/route';
import * as userRoute from '@/app/api/admin/users/[id]/route';
import * as queueRoute from '@/app/api/queue/next/route';
import { createTestDb, ensureTaxonomy, makeUser, type TestDb } from '../helpers/db';
import { ctx, request } from '../helpers/http';

let t: TestDb;
let rusher: { id: string; token: string };
let careful: { id: string; token: string };
let admin: { id: string; token: string };

async function answer(userId: string, clipId: string, tags: string[], listenedMs: number) {
  const [lease] = await t.handle.db
    .insert(leases)
    .values({ clipId, userId, queue: 'crowd', isGold: false, expiresAt: new Date(Date.now() + 300_000) })
    .returning();
  await submitVote(t.handle.db, userId, { kind: 'vote', leaseId: lease.id, tags, idempotencyKey: `k-${lease.id}`, listenedMs });
}

beforeAll(async () => {
  t = await createTestDb();
  await ensureTaxonomy(t.handle.db);
  const a = await makeUser(t.handle, 'contributor');
  const b = await makeUser(t.handle, 'contributor');
  const c = await makeUser(t.handle, 'admin');
  rusher = { id: a.user.id, token: a.token };
  careful = { id: b.user.id, token: b.token };
  admin = { id: c.user.id, token: c.token };
  forgetCurrentFit();

  // 20 clips of 30 s: one contributor answers each after 0.5 s of listening, the other after 25 s.
  const moods = [['calm'], ['happy'], ['sad'], ['tense']];
  for (let i = 0; i < 20; i++) {
    const clip = await insertClip(t.handle.db, { sha256: randomBytes(32).toString('hex'), title: `p${i}`, status: 'ready', durationS: 30 });
    await answer(rusher.id, clip.id, moods[i % 4], 500);
    await answer(careful.id, clip.id, moods[i % 4], 25_000);
  }
  await runFullAggregation(t.handle.db, { trigger: 'manual', force: true });
});
afterAll(async () => t.close());

const json = async <T>(res: Response) => (await res.json()) as T;

describe('a paused contributor sees why', () => {
  it('the aggregator records the check and its numbers in the same transaction as the pause', async () => {
    const [u] = await t.handle.db.select({ status: users.status }).from(users).where(eq(users.id, rusher.id));
    expect(u.status).toBe('paused');
    const [careless] = await t.handle.db.select({ status: users.status }).from(users).where(eq(users.id, careful.id));
    expect(careless.status).toBe('active');

    const res = await mePauseRoute.GET(request('GET', '/api/me/pause', { token: rusher.token }));
    expect(res.status).toBe(200);
    const body = await json<{ status: string; pause: PauseView }>(res);
    expect(body.status).toBe('paused');
    const check = body.pause.reason.checks.find((c) => c.check === 'too_fast');
    expect(check).toMatchObject({ check: 'too_fast', answers: 20, tooFast: 20, medianListenedS: 0.5, medianClipS: 30 });
    expect(body.pause.appeal).toBeNull();
  });

  it('other routes still refuse the paused account', async () => {
    const res = await queueRoute.GET(request('GET', '/api/queue/next', { token: rusher.token }));
    expect(res.status).toBe(403);
  });

  it('an active contributor has no pause', async () => {
    const body = await json<{ status: string; pause: PauseView | null }>(await mePauseRoute.GET(request('GET', '/api/me/pause', { token: careful.token })));
    expect(body).toEqual({ status: 'active', pause: null });
  });
});

describe('appeal', () => {
  it('validates the text with the shared schema (400 for empty, too short, too long or extra keys)', async () => {
    for (const body of [{}, { text: '' }, { text: '   short   ' }, { text: 'x'.repeat(1001) }, { text: 'a long enough appeal', extra: 1 }, 'not json']) {
      const res = await appealRoute.POST(request('POST', '/api/me/pause/appeal', { token: rusher.token, body }));
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect((await json<{ error: { code: string } }>(res)).error.code).toBeTruthy();
    }
  });

  it('stores the appeal on the open pause, audited; the admin list shows it', async () => {
    const text = 'I listen on fast-forward to the chorus, then answer. Happy to slow down.';
    const res = await appealRoute.POST(request('POST', '/api/me/pause/appeal', { token: rusher.token, body: { text } }));
    expect(res.status).toBe(200);
    expect((await json<{ pause: PauseView }>(res)).pause.appeal).toBe(text);

    const audits = await t.handle.db.select().from(auditLog).where(and(eq(auditLog.action, 'user.appeal'), eq(auditLog.entityId, rusher.id)));
    expect(audits).toHaveLength(1);
    expect(audits[0].actorId).toBe(rusher.id);

    const list = await json<{ pauses: PauseView[] }>(await pausesRoute.GET(request('GET', '/api/admin/pauses', { token: admin.token })));
    const mine = list.pauses.find((p) => p.userId === rusher.id)!;
    expect(mine.appeal).toBe(text);
    expect(mine.reason.checks.map((c) => c.check)).toContain('too_fast');
  });

  it('an active contributor has nothing to appeal (409)', async () => {
    const res = await appealRoute.POST(request('POST', '/api/me/pause/appeal', { token: careful.token, body: { text: 'nothing wrong here, really' } }));
    expect(res.status).toBe(409);
  });

  it('contributors cannot read the pause list', async () => {
    expect((await pausesRoute.GET(request('GET', '/api/admin/pauses', { token: careful.token }))).status).toBe(403);
  });
});

describe('unpause', () => {
  const call = (token: string, id: string, body: unknown) =>
    unpauseRoute.POST(request('POST', `/api/admin/users/${id}/unpause`, { token, body }), ctx({ id }));

  it('a contributor cannot unpause themselves (paused: 403) nor anyone else (403)', async () => {
    expect((await call(rusher.token, rusher.id, { note: 'let me back in' })).status).toBe(403);
    expect((await call(careful.token, rusher.id, { note: 'let them back in' })).status).toBe(403);
    const [u] = await t.handle.db.select({ status: users.status }).from(users).where(eq(users.id, rusher.id));
    expect(u.status).toBe('paused');
  });

  it('needs a note (400) and a real user id (400 / 404)', async () => {
    for (const body of [{}, { note: '' }, { note: '  ' }, { note: 'ok', extra: true }]) {
      expect((await call(admin.token, rusher.id, body)).status, JSON.stringify(body)).toBe(400);
    }
    expect((await call(admin.token, 'not-a-uuid', { note: 'fine by me' })).status).toBe(400);
    expect((await call(admin.token, '00000000-0000-4000-8000-000000000009', { note: 'fine by me' })).status).toBe(404);
  });

  it('an admin unpauses with a note: status, pause and audit row change together', async () => {
    const note = 'Talked to them; they will listen to each excerpt.';
    const res = await call(admin.token, rusher.id, { note });
    expect(res.status).toBe(200);
    expect(await json(res)).toEqual({ id: rusher.id, status: 'active', note });

    const [u] = await t.handle.db.select({ status: users.status }).from(users).where(eq(users.id, rusher.id));
    expect(u.status).toBe('active');
    const [pause] = await t.handle.db.select().from(contributorPauses).where(eq(contributorPauses.userId, rusher.id));
    expect(pause.resolvedBy).toBe(admin.id);
    expect(pause.resolutionNote).toBe(note);
    expect(pause.resolvedAt).not.toBeNull();

    const [audit] = await t.handle.db.select().from(auditLog).where(and(eq(auditLog.action, 'user.unpause'), eq(auditLog.entityId, rusher.id)));
    expect(audit.actorId).toBe(admin.id);
    expect(audit.before).toMatchObject({ status: 'paused', appeal: expect.stringContaining('fast-forward') });
    expect((audit.before as { reason: { checks: { check: string }[] } }).reason.checks[0].check).toBe('too_fast');
    expect(audit.after).toEqual({ status: 'active', note });

    const me = await json<{ status: string; pause: unknown }>(await mePauseRoute.GET(request('GET', '/api/me/pause', { token: rusher.token })));
    expect(me).toEqual({ status: 'active', pause: null });
  });

  it('unpausing an account that is not paused is a conflict (409)', async () => {
    expect((await call(admin.token, rusher.id, { note: 'again' })).status).toBe(409);
  });

  it("the admin's status select records a pause too (reason: paused by an admin) and closes it when set active", async () => {
    const patch = (status: string) =>
      userRoute.PATCH(request('PATCH', `/api/admin/users/${careful.id}`, { token: admin.token, body: { status } }), ctx({ id: careful.id }));
    expect((await patch('paused')).status).toBe(200);
    const body = await json<{ pause: PauseView }>(await mePauseRoute.GET(request('GET', '/api/me/pause', { token: careful.token })));
    expect(body.pause.reason.checks).toEqual([{ check: 'admin', note: null }]);
    expect(body.pause.pausedBy).toBe(admin.id);
    expect((await patch('active')).status).toBe(200);
    const open = await t.handle.db.select().from(contributorPauses).where(eq(contributorPauses.userId, careful.id));
    expect(open.every((p) => p.resolvedAt !== null)).toBe(true);
  });
});
