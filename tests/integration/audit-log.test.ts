/**
 * The admin audit log (issue 15, item 8): filters by actor, action and UTC day range, paging,
 * and the CSV download with the same filters — on both databases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { users, type Role } from '@/db/schema';
import { createApiToken } from '@/lib/auth/repo';
import { recordAudit } from '@/lib/audit/repo';
import { createTestDb, type TestDb } from '../helpers/db';
import { request } from '../helpers/http';

const APP_API = path.join(process.cwd(), 'app', 'api');
type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

let t: TestDb;
let admin: { id: string; token: string; email: string };
let expert: { id: string; token: string; email: string };

async function quickUser(role: Role) {
  const suffix = randomBytes(4).toString('hex');
  const email = `${role}-${suffix}@audit.test`;
  const [user] = await t.handle.db
    .insert(users)
    .values({ email, name: `${role} ${suffix}`, role })
    .returning();
  return { id: user.id, email, token: (await createApiToken(t.handle.db, user.id, 'test')).token };
}

async function get(route: string, query: string, token = admin.token) {
  const mod = (await import(/* @vite-ignore */ path.join(APP_API, route.slice('/api/'.length), 'route.ts'))) as Record<
    string,
    Handler
  >;
  return mod.GET(request('GET', `${route}${query}`, { token }), { params: Promise.resolve({}) });
}

async function page(query: string) {
  const res = await get('/api/admin/audit', query);
  expect(res.status, query).toBe(200);
  return (await res.json()) as {
    rows: { id: number; action: string; actorId: string | null; actorEmail: string | null; entityId: string; at: string }[];
    total: number;
    page: number;
    pages: number;
  };
}

beforeAll(async () => {
  t = await createTestDb();
  admin = await quickUser('admin');
  expert = await quickUser('expert');
  const db = t.handle.db;
  // Eight rows over three days (2026-03-01 … 03), two actors and the system, three actions.
  const rows: [string | null, string, string, string][] = [
    [admin.id, 'user.unpause', 'e1', '2026-03-01T08:00:00Z'],
    [admin.id, 'model.promote', 'e2', '2026-03-01T23:59:59Z'],
    [expert.id, 'gold.mark', 'e3', '2026-03-02T00:00:00Z'],
    [expert.id, 'gold.mark', 'e4', '2026-03-02T12:00:00Z'],
    [null, 'crowd.pause', 'e5', '2026-03-02T13:00:00Z'],
    [expert.id, 'gold.unmark', 'e6', '2026-03-03T09:00:00Z'],
    [admin.id, 'gold.mark', '=HYPERLINK("http://evil")', '2026-03-03T10:00:00Z'],
    [null, 'crowd.pause', 'e8', '2026-03-03T23:00:00Z'],
  ];
  for (const [actorId, action, entityId, at] of rows) {
    await recordAudit(db, { actorId, action, entity: 'clip', entityId, before: null, after: { at } });
    await t.handle.query(`update audit_log set at = $1 where entity_id = $2`, [at, entityId]);
  }
}, 60_000);

afterAll(async () => t.close());

describe('GET /api/admin/audit', () => {
  it('lists every row newest first with the actor named', async () => {
    const all = await page('');
    expect(all.total).toBe(8);
    expect(all.rows.map((r) => r.entityId)).toEqual(['e8', '=HYPERLINK("http://evil")', 'e6', 'e5', 'e4', 'e3', 'e2', 'e1']);
    expect(all.rows.find((r) => r.entityId === 'e3')).toMatchObject({
      actorId: expert.id,
      actorEmail: expert.email,
      action: 'gold.mark',
    });
    expect(all.rows.find((r) => r.entityId === 'e5')).toMatchObject({ actorId: null, actorEmail: null });
  });

  it('filters by actor (a user, or the system), action and inclusive UTC days, combined', async () => {
    expect((await page(`?actor=${expert.id}`)).rows.map((r) => r.entityId)).toEqual(['e6', 'e4', 'e3']);
    expect((await page('?actor=system')).rows.map((r) => r.entityId)).toEqual(['e8', 'e5']);
    expect((await page('?action=gold.mark')).rows.map((r) => r.entityId)).toEqual(['=HYPERLINK("http://evil")', 'e4', 'e3']);
    expect((await page('?from=2026-03-02&to=2026-03-02')).rows.map((r) => r.entityId)).toEqual(['e5', 'e4', 'e3']);
    expect((await page('?to=2026-03-01')).rows.map((r) => r.entityId)).toEqual(['e2', 'e1']);
    expect((await page('?from=2026-03-03')).total).toBe(3);
    expect(
      (await page(`?actor=${expert.id}&action=gold.mark&from=2026-03-02&to=2026-03-02`)).rows.map((r) => r.entityId),
    ).toEqual(['e4', 'e3']);
    // Blank form fields are no filter.
    expect((await page('?actor=&action=&from=&to=')).total).toBe(8);
  });

  it('pages', async () => {
    const second = await page('?limit=3&page=2');
    expect(second).toMatchObject({ total: 8, page: 2, pages: 3 });
    expect(second.rows.map((r) => r.entityId)).toEqual(['e5', 'e4', 'e3']);
    expect((await page('?limit=3&page=3')).rows.map((r) => r.entityId)).toEqual(['e2', 'e1']);
    expect((await page('?limit=3&page=9')).rows).toEqual([]);
  });

  it('answers a bad filter with a 400 naming it', async () => {
    for (const [query, field] of [
      ['?actor=bob', 'actor'],
      ['?from=2026-13-40', 'from'],
      ['?from=2026-03-03&to=2026-03-01', 'to'],
      ['?limit=0', 'limit'],
    ]) {
      const res = await get('/api/admin/audit', query);
      expect(res.status, query).toBe(400);
      expect(((await res.json()) as { error: { message: string } }).error.message, query).toContain(field);
    }
  });

  it('is for admins only', async () => {
    expect((await get('/api/admin/audit', '', expert.token)).status).toBe(403);
    expect((await get('/api/admin/audit/csv', '', expert.token)).status).toBe(403);
  });
});

describe('GET /api/admin/audit/csv', () => {
  it('downloads the filtered rows as formula-safe CSV, every row regardless of paging', async () => {
    const res = await get('/api/admin/audit/csv', '?action=gold.mark&limit=1');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    expect(res.headers.get('content-disposition')).toMatch(/attachment; filename="chorus-audit-\d{4}-\d{2}-\d{2}\.csv"/);
    const lines = (await res.text()).trimEnd().split('\r\n');
    expect(lines[0]).toBe('id,at,actor_id,actor_name,actor_email,action,entity,entity_id,before,after');
    expect(lines).toHaveLength(4);
    // The hostile entity id is neutralised and quoted; the JSON cell is quoted too.
    expect(lines[1]).toContain(`,gold.mark,clip,"'=HYPERLINK(""http://evil"")",`);
    expect(lines[1]).toContain(admin.email);
    expect(lines[2]).toContain(',e4,');
    expect(lines[3]).toContain(',e3,');
    expect(lines[3]).toContain('"{""at"":""2026-03-02T00:00:00Z""}"');
  });

  it('streams more rows than one batch without repeating or losing any', async () => {
    const { streamAudit } = await import('@/lib/audit/repo');
    const seen: number[] = [];
    for await (const batch of streamAudit(t.handle.db, {}, 3)) seen.push(...batch.map((r) => r.id));
    expect(seen).toHaveLength(8);
    expect(new Set(seen).size).toBe(8);
    expect(seen).toEqual([...seen].sort((a, b) => b - a));
  });
});
