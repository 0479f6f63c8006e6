import { randomUUID } from 'node:crypto';
import { ZodError, type ZodType } from 'zod';
import type { Role } from '@/db/schema';
import { AppError, badRequest } from './errors';
import { authenticate, type Principal } from '@/lib/auth/principal';
import { logger } from '@/lib/observability/log';

export interface RouteContext<P> {
  req: Request;
  params: P;
  user: Principal;
  requestId: string;
}

interface RouteOptions {
  /** Roles allowed; an empty list means any signed-in user. */
  roles: readonly Role[] | 'public';
}

type Handler<P> = (ctx: RouteContext<P>) => Promise<Response | unknown>;

const ANONYMOUS: Principal = { id: '', email: '', name: 'anonymous', role: 'anonymous' as never, via: 'none' };

/**
 * Wraps a route handler: authenticates (session cookie or Bearer token), checks the
 * role, runs the handler, and turns typed and zod errors into JSON error bodies.
 * Every API route goes through here, so the role check cannot be forgotten.
 */
export function route<P = Record<string, string>>(options: RouteOptions, handler: Handler<P>) {
  return async (req: Request, context?: { params?: Promise<P> | P }): Promise<Response> => {
    const requestId = req.headers.get('x-request-id') ?? randomUUID();
    const started = performance.now();
    let status = 500;
    try {
      const params = ((await context?.params) ?? {}) as P;
      let user = ANONYMOUS;
      if (options.roles !== 'public') {
        const found = await authenticate(req);
        if (!found) throw new AppError('UNAUTHENTICATED', 'Sign in or send a valid API token');
        if (found.status !== 'active') throw new AppError('FORBIDDEN', `Your account is ${found.status}`);
        if (options.roles.length > 0 && !options.roles.includes(found.role)) {
          throw new AppError('FORBIDDEN', `This needs one of the roles: ${options.roles.join(', ')}`);
        }
        user = found;
      } else {
        user = (await authenticate(req).catch(() => null)) ?? ANONYMOUS;
      }
      const result = await handler({ req, params, user, requestId });
      const response = result instanceof Response ? result : Response.json(result ?? { ok: true });
      response.headers.set('x-request-id', requestId);
      status = response.status;
      return response;
    } catch (err) {
      const response = errorResponse(err, requestId);
      status = response.status;
      return response;
    } finally {
      logger().debug({ requestId, method: req.method, url: req.url, status, ms: performance.now() - started }, 'request');
    }
  };
}

export function errorResponse(err: unknown, requestId: string): Response {
  if (err instanceof ZodError) {
    const message = err.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ');
    return json(400, { code: 'BAD_REQUEST', message, details: err.issues }, requestId);
  }
  if (err instanceof AppError) {
    return json(err.status, { code: err.code, message: err.message, details: err.details }, requestId, err.headers);
  }
  logger().error({ err, requestId }, 'unhandled error in route');
  return json(500, { code: 'INTERNAL', message: `Internal error (request ${requestId})` }, requestId);
}

function json(status: number, error: Record<string, unknown>, requestId: string, headers?: Record<string, string>) {
  return Response.json({ error }, { status, headers: { 'x-request-id': requestId, ...headers } });
}

/** Parses a JSON body with a zod schema; a non-JSON body is a 400, not a 500. */
export async function parseBody<T>(req: Request, schema: ZodType<T>): Promise<T> {
  let body: unknown;
  try {
    body = await req.json();
  } catch {
    throw badRequest('The request body must be JSON');
  }
  return schema.parse(body);
}

export function parseQuery<T>(req: Request, schema: ZodType<T>): T {
  const url = new URL(req.url);
  return schema.parse(Object.fromEntries(url.searchParams.entries()));
}
