import { getToken } from 'next-auth/jwt';
import { getDb } from '@/db';
import type { Role } from '@/db/schema';
import { findUserById, findUserByToken } from './repo';
import { authSecret } from './secret';

export interface Principal {
  id: string;
  email: string;
  name: string;
  role: Role;
  status?: 'active' | 'paused' | 'disabled';
  via: 'session' | 'token' | 'none';
}

/**
 * Who is calling: a Bearer API token, or the next-auth session cookie. The user row
 * is re-read every time so a role change or a pause takes effect at once.
 */
export async function authenticate(req: Request): Promise<Principal | null> {
  const db = await getDb();
  const authorization = req.headers.get('authorization');
  if (authorization?.toLowerCase().startsWith('bearer ')) {
    const user = await findUserByToken(db, authorization.slice(7).trim());
    return user ? toPrincipal(user, 'token') : null;
  }
  const cookieHeader = req.headers.get('cookie');
  if (!cookieHeader) return null;
  return principalFromCookies(parseCookies(cookieHeader));
}

export async function principalFromCookies(cookies: Record<string, string>): Promise<Principal | null> {
  const secureCookie = Boolean(cookies['__Secure-next-auth.session-token']);
  const token = await getToken({
    req: { cookies, headers: {} } as never,
    secret: authSecret(),
    secureCookie,
  }).catch(() => null);
  if (!token?.sub) return null;
  const user = await findUserById(await getDb(), token.sub);
  // Sign-out, a password change and disabling bump the user's session version: a cookie issued
  // under an older version is dead even though its signature and expiry are still good.
  // (Tokens from before the column existed carry no version and count as 0, the column default.)
  if (!user || !sessionVersionMatches(token.sv, user.sessionVersion)) return null;
  return toPrincipal(user, 'session');
}

export function sessionVersionMatches(fromToken: unknown, current: number): boolean {
  const version = fromToken === undefined ? 0 : fromToken;
  return typeof version === 'number' && version === current;
}

function toPrincipal(user: { id: string; email: string; name: string; role: Role; status: Principal['status'] }, via: Principal['via']): Principal {
  return { id: user.id, email: user.email, name: user.name, role: user.role, status: user.status, via };
}

export function parseCookies(header: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    const name = part.slice(0, eq).trim();
    if (!name) continue;
    try {
      out[name] = decodeURIComponent(part.slice(eq + 1).trim());
    } catch {
      out[name] = part.slice(eq + 1).trim();
    }
  }
  return out;
}
