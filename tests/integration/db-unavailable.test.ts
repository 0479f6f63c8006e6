/**
 * Issue 19, item 3 (database disk nearly full): a vote the database cannot store answers a clear
 * 503 UNAVAILABLE, leaves nothing half-written (no vote row, the lease still open, the clip's
 * counters as they were), and the same vote succeeds once there is room again. The full disk is a
 * trigger raising SQLSTATE 53100 (`disk_full`, what PostgreSQL raises when it cannot extend a
 * file), so the test runs on both databases; bench/fault/run.ts provokes the real one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { execRows } from '@/db/client';
import { clips, leases, votes } from '@/db/schema';
import { insertClip } from '@/lib/catalog/repo';
import { changeProjectSettings } from '@/lib/settings/service';
import { GET as nextRoute } from '@/app/api/queue/next/route';
import { POST as voteRoute } from '@/app/api/votes/route';
import { createTestDb, ensureTaxonomy, makeUser, type TestDb } from '../helpers/db';
import { request } from '../helpers/http';

let t: TestDb;
let token: string;

beforeAll(async () => {
  t = await createTestDb();
  await ensureTaxonomy(t.handle.db);
  await changeProjectSettings(t.handle.db, { goldRate: 0, newContributorGoldRate: 0, targetedQuestionRate: 0 });
  for (let i = 0; i < 3; i++)
    await insertClip(t.handle.db, { sha256: randomBytes(32).toString('hex'), title: `c${i}`, status: 'ready', durationS: 30 });
  ({ token } = await makeUser(t.handle, 'contributor'));
});
afterAll(async () => t.close());

describe('a vote when the database is out of disk space (issue 19)', () => {
  it('answers 503 UNAVAILABLE, writes nothing, and the same vote is stored once after space is freed', async () => {
    const next = await nextRoute(request('GET', '/api/queue/next', { token }));
    expect(next.status).toBe(200);
    const item = (await next.json()) as { lease: { id: string }; clip: { id: string }; taxonomy: { tags: { key: string }[] } };
    const clipId = item.clip.id;
    const [before] = await t.handle.db
      .select({ voteCount: clips.voteCount, assigned: clips.assigned })
      .from(clips)
      .where(eq(clips.id, clipId));

    await t.handle.exec(`
      create function fault_disk_full() returns trigger language plpgsql as $$
      begin raise exception 'could not extend file "base/1/2": No space left on device' using errcode = '53100'; end $$;
      create trigger fault_disk_full before insert on votes for each row execute function fault_disk_full();`);
    const vote = {
      kind: 'vote',
      leaseId: item.lease.id,
      tags: [item.taxonomy.tags[0].key],
      idempotencyKey: 'disk-full-1',
      listenedMs: 20_000,
    };
    const refused = await voteRoute(request('POST', '/api/votes', { token, body: vote }));
    expect(refused.status).toBe(503);
    expect(((await refused.json()) as { error: { code: string; message: string } }).error).toEqual({
      code: 'UNAVAILABLE',
      message: expect.stringMatching(/out of disk space; nothing was saved/),
    });
    // Nothing half-written: no vote, the lease still open for the retry, the clip's counters unchanged.
    expect(await t.handle.db.select().from(votes)).toHaveLength(0);
    const [lease] = await t.handle.db.select({ state: leases.state }).from(leases).where(eq(leases.id, item.lease.id));
    expect(lease.state).toBe('active');
    const [during] = await t.handle.db
      .select({ voteCount: clips.voteCount, assigned: clips.assigned })
      .from(clips)
      .where(eq(clips.id, clipId));
    expect(during).toEqual(before);

    // Space freed: the client's retry with the same key is stored, once.
    await t.handle.exec('drop trigger fault_disk_full on votes; drop function fault_disk_full();');
    const stored = await voteRoute(request('POST', '/api/votes', { token, body: vote }));
    expect(stored.status).toBe(201);
    const again = await voteRoute(request('POST', '/api/votes', { token, body: vote }));
    expect(again.status).toBe(200);
    const rows = await execRows<{ n: number }>(
      t.handle.db,
      sql`select count(*)::int as n from votes where idempotency_key = 'disk-full-1'`,
    );
    expect(rows[0].n).toBe(1);
    const [after] = await t.handle.db.select({ voteCount: clips.voteCount }).from(clips).where(eq(clips.id, clipId));
    expect(after.voteCount).toBe(before.voteCount + 1);
  });
});
