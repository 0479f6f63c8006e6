import { afterEach, describe, expect, it } from 'vitest';
import {
  checkSignInAllowed,
  FREE_ATTEMPTS_PER_IP,
  MAX_ENTRIES,
  recordSignInFailure,
  recordSignInSuccess,
  resetSignInThrottle,
  signInDelayMs,
  trackedSignInFailures,
} from '@/lib/auth/throttle';
import { AppError } from '@/lib/errors';
import { httpHeadersOf, httpStatusOf } from '@/lib/http/errors';

afterEach(() => resetSignInThrottle());

const ATTACKER = '198.51.100.66';
const VICTIM_IP = '203.0.113.10';

/**
 * Attacker's view: guess passwords for someone else's account, or — failing that — keep them
 * locked out by failing on purpose. The slowdown must bound the first and make the second useless.
 */
describe('finding 6: lockout cannot be used against a user — sign-in slowdown per (IP, email) and per IP', () => {
  it("an attacker's failures from another address do not slow down the real user", async () => {
    const now = Date.now();
    for (let i = 0; i < 50; i++) recordSignInFailure(ATTACKER, 'admin@chorus.test', now);
    expect(signInDelayMs(ATTACKER, 'admin@chorus.test', now)).toBeGreaterThan(0);
    expect(signInDelayMs(VICTIM_IP, 'admin@chorus.test', now)).toBe(0);
    await expect(checkSignInAllowed(VICTIM_IP, 'Admin@Chorus.test')).resolves.toBeUndefined();
    await expect(checkSignInAllowed(ATTACKER, 'admin@chorus.test')).rejects.toMatchObject({ code: 'RATE_LIMITED' });
  });

  it('waits 2^(failures-5) s per (IP, email) from the fifth failure on; emails are case- and space-insensitive', () => {
    const now = Date.now();
    for (let i = 0; i < 4; i++) recordSignInFailure(ATTACKER, 'Victim@Example.org', now);
    expect(signInDelayMs(ATTACKER, 'victim@example.org', now)).toBe(0);
    recordSignInFailure(ATTACKER, 'victim@example.org', now);
    expect(signInDelayMs(ATTACKER, 'victim@example.org', now)).toBe(1000);
    recordSignInFailure(ATTACKER, 'victim@example.org', now);
    expect(signInDelayMs(ATTACKER, ' VICTIM@example.org ', now)).toBe(2000);
    expect(signInDelayMs(ATTACKER, 'victim@example.org', now + 2000)).toBe(0);
    for (let i = 0; i < 30; i++) recordSignInFailure(ATTACKER, 'victim@example.org', now);
    expect(signInDelayMs(ATTACKER, 'victim@example.org', now)).toBe(15 * 60_000); // capped
  });

  it('one address spraying many accounts is slowed by the looser per-IP bound', () => {
    const now = Date.now();
    for (let i = 0; i < FREE_ATTEMPTS_PER_IP - 1; i++) recordSignInFailure(ATTACKER, `user${i}@x.test`, now);
    expect(signInDelayMs(ATTACKER, 'fresh@x.test', now)).toBe(0);
    recordSignInFailure(ATTACKER, 'another@x.test', now);
    expect(signInDelayMs(ATTACKER, 'fresh@x.test', now)).toBe(1000);
    for (let i = 0; i < 3; i++) recordSignInFailure(ATTACKER, `more${i}@x.test`, now);
    expect(signInDelayMs(ATTACKER, 'fresh@x.test', now)).toBe(8000);
    // Other addresses are untouched.
    expect(signInDelayMs(VICTIM_IP, 'fresh@x.test', now)).toBe(0);
  });

  it("a success clears that address's count for the email, but not the per-IP count", () => {
    const now = Date.now();
    for (let i = 0; i < 6; i++) recordSignInFailure(ATTACKER, 'me@x.test', now);
    for (let i = 0; i < FREE_ATTEMPTS_PER_IP; i++) recordSignInFailure(ATTACKER, `spray${i}@x.test`, now);
    recordSignInSuccess(ATTACKER, 'me@x.test');
    // The attacker's own good account does not wash the address clean.
    expect(signInDelayMs(ATTACKER, 'me@x.test', now)).toBeGreaterThan(0);
    for (let i = 0; i < 6; i++) recordSignInFailure(VICTIM_IP, 'me@x.test', now);
    recordSignInSuccess(VICTIM_IP, 'me@x.test');
    expect(signInDelayMs(VICTIM_IP, 'me@x.test', now)).toBe(0);
  });

  it('the refusal is a 429 with Retry-After', async () => {
    for (let i = 0; i < 8; i++) recordSignInFailure(ATTACKER, 'v@x.test');
    const err = await checkSignInAllowed(ATTACKER, 'v@x.test').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AppError);
    expect((err as AppError).code).toBe('RATE_LIMITED');
    expect(httpStatusOf((err as AppError).code)).toBe(429);
    expect(Number(httpHeadersOf(err as AppError)?.['Retry-After'])).toBeGreaterThanOrEqual(1);
  });

  it('a key whose last failure is a day old starts afresh', () => {
    const then = Date.now() - 25 * 3600_000;
    for (let i = 0; i < 40; i++) recordSignInFailure(ATTACKER, 'old@x.test', then);
    expect(signInDelayMs(ATTACKER, 'old@x.test')).toBe(0);
    recordSignInFailure(ATTACKER, 'old@x.test');
    expect(signInDelayMs(ATTACKER, 'old@x.test')).toBe(0);
  });

  it('the table stays bounded under a flood of made-up emails and addresses', () => {
    const now = Date.now();
    for (let i = 0; i < MAX_ENTRIES + 500; i++) recordSignInFailure(`10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`, `junk${i}@x.test`, now);
    expect(trackedSignInFailures()).toBeLessThanOrEqual(MAX_ENTRIES);
  });
});
