import { afterEach, describe, expect, it } from 'vitest';
import { resetEnvCache } from '@/lib/env';
import { AppError } from '@/lib/errors';
import { httpHeadersOf, httpStatusOf } from '@/lib/http/errors';
import { clientIp, enforceRateLimit, rateLimitSpec, resetRateLimiters, TokenBucketLimiter } from '@/lib/http/rate-limit';

afterEach(() => {
  resetRateLimiters();
});

function clock() {
  let t = 0;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

describe('token bucket', () => {
  it('accepts the burst at once, then the refill rate, and says how long to wait', () => {
    const c = clock();
    const limiter = new TokenBucketLimiter({ ratePerSecond: 10, burst: 30 }, { now: c.now });
    for (let i = 0; i < 30; i++) expect(limiter.take('u').allowed).toBe(true);
    const refused = limiter.take('u');
    expect(refused).toMatchObject({ allowed: false, remaining: 0 });
    expect(refused.retryAfterS).toBeCloseTo(0.1, 5);
    c.advance(100);
    expect(limiter.take('u').allowed).toBe(true);
    expect(limiter.take('u').allowed).toBe(false);
    // Over one simulated minute at 20 requests/s, exactly rate × time + burst get through.
    let accepted = 0;
    for (let ms = 0; ms < 60_000; ms += 50) {
      c.advance(50);
      if (limiter.take('v').allowed) accepted++;
    }
    // burst + rate × 60 s, less the last step's unfinished token.
    expect(accepted).toBeGreaterThanOrEqual(628);
    expect(accepted).toBeLessThanOrEqual(630);
  });

  it('keeps keys apart, and a rate of 0 switches the limit off', () => {
    const c = clock();
    const limiter = new TokenBucketLimiter({ ratePerSecond: 1, burst: 1 }, { now: c.now });
    expect(limiter.take('a').allowed).toBe(true);
    expect(limiter.take('a').allowed).toBe(false);
    expect(limiter.take('b').allowed).toBe(true);
    const off = new TokenBucketLimiter({ ratePerSecond: 0, burst: 1 });
    for (let i = 0; i < 1000; i++) expect(off.take('a').allowed).toBe(true);
  });

  it('holds a bounded number of buckets under a flood of distinct keys, forgetting refilled ones first', () => {
    const c = clock();
    const limiter = new TokenBucketLimiter({ ratePerSecond: 1, burst: 5 }, { now: c.now, maxKeys: 1000 });
    for (let i = 0; i < 20_000; i++) limiter.take(`k${i}`);
    expect(limiter.size).toBeLessThanOrEqual(1000);
    c.advance(10_000);
    limiter.take('fresh');
    expect(limiter.size).toBeLessThanOrEqual(2);
  });

  it('a cost above the burst waits for a full bucket rather than forever', () => {
    const limiter = new TokenBucketLimiter({ ratePerSecond: 2, burst: 4 }, { now: () => 0 });
    const r = limiter.take('x', 100);
    expect(r.allowed).toBe(false);
    expect(Number.isFinite(r.retryAfterS)).toBe(true);
  });
});

describe('named limits', () => {
  it('defaults: votes 10/s burst 30, uploads 2/s burst 20, sign-in 1/s burst 20 per IP; env overrides', () => {
    expect(rateLimitSpec('votes')).toEqual({ ratePerSecond: 10, burst: 30 });
    expect(rateLimitSpec('uploads')).toEqual({ ratePerSecond: 2, burst: 20 });
    expect(rateLimitSpec('signin')).toEqual({ ratePerSecond: 1, burst: 20 });
    process.env.CHORUS_RATE_VOTES_PER_S = '3';
    process.env.CHORUS_RATE_VOTES_BURST = '4';
    resetEnvCache();
    try {
      expect(rateLimitSpec('votes')).toEqual({ ratePerSecond: 3, burst: 4 });
    } finally {
      delete process.env.CHORUS_RATE_VOTES_PER_S;
      delete process.env.CHORUS_RATE_VOTES_BURST;
      resetEnvCache();
    }
  });

  it('a refusal is a RATE_LIMITED AppError (429) with a whole-second Retry-After of at least 1', () => {
    for (let i = 0; i < 30; i++) enforceRateLimit('votes', 'user:a');
    let err: unknown;
    try {
      enforceRateLimit('votes', 'user:a');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(AppError);
    const e = err as AppError;
    expect(e.code).toBe('RATE_LIMITED');
    expect(httpStatusOf(e.code)).toBe(429);
    expect(httpHeadersOf(e)?.['Retry-After']).toBe('1');
    expect(() => enforceRateLimit('votes', 'user:b')).not.toThrow();
  });

  it('the client IP is the last X-Forwarded-For hop (the one the nearest proxy added)', () => {
    const req = (h: Record<string, string>) => new Request('http://localhost/x', { headers: h });
    expect(clientIp(req({ 'x-forwarded-for': '6.6.6.6, 10.0.0.7' }))).toBe('10.0.0.7');
    expect(clientIp(req({ 'x-forwarded-for': '127.0.0.1' }))).toBe('127.0.0.1');
    expect(clientIp(req({}))).toBe('unknown');
  });
});

// The sign-in slowdown per (IP, email) and per IP: tests/unit/security/signin-throttle.test.ts.
