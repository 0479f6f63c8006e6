/**
 * Which PostgreSQL failures a query may be retried after, once, on a fresh connection (issue 19).
 *
 * - `not-sent`: the connection could not be established (refused, timed out before the server was
 *   ready, the server still starting up). The statement never reached the server, so retrying it is
 *   safe whatever it does — a write included.
 * - `lost`: an established connection died (reset, closed, the backend terminated by an admin or a
 *   shutdown). The statement may or may not have run; only a read is safe to run again.
 * - `other`: not a connection problem (constraint violation, syntax error, …): never retried.
 */
export type FailureKind = 'not-sent' | 'lost' | 'other';

const NOT_SENT = new Set([
  'ECONNREFUSED',
  'CONNECT_TIMEOUT', // postgres.js: cancelled on the first ReadyForQuery, so nothing was sent yet
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  '57P03', // cannot_connect_now: the database system is starting up / shutting down
  '08001', // sqlclient_unable_to_establish_sqlconnection
  '08004', // sqlserver_rejected_establishment_of_sqlconnection
  '53300', // too_many_connections (refused at connect)
]);

const LOST = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'CONNECTION_CLOSED', // postgres.js: the socket closed with a query in flight
  '57P01', // admin_shutdown (pg_terminate_backend, pg_ctl stop -m fast)
  '57P02', // crash_shutdown
  '08000', // connection_exception
  '08003', // connection_does_not_exist
  '08006', // connection_failure
]);

export function classifyFailure(err: unknown): FailureKind {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return 'other';
  if (NOT_SENT.has(code)) return 'not-sent';
  if (LOST.has(code)) return 'lost';
  return 'other';
}

/**
 * A statement that only reads: it starts with SELECT / WITH / SHOW / VALUES / TABLE and names no
 * data-changing verb, row lock, sequence step or advisory lock anywhere in it. Conservative on
 * purpose: a read it misses is simply not retried.
 */
export function isReadOnlySql(text: string): boolean {
  const s = text.replace(/--[^\n]*/g, ' ').replace(/\/\*[\s\S]*?\*\//g, ' ');
  if (!/^\s*\(?\s*(select|with|show|values|table)\b/i.test(s)) return false;
  return !/\b(insert|update|delete|merge|truncate|create|drop|alter|grant|revoke|copy|call|do|lock|for\s+(no\s+key\s+)?update|for\s+(key\s+)?share|nextval|setval|pg_advisory\w*|pg_try_advisory\w*|pg_terminate_backend|pg_cancel_backend|pg_notify|set_config)\b/i.test(s);
}

/** Whether a failed statement may run again: a connection that never carried it, or a lost one under a read. */
export function mayRetry(err: unknown, readOnly: boolean): boolean {
  const kind = classifyFailure(err);
  return kind === 'not-sent' || (kind === 'lost' && readOnly);
}

/** Delay before the one retry: long enough for the pool to drop the dead connection and open a new one. */
export const RETRY_DELAY_MS = 200;

/**
 * Runs `run` and, when it fails with a retryable connection error, once more after a short pause.
 * `run` must create a new query each time (a postgres.js query object runs only once).
 */
export async function withRetry<T>(run: () => PromiseLike<T>, readOnly: boolean, onRetry?: (err: unknown) => void): Promise<T> {
  try {
    return await run();
  } catch (err) {
    if (!mayRetry(err, readOnly)) throw err;
    onRetry?.(err);
    await new Promise((r) => setTimeout(r, RETRY_DELAY_MS));
    return await run();
  }
}

/** Why the database cannot take a request right now: a connection problem, or a full disk / exhausted resource. */
export type Unavailable = 'connection' | 'disk-full' | 'resources';

/**
 * Whether a failure means "the database is unavailable" (the client should try again later: HTTP
 * 503) rather than a bug (500). Looks through wrappers (`cause`, as drizzle's DrizzleQueryError
 * wraps the driver's error). SQLSTATE class 53 is PostgreSQL's "insufficient resources": 53100 a
 * full disk (`could not extend file`), 53200 out of memory, 53300 too many connections; a statement
 * that failed with one of them was rolled back, so nothing of it was written.
 */
export function unavailableReason(err: unknown): Unavailable | null {
  for (let e = err, depth = 0; e && typeof e === 'object' && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (code === '53100') return 'disk-full';
    if (typeof code === 'string' && code.startsWith('53')) return 'resources';
    if (classifyFailure(e) !== 'other') return 'connection';
  }
  return null;
}
