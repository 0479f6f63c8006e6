import { randomUUID, timingSafeEqual } from 'node:crypto';
import type { Logger } from 'pino';
import { ZodError, type ZodType } from 'zod';
import type { Role } from '@/db/schema';
import { unavailableReason } from '@/db/retry';
import { AppError, badRequest } from '@/lib/errors';
import { httpHeadersOf, httpStatusOf } from './errors';
import { guardRequest } from './guard';
import { clientIp, enforceRateLimit, type RateLimitName } from './rate-limit';
import { authenticate, type Principal } from '@/lib/auth/principal';
import { logger } from '@/lib/observability/log';
import { metrics, statusClass } from '@/lib/observability/metrics';

export interface RouteContext<P> {
  req: Request;
  params: P;
  user: Principal;
  requestId: string;
  /** The request's logger: every line carries the request id. */
  log: Logger;
}

interface RouteOptions {
  /** Roles allowed; an empty list means any signed-in user. */
  roles: readonly Role[] | 'public';
  /** The route template (`/api/clips/[id]/audio`), set by `access()`: the metrics label and the log field. */
  route?: string;
  /** A token bucket (lib/http/rate-limit.ts) charged per signed-in user (per client IP when anonymous). */
  rateLimit?: RateLimitName;
  /**
   * A shared secret that may call this route as a service instead of a user (e.g. the
   * Prometheus scraper's `CHORUS_METRICS_TOKEN`); read per request, undefined means none.
   */
  serviceToken?: () => string | undefined;
  /**
   * A paused account may call this route (its own pause and appeal); every other route refuses
   * accounts that are not active. Disabled accounts are refused everywhere.
   */
  allowPaused?: boolean;
}

type Handler<P> = (ctx: RouteContext<P>) => Promise<Response | unknown>;

const ANONYMOUS: Principal = { id: '', email: '', name: 'anonymous', role: 'anonymous' as never, via: 'none' };
const SERVICE: Principal = { id: '', email: '', name: 'service', role: 'service' as never, via: 'token' };

/** An incoming `x-request-id` is kept when it looks like an id (so a proxy's id threads through the logs), else replaced. */
const REQUEST_ID = /^[\w.:-]{1,128}$/;
export function requestIdFrom(req: Request): string {
  const given = req.headers.get('x-request-id');
  return given && REQUEST_ID.test(given) ? given : randomUUID();
}

/**
 * Wraps a route handler: authenticates (session cookie or Bearer token), checks the
 * role, applies the route's rate limit, runs the handler, and turns typed and zod errors
 * into JSON error bodies. Every API route goes through here, so the role check cannot be
 * forgotten — and every request is logged with its id and timed into the latency histogram.
 */
export function route<P = Record<string, string>>(options: RouteOptions, handler: Handler<P>) {
  const template = options.route ?? 'unknown';
  return async (req: Request, context?: { params?: Promise<P> | P }): Promise<Response> => {
    const requestId = requestIdFrom(req);
    const log = logger().child({ requestId });
    const started = performance.now();
    let status = 500;
    let userId: string | undefined;
    try {
      const params = ((await context?.params) ?? {}) as P;
      // Before authentication and any body read: CSRF (cookie callers) and the body-size limit (lib/http/guard.ts).
      req = guardRequest(req, template);
      let user = ANONYMOUS;
      if (options.serviceToken && bearerMatches(req, options.serviceToken())) {
        user = SERVICE;
      } else if (options.roles !== 'public') {
        const found = await authenticate(req);
        if (!found) throw new AppError('UNAUTHENTICATED', 'Sign in or send a valid API token');
        const statusOk = found.status === 'active' || (options.allowPaused === true && found.status === 'paused');
        if (!statusOk) throw new AppError('FORBIDDEN', `Your account is ${found.status}`);
        if (options.roles.length > 0 && !options.roles.includes(found.role)) {
          throw new AppError('FORBIDDEN', `This needs one of the roles: ${options.roles.join(', ')}`);
        }
        user = found;
      } else {
        user = (await authenticate(req).catch(() => null)) ?? ANONYMOUS;
      }
      userId = user.id || undefined;
      // After authentication (the bucket is the user's), before the body is read (a refused upload costs nothing).
      if (options.rateLimit) enforceRateLimit(options.rateLimit, user.id ? `user:${user.id}` : `ip:${clientIp(req)}`);
      const result = await handler({ req, params, user, requestId, log });
      const response = result instanceof Response ? result : Response.json(result ?? { ok: true });
      response.headers.set('x-request-id', requestId);
      status = response.status;
      return response;
    } catch (err) {
      const response = errorResponse(err, requestId);
      status = response.status;
      return response;
    } finally {
      const seconds = (performance.now() - started) / 1000;
      metrics().httpDuration.observe({ method: req.method, route: template, status_class: statusClass(status) }, seconds);
      log.info({ method: req.method, route: template, path: new URL(req.url).pathname, status, ms: Math.round(seconds * 1e4) / 10, userId }, 'request');
    }
  };
}

function bearerMatches(req: Request, secret: string | undefined): boolean {
  const authorization = req.headers.get('authorization');
  if (!secret || !authorization?.toLowerCase().startsWith('bearer ')) return false;
  const given = Buffer.from(authorization.slice(7).trim());
  const expected = Buffer.from(secret);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export function errorResponse(err: unknown, requestId: string): Response {
  if (err instanceof ZodError) {
    const message = err.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
    return json(400, { code: 'BAD_REQUEST', message, details: err.issues }, requestId);
  }
  if (err instanceof AppError) {
    return json(httpStatusOf(err.code), { code: err.code, message: err.message, details: err.details }, requestId, httpHeadersOf(err));
  }
  const unavailable = unavailableReason(err);
  if (unavailable) {
    // Not a bug but the database's state: a clear 503 the client can retry (a vote with the same
    // idempotency key), logged as a warning with the cause.
    logger().warn({ err, requestId, unavailable }, 'database unavailable');
    return json(503, { code: 'UNAVAILABLE', message: UNAVAILABLE_MESSAGE[unavailable] }, requestId, { 'retry-after': '5' });
  }
  logger().error({ err, requestId }, 'unhandled error in route');
  return json(500, { code: 'INTERNAL', message: `Internal error (request ${requestId})` }, requestId);
}

const UNAVAILABLE_MESSAGE = {
  // The statement may have reached the server before the connection died: do not claim it was not saved.
  connection: 'The database is not reachable right now; try again in a few seconds (resending a vote with the same idempotency key is safe)',
  // Class 53 errors roll the statement's transaction back: nothing of the request was written.
  'disk-full': 'The database is out of disk space; nothing was saved. Try again later',
  resources: 'The database is out of resources right now; nothing was saved. Try again in a few seconds',
} as const;

function json(status: number, error: Record<string, unknown>, requestId: string, headers?: Record<string, string>) {
  return Response.json({ error }, { status, headers: { 'x-request-id': requestId, ...headers } });
}

/** Parses a JSON body with a zod schema; a non-JSON body is a 400, not a 500; over the route's limit, 413. */
export async function parseBody<T>(req: Request, schema: ZodType<T>): Promise<T> {
  let body: unknown;
  try {
    body = await req.json();
  } catch (err) {
    if (err instanceof AppError) throw err; // 413 from the body limit
    throw badRequest('The request body must be JSON');
  }
  return schema.parse(body);
}

export function parseQuery<T>(req: Request, schema: ZodType<T>): T {
  const url = new URL(req.url);
  return schema.parse(Object.fromEntries(url.searchParams.entries()));
}
