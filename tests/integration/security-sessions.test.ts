import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { encode } from 'next-auth/jwt';
import type { JWT } from 'next-auth/jwt';
import type { AuthOptions, User } from 'next-auth';
import { users } from '@/db/schema';
import { authOptions } from '@/lib/auth/options';
import * as password from '@/lib/auth/password';
import { findUserById, setUserPassword, updateUser } from '@/lib/auth/repo';
import { authSecret } from '@/lib/auth/secret';
import { resetSignInThrottle } from '@/lib/auth/throttle';
import { GET as me } from '@/app/api/me/route';
import { createTestDb, makeUser, type TestDb } from '../helpers/db';
import { ctx } from '../helpers/http';

// The real argon2 functions, watched: the constant-time test counts verifications.
vi.mock('@/lib/auth/password', async (importOriginal) => {
  const real = await importOriginal<typeof import('@/lib/auth/password')>();
  return { ...real, verifyPassword: vi.fn(real.verifyPassword) };
});

/**
 * Attacker's view of sessions and sign-in (issue 22, finding 6):
 *  - a session cookie copied before its owner signs out (a shared computer, a proxy log, a
 *    stolen backup) must stop working when the owner signs out, changes password or is disabled;
 *  - a wrong password for an unknown email must cost the same argon2 work as for a known one,
 *    so response times do not tell which emails have accounts.
 * next-auth's HTTP handler needs the Next runtime, so these drive the same pieces it calls:
 * the credentials `authorize`, the `jwt` callback, the `signOut` event, and the session cookie
 * as the API routes read it. (The browser half is in tests/e2e/security.e2e.ts.)
 */
let t: TestDb;
const PASSWORD = 'correct horse battery';
const REQ = { headers: { 'x-forwarded-for': '203.0.113.5' } };

beforeAll(async () => {
  t = await createTestDb();
}, 120_000);
afterAll(async () => t.close());
beforeEach(() => {
  resetSignInThrottle();
  vi.mocked(password.verifyPassword).mockClear();
});

function credentials(opts: AuthOptions) {
  const provider = opts.providers[0] as unknown as { options: { authorize: (c: Record<string, string>, req: unknown) => Promise<User | null> } };
  return provider.options.authorize;
}

/** What next-auth does on a successful credentials sign-in: authorize, the jwt callback, the cookie. */
async function signIn(email: string, pw = PASSWORD): Promise<{ cookie: string; token: JWT }> {
  const opts = authOptions();
  const user = await credentials(opts)({ email, password: pw }, REQ);
  if (!user) throw new Error('sign-in refused');
  const token = (await opts.callbacks!.jwt!({ token: { sub: user.id, email: user.email, name: user.name }, user, account: null } as never)) as JWT;
  const cookie = `next-auth.session-token=${await encode({ token, secret: authSecret() })}`;
  return { cookie, token };
}

/** What next-auth does on POST /api/auth/signout with that cookie: decode it and fire the event. */
async function signOut(token: JWT): Promise<void> {
  await authOptions().events!.signOut!({ token, session: undefined as never });
}

async function meStatus(cookie: string): Promise<number> {
  return (await me(new Request('http://localhost/api/me', { headers: { cookie } }), ctx({}))).status;
}

describe('finding 6: sign-out revokes the session — a cookie captured before sign-out is refused after', () => {
  it('sign-out kills the cookie (and every copy of it); signing in again works', async () => {
    const { user } = await makeUser(t.handle, 'admin');
    const { cookie, token } = await signIn(user.email);
    expect(await meStatus(cookie)).toBe(200);
    const captured = cookie; // the attacker's copy

    await signOut(token);
    expect(await meStatus(captured)).toBe(401);

    const again = await signIn(user.email);
    expect(await meStatus(again.cookie)).toBe(200);
    expect(await meStatus(captured)).toBe(401);
  });

  it('a stale cookie cannot sign the user out of their newer session', async () => {
    const { user } = await makeUser(t.handle, 'contributor');
    const first = await signIn(user.email);
    await signOut(first.token);
    const second = await signIn(user.email);
    await signOut(first.token); // replaying the old cookie's sign-out
    expect(await meStatus(second.cookie)).toBe(200);
  });

  it('a password change and disabling the user revoke open sessions; a role change does not need to', async () => {
    const { user } = await makeUser(t.handle, 'expert');
    const a = await signIn(user.email);
    await setUserPassword(t.handle.db, user.id, 'another long password');
    expect(await meStatus(a.cookie)).toBe(401);
    const b = await signIn(user.email, 'another long password');
    expect(await meStatus(b.cookie)).toBe(200);
    await updateUser(t.handle.db, user.id, { role: 'contributor' });
    expect(await meStatus(b.cookie)).toBe(200);
    await updateUser(t.handle.db, user.id, { status: 'disabled' });
    await updateUser(t.handle.db, user.id, { status: 'active' });
    // Re-enabling does not revive the cookie from before the disable.
    expect(await meStatus(b.cookie)).toBe(401);
  });

  it('next-auth does not renew a revoked cookie (the jwt callback refuses it on refresh)', async () => {
    const { user } = await makeUser(t.handle, 'engineer');
    const { token } = await signIn(user.email);
    const refresh = () => authOptions().callbacks!.jwt!({ token } as never);
    await expect(refresh()).resolves.toMatchObject({ sub: user.id });
    await signOut(token);
    await expect(refresh()).rejects.toThrow(/revoked/);
    expect((await findUserById(t.handle.db, user.id))!.sessionVersion).toBe(1);
  });

  it('a cookie from before session versions existed (no `sv`) is valid until the first sign-out', async () => {
    const { user } = await makeUser(t.handle, 'contributor');
    const legacy = { sub: user.id, email: user.email, name: user.name };
    const cookie = `next-auth.session-token=${await encode({ token: legacy, secret: authSecret() })}`;
    expect(await meStatus(cookie)).toBe(200);
    await signOut(legacy);
    expect(await meStatus(cookie)).toBe(401);
  });
});

describe('finding 6: constant-time sign-in — unknown emails cost one argon2 verification too', () => {
  it('a wrong password for an unknown email, a known email and a password-less (OAuth) account each verify once', async () => {
    const verify = vi.mocked(password.verifyPassword);
    const authorize = credentials(authOptions());
    const { user } = await makeUser(t.handle, 'contributor');
    const [oauth] = await t.handle.db.insert(users).values({ email: `oauth-${Date.now()}@test.local`, name: 'OAuth only', role: 'contributor' }).returning();

    expect(await authorize({ email: 'nobody-here@test.local', password: 'guess' }, REQ)).toBeNull();
    expect(verify).toHaveBeenCalledTimes(1);
    expect(verify.mock.calls[0][0]).toMatch(/^\$argon2id\$/); // a real hash, same parameters as users'

    expect(await authorize({ email: user.email, password: 'guess' }, REQ)).toBeNull();
    expect(verify).toHaveBeenCalledTimes(2);

    expect(await authorize({ email: oauth.email, password: 'guess' }, REQ)).toBeNull();
    expect(verify).toHaveBeenCalledTimes(3);
    await expect(password.verifyPassword(verify.mock.calls[0][0], 'guess')).resolves.toBe(false);
  });
});

describe('finding 6: lockout cannot be used against a user — through the real authorize', () => {
  it("twenty wrong passwords from an attacker's address leave the owner free to sign in from theirs", async () => {
    const { user } = await makeUser(t.handle, 'admin');
    const authorize = credentials(authOptions());
    const attacker = { headers: { 'x-forwarded-for': '198.51.100.66' } };
    for (let i = 0; i < 20; i++) await authorize({ email: user.email, password: `guess-${i}` }, attacker).catch(() => null);
    // The attacker is held back…
    await expect(authorize({ email: user.email, password: PASSWORD }, attacker)).rejects.toMatchObject({ code: 'RATE_LIMITED' });
    // …the owner is not.
    expect(await authorize({ email: user.email, password: PASSWORD }, REQ)).toMatchObject({ id: user.id });
  }, 120_000);
});
