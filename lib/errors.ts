/**
 * Domain errors. Code in lib/ throws an {@link AppError} with a {@link ErrorKind} saying what
 * went wrong in the domain's terms (not found, a conflict, a lease that expired …); it knows
 * nothing of HTTP. The route wrapper (lib/http/route.ts) turns one into
 * `{ error: { code, message, details } }` with the status `lib/http/errors.ts` maps the kind to;
 * the CLI prints the message.
 */
export type ErrorKind =
  | 'BAD_REQUEST'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'CONFLICT'
  | 'LEASE_EXPIRED'
  /** A lease used on the other queue's endpoint (an expert's review lease sent to /api/votes). */
  | 'WRONG_QUEUE'
  /** An idempotency key sent again for a different lease: not a replay, and not recordable under that key. */
  | 'IDEMPOTENCY_KEY_REUSED'
  | 'DUPLICATE'
  /** An undo asked for after its window (lib/queue/schemas.ts UNDO_WINDOW_SECONDS): the answer stays. */
  | 'UNDO_EXPIRED'
  | 'PAYLOAD_TOO_LARGE'
  | 'UNPROCESSABLE'
  | 'UNKNOWN_TAG'
  | 'RATE_LIMITED'
  | 'QUEUE_EMPTY'
  /** The database is unreachable or out of space (db/retry.ts unavailableReason): try again later. */
  | 'UNAVAILABLE'
  | 'INTERNAL';

export interface AppErrorOptions {
  /** When trying again makes sense (a rate limit, a sign-in throttle), in whole seconds. */
  retryAfterS?: number;
}

export class AppError extends Error {
  /** The kind, which is also the error's code on the wire (`{ error: { code } }`). */
  readonly code: ErrorKind;
  readonly retryAfterS?: number;
  constructor(
    code: ErrorKind,
    message: string,
    readonly details?: unknown,
    options: AppErrorOptions = {},
  ) {
    super(message);
    this.name = 'AppError';
    this.code = code;
    this.retryAfterS = options.retryAfterS;
  }
}

export const badRequest = (message: string, details?: unknown) => new AppError('BAD_REQUEST', message, details);
export const notFound = (message: string) => new AppError('NOT_FOUND', message);
export const conflict = (message: string) => new AppError('CONFLICT', message);
export const unprocessable = (message: string, details?: unknown) => new AppError('UNPROCESSABLE', message, details);

export function isAppError(err: unknown): err is AppError {
  return err instanceof AppError;
}
