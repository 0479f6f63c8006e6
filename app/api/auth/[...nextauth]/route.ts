import NextAuth from 'next-auth';
import { NextRequest } from 'next/server';
import { authOptions } from '@/lib/auth/options';
import { checkSignInAllowed } from '@/lib/auth/throttle';
import { AppError } from '@/lib/errors';
import { limitBody } from '@/lib/http/guard';
import { clientIp, enforceRateLimit } from '@/lib/http/rate-limit';
import { errorResponse, requestIdFrom } from '@/lib/http/route';
import { logger } from '@/lib/observability/log';
import { metrics, statusClass } from '@/lib/observability/metrics';

type Ctx = { params: Promise<{ nextauth: string[] }> };

const TEMPLATE = '/api/auth/[...nextauth]';

/** next-auth's forms (sign-in, sign-out, CSRF token) are a few hundred bytes; an anonymous caller gets no more read than this. */
const AUTH_BODY_LIMIT = 16 * 1024;

/**
 * next-auth's own routes (sign-in, callback, session, csrf); options are built per request from
 * the validated env.
 *
 * A credentials sign-in (POST …/callback/credentials) is rate limited here, before next-auth
 * runs: next-auth v4 turns anything thrown in `authorize` into a 401 redirect to its error page,
 * so a throttled attempt could never surface as 429 from inside. Two limits apply: a token
 * bucket per client IP, and the exponential slowdown after failures per (client IP, email) and
 * per client IP (lib/auth/throttle.ts; `authorize` checks it again and records the outcome).
 */
async function handle(req: Request, ctx: Ctx): Promise<Response> {
  const requestId = requestIdFrom(req);
  const started = performance.now();
  let response: Response;
  try {
    // Before anything reads it (the email peek below, next-auth's own parse): 413 past the limit (lib/http/guard.ts).
    if (req.method === 'POST') req = new NextRequest(limitBody(req, AUTH_BODY_LIMIT));
    if (req.method === 'POST' && (await ctx.params).nextauth?.join('/') === 'callback/credentials') {
      const ip = clientIp(req);
      enforceRateLimit('signin', `ip:${ip}`);
      const email = await emailOf(req);
      if (email) await checkSignInAllowed(ip, email);
    }
    response = await (NextAuth(authOptions(req)) as unknown as (r: Request, c: Ctx) => Promise<Response>)(req, ctx);
  } catch (err) {
    if (!(err instanceof AppError)) throw err;
    response = errorResponse(err, requestId);
    if (err.code === 'RATE_LIMITED') response = await withSignInUrl(response, req);
  }
  const seconds = (performance.now() - started) / 1000;
  metrics().httpDuration.observe({ method: req.method, route: TEMPLATE, status_class: statusClass(response.status) }, seconds);
  logger().info({ requestId, method: req.method, route: TEMPLATE, path: new URL(req.url).pathname, status: response.status, ms: Math.round(seconds * 1e4) / 10 }, 'request');
  return response;
}

/** The email of a credentials sign-in, read from a copy of the body (next-auth reads the original). */
async function emailOf(req: Request): Promise<string | null> {
  try {
    const text = await req.clone().text();
    const type = req.headers.get('content-type') ?? '';
    const email = type.includes('application/json') ? (JSON.parse(text) as { email?: unknown }).email : new URLSearchParams(text).get('email');
    return typeof email === 'string' && email.length <= 320 ? email : null;
  } catch {
    return null;
  }
}

/**
 * next-auth's client `signIn()` reads `url` from the JSON answer and throws when it is missing;
 * add its error-page URL (with `error=RATE_LIMITED`) beside our `{ error }` so the sign-in form
 * gets `{ ok: false, error: 'RATE_LIMITED' }` instead of an exception.
 */
async function withSignInUrl(response: Response, req: Request): Promise<Response> {
  const body = (await response.json()) as Record<string, unknown>;
  const url = new URL('/api/auth/error', req.url);
  url.searchParams.set('error', 'RATE_LIMITED');
  return Response.json({ ...body, url: url.toString() }, { status: response.status, headers: response.headers });
}

export { handle as GET, handle as POST };
