import { randomBytes } from 'node:crypto';
import type { AuthOptions } from 'next-auth';
import CredentialsProvider from 'next-auth/providers/credentials';
import GitHubProvider from 'next-auth/providers/github';
import { getDb } from '@/db';
import { env } from '@/lib/env';
import { useSecureCookies } from '@/lib/http/origin';
import { clientIp } from '@/lib/http/rate-limit';
import { safeRedirectPath } from '@/lib/http/safe-redirect';
import { findUserByEmail, findUserById, revokeSessions, upsertOAuthUser } from './repo';
import { CredentialsSchema } from './schemas';
import { hashPassword, verifyPassword } from './password';
import { sessionVersionMatches } from './principal';
import { authSecret } from './secret';
import { checkSignInAllowed, recordSignInFailure, recordSignInSuccess } from './throttle';

/**
 * An argon2 hash of a random password nobody knows, made once per process with the same
 * parameters as real hashes: an unknown email (or an OAuth-only user) is verified against it,
 * so a wrong password costs one argon2 verification whether or not the email exists.
 */
const dummy = globalThis as unknown as { __chorusDummyHash?: Promise<string> };
export function dummyPasswordHash(): Promise<string> {
  return (dummy.__chorusDummyHash ??= hashPassword(randomBytes(32).toString('base64url')));
}

/** next-auth hands `authorize` its internal request, whose headers are a plain object. */
export function signInClientIp(req: { headers?: unknown } | undefined): string {
  const raw = req?.headers;
  const headers = new Headers();
  if (raw instanceof Headers) raw.forEach((v, k) => headers.set(k, v));
  else if (raw && typeof raw === 'object') {
    for (const [k, v] of Object.entries(raw as Record<string, unknown>)) {
      if (typeof v === 'string') headers.set(k, v);
      else if (Array.isArray(v)) headers.set(k, v.join(', '));
    }
  }
  return clientIp(new Request('http://chorus.invalid/', { headers }));
}

/** next-auth configuration: email + password always, GitHub OAuth when GITHUB_ID/GITHUB_SECRET are set. */
export function authOptions(req?: Request): AuthOptions {
  const e = env();
  const providers: AuthOptions['providers'] = [
    CredentialsProvider({
      name: 'Email and password',
      credentials: { email: { label: 'Email', type: 'email' }, password: { label: 'Password', type: 'password' } },
      async authorize(raw, req) {
        const parsed = CredentialsSchema.safeParse(raw);
        if (!parsed.success) return null;
        const { email, password } = parsed.data;
        const ip = signInClientIp(req);
        await checkSignInAllowed(ip, email);
        const user = await findUserByEmail(await getDb(), email);
        // Always one argon2 verification, so timing does not tell which emails exist.
        const ok = await verifyPassword(user?.passwordHash ?? (await dummyPasswordHash()), password);
        if (!user?.passwordHash || !ok || user.status === 'disabled') {
          recordSignInFailure(ip, email);
          return null;
        }
        recordSignInSuccess(ip, email);
        return { id: user.id, email: user.email, name: user.name };
      },
    }),
  ];
  if (e.GITHUB_ID && e.GITHUB_SECRET) {
    providers.push(GitHubProvider({ clientId: e.GITHUB_ID, clientSecret: e.GITHUB_SECRET }));
  }
  return {
    secret: authSecret(),
    // `Secure` (and `__Secure-`/`__Host-` prefixed) cookies whenever the public URL is https (lib/http/origin.ts).
    useSecureCookies: useSecureCookies(req),
    session: { strategy: 'jwt', maxAge: 7 * 24 * 3600 },
    pages: { signIn: '/login' },
    providers,
    callbacks: {
      async signIn({ user, account }) {
        if (account?.provider === 'github' && user.email) {
          const row = await upsertOAuthUser(await getDb(), user.email, user.name ?? user.email);
          user.id = row.id;
          return row.status !== 'disabled';
        }
        return true;
      },
      async jwt({ token, user }) {
        // The database user id is the subject; the role is looked up per request, never trusted
        // from the cookie. `sv` is the user's session version at sign-in: sign-out, a password
        // change or disabling bumps it, and lib/auth/principal.ts refuses older cookies.
        if (user?.id) {
          const row = await findUserById(await getDb(), user.id);
          token.sub = user.id;
          token.sv = row?.sessionVersion ?? 0;
          return token;
        }
        // A refresh (GET /api/auth/session): a revoked cookie is not renewed — next-auth clears it.
        if (token.sub) {
          const row = await findUserById(await getDb(), token.sub);
          if (!row || !sessionVersionMatches(token.sv, row.sessionVersion)) throw new Error('Session revoked');
        }
        return token;
      },
      async redirect({ url, baseUrl }) {
        // The same rule as the sign-in page: only same-origin relative paths (no open redirect).
        const base = new URL(baseUrl);
        let path: unknown = url;
        if (!url.startsWith('/')) {
          try {
            const abs = new URL(url);
            path = abs.origin === base.origin ? `${abs.pathname}${abs.search}${abs.hash}` : '/';
          } catch {
            path = '/';
          }
        }
        return `${base.origin}${safeRedirectPath(path)}`;
      },
    },
    events: {
      async signOut({ token }) {
        // Sign-out revokes: the cookie just cleared (and any copy of it) is refused from now on.
        if (token?.sub) await revokeSessions(await getDb(), token.sub, typeof token.sv === 'number' ? token.sv : 0);
      },
    },
  };
}
