import { AppError } from '@/lib/errors';

/**
 * Brute-force protection for sign-in that an attacker cannot turn against the account owner.
 *
 * Two failure counters, both with exponential backoff (after F free failures, each further
 * attempt waits 2^(failures−F) s, capped at 15 minutes; a success or a quiet day starts afresh):
 *  - per (client IP, email), F = 5: guessing one account from one address slows down fast,
 *    while the real user — signing in from their own address — is not affected by failures
 *    made elsewhere (issue 22, finding 6: five wrong passwords from anywhere used to lock an
 *    account, so an attacker could keep an admin out for good);
 *  - per client IP over all emails, F = 30: one address spraying many accounts slows down too.
 *    A success does not reset it (else an attacker's own account would wash their address).
 * The per-IP token bucket in app/api/auth/[...nextauth]/route.ts bounds the raw request rate on
 * top. The client IP is `clientIp` (lib/http/rate-limit.ts), which trusts `X-Forwarded-For` only
 * as far as configured.
 *
 * What is given up on purpose: there is no global per-email ceiling, so a botnet with many
 * addresses gets 5 free guesses per address per account (argon2 and the backoff per address
 * still bound it); a per-email lock is exactly what let an attacker lock users out.
 *
 * In-process state: with several web processes each keeps its own table, which still bounds
 * guessing. Memory is bounded: the table never holds more than MAX_ENTRIES keys (least recently
 * failed forgotten first). Kept on globalThis so the route handler's pre-check and next-auth's
 * `authorize` see the same table even when Next bundles them apart.
 */
const holder = globalThis as unknown as { __chorusSignInFailures2?: Map<string, { count: number; last: number }> };
const failures = (holder.__chorusSignInFailures2 ??= new Map());
export const FREE_ATTEMPTS_PER_IP_EMAIL = 5;
export const FREE_ATTEMPTS_PER_IP = 30;
const MAX_DELAY_MS = 15 * 60_000;
const FORGET_AFTER_MS = 24 * 3600_000;
export const MAX_ENTRIES = 50_000;

const normEmail = (email: string) => email.trim().toLowerCase();
const pairKey = (ip: string, email: string) => `pair\u0000${ip}\u0000${normEmail(email)}`;
const ipKey = (ip: string) => `ip\u0000${ip}`;

function delayFor(key: string, free: number, now: number): number {
  const entry = failures.get(key);
  if (!entry || entry.count < free || now - entry.last >= FORGET_AFTER_MS) return 0;
  const delay = Math.min(MAX_DELAY_MS, 1000 * 2 ** (entry.count - free));
  return Math.max(0, entry.last + delay - now);
}

/** Milliseconds until a sign-in for `email` from `ip` is accepted again (0 = now). */
export function signInDelayMs(ip: string, email: string, now = Date.now()): number {
  return Math.max(delayFor(pairKey(ip, email), FREE_ATTEMPTS_PER_IP_EMAIL, now), delayFor(ipKey(ip), FREE_ATTEMPTS_PER_IP, now));
}

export async function checkSignInAllowed(ip: string, email: string): Promise<void> {
  const wait = signInDelayMs(ip, email);
  if (wait > 0) {
    throw new AppError('RATE_LIMITED', `Too many failed sign-ins; try again in ${Math.ceil(wait / 1000)} s`, undefined, {
      retryAfterS: Math.ceil(wait / 1000),
    });
  }
}

function bump(key: string, now: number): void {
  const entry = failures.get(key);
  const count = entry && now - entry.last < FORGET_AFTER_MS ? entry.count + 1 : 1;
  // Delete then set: the Map's order stays least-recently-failed first, the eviction order.
  failures.delete(key);
  failures.set(key, { count, last: now });
}

export function recordSignInFailure(ip: string, email: string, now = Date.now()): void {
  bump(pairKey(ip, email), now);
  bump(ipKey(ip), now);
  for (const oldest of failures.keys()) {
    if (failures.size <= MAX_ENTRIES) break;
    failures.delete(oldest);
  }
}

/** A good password from this address clears this address's count for the email (not the per-IP one). */
export function recordSignInSuccess(ip: string, email: string): void {
  failures.delete(pairKey(ip, email));
}

/** Number of keys with recorded failures (tests check the bound). */
export function trackedSignInFailures(): number {
  return failures.size;
}

/** Tests start from a clean table. */
export function resetSignInThrottle(): void {
  failures.clear();
}
