import type { AuthOptions } from 'next-auth';
import CredentialsProvider from 'next-auth/providers/credentials';
import GitHubProvider from 'next-auth/providers/github';
import { getDb } from '@/db';
import { env } from '@/lib/env';
import { useSecureCookies } from '@/lib/http/origin';
import { findUserByEmail, upsertOAuthUser } from './repo';
import { CredentialsSchema } from './schemas';
import { verifyPassword } from './password';
import { authSecret } from './secret';
import { checkSignInAllowed, recordSignInFailure, recordSignInSuccess } from './throttle';

/** next-auth configuration: email + password always, GitHub OAuth when GITHUB_ID/GITHUB_SECRET are set. */
export function authOptions(req?: Request): AuthOptions {
  const e = env();
  const providers: AuthOptions['providers'] = [
    CredentialsProvider({
      name: 'Email and password',
      credentials: { email: { label: 'Email', type: 'email' }, password: { label: 'Password', type: 'password' } },
      async authorize(raw) {
        const parsed = CredentialsSchema.safeParse(raw);
        if (!parsed.success) return null;
        const { email, password } = parsed.data;
        await checkSignInAllowed(email);
        const user = await findUserByEmail(await getDb(), email);
        const ok = user?.passwordHash ? await verifyPassword(user.passwordHash, password) : false;
        if (!user || !ok || user.status === 'disabled') {
          recordSignInFailure(email);
          return null;
        }
        recordSignInSuccess(email);
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
        // The database user id is the subject; the role is looked up per request, never trusted from the cookie.
        if (user?.id) token.sub = user.id;
        return token;
      },
    },
  };
}
