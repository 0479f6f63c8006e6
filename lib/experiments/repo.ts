/** The one module that talks to `ab_experiments` (A/B tests of the recommender, issue 20 item 2) and `bandit_arms` (item 3). */
import { sql } from 'drizzle-orm';
import { execRows, type DbOrTx } from '@/db/client';
import type { ArmPosterior } from './bandit';
import { EmbeddingArmSchema, RankingArmSchema, type EmbeddingArm, type RankingArm } from './schemas';

export type Experiment = {
  id: number;
  share: number;
  baseline: number;
  minDetectable: number;
  sessionsPerArm: number;
  status: 'running' | 'stopped';
  startedAt: Date;
  startedBy: string | null;
  stoppedAt: Date | null;
  stoppedBy: string | null;
} & (
  | { kind: 'embedding'; control: EmbeddingArm; treatment: EmbeddingArm }
  | { kind: 'ranking'; control: RankingArm; treatment: RankingArm }
);

interface Row {
  id: number;
  kind: 'embedding' | 'ranking';
  control: unknown;
  treatment: unknown;
  share: number;
  baseline: number;
  min_detectable: number;
  sessions_per_arm: number;
  status: 'running' | 'stopped';
  started_at: Date | string;
  started_by: string | null;
  stopped_at: Date | string | null;
  stopped_by: string | null;
}

const COLUMNS = sql`id, kind, control, treatment, share, baseline, min_detectable, sessions_per_arm, status, started_at, started_by, stopped_at, stopped_by`;

function toExperiment(r: Row): Experiment {
  const common = {
    id: Number(r.id),
    share: Number(r.share),
    baseline: Number(r.baseline),
    minDetectable: Number(r.min_detectable),
    sessionsPerArm: Number(r.sessions_per_arm),
    status: r.status,
    startedAt: new Date(r.started_at),
    startedBy: r.started_by,
    stoppedAt: r.stopped_at === null ? null : new Date(r.stopped_at),
    stoppedBy: r.stopped_by,
  };
  // Parsed on the way out too: the arms are jsonb, and serving trusts their shape.
  const json = (v: unknown) => (typeof v === 'string' ? JSON.parse(v) : v);
  return r.kind === 'embedding'
    ? {
        ...common,
        kind: 'embedding',
        control: EmbeddingArmSchema.parse(json(r.control)),
        treatment: EmbeddingArmSchema.parse(json(r.treatment)),
      }
    : {
        ...common,
        kind: 'ranking',
        control: RankingArmSchema.parse(json(r.control)),
        treatment: RankingArmSchema.parse(json(r.treatment)),
      };
}

/** Serialises starting an experiment or a canary (both check that neither runs), across processes. */
export const ROLLOUT_LOCK = 7318204;

export async function lockRollouts(tx: DbOrTx): Promise<void> {
  await tx.execute(sql`select pg_advisory_xact_lock(${ROLLOUT_LOCK})`);
}

export async function runningExperiment(db: DbOrTx): Promise<Experiment | null> {
  const [row] = await execRows<Row>(db, sql`select ${COLUMNS} from ab_experiments where status = 'running' limit 1`);
  return row ? toExperiment(row) : null;
}

export async function getExperiment(db: DbOrTx, id: number): Promise<Experiment | null> {
  const [row] = await execRows<Row>(db, sql`select ${COLUMNS} from ab_experiments where id = ${id}`);
  return row ? toExperiment(row) : null;
}

/** The most recent experiments, newest first. */
export async function recentExperiments(db: DbOrTx, limit = 10): Promise<Experiment[]> {
  const rows = await execRows<Row>(db, sql`select ${COLUMNS} from ab_experiments order by id desc limit ${limit}`);
  return rows.map(toExperiment);
}

export interface NewExperiment {
  kind: Experiment['kind'];
  control: EmbeddingArm | RankingArm;
  treatment: EmbeddingArm | RankingArm;
  share: number;
  baseline: number;
  minDetectable: number;
  sessionsPerArm: number;
}

/**
 * The start sits on the next whole millisecond. Session times are compared with it in JavaScript
 * (millisecond Dates) and in SQL (microseconds); now() read back as a millisecond Date would let a
 * session created a few microseconds before the start fall inside the experiment. (The stop needs
 * no care: truncation moves it earlier, so sessions of its last millisecond are left out, never
 * wrongly counted.)
 */
const NEXT_MILLISECOND = sql`date_trunc('milliseconds', now()) + interval '1 millisecond'`;

export async function insertExperiment(tx: DbOrTx, e: NewExperiment, actorId: string | null): Promise<Experiment> {
  const [row] = await execRows<Row>(
    tx,
    sql`insert into ab_experiments (kind, control, treatment, share, baseline, min_detectable, sessions_per_arm, started_by, started_at)
        values (${e.kind}, ${JSON.stringify(e.control)}::jsonb, ${JSON.stringify(e.treatment)}::jsonb, ${e.share}, ${e.baseline},
                ${e.minDetectable}, ${e.sessionsPerArm}, ${actorId}, ${NEXT_MILLISECOND})
        returning ${COLUMNS}`,
  );
  return toExperiment(row);
}

/** Marks a running experiment stopped; null when it was not running. */
export async function markExperimentStopped(tx: DbOrTx, id: number, actorId: string | null): Promise<Experiment | null> {
  const [row] = await execRows<Row>(
    tx,
    sql`update ab_experiments set status = 'stopped', stopped_at = now(), stopped_by = ${actorId}
        where id = ${id} and status = 'running' returning ${COLUMNS}`,
  );
  return row ? toExperiment(row) : null;
}

/** The exploration bandit's counts for the given arm keys (0/0 for an arm never credited). */
export async function banditCounts(db: DbOrTx, keys: readonly string[]): Promise<ArmPosterior[]> {
  const rows = await execRows<{ arm: string; successes: number; failures: number }>(
    db,
    sql`select arm, successes, failures from bandit_arms where arm = any(${sql.param([...keys])}::text[])`,
  );
  const byKey = new Map(rows.map((r) => [r.arm, { successes: Number(r.successes), failures: Number(r.failures) }]));
  return keys.map((k) => byKey.get(k) ?? { successes: 0, failures: 0 });
}

/** One reaction to a track served under `arm`: a like is a success, a skip or dislike a failure. */
export async function creditBanditArm(db: DbOrTx, arm: string, liked: boolean): Promise<void> {
  const [s, f] = liked ? [1, 0] : [0, 1];
  await db.execute(
    sql`insert into bandit_arms (arm, successes, failures) values (${arm}, ${s}, ${f})
        on conflict (arm) do update set successes = bandit_arms.successes + ${s}, failures = bandit_arms.failures + ${f},
                                        updated_at = now()`,
  );
}
