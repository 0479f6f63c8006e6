import { env } from '@/lib/env';
import { metrics } from '@/lib/observability/metrics';
import { AppError } from '@/lib/errors';
import { isTrusted, normalizeIp, PEER_HEADER, peerStampActive, trustedProxyList } from './peer';

/**
 * In-process token buckets for the routes a person can hammer: votes, uploads and sign-in.
 *
 * Model: each key (a user id, or a client IP for sign-in) owns a bucket of at most `burst`
 * tokens that refills continuously at `ratePerSecond`; a request takes `cost` tokens or is
 * refused with the time until enough have refilled (the `Retry-After`). Memory is bounded:
 * a bucket that has refilled completely carries no information and is dropped on the next
 * sweep, and the map never holds more than `maxKeys` buckets (oldest first out).
 *
 * In-process on purpose: several web processes each keep their own buckets, so the real
 * ceiling is `processes × rate` — still a bound on abuse, without a shared store to run.
 * A proxy or a shared store (Redis, Postgres) is the upgrade path if that ever matters.
 */
export interface BucketSpec {
  /** Tokens added per second; 0 switches the limit off. */
  ratePerSecond: number;
  /** Bucket size: the most requests accepted at once after a quiet spell. */
  burst: number;
}

export interface TakeResult {
  allowed: boolean;
  /** Whole tokens left after this request (0 when refused). */
  remaining: number;
  /** Seconds until the request would be accepted (0 when allowed). */
  retryAfterS: number;
}

interface Bucket {
  tokens: number;
  /** Milliseconds (monotonic clock) of the last refill. */
  at: number;
}

export class TokenBucketLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private lastSweep = 0;

  constructor(
    readonly spec: BucketSpec,
    private readonly options: { maxKeys?: number; now?: () => number } = {},
  ) {}

  private now(): number {
    return this.options.now ? this.options.now() : performance.now();
  }

  /** Takes `cost` tokens from `key`'s bucket, or says how long to wait. O(1) amortised. */
  take(key: string, cost = 1): TakeResult {
    const { ratePerSecond, burst } = this.spec;
    if (ratePerSecond <= 0) return { allowed: true, remaining: burst, retryAfterS: 0 };
    const now = this.now();
    this.sweep(now);
    const bucket = this.buckets.get(key);
    const tokens = bucket ? Math.min(burst, bucket.tokens + ((now - bucket.at) / 1000) * ratePerSecond) : burst;
    if (tokens >= cost) {
      // Re-insert so the Map's order is least-recently-used first (the eviction order).
      this.buckets.delete(key);
      this.buckets.set(key, { tokens: tokens - cost, at: now });
      return { allowed: true, remaining: Math.floor(tokens - cost), retryAfterS: 0 };
    }
    this.buckets.set(key, { tokens, at: now });
    // A cost above the burst can never be met; report the time to a full bucket instead of forever.
    const missing = Math.min(cost, burst) - tokens;
    return { allowed: false, remaining: 0, retryAfterS: missing / ratePerSecond };
  }

  /** Number of buckets held (for tests and the metrics page). */
  get size(): number {
    return this.buckets.size;
  }

  private sweep(now: number): void {
    const maxKeys = this.options.maxKeys ?? 100_000;
    const fullAfterMs = (this.spec.burst / this.spec.ratePerSecond) * 1000;
    if (this.buckets.size < maxKeys && now - this.lastSweep < Math.max(10_000, fullAfterMs)) return;
    this.lastSweep = now;
    for (const [key, b] of this.buckets) {
      if (now - b.at >= fullAfterMs) this.buckets.delete(key);
    }
    // Still too many live keys (a flood of distinct ones): drop the least recently used.
    for (const key of this.buckets.keys()) {
      if (this.buckets.size < maxKeys) break;
      this.buckets.delete(key);
    }
  }
}

export type RateLimitName = 'votes' | 'uploads' | 'signin';

/** The configured spec of each named limit (environment, with the defaults in lib/env.ts). */
export function rateLimitSpec(name: RateLimitName): BucketSpec {
  const e = env();
  switch (name) {
    case 'votes':
      return { ratePerSecond: e.CHORUS_RATE_VOTES_PER_S, burst: e.CHORUS_RATE_VOTES_BURST };
    case 'uploads':
      return { ratePerSecond: e.CHORUS_RATE_UPLOADS_PER_S, burst: e.CHORUS_RATE_UPLOADS_BURST };
    case 'signin':
      return { ratePerSecond: e.CHORUS_RATE_SIGNIN_PER_S, burst: e.CHORUS_RATE_SIGNIN_BURST };
  }
}

// One set of buckets per process, whichever bundle asks (Next may load this module more than once).
const holder = globalThis as unknown as { __chorusRateLimiters?: Map<RateLimitName, TokenBucketLimiter> };

export function rateLimiter(name: RateLimitName): TokenBucketLimiter {
  holder.__chorusRateLimiters ??= new Map();
  let limiter = holder.__chorusRateLimiters.get(name);
  if (!limiter) {
    limiter = new TokenBucketLimiter(rateLimitSpec(name));
    holder.__chorusRateLimiters.set(name, limiter);
  }
  return limiter;
}

/** Tests change the environment or need fresh buckets between cases. */
export function resetRateLimiters(): void {
  holder.__chorusRateLimiters = undefined;
}

/**
 * Takes a token for `key` from the named limit or throws `RATE_LIMITED` (429) with
 * `Retry-After` in whole seconds (at least 1, as the header has no fractions).
 */
export function enforceRateLimit(name: RateLimitName, key: string, cost = 1): void {
  const result = rateLimiter(name).take(`${name}:${key}`, cost);
  if (result.allowed) return;
  metrics().rateLimited.inc({ limit: name });
  const retryAfter = Math.max(1, Math.ceil(result.retryAfterS));
  const what = name === 'votes' ? 'votes' : name === 'uploads' ? 'uploads' : 'sign-in attempts';
  throw new AppError(
    'RATE_LIMITED',
    `Too many ${what}; try again in ${retryAfter} s`,
    { retryAfterS: retryAfter, limit: rateLimiter(name).spec },
    { retryAfterS: retryAfter },
  );
}

/**
 * The client's address for the per-IP limits: the TCP peer (stamped by lib/http/peer.ts in the
 * server process), and — only when that peer is one of `CHORUS_TRUSTED_PROXIES` — the
 * `X-Forwarded-For` hops walked from the right past further trusted proxies: the first untrusted
 * hop is the client. Without trusted proxies `X-Forwarded-For` is ignored, so rotating it does
 * not dodge a per-IP limit.
 *
 * A process without the stamp (route handlers called in-process by tests) has no socket; there
 * the peer is the last `X-Forwarded-For` hop, which is what Next writes from the socket when no
 * proxy did.
 */
export function clientIp(req: Request): string {
  const xff = (req.headers.get('x-forwarded-for') ?? '')
    .split(',')
    .map((hop) => normalizeIp(hop))
    .filter(Boolean);
  let peer: string | undefined;
  if (peerStampActive()) peer = req.headers.get(PEER_HEADER) || undefined;
  else peer = xff.pop();
  if (!peer) return 'unknown';
  peer = normalizeIp(peer);
  const trusted = env().CHORUS_TRUSTED_PROXIES;
  if (trusted) {
    const list = trustedProxyList(trusted);
    let client = peer;
    while (isTrusted(list, client) && xff.length > 0) client = xff.pop()!;
    peer = client;
  }
  return peer.slice(0, 64);
}
