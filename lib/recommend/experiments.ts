/**
 * A/B tests of the recommender (issue 20, item 2): two embedding versions or two ranking settings,
 * new listener sessions split between them (sticky, see {@link sessionArm}), the sample size
 * planned up front ({@link planExperiment}) and the like rates compared with the always-valid
 * sequential test of lib/experiments/stats, so the result page may be read at any time. At most
 * one experiment or canary runs at a time. The table is lib/experiments/repo's; the per-session
 * outcomes are read here beside the canary's (lib/recommend/repo.ts is being rewritten).
 */
import { sql } from 'drizzle-orm';
import { execRows, type Db, type DbOrTx } from '@/db/client';
import { recordAudit } from '@/lib/audit/repo';
import { listEmbeddingVersions } from '@/lib/embeddings/repo';
import { AppError } from '@/lib/errors';
import { planExperiment, sessionArm, verdictOf, type Arm, type Verdict } from '@/lib/experiments/ab';
import {
  insertExperiment,
  lockRollouts,
  markExperimentStopped,
  recentExperiments,
  runningExperiment,
  type Experiment,
} from '@/lib/experiments/repo';
import type { RankingArm, StartExperimentBody } from '@/lib/experiments/schemas';
import { armOf, compareArms, type SequentialResult } from '@/lib/experiments/stats';
import { runningCanary } from './canary';
import type { RankParams } from './rank';

/** Starts an A/B test; 409 while another experiment or a canary runs. Audited. */
export async function startExperiment(db: Db, input: StartExperimentBody, actorId: string | null): Promise<Experiment> {
  const plan = planExperiment(input.baseline, input.minDetectable, input.share);
  return db.transaction(async (tx) => {
    await lockRollouts(tx);
    const running = await runningExperiment(tx);
    if (running) throw new AppError('CONFLICT', `Experiment ${running.id} is already running; stop it first`);
    const canary = await runningCanary(tx);
    if (canary) throw new AppError('CONFLICT', `Canary ${canary.id} is running; stop it before starting an experiment`);
    if (input.kind === 'embedding') {
      const ids = [input.control.embeddingVersion, input.treatment.embeddingVersion];
      const rows = await listEmbeddingVersions(tx, { ids });
      for (const id of ids) {
        const v = rows.find((r) => r.id === id);
        if (!v) throw new AppError('NOT_FOUND', `No embedding version ${id}`);
        if (v.status !== 'active' && v.status !== 'ready') {
          throw new AppError('CONFLICT', `Embedding version ${id} is ${v.status}; an experiment needs active or ready versions`);
        }
      }
    }
    const started = await insertExperiment(tx, { ...input, sessionsPerArm: plan.sessionsPerArm }, actorId);
    await recordAudit(tx, {
      actorId,
      action: 'experiment.start',
      entity: 'ab_experiment',
      entityId: String(started.id),
      after: { ...input, plan },
    });
    return started;
  });
}

export interface ExperimentArmSummary {
  arm: Arm;
  /** The embedding version or ranking setting served. */
  setting: Experiment['control'];
  /** Sessions with at least one track reacted to. */
  sessions: number;
  likeRate: number | null;
  skipRate: number | null;
  /** Mean distinct tracks reacted to per session. */
  tracksPerSession: number | null;
}

export interface ExperimentReport {
  experiment: Experiment;
  plan: { sessionsPerArm: number; totalSessions: number };
  control: ExperimentArmSummary;
  treatment: ExperimentArmSummary;
  /** Per-session like rate, treatment − control, with its always-valid 95 % interval and p-value. */
  result: SequentialResult;
  verdict: Verdict;
}

/**
 * Each arm's per-session KPIs: the sessions created while the test ran, in the arm their hash
 * puts them in (intention to treat), events up to the stop. Unit = session: likes and skips
 * over the distinct tracks it reacted to.
 */
export async function experimentReport(db: DbOrTx, experiment: Experiment): Promise<ExperimentReport> {
  const until = experiment.stoppedAt?.toISOString() ?? null;
  const rows = await execRows<{ id: string; created_at: Date | string; tracks: number; likes: number; skips: number }>(
    db,
    sql`select s.id, s.created_at,
               count(distinct e.clip_id)::int as tracks,
               (count(distinct e.clip_id) filter (where e.kind = 'like'))::int as likes,
               (count(distinct e.clip_id) filter (where e.kind = 'skip'))::int as skips
          from listener_sessions s join listener_events e on e.session_id = s.id
         where s.created_at >= ${experiment.startedAt.toISOString()}::timestamptz
           and (${until}::timestamptz is null or (s.created_at < ${until}::timestamptz and e.created_at <= ${until}::timestamptz))
         group by s.id, s.created_at`,
  );
  const byArm: Record<Arm, { likes: number[]; skips: number[]; tracks: number[] }> = {
    control: { likes: [], skips: [], tracks: [] },
    treatment: { likes: [], skips: [], tracks: [] },
  };
  for (const r of rows) {
    const arm = sessionArm(experiment, { id: r.id, createdAt: new Date(r.created_at) });
    const tracks = Number(r.tracks);
    if (!arm || tracks === 0) continue;
    byArm[arm].likes.push(Number(r.likes) / tracks);
    byArm[arm].skips.push(Number(r.skips) / tracks);
    byArm[arm].tracks.push(tracks);
  }
  const mean = (xs: number[]) => (xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
  const summary = (arm: Arm): ExperimentArmSummary => ({
    arm,
    setting: experiment[arm],
    sessions: byArm[arm].likes.length,
    likeRate: mean(byArm[arm].likes),
    skipRate: mean(byArm[arm].skips),
    tracksPerSession: mean(byArm[arm].tracks),
  });
  const result = compareArms(armOf(byArm.control.likes), armOf(byArm.treatment.likes));
  return {
    experiment,
    plan: planExperiment(experiment.baseline, experiment.minDetectable, experiment.share),
    control: summary('control'),
    treatment: summary('treatment'),
    result,
    verdict: verdictOf(result),
  };
}

/** Stops the running experiment; its sessions go back to the default. Audited with the numbers. */
export async function stopExperiment(db: Db, id: number, actorId: string | null): Promise<ExperimentReport> {
  return db.transaction(async (tx) => {
    const stopped = await markExperimentStopped(tx, id, actorId);
    if (!stopped) throw new AppError('CONFLICT', `Experiment ${id} is not running`);
    const report = await experimentReport(tx, stopped);
    await recordAudit(tx, {
      actorId,
      action: 'experiment.stop',
      entity: 'ab_experiment',
      entityId: String(id),
      before: { status: 'running' },
      after: {
        status: 'stopped',
        control: report.control,
        treatment: report.treatment,
        result: report.result,
        verdict: report.verdict,
      },
    });
    return report;
  });
}

export interface ExperimentsOverview {
  running: ExperimentReport | null;
  recent: ExperimentReport[];
  /** Mean per-session like rate of the last 14 days' sessions: the plan's default baseline. */
  baselineLikeRate: number | null;
  /** Versions an embedding experiment can use. */
  versions: { id: number; status: 'active' | 'ready'; source: string; count: number }[];
  canaryRunning: boolean;
}

/** What the experiments panel on /models shows. */
export async function experimentsOverview(db: DbOrTx): Promise<ExperimentsOverview> {
  const recent = await recentExperiments(db, 5);
  const running = recent.find((e) => e.status === 'running') ?? null;
  const [baseline] = await execRows<{ rate: number | null }>(
    db,
    sql`select avg(likes::float8 / tracks) as rate from (
          select count(distinct e.clip_id) as tracks, count(distinct e.clip_id) filter (where e.kind = 'like') as likes
            from listener_events e join listener_sessions s on s.id = e.session_id
           where s.created_at >= now() - interval '14 days'
           group by s.id) t`,
  );
  const versions = await listEmbeddingVersions(db, { statuses: ['active', 'ready'] });
  return {
    running: running ? await experimentReport(db, running) : null,
    recent: await Promise.all(recent.filter((e) => e.status !== 'running').map((e) => experimentReport(db, e))),
    baselineLikeRate: baseline?.rate === null || baseline?.rate === undefined ? null : Number(baseline.rate),
    versions: versions.map((v) => ({ id: v.id, status: v.status as 'active' | 'ready', source: v.source, count: v.count })),
    canaryRunning: (await runningCanary(db)) !== null,
  };
}

/** The embedding version a session's arm serves, or null (no embedding experiment, or not in it). */
export function experimentVersionFor(experiment: Experiment | null, session: { id: string; createdAt: Date }): number | null {
  if (!experiment || experiment.kind !== 'embedding') return null;
  const arm = sessionArm(experiment, session);
  return arm ? experiment[arm].embeddingVersion : null;
}

/** The ranking setting a session's arm serves, as RankParams overrides ({} outside a ranking experiment). */
export function experimentRankingFor(
  experiment: Experiment | null,
  session: { id: string; createdAt: Date },
): Partial<RankParams> {
  if (!experiment || experiment.kind !== 'ranking') return {};
  const arm = sessionArm(experiment, session);
  if (!arm) return {};
  const setting: RankingArm = experiment[arm];
  return { lambda: setting.lambda, maxPerArtist: setting.maxPerArtist };
}
