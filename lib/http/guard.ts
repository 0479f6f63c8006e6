import { env } from '@/lib/env';
import { AppError } from '@/lib/errors';
import { configuredOrigin } from './origin';

/**
 * The HTTP boundary's own checks, run by `route()` (lib/http/route.ts) before authentication,
 * before the rate limit and before any body is read:
 *
 * - **CSRF** (issue 22, finding 2). A state-changing request (POST/PUT/PATCH/DELETE) that
 *   carries cookies and no `Authorization: Bearer` must (a) come from our own origin — `Origin`,
 *   when sent, equals the app's origin (`NEXTAUTH_URL`, or the request's own `Host`), and
 *   `Sec-Fetch-Site`, when sent, is `same-origin` — and (b) declare the body type the route
 *   takes: `application/json`, or `multipart/form-data` for uploads. A cross-site HTML form can
 *   only send `text/plain`, `application/x-www-form-urlencoded` or multipart, and a `no-cors`
 *   fetch cannot set `application/json` at all, so (b) alone stops them from a page on another
 *   port of the same host (same-site: SameSite=Lax does not), and (a) stops the rest (an upload
 *   form, a browser that omits `Sec-Fetch-*`). Token clients (Bearer) carry no ambient
 *   authority and are exempt; next-auth's own /api/auth/* routes keep their CSRF token.
 * - **Body size** (finding 4). Each route has a byte limit (`BODY_RULES`, default
 *   `DEFAULT_JSON_LIMIT`): a `Content-Length` over it is refused at once, and the body handed to
 *   the handler is a stream that counts bytes and errors past the limit (a chunked body has no
 *   `Content-Length`), so nothing reads, buffers or parses more than the limit. 413
 *   `PAYLOAD_TOO_LARGE` either way.
 */
export type BodyKind = 'json' | 'multipart';

export interface BodyRule {
  kind: BodyKind;
  /** Bytes; a function so an environment setting is read per request. */
  maxBytes: () => number;
}

const KB = 1024;
/** Routes without their own rule: settings, users, tokens, taxonomy edits — small JSON documents. */
export const DEFAULT_JSON_LIMIT = 256 * KB;

const json = (bytes: number): BodyRule => ({ kind: 'json', maxBytes: () => bytes });

/** The multipart envelope of an upload: the file limit plus boundaries and small fields. */
export function uploadEnvelopeBytes(): number {
  return Math.ceil(env().CHORUS_MAX_UPLOAD_MB * 1e6 * 1.05 + 1e5);
}

/** Per-route body rules, keyed like ROUTE_ACCESS (lib/http/access.ts). */
export const BODY_RULES: Record<string, Partial<Record<string, BodyRule>>> = {
  // Hot, small and reachable by every contributor (votes) or anonymously (listener sessions).
  '/api/votes': { POST: json(16 * KB) },
  '/api/listen/sessions': { POST: json(16 * KB) },
  '/api/listen/sessions/[id]/events': { POST: json(16 * KB) },
  '/api/leases/[id]/release': { POST: json(4 * KB) },
  '/api/projects/[slug]/answers': { POST: json(16 * KB) },
  '/api/projects/[slug]/leases/[id]/release': { POST: json(4 * KB) },
  '/api/review/decisions': { POST: json(64 * KB) },
  // A whole taxonomy edit (tags with descriptions) can be larger than the default.
  '/api/admin/taxonomy': { POST: json(1024 * KB) },
  // A predictions file (CSV/JSONL text in JSON): 100,000 clips × 8 moods is about 10 MB.
  '/api/predictions/import': { POST: json(32 * 1024 * KB) },
  // A project over a hand-picked list: up to 10,000 clip ids (lib/projects/schemas.ts ClipFilterSchema), ~400 KB.
  '/api/projects': { POST: json(512 * KB) },
  '/api/clips': { POST: { kind: 'multipart', maxBytes: uploadEnvelopeBytes } },
};

export function bodyRule(route: string, method: string): BodyRule {
  return BODY_RULES[route]?.[method] ?? json(DEFAULT_JSON_LIMIT);
}

export function isStateChanging(method: string): boolean {
  return method !== 'GET' && method !== 'HEAD' && method !== 'OPTIONS';
}

export function hasBearer(req: Request): boolean {
  return req.headers.get('authorization')?.toLowerCase().startsWith('bearer ') ?? false;
}

const forbidden = (message: string) => new AppError('FORBIDDEN', message);

/** The host (`name[:port]`, default port dropped) the request was addressed to. */
function requestHost(req: Request, scheme: string): string | undefined {
  const host = req.headers.get('host') ?? new URL(req.url).host;
  try {
    return new URL(`${scheme}//${host}`).host.toLowerCase();
  } catch {
    return undefined;
  }
}

/** Whether `origin` (an `Origin` header value) is the app's own origin. */
export function isSameOrigin(req: Request, origin: string): boolean {
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false; // includes the opaque `null` origin
  }
  if (parsed.origin === configuredOrigin()) return true;
  return parsed.host.toLowerCase() === requestHost(req, parsed.protocol);
}

/**
 * Throws 403 when a cookie-carrying state-changing request is cross-origin or declares another
 * body type than the route takes. Answers whether the request must have an empty body: one that
 * declares no Content-Type at all (a body-less POST such as "release this lease" from a
 * non-browser client) may pass only if no body byte follows.
 */
export function checkCsrf(req: Request, rule: BodyRule): { emptyOnly: boolean } {
  if (!isStateChanging(req.method) || hasBearer(req) || !req.headers.get('cookie')) return { emptyOnly: false };
  const site = req.headers.get('sec-fetch-site');
  if (site && site !== 'same-origin') throw forbidden(`Cross-site request refused (Sec-Fetch-Site: ${site.slice(0, 20)})`);
  const origin = req.headers.get('origin');
  if (origin !== null && !isSameOrigin(req, origin)) throw forbidden('Cross-origin request refused (Origin is not this app)');
  const type = (req.headers.get('content-type') ?? '').split(';')[0].trim().toLowerCase();
  const wanted = rule.kind === 'json' ? 'application/json' : 'multipart/form-data';
  if (!type) return { emptyOnly: true };
  if (type !== wanted) throw forbidden(`This request must be sent as ${wanted} (got ${type.slice(0, 60)})`);
  return { emptyOnly: false };
}

const untyped = (rule: BodyRule) =>
  forbidden(`A request body needs a Content-Type: ${rule.kind === 'json' ? 'application/json' : 'multipart/form-data'}`);

/** Both checks for one state-changing request, in order: CSRF, then the body limit. Returns the request to hand on. */
export function guardRequest(req: Request, route: string): Request {
  if (!isStateChanging(req.method)) return req;
  const rule = bodyRule(route, req.method);
  const { emptyOnly } = checkCsrf(req, rule);
  return emptyOnly ? limitBody(req, 0, () => untyped(rule)) : limitBody(req, rule.maxBytes());
}

export function payloadTooLarge(maxBytes: number): AppError {
  const limit = maxBytes >= 1e6 ? `${Math.round(maxBytes / 1e6)} MB` : `${Math.round(maxBytes / KB)} KB`;
  return new AppError('PAYLOAD_TOO_LARGE', `The request body is over this route's ${limit} limit`, { maxBytes });
}

/**
 * Refuses a declared `Content-Length` over `maxBytes`, and returns the request with its body
 * replaced by a stream that errors with 413 once more than `maxBytes` have arrived (and cancels
 * the rest of the upload). `req.json()`, `req.text()` and `req.formData()` on the result reject
 * with that AppError.
 */
export function limitBody(req: Request, maxBytes: number, overflow: () => AppError = () => payloadTooLarge(maxBytes)): Request {
  const declared = req.headers.get('content-length');
  if (declared !== null && Number(declared) > maxBytes) throw overflow();
  if (!req.body) return req;
  const reader = req.body.getReader();
  let seen = 0;
  const body = new ReadableStream<Uint8Array>({
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) {
        controller.close();
        return;
      }
      seen += value.byteLength;
      if (seen > maxBytes) {
        controller.error(overflow());
        await reader.cancel().catch(() => undefined);
        return;
      }
      controller.enqueue(value);
    },
    cancel(reason) {
      return reader.cancel(reason);
    },
  });
  return new Request(req.url, { method: req.method, headers: req.headers, body, duplex: 'half', signal: req.signal } as RequestInit);
}
