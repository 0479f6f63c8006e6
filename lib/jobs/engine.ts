import PgBoss from 'pg-boss';
import { and, eq, sql } from 'drizzle-orm';
import type { ZodType } from 'zod';
import { execRows, type Db, type DbHandle } from '@/db/client';
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
  enqueue?<T>(spec: JobSpec<T>, data: T): Promise<string | null>;
}

/**
 * pg-boss 10 queue policies (pg-boss docs, "Queues"): 'singleton' = at most one active job,
 * 'stately' = at most one queued and one active, 'short' = at most one queued, 'exclusive' = one
 * queued or active (newer pg-boss; not in 10.4), each per singletonKey. Without a policy ('standard') a singletonKey does nothing.
 */
export type QueuePolicy = 'standard' | 'short' | 'singleton' | 'stately';

/**
 * What a job is, apart from what runs it: its queue name, payload schema, send options and
 * queue policy. Each area declares its specs in `lib/<area>/jobs.ts`, so `lib/` and routes can
 * queue a job without importing `jobs/`; pg-boss queues persist in the database, so a name or
 * policy is a stored contract.
 */
export interface JobSpec<T> {
  name: string;
  schema: ZodType<T>;
  options: { retryLimit: number; retryDelay: number; retryBackoff: boolean; expireInSeconds: number; singletonKey?: string };
  /** The queue's policy; default 'stately' when options.singletonKey is set, else 'standard'. */
  policy?: QueuePolicy;
}

/** A spec bound to the handler that runs it (`jobs/<verb-noun>.ts`); only workers need these. */
export interface JobDefinition<T> extends JobSpec<T> {
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

/**
 * How a dead worker's job is noticed (issue 19): every running job writes a heartbeat
 * (`job_runs.updated_at`) every `heartbeatSeconds`, progress counts as one too; every
 * `sweepSeconds` each process with a started engine (workers and web) fails, through pg-boss, the jobs that are `active` but
 * whose heartbeat is older than `staleAfterSeconds`, so pg-boss retries them (or marks them
 * failed when no retry is left) instead of leaving them `active` until `expireInSeconds`.
 * Defaults: a dead worker's job shows retrying/failed within staleAfter + sweep = 50 s. A job
 * whose process blocks its event loop longer than `staleAfterSeconds` would be retried while it
 * still runs: jobs are idempotent, and its late completion does not overwrite the retry's row.
 */
export interface Liveness {
  heartbeatSeconds: number;
  staleAfterSeconds: number;
  sweepSeconds: number;
}
export const DEFAULT_LIVENESS: Liveness = { heartbeatSeconds: 10, staleAfterSeconds: 40, sweepSeconds: 10 };

export class JobEngine {
  private started = false;
  private readonly definitions = new Map<string, JobDefinition<unknown>>();
  /** Jobs running in this process: alive by definition, never swept from here. */
  private readonly running = new Set<string>();
  private sweeper: NodeJS.Timeout | undefined;
  private sweeping = false;
  readonly liveness: Liveness;

  constructor(
    readonly boss: PgBoss,
    private readonly handle: DbHandle,
    liveness: Partial<Liveness> = {},
  ) {
    this.liveness = { ...DEFAULT_LIVENESS, ...liveness };
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
      if (existing && (existing.policy ?? 'standard') !== policy)
        await this.boss.updateQueue(def.name, { name: def.name, policy });
    }
    // Every process with an engine sweeps, not only workers: a web process notices when all workers died.
    this.sweeper = setInterval(() => {
      if (this.sweeping) return;
      this.sweeping = true;
      this.reapStale()
        .catch((err) => logger().warn({ err }, 'stale job sweep failed'))
        .finally(() => (this.sweeping = false));
    }, this.liveness.sweepSeconds * 1000);
    this.sweeper.unref();
    this.started = true;
  }

  /** Starts consuming jobs in this process. */
  async work(): Promise<void> {
    for (const def of this.definitions.values()) {
      await this.boss.work(def.name, { pollingIntervalSeconds: 1, batchSize: 1, includeMetadata: true }, async (jobs) => {
        for (const job of jobs) await this.run(def, job.id, job.data, (job as { retryCount?: number }).retryCount ?? 0);
      });
    }
  }

  private async run(def: JobDefinition<unknown>, jobId: string, raw: unknown, retryCount: number): Promise<void> {
    const db = this.handle.db;
    const data = def.schema.parse(raw);
    const attempt = retryCount + 1;
    await db
      .insert(jobRuns)
      .values({ jobId, name: def.name, state: 'active', attempts: attempt })
      .onConflictDoUpdate({
        target: jobRuns.jobId,
        set: { state: 'active', attempts: attempt, error: null, updatedAt: new Date() },
      });
    // Only this attempt's row while it is active: once a sweep has handed the job to a retry,
    // a worker that was only slow cannot overwrite what the panel shows about the retry.
    const mine = and(eq(jobRuns.jobId, jobId), eq(jobRuns.attempts, attempt), eq(jobRuns.state, 'active'));
    this.running.add(jobId);
    const heartbeat = setInterval(() => {
      db.update(jobRuns)
        .set({ updatedAt: new Date() })
        .where(mine)
        .catch((err: unknown) => logger().warn({ err, jobId }, 'job heartbeat failed'));
    }, this.liveness.heartbeatSeconds * 1000);
    heartbeat.unref();
    const ctx: JobContext = {
      jobId,
      db,
      handle: this.handle,
      progress: async (fraction, message = '') => {
        await db
          .update(jobRuns)
          .set({ progress: Math.max(0, Math.min(1, fraction)), message, updatedAt: new Date() })
          .where(mine);
      },
      enqueue: (next, payload) => this.enqueue(next, payload),
    };
    const started = performance.now();
    try {
      const result = await def.handler(data, ctx);
      await db
        .update(jobRuns)
        .set({ state: 'completed', progress: 1, result: (result ?? null) as never, updatedAt: new Date() })
        .where(mine);
      metrics().jobDuration.observe({ job: def.name, outcome: 'completed' }, (performance.now() - started) / 1000);
    } catch (err) {
      metrics().jobDuration.observe({ job: def.name, outcome: 'failed' }, (performance.now() - started) / 1000);
      metrics().jobFailures.inc({ job: def.name });
      const message = err instanceof Error ? err.message : String(err);
      logger().warn({ err, job: def.name, jobId }, 'job failed');
      await db.update(jobRuns).set({ state: 'failed', error: message, updatedAt: new Date() }).where(mine);
      throw err;
    } finally {
      clearInterval(heartbeat);
      this.running.delete(jobId);
    }
  }

  /**
   * Fails, through pg-boss, this engine's jobs that are `active` without a heartbeat for
   * `staleAfterSeconds` (their worker died or hangs): pg-boss retries them after their retry
   * delay, or marks them failed when no retry is left, and `job_runs` says so at once
   * ('queued' with the reason while a retry waits, else 'failed'). Two sweepers never fail the
   * same job twice: each claims the `job_runs` row first, and only a stale row can be claimed.
   * Returns the jobs it failed.
   */
  async reapStale(): Promise<{ jobId: string; name: string; retrying: boolean }[]> {
    const names = [...this.definitions.keys()];
    if (names.length === 0) return [];
    const stale = this.liveness.staleAfterSeconds;
    const candidates = await execRows<{ id: string; name: string; retry_count: number; retry_limit: number }>(
      this.handle.db,
      sql`select j.id::text as id, j.name, j.retry_count, j.retry_limit
          from pgboss.job j left join job_runs r on r.job_id = j.id::text
          where j.state = 'active' and j.name in (${sql.join(
            names.map((n) => sql`${n}`),
            sql`, `,
          )})
            and greatest(j.started_on, coalesce(r.updated_at, j.started_on)) < now() - make_interval(secs => ${stale})`,
    );
    const reaped: { jobId: string; name: string; retrying: boolean }[] = [];
    for (const c of candidates) {
      if (this.running.has(c.id)) continue;
      const retrying = Number(c.retry_count) < Number(c.retry_limit);
      const reason = retrying
        ? `the worker stopped (no heartbeat for ${stale} s); retrying`
        : `the worker stopped (no heartbeat for ${stale} s) and no retry is left`;
      const claimed = await execRows<{ job_id: string }>(
        this.handle.db,
        sql`insert into job_runs (job_id, name, state, attempts, error, updated_at)
            values (${c.id}, ${c.name}, ${retrying ? 'queued' : 'failed'}, ${Number(c.retry_count) + 1}, ${reason}, now())
            on conflict (job_id) do update set state = excluded.state, error = excluded.error, updated_at = now()
              where job_runs.state in ('queued', 'active') and job_runs.updated_at < now() - make_interval(secs => ${stale})
            returning job_id`,
      );
      if (claimed.length === 0) continue;
      await this.boss.fail(c.name, c.id, { message: reason });
      logger().warn({ job: c.name, jobId: c.id, retrying }, 'stale job failed: its worker stopped');
      metrics().jobFailures.inc({ job: c.name });
      reaped.push({ jobId: c.id, name: c.name, retrying });
    }
    return reaped;
  }

  /** Queues a job; the returned id finds its progress in `job_runs`. */
  async enqueue<T>(def: JobSpec<T>, data: T, overrides: Partial<JobSpec<T>['options']> = {}): Promise<string | null> {
    const payload = def.schema.parse(data);
    const id = await this.boss.send(def.name, payload as object, { ...def.options, ...overrides });
    if (id) {
      await this.handle.db.insert(jobRuns).values({ jobId: id, name: def.name, state: 'queued' }).onConflictDoNothing();
    }
    return id;
  }

  /** Cancels a queued job (a worker that already picked it up finishes it) and says why on its progress row. */
  async cancel(def: Pick<JobSpec<unknown>, 'name'>, id: string, reason: string): Promise<void> {
    await this.boss.cancel(def.name, id);
    await this.handle.db
      .update(jobRuns)
      .set({ state: 'failed', error: reason, updatedAt: new Date() })
      .where(eq(jobRuns.jobId, id));
  }

  async schedule(def: JobSpec<unknown>, cron: string, data: unknown): Promise<void> {
    await this.boss.schedule(def.name, cron, data as object, def.options);
  }

  async stop(): Promise<void> {
    if (!this.started) return;
    this.started = false;
    clearInterval(this.sweeper);
    this.sweeper = undefined;
    await this.boss.stop({ graceful: true, wait: true, timeout: 10_000 });
  }
}

/** The policy a job's queue is created with (see {@link QueuePolicy}). */
export function queuePolicy(def: Pick<JobSpec<unknown>, 'policy' | 'options'>): QueuePolicy {
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
  const recent = await db
    .select()
    .from(jobRuns)
    .orderBy(sql`${jobRuns.updatedAt} desc`)
    .limit(limit);
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

/** The scheduled (cron) job names pg-boss holds; none before the engine first started. */
async function scheduledNames(db: Db): Promise<string[]> {
  const [{ ok }] = await execRows<{ ok: boolean }>(db, sql`select to_regclass('pgboss.schedule') is not null as ok`);
  if (!ok) return [];
  return (await execRows<{ name: string }>(db, sql`select name from pgboss.schedule order by name`)).map((r) => r.name);
}

export interface RoutineJobSummary {
  name: string;
  /** Completed runs in the last hour. */
  runs: number;
  lastAt: string;
}

/**
 * The jobs panel's list (issue 14): the scheduled runs (drain-votes, which chains itself every
 * second, reap-leases …) that are waiting, running or finished without trouble are routine: the
 * finished ones are counted per job over the last hour instead of filling the list. Every other
 * run, and any scheduled run that failed or waits for a retry, is listed as {@link recentJobs} lists it.
 */
export async function jobsOverview(
  db: Db,
  limit = 50,
): Promise<{ jobs: Awaited<ReturnType<typeof recentJobs>>; routine: RoutineJobSummary[] }> {
  const scheduled = await scheduledNames(db);
  if (scheduled.length === 0) return { jobs: await recentJobs(db, limit), routine: [] };
  const names = sql.join(
    scheduled.map((n) => sql`${n}`),
    sql`, `,
  );
  const jobs = await db
    .select()
    .from(jobRuns)
    .where(
      sql`not (${jobRuns.name} in (${names}) and (${jobRuns.state} in ('completed', 'active') or (${jobRuns.state} = 'queued' and ${jobRuns.attempts} = 0)))`,
    )
    .orderBy(sql`${jobRuns.updatedAt} desc`)
    .limit(limit);
  const routine = await execRows<{ name: string; runs: number; last_at: string | Date }>(
    db,
    sql`select name, count(*)::int as runs, max(updated_at) as last_at from job_runs
         where name in (${names}) and state = 'completed' and updated_at > now() - interval '1 hour'
         group by name order by name`,
  );
  return {
    jobs,
    routine: routine.map((r) => ({ name: r.name, runs: Number(r.runs), lastAt: new Date(r.last_at).toISOString() })),
  };
}
