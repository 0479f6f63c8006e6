/**
 * Held leases are renewed while their clip is on screen or queued (issue 15, item 7): a long
 * listen must not end in "not saved". Only the holder renews, only an active lease, and a review
 * lease keeps its longer term.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { POST as renewRoute } from '@/app/api/leases/[id]/renew/route';
import { GET as reviewNext } from '@/app/api/review/next/route';
import { GET as queueNext } from '@/app/api/queue/next/route';
import { POST as postVote } from '@/app/api/votes/route';
import { leases, users, type Role } from '@/db/schema';
import { createApiToken } from '@/lib/auth/repo';
import { insertClip } from '@/lib/catalog/repo';
import { reclaimExpiredLeases } from '@/lib/queue/repo';
import { changeProjectSettings } from '@/lib/settings/service';
import { createTestDb, ensureTaxonomy, type TestDb } from '../helpers/db';
import { ctx, request } from '../helpers/http';

let t: TestDb;
const LEASE_SECONDS = 120;

beforeAll(async () => {
  t = await createTestDb();
  await ensureTaxonomy(t.handle.db);
  await changeProjectSettings(t.handle.db, { goldRate: 0, newContributorGoldRate: 0, targetedQuestionRate: 0, secondOpinionRate: 0, leaseSeconds: LEASE_SECONDS });
  for (let i = 0; i < 4; i++) await insertClip(t.handle.db, { sha256: randomBytes(32).toString('hex'), title: `open ${i}`, status: 'ready', priority: 10 - i });
  await insertClip(t.handle.db, { sha256: randomBytes(32).toString('hex'), title: 'disputed', status: 'ready', labelState: 'disputed', priority: 5 });
});
afterAll(async () => t.close());

async function quickUser(role: Role) {
  const suffix = randomBytes(4).toString('hex');
  const [user] = await t.handle.db.insert(users).values({ email: `${role}-${suffix}@renew.test`, name: `${role} ${suffix}`, role }).returning();
  return { user, token: (await createApiToken(t.handle.db, user.id, 'test')).token };
}
const renew = async (token: string, id: string) => {
  const res = await renewRoute(request('POST', `/api/leases/${id}/renew`, { token, body: {} }), ctx({ id }));
  return { status: res.status, body: (await res.json()) as { expiresAt?: string; error?: { code: string } } };
};
const expiryOf = async (id: string) => (await t.handle.db.select({ at: leases.expiresAt }).from(leases).where(eq(leases.id, id)))[0].at;
/** Seconds from the database's now() to the lease's expiry. */
const secondsLeft = async (id: string) =>
  Number((await t.handle.query<{ s: number }>(`select extract(epoch from expires_at - now())::float8 as s from leases where id = $1`, [id]))[0].s);

describe('POST /api/leases/[id]/renew', () => {
  it("extends the holder's crowd lease to leaseSeconds from now, even a little past its expiry while not yet reaped", async () => {
    const { token } = await quickUser('contributor');
    const item = (await (await queueNext(request('GET', '/api/queue/next', { token }), ctx({}))).json()) as { lease: { id: string } };
    await t.handle.query(`update leases set expires_at = now() - interval '5 seconds' where id = $1`, [item.lease.id]);
    const res = await renew(token, item.lease.id);
    expect(res.status).toBe(200);
    expect(new Date(res.body.expiresAt!).getTime()).toBe((await expiryOf(item.lease.id)).getTime());
    const left = await secondsLeft(item.lease.id);
    expect(left).toBeGreaterThan(LEASE_SECONDS - 5);
    expect(left).toBeLessThanOrEqual(LEASE_SECONDS);
    // The renewed lease still takes the answer.
    const voted = await postVote(request('POST', '/api/votes', { token, body: { kind: 'vote', leaseId: item.lease.id, tags: ['calm'], idempotencyKey: `renew-${item.lease.id}` } }), ctx({}));
    expect(voted.status).toBe(201);
    // Once answered it is no longer active: renewing it is refused.
    expect(await renew(token, item.lease.id)).toMatchObject({ status: 409, body: { error: { code: 'LEASE_EXPIRED' } } });
  });

  it("a review lease keeps its three-fold term; someone else's lease and a reaped one are refused, and nothing changes", async () => {
    const expert = await quickUser('expert');
    const review = (await (await reviewNext(request('GET', '/api/review/next', { token: expert.token }), ctx({}))).json()) as { lease: { id: string } };
    expect((await renew(expert.token, review.lease.id)).status).toBe(200);
    expect(await secondsLeft(review.lease.id)).toBeGreaterThan(3 * LEASE_SECONDS - 5);

    const holder = await quickUser('contributor');
    const other = await quickUser('contributor');
    const item = (await (await queueNext(request('GET', '/api/queue/next', { token: holder.token }), ctx({}))).json()) as { lease: { id: string } };
    const before = await expiryOf(item.lease.id);
    expect(await renew(other.token, item.lease.id)).toMatchObject({ status: 409, body: { error: { code: 'LEASE_EXPIRED' } } });
    expect((await expiryOf(item.lease.id)).getTime()).toBe(before.getTime());

    await t.handle.query(`update leases set expires_at = now() - interval '1 minute' where id = $1`, [item.lease.id]);
    expect(await reclaimExpiredLeases(t.handle.db)).toBeGreaterThanOrEqual(1);
    expect(await renew(holder.token, item.lease.id)).toMatchObject({ status: 409, body: { error: { code: 'LEASE_EXPIRED' } } });
    expect((await renew(holder.token, 'not-a-uuid')).status).toBe(400);
  });
});
