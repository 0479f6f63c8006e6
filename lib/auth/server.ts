import 'server-only';
import { cookies } from 'next/headers';
import { redirect } from 'next/navigation';
import type { Role } from '@/db/schema';
import { principalFromCookies, type Principal } from './principal';

/** The signed-in user for a server component, or null. */
export async function currentUser(): Promise<Principal | null> {
  const jar = await cookies();
  const all = Object.fromEntries(jar.getAll().map((c) => [c.name, c.value]));
  return principalFromCookies(all);
}

/**
 * Guards a page: anonymous visitors go to the sign-in page, and a signed-in user without
 * one of the roles gets the forbidden page. Layouts call this even though links are hidden.
 */
export async function requirePageRole(roles: readonly Role[], from: string): Promise<Principal> {
  const user = await currentUser();
  if (!user) redirect(`/login?callbackUrl=${encodeURIComponent(from)}`);
  if (user.status !== 'active') redirect('/forbidden?reason=paused');
  if (roles.length > 0 && !roles.includes(user.role)) redirect('/forbidden');
  return user;
}

export function homeFor(role: Role): string {
  switch (role) {
    case 'contributor':
      return '/label';
    case 'expert':
      return '/review';
    case 'engineer':
      // The loop overview: what the crowd, the expert and the model are doing now (issue 14, item 5).
      return '/loop';
    case 'admin':
      return '/admin';
  }
}
