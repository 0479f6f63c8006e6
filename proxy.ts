import { NextResponse, type NextRequest } from 'next/server';
import { newNonce, pageCsp } from '@/lib/http/csp';

/**
 * Next 16's proxy (formerly middleware): a per-request nonce-based Content-Security-Policy for
 * every page (lib/http/csp.ts). The policy goes on the request too — that is where Next's
 * renderer reads the nonce from — and on the response. API routes and static files are not
 * matched; next.config.mjs gives them a static policy.
 */
export function proxy(request: NextRequest) {
  const nonce = newNonce();
  const csp = pageCsp(nonce, { dev: process.env.NODE_ENV === 'development' });
  const headers = new Headers(request.headers);
  headers.set('content-security-policy', csp);
  headers.set('x-nonce', nonce);
  const response = NextResponse.next({ request: { headers } });
  response.headers.set('content-security-policy', csp);
  return response;
}

export const config = {
  // Pages (and their RSC and prefetch requests, so every response from a page path has the policy); not /api, not built assets.
  matcher: ['/((?!api(?:/|$)|_next/static|_next/image|favicon\\.ico).*)'],
};
