import type { Role } from '@/db/schema';

type Access = readonly Role[] | 'public';
const ANY_SIGNED_IN: readonly Role[] = [];
const ENGINEERS: readonly Role[] = ['engineer', 'admin'];
const ADMINS: readonly Role[] = ['admin'];
const EXPERTS: readonly Role[] = ['expert', 'admin'];

/**
 * Who may call each API route. Route handlers read their roles from here and the
 * role-matrix test enumerates `app/api/**\/route.ts` against it, so a new route
 * without an entry fails the tests instead of shipping unguarded.
 */
export const ROUTE_ACCESS = {
  '/api/health': { GET: 'public' },
  '/api/openapi': { GET: 'public' },
  '/api/me': { GET: ANY_SIGNED_IN },
  '/api/taxonomy': { GET: ANY_SIGNED_IN },
  '/api/queue/next': { GET: ANY_SIGNED_IN },
  '/api/votes': { POST: ANY_SIGNED_IN },
  '/api/leases/[id]/release': { POST: ANY_SIGNED_IN },
  '/api/clips/[id]/audio': { GET: ANY_SIGNED_IN },
  '/api/clips/[id]/escalate': { POST: ENGINEERS },
  '/api/clips': { GET: ENGINEERS, POST: ADMINS },
  '/api/export/jsonl': { GET: ENGINEERS },
  '/api/jobs': { GET: ENGINEERS },
  '/api/tokens': { GET: ENGINEERS, POST: ENGINEERS },
  '/api/tokens/[id]': { DELETE: ENGINEERS },
  '/api/admin/users': { GET: ADMINS, POST: ADMINS },
  '/api/admin/users/[id]': { PATCH: ADMINS },
  '/api/admin/settings': { GET: ADMINS, PATCH: ADMINS },
  '/api/admin/taxonomy': { GET: ENGINEERS, POST: ADMINS },
  '/api/admin/taxonomy/[version]/mapping': { GET: ENGINEERS },
  '/api/review/next': { GET: EXPERTS },
  '/api/review/decisions': { POST: EXPERTS },
  '/api/review/agreement': { GET: ['expert', 'engineer', 'admin'] },
} as const satisfies Record<string, Partial<Record<'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE', Access>>>;

export type RoutePath = keyof typeof ROUTE_ACCESS;

export function access<P extends RoutePath>(path: P, method: keyof (typeof ROUTE_ACCESS)[P]): { roles: Access } {
  return { roles: ROUTE_ACCESS[path][method] as Access };
}
