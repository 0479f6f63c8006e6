/**
 * What the periodic retrain check reads (lib/model/service `automaticTrigger`): labels settled
 * since the last model, a refused retrain, pending or recent model jobs, never-scored clips.
 */
import { sql } from 'drizzle-orm';
import { execRows, type DbOrTx } from '@/db/client';

/**
 * Labels settled since the last model run started: clips that reached consensus or an expert
 * decision after the newest non-failed model's creation (all settled clips before any model).
 * Also the newest retrain refused for too few labels after that model (a completed `retrain` job
 * run whose result has `skipped`), and how many labels settled since that refusal: a refused
 * retrain waits for new labels instead of being queued again every minute.
 */
export async function labelsSinceLastModel(db: DbOrTx): Promise<{
  labels: number;
  lastModelAt: Date | null;
  refusedAt: Date | null;
  refusal: string | null;
  labelsSinceRefusal: number;
}> {
  const [row] = await execRows<{
    labels: number;
    last: Date | string | null;
    refused_at: Date | string | null;
    refusal: string | null;
    since_refusal: number;
  }>(
    db,
    sql`with last as (select max(created_at) as at from models where status <> 'failed'),
             refusal as (select r.updated_at as at, r.result->>'skipped' as reason from job_runs r, last
                         where r.name = 'retrain' and r.state = 'completed' and coalesce(r.result->>'skipped', '') <> ''
                           and (last.at is null or r.updated_at > last.at)
                         order by r.updated_at desc limit 1)
        select (select count(*)::int from clips c, last
                where c.label_state in ('consensus', 'expert_resolved')
                  and (last.at is null or coalesce(c.state_changed_at, c.created_at) > last.at)) as labels,
               (select at from last) as last,
               (select at from refusal) as refused_at,
               (select reason from refusal) as refusal,
               (select count(*)::int from clips c, refusal
                where c.label_state in ('consensus', 'expert_resolved')
                  and coalesce(c.state_changed_at, c.created_at) > refusal.at) as since_refusal`,
  );
  return {
    labels: Number(row?.labels ?? 0),
    lastModelAt: row?.last ? new Date(row.last) : null,
    refusedAt: row?.refused_at ? new Date(row.refused_at) : null,
    refusal: row?.refusal ?? null,
    labelsSinceRefusal: Number(row?.since_refusal ?? 0),
  };
}

/**
 * Whether one of these jobs is queued or running (updated in the last 30 minutes), or failed in
 * the last 15 — so an automatic trigger neither piles runs up nor hammers a failing one.
 */
export async function modelJobPending(db: DbOrTx, names: readonly string[]): Promise<boolean> {
  const [row] = await execRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from job_runs
        where name in (${sql.join(
          names.map((n) => sql`${n}`),
          sql`, `,
        )})
          and ((state in ('queued', 'active') and updated_at > now() - interval '30 minutes')
               or (state = 'failed' and updated_at > now() - interval '15 minutes'))`,
  );
  return Number(row?.n ?? 0) > 0;
}

/** Whether one of these jobs completed in the last `minutes` (rate limit for automatic rescoring). */
export async function modelJobRecentlyCompleted(db: DbOrTx, names: readonly string[], minutes: number): Promise<boolean> {
  const [row] = await execRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from job_runs
        where name in (${sql.join(
          names.map((n) => sql`${n}`),
          sql`, `,
        )})
          and state = 'completed' and updated_at > now() - make_interval(mins => ${minutes})`,
  );
  return Number(row?.n ?? 0) > 0;
}

/** Cold start needs a pass when some open clip with features has never been given priority terms. */
export async function hasUnscoredClips(db: DbOrTx, featureVersion: string): Promise<boolean> {
  const [row] = await execRows<{ found: boolean }>(
    db,
    sql`select exists (select 1 from clips c join clip_features f on f.clip_id = c.id and f.extractor_version = ${featureVersion}
                       where c.label_state = 'open' and c.priority_terms = '{}'::jsonb) as found`,
  );
  return Boolean(row?.found);
}
