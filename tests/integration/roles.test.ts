import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { ROLES } from '@/db/schema';
import { revokeApiToken, createApiToken } from '@/lib/auth/repo';
import { ROUTE_ACCESS } from '@/lib/http/access';
import { createTestDb, ensureTaxonomy, makeUser, type TestDb } from '../helpers/db';
import { request } from '../helpers/http';

const METHODS = ['GET', 'POST', 'PATCH', 'PUT', 'DELETE'] as const;
const APP_API = path.join(process.cwd(), 'app', 'api');
/** next-auth's own endpoints authenticate the caller; they are the one route outside the table. */
const AUTH_ROUTE = '/api/auth/[...nextauth]';

function discoverRoutes(dir = APP_API): string[] {
  const found: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) found.push(...discoverRoutes(full));
    else if (entry.name === 'route.ts') found.push('/' + path.relative(path.join(process.cwd(), 'app'), dir).split(path.sep).join('/'));
  }
  return found.sort();
}

let t: TestDb;
const tokens: Record<string, string> = {};

beforeAll(async () => {
  t = await createTestDb();
  await ensureTaxonomy(t.handle.db);
  for (const role of ROLES) tokens[role] = (await makeUser(t.handle, role)).token;
  const revokedUser = await makeUser(t.handle, 'admin');
  const revoked = await createApiToken(t.handle.db, revokedUser.user.id, 'to revoke');
  await revokeApiToken(t.handle.db, revokedUser.user.id, revoked.view.id);
  tokens.revoked = revoked.token;
});
afterAll(async () => t.close());

describe('role matrix', () => {
  const routes = discoverRoutes();

  it('every route on disk has an access entry, and every entry a route', () => {
    const declared = Object.keys(ROUTE_ACCESS).sort();
    expect(routes.filter((r) => r !== AUTH_ROUTE)).toEqual(declared);
  });

  it('gold authoring is for experts and admins, the audit log for admins only (issue 15)', () => {
    // The matrix below checks each route answers as the table says; this pins what the table says
    // for routes that must never loosen: gold answers and the audit log.
    const table = ROUTE_ACCESS as Record<string, Record<string, unknown>>;
    for (const [route, method] of [['/api/gold', 'GET'], ['/api/gold', 'POST'], ['/api/gold/[id]', 'DELETE'], ['/api/gold/promote', 'POST']]) {
      expect(table[route][method], `${method} ${route}`).toEqual(['expert', 'admin']);
    }
    for (const route of ['/api/admin/audit', '/api/admin/audit/csv']) expect(table[route].GET, route).toEqual(['admin']);
  });

  const cases: { route: string; method: string }[] = [];
  for (const [route, methods] of Object.entries(ROUTE_ACCESS)) for (const method of Object.keys(methods)) cases.push({ route, method });

  it.each(cases)('$method $route answers each caller as the table says', async ({ route, method }) => {
    const mod = (await import(/* @vite-ignore */ path.join(APP_API, route.slice('/api/'.length), 'route.ts'))) as Record<
      string,
      (req: Request, ctx: unknown) => Promise<Response>
    >;
    for (const m of METHODS) {
      const declared = (ROUTE_ACCESS as Record<string, Record<string, unknown>>)[route][m];
      expect(Boolean(mod[m]), `${m} ${route} exported iff declared`).toBe(Boolean(declared));
    }
    const handler = mod[method];
    const roles = (ROUTE_ACCESS as Record<string, Record<string, readonly string[] | 'public'>>)[route][method];
    const id = '00000000-0000-4000-8000-000000000001';
    // Project routes (issue 18) take a slug: one no caller has, so the project check answers 404 for
    // everyone the table lets through (403 there would be the project's role, not the route's).
    const slug = 'no-such-project';
    const params = { id, slug, userId: id };
    const url = route.replace(/\[id\]/g, id).replace(/\[slug\]/g, slug).replace(/\[userId\]/g, id);
    const callers: (string | undefined)[] = [undefined, 'revoked', ...ROLES];
    for (const caller of callers) {
      const res = await handler(
        request(method, url, { token: caller ? tokens[caller] : undefined, body: method === 'GET' || method === 'DELETE' ? undefined : {} }),
        { params: Promise.resolve(params) },
      );
      const who = caller ?? 'anonymous';
      if (roles === 'public') {
        expect([401, 403], `${who} on public ${method} ${route}`).not.toContain(res.status);
      } else if (!caller || caller === 'revoked') {
        expect(res.status, `${who} on ${method} ${route}`).toBe(401);
        const body = (await res.json()) as { error: { code: string } };
        expect(body.error.code).toBe('UNAUTHENTICATED');
      } else if (roles.length > 0 && !roles.includes(caller)) {
        expect(res.status, `${who} on ${method} ${route}`).toBe(403);
      } else {
        expect([401, 403], `${who} on ${method} ${route}`).not.toContain(res.status);
        expect(res.status, `${who} on ${method} ${route} must not crash`).toBeLessThan(500);
      }
    }
  });
});
