import { AppError } from '@/lib/http/errors';

/**
 * Brute-force protection for sign-in: after 5 failures for an email, each further
 * attempt must wait 2^(failures-5) seconds (capped at 15 minutes). In-process state:
 * with several web processes each keeps its own window, which still bounds guessing.
 */
const failures = new Map<string, { count: number; last: number }>();
const FREE_ATTEMPTS = 5;
const MAX_DELAY_MS = 15 * 60_000;

export function signInDelayMs(email: string, now = Date.now()): number {
  const entry = failures.get(email.toLowerCase());
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
  const key = email.toLowerCase();
  const entry = failures.get(key) ?? { count: 0, last: now };
  failures.set(key, { count: entry.count + 1, last: now });
}

export function recordSignInSuccess(email: string): void {
  failures.delete(email.toLowerCase());
}
