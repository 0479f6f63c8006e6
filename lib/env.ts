import path from 'node:path';
import { z } from 'zod';
import { DbEnvSchema, resolveDataDir } from '@/db/config';
import { parseTrustedProxies } from './http/peer';

/**
 * The environment, validated once. Code reads `env()`, never `process.env`,
 * so a typo in a variable name fails loudly at start instead of silently
 * falling back.
 */
const EnvSchema = DbEnvSchema.extend({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  CHORUS_AUDIO_DIR: z.string().optional(),
  /** Seed the demo catalog and accounts when the database is empty. */
  CHORUS_DEMO: z.enum(['0', '1']).default('1'),
  CHORUS_DEMO_CLIPS: z.coerce.number().int().min(1).max(10_000).default(64),
  CHORUS_DEMO_PASSWORD: z.string().min(8).optional(),
  /**
   * With the demo catalog, also seed a first hours' history (simulated answers, a first model,
   * a snapshot, listener sessions; lib/demo/history.ts). `npm start` turns it on; the e2e
   * server and `next start` alone do not.
   */
  CHORUS_DEMO_HISTORY: z.enum(['0', '1']).default('0'),
  /** Run job workers inside the web process (always on for the embedded database). */
  CHORUS_WORKERS_INPROCESS: z.enum(['0', '1']).optional(),
  CHORUS_LEASE_SECONDS: z.coerce.number().int().min(10).max(86_400).default(300),
  CHORUS_MAX_UPLOAD_MB: z.coerce.number().positive().default(200),
  CHORUS_MAX_DURATION_S: z.coerce.number().positive().default(3600),
  /** S3-compatible audio store; all of endpoint, bucket and keys must be set to use it. */
  CHORUS_S3_ENDPOINT: z.string().url().optional(),
  CHORUS_S3_BUCKET: z.string().min(1).optional(),
  CHORUS_S3_REGION: z.string().default('us-east-1'),
  CHORUS_S3_PREFIX: z.string().default(''),
  CHORUS_S3_ACCESS_KEY_ID: z.string().optional(),
  CHORUS_S3_SECRET_ACCESS_KEY: z.string().optional(),
  NEXTAUTH_SECRET: z.string().min(16).optional(),
  NEXTAUTH_URL: z.string().url().optional(),
  /** OAuth: set both to offer "Sign in with GitHub" (new users join as contributors). */
  GITHUB_ID: z.string().optional(),
  GITHUB_SECRET: z.string().optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** A bearer token that may read GET /api/metrics (for a Prometheus scraper without a user account). */
  CHORUS_METRICS_TOKEN: z.string().min(16).optional(),
  /** Token-bucket rate limits (requests per second and burst); a rate of 0 switches that limit off. */
  CHORUS_RATE_VOTES_PER_S: z.coerce.number().min(0).default(10),
  CHORUS_RATE_VOTES_BURST: z.coerce.number().min(1).default(30),
  CHORUS_RATE_UPLOADS_PER_S: z.coerce.number().min(0).default(2),
  CHORUS_RATE_UPLOADS_BURST: z.coerce.number().min(1).default(20),
  /** Sign-in attempts per client IP (on top of the per-email slowdown after failures). */
  CHORUS_RATE_SIGNIN_PER_S: z.coerce.number().min(0).default(1),
  CHORUS_RATE_SIGNIN_BURST: z.coerce.number().min(1).default(20),
  /**
   * Proxies whose `X-Forwarded-For` is believed (comma-separated IPs or CIDRs, e.g.
   * `127.0.0.1,10.0.0.0/8`). Without it the header is ignored and the per-IP limits key on the
   * TCP peer (lib/http/peer.ts, lib/http/rate-limit.ts `clientIp`).
   */
  CHORUS_TRUSTED_PROXIES: z
    .string()
    .optional()
    .superRefine((value, ctx) => {
      try {
        parseTrustedProxies(value);
      } catch (err) {
        ctx.addIssue({ code: 'custom', message: err instanceof Error ? err.message : String(err) });
      }
    }),
});

export type Env = z.infer<typeof EnvSchema> & { dataDir: string; audioDir: string; embedded: boolean };

let cached: Env | undefined;

export function env(): Env {
  if (cached) return cached;
  const parsed = EnvSchema.safeParse(process.env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    throw new Error(`Invalid environment: ${problems}`);
  }
  const e = parsed.data;
  const dataDir = resolveDataDir(e.CHORUS_DATA_DIR);
  const audioDir = path.resolve(
    e.CHORUS_AUDIO_DIR ?? (dataDir.startsWith('memory://') ? path.join('.data', 'audio-memory') : path.join(dataDir, 'audio')),
  );
  cached = { ...e, dataDir, audioDir, embedded: !e.DATABASE_URL };
  return cached;
}

/** Tests change the environment between cases; this forgets the cached parse. */
export function resetEnvCache(): void {
  cached = undefined;
}
