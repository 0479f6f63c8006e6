import PgBoss from 'pg-boss';
import { eq, sql } from 'drizzle-orm';
import type { ZodType } from 'zod';
import type { Db, DbHandle } from '@/db/client';
import { jobRuns } from '@/db/schema';
import { logger } from '@/lib/observability/log';
import { metrics } from '@/lib/observability/metrics';

export interface JobContext {
  jobId: string;
  db: Db;
  handle: DbHandle;
  /** Reports progress in [0, 1] with a short message; the UI polls it. */
  progress(fraction: number, message?: string): Promise<void>;
  /** Queues a follow-up job (a chain step) on the same engine; null when its queue policy refused it (one already waiting). */
  enqueue?<T>(def: JobDefinition<T>, data: T): Promise<string | null>;
}

/**
 * pg-boss 10 queue policies (pg-boss docs, "Queues"): 'singleton' = at most one active job,
 * 'stately' = at most one queued and one active, 'short' = at most one queued, 'exclusive' = one
 * queued or active (newer pg-boss; not in 10.4), each per singletonKey. Without a policy ('standard') a singletonKey does nothing.
 */
export type QueuePolicy = 'standard' | 'short' | 'singleton' | 'stately';

export interface JobDefinition<T> {
  name: string;
  schema: ZodType<T>;
  options: { retryLimit: number; retryDelay: number; retryBackoff: boolean; expireInSeconds: number; singletonKey?: string };
  /** The queue's policy; default 'stately' when options.singletonKey is set, else 'standard'. */
  policy?: QueuePolicy;
  /** How many of this job one worker process runs at once. */
  concurrency?: number;
  handler(data: T, ctx: JobContext): Promise<unknown>;
}

/** The pg-boss instance; in embedded mode it runs over PGlite through a one-method adapter. */
export function createBoss(handle: DbHandle): PgBoss {
  const common = { schema: 'pgboss', supervise: true, schedule: true, migrate: true } as const;
  if (handle.mode === 'postgres') {
    return new PgBoss({ ...common, connectionString: handle.url!, max: 4 });
  }
  const pglite = handle.pglite!;
  return new PgBoss({
    ...common,
    db: {
      async executeSql(text: string, values?: unknown[]) {
        if (values && values.length > 0) return pglite.query(text, values);
        const results = await pglite.exec(text);
        return results[results.length - 1] ?? { rows: [] };
      },
    },
  });
}

export class JobEngine {
  private started = false;
  private readonly definitions = new Map<string, JobDefinition<unknown>>();

  constructor(
    readonly boss: PgBoss,
    private readonly handle: DbHandle,
  ) {
    boss.on('error', (err) => logger().error({ err }, 'job engine error'));
  }

  get state(): 'running' | 'stopped' {
    return this.started ? 'running' : 'stopped';
  }

  async start(definitions: JobDefinition<unknown>[]): Promise<void> {
    await this.boss.start();
    for (const def of definitions) {
      this.definitions.set(def.name, def);
      const policy = queuePolicy(def);
      await this.boss.createQueue(def.name, { name: def.name, policy });
      // createQueue keeps an existing queue as it is: a queue made before its policy was set is updated.
      const existing = (await this.boss.getQueue(def.name)) as { policy?: string } | null;
      if (existing && (existing.policy ?? 'standard') !== policy) await this.boss.updateQueue(def.name, { name: def.name, policy });
    }
    this.started = true;
  }

  /** Starts consuming jobs in this process. */
  async work(): Promise<void> {
    for (const def of this.definitions.values()) {
      await this.boss.work(
        def.name,
        { pollingIntervalSeconds: 1, batchSize: 1, includeMetadata: true },
        async (jobs) => {
          for (const job of jobs) await this.run(def, job.id, job.data, (job as { retryCount?: number }).retryCount ?? 0);
        },
      );
    }
  }

  private async run(def: JobDefinition<unknown>, jobId: string, raw: unknown, retryCount: number): Promise<void> {
    const db = this.handle.db;
    const data = def.schema.parse(raw);
    await db
      .insert(jobRuns)
      .values({ jobId, name: def.name, state: 'active', attempts: retryCount + 1 })
      .onConflictDoUpdate({
        target: jobRuns.jobId,
        set: { state: 'active', attempts: retryCount + 1, error: null, updatedAt: new Date() },
      });
    const ctx: JobContext = {
      jobId,
      db,
      handle: this.handle,
      progress: async (fraction, message = '') => {
        await db
          .update(jobRuns)
          .set({ progress: Math.max(0, Math.min(1, fraction)), message, updatedAt: new Date() })
          .where(eq(jobRuns.jobId, jobId));
      },
      enqueue: (next, payload) => this.enqueue(next, payload),
    };
    const started = performance.now();
    try {
      const result = await def.handler(data, ctx);
      await db
        .update(jobRuns)
        .set({ state: 'completed', progress: 1, result: (result ?? null) as never, updatedAt: new Date() })
        .where(eq(jobRuns.jobId, jobId));
      metrics().jobDuration.observe({ job: def.name, outcome: 'completed' }, (performance.now() - started) / 1000);
    } catch (err) {
      metrics().jobDuration.observe({ job: def.name, outcome: 'failed' }, (performance.now() - started) / 1000);
      metrics().jobFailures.inc({ job: def.name });
      const message = err instanceof Error ? err.message : String(err);
      logger().warn({ err, job: def.name, jobId }, 'job failed');
      await db.update(jobRuns).set({ state: 'failed', error: message, updatedAt: new Date() }).where(eq(jobRuns.jobId, jobId));
      throw err;
    }
  }

  /** Queues a job; the returned id finds its progress in `job_runs`. */
  async enqueue<T>(def: JobDefinition<T>, data: T, overrides: Partial<JobDefinition<T>['options']> = {}): Promise<string | null> {
    const payload = def.schema.parse(data);
    const id = await this.boss.send(def.name, payload as object, { ...def.options, ...overrides });
    if (id) {
      await this.handle.db.insert(jobRuns).values({ jobId: id, name: def.name, state: 'queued' }).onConflictDoNothing();
    }
    return id;
  }

  async schedule(def: JobDefinition<unknown>, cron: string, data: unknown): Promise<void> {
    await this.boss.schedule(def.name, cron, data as object, def.options);
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    await this.boss.stop({ graceful: true, wait: true, timeout: 10_000 });
  }
}

/** The policy a job's queue is created with (see {@link QueuePolicy}). */
export function queuePolicy(def: Pick<JobDefinition<unknown>, 'policy' | 'options'>): QueuePolicy {
  return def.policy ?? (def.options.singletonKey ? 'stately' : 'standard');
}

/** Jobs whose last runs stay on the progress list whatever the every-minute cron jobs do. */
export const PINNED_JOBS = ['retrain', 'rescore', 'push-embeddings'] as const;
export const PINNED_PER_JOB = 5;

/**
 * The progress list: the `limit` most recently updated runs, plus the last PINNED_PER_JOB runs
 * of each of PINNED_JOBS (the retrain chain), newest first.
 */
export async function recentJobs(db: Db, limit = 50) {
  const recent = await db.select().from(jobRuns).orderBy(sql`${jobRuns.updatedAt} desc`).limit(limit);
  const pinned = await db
    .select()
    .from(jobRuns)
    .where(
      sql`${jobRuns.jobId} in (select job_id from (select job_id, row_number() over (partition by name order by updated_at desc) as r
                                from job_runs where name in (${sql.join(
                                  PINNED_JOBS.map((n) => sql`${n}`),
                                  sql`, `,
                                )})) p where p.r <= ${PINNED_PER_JOB})`,
    );
  const seen = new Set(recent.map((r) => r.jobId));
  return [...recent, ...pinned.filter((r) => !seen.has(r.jobId))].sort(
    (a, b) => new Date(b.updatedAt).getTime() - new Date(a.updatedAt).getTime(),
  );
}
