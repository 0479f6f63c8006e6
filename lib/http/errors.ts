/**
 * Typed errors that route handlers turn into `{ error: { code, message } }`
 * with the matching status. Domain code throws these; it never builds HTTP responses.
 */
export type ErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'LEASE_EXPIRED'
  | 'WRONG_QUEUE'
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'DUPLICATE'
  | 'UNDO_EXPIRED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNPROCESSABLE'
  | 'UNKNOWN_TAG'
  | 'RATE_LIMITED'
  | 'QUEUE_EMPTY'
  | 'UNAVAILABLE'
  | 'INTERNAL';

const STATUS: Record<ErrorCode, number> = {
  BAD_REQUEST: 400,
  UNAUTHENTICATED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  LEASE_EXPIRED: 409,
  /** A lease used on the other queue's endpoint (an expert's review lease sent to /api/votes). */
  WRONG_QUEUE: 409,
  /** An idempotency key sent again for a different lease: not a replay, and not recordable under that key. */
  IDEMPOTENCY_KEY_REUSED: 409,
  DUPLICATE: 409,
  /** An undo asked for after its window (lib/queue/schemas.ts UNDO_WINDOW_SECONDS): the answer stays. */
  UNDO_EXPIRED: 409,
  PAYLOAD_TOO_LARGE: 413,
  UNPROCESSABLE: 422,
  UNKNOWN_TAG: 422,
  RATE_LIMITED: 429,
  QUEUE_EMPTY: 404,
  /** The database is unreachable or out of space (db/retry.ts unavailableReason): try again later. */
  UNAVAILABLE: 503,
  INTERNAL: 500,
};

export class AppError extends Error {
  readonly status: number;
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
    readonly headers?: Record<string, string>,
  ) {
    super(message);
    this.name = 'AppError';
    this.status = STATUS[code];
  }
}

export const badRequest = (message: string, details?: unknown) => new AppError('BAD_REQUEST', message, details);
export const notFound = (message: string) => new AppError('NOT_FOUND', message);
export const conflict = (message: string) => new AppError('CONFLICT', message);
export const unprocessable = (message: string, details?: unknown) => new AppError('UNPROCESSABLE', message, details);

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
