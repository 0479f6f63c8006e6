/**
 * The HTTP side of domain errors (lib/errors.ts): the status each kind answers with and the
 * headers it carries. Only lib/http reads this; domain code throws kinds.
 */
import type { AppError, ErrorKind } from '@/lib/errors';

const STATUS: Record<ErrorKind, number> = {
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  LEASE_EXPIRED: 409,
  WRONG_QUEUE: 409,
  IDEMPOTENCY_KEY_REUSED: 409,
  DUPLICATE: 409,
  UNDO_EXPIRED: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNPROCESSABLE: 422,
  UNKNOWN_TAG: 422,
  RATE_LIMITED: 429,
  QUEUE_EMPTY: 404,
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

/** The HTTP status a kind of domain error answers with. */
export function httpStatusOf(kind: ErrorKind): number {
  return STATUS[kind];
}

/** The headers an error's answer carries (`Retry-After` when the error says when to try again). */
export function httpHeadersOf(err: AppError): Record<string, string> | undefined {
  return err.retryAfterS === undefined ? undefined : { 'Retry-After': String(err.retryAfterS) };
}
