import { AppError } from '@/lib/http/errors';

/**
 * Brute-force protection for sign-in: after 5 failures for an email, each further
 * attempt must wait 2^(failures-5) seconds (capped at 15 minutes). In-process state:
 * with several web processes each keeps its own window, which still bounds guessing.
 *
 * Memory is bounded: a flood of made-up emails cannot grow the table past MAX_ENTRIES
 * (the least recently failed are forgotten first), and an email with no failure for a day
 * starts afresh. Kept on globalThis so the route handler's pre-check and next-auth's
 * `authorize` see the same table even when Next bundles them apart.
 */
const holder = globalThis as unknown as { __chorusSignInFailures?: Map<string, { count: number; last: number }> };
const failures = (holder.__chorusSignInFailures ??= new Map());
const FREE_ATTEMPTS = 5;
const MAX_DELAY_MS = 15 * 60_000;
const FORGET_AFTER_MS = 24 * 3600_000;
export const MAX_ENTRIES = 50_000;

const keyOf = (email: string) => email.trim().toLowerCase();

export function signInDelayMs(email: string, now = Date.now()): number {
  const entry = failures.get(keyOf(email));
  if (!entry || entry.count < FREE_ATTEMPTS) return 0;
  const delay = Math.min(MAX_DELAY_MS, 1000 * 2 ** (entry.count - FREE_ATTEMPTS));
  return Math.max(0, entry.last + delay - now);
}

export async function checkSignInAllowed(email: string): Promise<void> {
  const wait = signInDelayMs(email);
  if (wait > 0) {
    throw new AppError('RATE_LIMITED', `Too many failed sign-ins; try again in ${Math.ceil(wait / 1000)} s`, undefined, {
      'Retry-After': String(Math.ceil(wait / 1000)),
    });
  }
}

export function recordSignInFailure(email: string, now = Date.now()): void {
  const key = keyOf(email);
  const entry = failures.get(key);
  const count = entry && now - entry.last < FORGET_AFTER_MS ? entry.count + 1 : 1;
  // Delete then set: the Map's order stays least-recently-failed first, the eviction order.
  failures.delete(key);
  failures.set(key, { count, last: now });
  for (const oldest of failures.keys()) {
    if (failures.size <= MAX_ENTRIES) break;
    failures.delete(oldest);
  }
}

export function recordSignInSuccess(email: string): void {
  failures.delete(keyOf(email));
}

/** Number of emails with recorded failures (tests check the bound). */
export function trackedSignInFailures(): number {
  return failures.size;
}

/** Tests start from a clean table. */
export function resetSignInThrottle(): void {
  failures.clear();
}
