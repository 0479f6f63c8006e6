import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { encode } from 'next-auth/jwt';
import type { Role } from '@/db/schema';
import { resetEnvCache } from '@/lib/env';
import { resetRateLimiters } from '@/lib/http/rate-limit';
import { POST as createUser } from '@/app/api/admin/users/route';
import { POST as createToken } from '@/app/api/tokens/route';
import { DELETE as revokeToken } from '@/app/api/tokens/[id]/route';
import { POST as vote } from '@/app/api/votes/route';
import { POST as startSession } from '@/app/api/listen/sessions/route';
import { GET as health } from '@/app/api/health/route';
import { POST as nextAuthPost } from '@/app/api/auth/[...nextauth]/route';
import { setDbHandle } from '@/db';
import { createTestDb, ensureTaxonomy, makeUser, type TestDb } from '../helpers/db';
import { ctx, request } from '../helpers/http';

/**
 * The HTTP boundary as an attacker sees it (issue 22):
 *
 * - finding 2, CSRF from a same-site origin: a page on another port of the same host (same
 *   *site*, so SameSite=Lax cookies ride along) posts a `text/plain` HTML form, or fires a
 *   `no-cors` fetch, at an admin-only route while an admin is signed in. Before the fix this
 *   created an admin account (/api/admin/users → 201) and an API token (/api/tokens).
 * - finding 4, unbounded bodies: a huge POST to /api/votes (any contributor) or to the anonymous
 *   /api/listen/sessions was read and parsed whole. Now each route has a byte limit enforced
 *   while the body streams in — with or without a `Content-Length` — and answers 413.
 * - finding 6, /api/health's 503 handed the raw database error (driver message, user and host
 *   names) to anyone; now anonymous callers get a generic message, operators the detail, and the
 *   server log the full error.
 */
let t: TestDb;
const cookies: Partial<Record<Role, string>> = {};
const tokens: Partial<Record<Role, string>> = {};

beforeAll(async () => {
  t = await createTestDb();
  await ensureTaxonomy(t.handle.db);
  for (const role of ['admin', 'engineer', 'contributor'] as Role[]) {
    const { user, token } = await makeUser(t.handle, role);
    tokens[role] = token;
    cookies[role] = `next-auth.session-token=${await encode({ token: { sub: user.id }, secret: process.env.NEXTAUTH_SECRET! })}`;
  }
});
afterAll(async () => t.close());
afterEach(() => {
  delete process.env.NEXTAUTH_URL;
  resetEnvCache();
  resetRateLimiters();
});

const APP = 'http://localhost:3000';
const EVIL = 'http://localhost:8080'; // another port of the same host: same site, other origin

function post(path: string, headers: Record<string, string>, body: BodyInit | null) {
  return new Request(`${APP}${path}`, { method: 'POST', headers: { host: 'localhost:3000', ...headers }, body, duplex: 'half' } as RequestInit);
}

let n = 0;
const newUser = () => ({ email: `csrf-${Date.now()}-${n++}@attacker.test`, name: 'Mallory', role: 'admin', password: 'attacker-password-1' });

async function errorOf(res: Response) {
  return ((await res.json()) as { error: { code: string; message: string } }).error;
}

describe('finding 2: CSRF — state-changing routes refuse cross-origin and non-JSON cookie requests', () => {
  it('a text/plain form POST from another port of the same host cannot create an admin (403, JSON error)', async () => {
    // <form enctype="text/plain" method="post"> with one field named `{"email":…,"x":"` and value `"}`.
    const res = await createUser(
      post('/api/admin/users', { cookie: cookies.admin!, 'content-type': 'text/plain', origin: EVIL, 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'navigate' }, JSON.stringify(newUser())),
      ctx({}),
    );
    expect(res.status).toBe(403);
    expect((await errorOf(res)).code).toBe('FORBIDDEN');
  });

  it('a no-cors fetch from another port cannot create an API token (403)', async () => {
    const res = await createToken(
      post('/api/tokens', { cookie: cookies.admin!, 'content-type': 'text/plain;charset=UTF-8', origin: EVIL, 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'no-cors' }, JSON.stringify({ name: 'stolen' })),
      ctx({}),
    );
    expect(res.status).toBe(403);
    expect((await errorOf(res)).code).toBe('FORBIDDEN');
  });

  it('the other spellings are refused too: foreign Origin with JSON, Sec-Fetch-Site cross-site or same-site, form-urlencoded, no Content-Type', async () => {
    const body = JSON.stringify({ name: 'stolen' });
    const attempts: Record<string, string>[] = [
      { 'content-type': 'application/json', origin: EVIL },
      { 'content-type': 'application/json', origin: 'null' },
      { 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' },
      { 'content-type': 'application/json', 'sec-fetch-site': 'same-site' },
      { 'content-type': 'application/x-www-form-urlencoded' },
      { 'content-type': 'multipart/form-data; boundary=x' },
      {},
    ];
    for (const headers of attempts) {
      const res = await createToken(post('/api/tokens', { cookie: cookies.engineer!, ...headers }, body), ctx({}));
      expect(res.status, JSON.stringify(headers)).toBe(403);
    }
  });

  it('a body-less request without Content-Type passes only when no body follows and the origin is ours', async () => {
    const id = '00000000-0000-4000-8000-000000000000';
    const del = (headers: Record<string, string>, body: string | null = null) =>
      revokeToken(new Request(`${APP}/api/tokens/${id}`, { method: 'DELETE', headers: { host: 'localhost:3000', cookie: cookies.engineer!, ...headers }, body }), ctx({ id }));
    expect((await del({})).status).toBe(404); // past the CSRF check (no such token); a non-browser client: nothing to forge
    expect((await del({ origin: APP, 'sec-fetch-site': 'same-origin' })).status).toBe(404);
    expect((await del({ origin: EVIL, 'sec-fetch-site': 'same-site', 'sec-fetch-mode': 'no-cors' })).status).toBe(403);
    expect((await del({ 'content-type': 'text/plain' }, 'x')).status).toBe(403);
  });

  it('same-origin JSON with the session cookie works (what the app itself sends)', async () => {
    const res = await createUser(
      post('/api/admin/users', { cookie: cookies.admin!, 'content-type': 'application/json', origin: APP, 'sec-fetch-site': 'same-origin' }, JSON.stringify(newUser())),
      ctx({}),
    );
    expect(res.status).toBe(201);
    // A non-browser client with the cookie sends neither Origin nor Sec-Fetch-Site: JSON is enough.
    const plain = await createToken(post('/api/tokens', { cookie: cookies.engineer!, 'content-type': 'application/json' }, JSON.stringify({ name: 'cli' })), ctx({}));
    expect(plain.status).toBe(201);
  });

  it('behind a proxy, the public origin is NEXTAUTH_URL (the Host the app sees is internal)', async () => {
    process.env.NEXTAUTH_URL = 'https://chorus.example.org';
    resetEnvCache();
    const res = await createToken(
      post('/api/tokens', { cookie: cookies.engineer!, host: '10.0.0.5:3000', 'content-type': 'application/json', origin: 'https://chorus.example.org', 'sec-fetch-site': 'same-origin' }, JSON.stringify({ name: 'proxied' })),
      ctx({}),
    );
    expect(res.status).toBe(201);
  });

  it('Bearer-token requests are exempt (no ambient authority): any Content-Type, any Origin', async () => {
    const res = await createToken(
      post('/api/tokens', { authorization: `Bearer ${tokens.engineer}`, 'content-type': 'text/plain', origin: EVIL }, JSON.stringify({ name: 'ci' })),
      ctx({}),
    );
    expect(res.status).toBe(201);
  });
});

/** A body that is generated as it is read, counting how much the server pulled. */
function endlessBody(totalBytes: number) {
  const chunk = new Uint8Array(64 * 1024).fill(0x20); // spaces: valid JSON whitespace, never a parse error by itself
  let pulled = 0;
  const stream = new ReadableStream<Uint8Array>({
    pull(controller) {
      if (pulled >= totalBytes) return controller.close();
      pulled += chunk.byteLength;
      controller.enqueue(chunk);
    },
  });
  return { stream, pulled: () => pulled };
}

describe('finding 4: body limits — 413 before parsing, with or without Content-Length', () => {
  const bigJson = (bytes: number) => JSON.stringify({ kind: 'vote', leaseId: '00000000-0000-0000-0000-000000000000', tags: [], idempotencyKey: 'k', pad: 'x'.repeat(bytes) });

  it('/api/votes: a body over the limit with Content-Length is refused at once (413, JSON error shape)', async () => {
    const body = bigJson(200 * 1024);
    const res = await vote(
      post('/api/votes', { authorization: `Bearer ${tokens.contributor}`, 'content-type': 'application/json', 'content-length': String(body.length) }, body),
      ctx({}),
    );
    expect(res.status).toBe(413);
    const error = await errorOf(res);
    expect(error.code).toBe('PAYLOAD_TOO_LARGE');
    expect(error.message).toMatch(/limit/);
  });

  it('/api/votes: a streamed body without Content-Length is cut off near the limit, not read whole', async () => {
    const body = endlessBody(150 * 1024 * 1024);
    const res = await vote(
      post('/api/votes', { cookie: cookies.contributor!, 'content-type': 'application/json', origin: APP, 'sec-fetch-site': 'same-origin' }, body.stream),
      ctx({}),
    );
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe('PAYLOAD_TOO_LARGE');
    expect(body.pulled()).toBeLessThan(1024 * 1024); // 150 MB offered, well under 1 MB read
  });

  it('/api/listen/sessions (anonymous): over the limit is 413 with and without Content-Length', async () => {
    const body = JSON.stringify({ personalization: true, pad: 'x'.repeat(100 * 1024) });
    const declared = await startSession(post('/api/listen/sessions', { 'content-type': 'application/json', 'content-length': String(body.length) }, body), ctx({}));
    expect(declared.status).toBe(413);
    expect((await errorOf(declared)).code).toBe('PAYLOAD_TOO_LARGE');
    const streamed = endlessBody(100 * 1024 * 1024);
    const res = await startSession(post('/api/listen/sessions', { 'content-type': 'application/json' }, streamed.stream), ctx({}));
    expect(res.status).toBe(413);
    expect((await errorOf(res)).code).toBe('PAYLOAD_TOO_LARGE');
    expect(streamed.pulled()).toBeLessThan(1024 * 1024);
  });

  it('the anonymous sign-in route (next-auth) is bounded too: 413 with and without Content-Length', async () => {
    const signIn = (headers: Record<string, string>, body: BodyInit) =>
      nextAuthPost(post('/api/auth/callback/credentials', { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body), {
        params: Promise.resolve({ nextauth: ['callback', 'credentials'] }),
      });
    const form = new URLSearchParams({ email: 'someone@example.org', password: 'x'.repeat(100 * 1024), csrfToken: 'x', json: 'true' }).toString();
    const declared = await signIn({ 'content-length': String(form.length) }, form);
    expect(declared.status).toBe(413);
    expect((await errorOf(declared)).code).toBe('PAYLOAD_TOO_LARGE');
    const streamed = endlessBody(100 * 1024 * 1024);
    const res = await signIn({}, streamed.stream);
    expect(res.status).toBe(413);
    expect(streamed.pulled()).toBeLessThan(1024 * 1024);
  });

  it('bodies under the limit still work', async () => {
    const res = await startSession(post('/api/listen/sessions', { 'content-type': 'application/json' }, JSON.stringify({ personalization: false })), ctx({}));
    expect(res.status).toBe(201);
  });
});

describe('finding 6: /api/health does not hand the raw database error to anonymous callers', () => {
  const SECRET = 'password authentication failed for user "chorus_prod" at db-primary.internal:5432';

  async function withBrokenDatabase<T>(fn: () => Promise<T>): Promise<T> {
    const real = t.handle;
    // Health's probe query fails; everything else (the caller's own lookup) still works.
    setDbHandle({ ...real, query: () => Promise.reject(new Error(SECRET)) } as typeof real);
    try {
      return await fn();
    } finally {
      setDbHandle(real);
    }
  }

  it('anonymous: 503 with a generic message, no driver text, user or host name', async () => {
    const res = await withBrokenDatabase(() => health(request('GET', '/api/health'), ctx({})));
    expect(res.status).toBe(503);
    const text = await res.text();
    expect(text).not.toMatch(/chorus_prod|db-primary|password authentication/);
    expect((JSON.parse(text) as { database: { reachable: boolean; error: string } }).database).toEqual({ reachable: false, error: 'The database is not reachable' });
  });

  it('a contributor is no operator: generic too; an admin gets the detail', async () => {
    const asContributor = await withBrokenDatabase(() => health(request('GET', '/api/health', { token: tokens.contributor }), ctx({})));
    expect(asContributor.status).toBe(503);
    expect(await asContributor.text()).not.toMatch(/chorus_prod/);
    const asAdmin = await withBrokenDatabase(() => health(request('GET', '/api/health', { token: tokens.admin }), ctx({})));
    expect(asAdmin.status).toBe(503);
    expect(((await asAdmin.json()) as { database: { error: string } }).database.error).toBe(SECRET);
  });
});
