/**
 * Canary rollouts of embedding versions (issue 20, item 1): the one module that talks to
 * `embedding_canaries`. A running canary serves `share` of the listener sessions created after
 * it started from its version (sticky: {@link inCanary} hashes canary id and session id), the
 * rest from the control (active) version. {@link decideCanary} compares the per-session like
 * rate of the two arms with the always-valid test of lib/experiments/stats and promotes the
 * canary (through the ordinary activation) or rolls it back (its version retired), audited
 * with the numbers.
 */
import { sql } from 'drizzle-orm';
import { execRows, type Db, type DbOrTx } from '@/db/client';
import {
  activateEmbeddingVersion,
  countEmbeddings,
  listEmbeddingVersions,
  retireReadyEmbeddingVersion,
} from '@/lib/embeddings/repo';
import { recordAudit } from '@/lib/audit/repo';
import {
  armOf,
  canaryDecision,
  compareArms,
  inCanary,
  type CanaryDecision,
  type SequentialResult,
} from '@/lib/experiments/stats';
import { AppError } from '@/lib/errors';
import { lockRollouts, runningExperiment } from '@/lib/experiments/repo';

export type CanaryStatus = 'running' | 'promoted' | 'rolled_back' | 'stopped';

export interface Canary {
  id: number;
  canaryVersion: number;
  controlVersion: number;
  share: number;
  margin: number;
  minSessions: number;
  status: CanaryStatus;
  reason: string | null;
  startedAt: Date;
  startedBy: string | null;
  decidedAt: Date | null;
  decidedBy: string | null;
}

interface CanaryDbRow {
  id: number;
  canary_version: number;
  control_version: number;
  share: number;
  margin: number;
  min_sessions: number;
  status: CanaryStatus;
  reason: string | null;
  started_at: Date | string;
  started_by: string | null;
  decided_at: Date | string | null;
  decided_by: string | null;
}

const COLUMNS = sql`id, canary_version, control_version, share, margin, min_sessions, status, reason, started_at, started_by, decided_at, decided_by`;

function toCanary(r: CanaryDbRow): Canary {
  return {
    id: Number(r.id),
    canaryVersion: Number(r.canary_version),
    controlVersion: Number(r.control_version),
    share: Number(r.share),
    margin: Number(r.margin),
    minSessions: Number(r.min_sessions),
    status: r.status,
    reason: r.reason,
    startedAt: new Date(r.started_at),
    startedBy: r.started_by,
    decidedAt: r.decided_at === null ? null : new Date(r.decided_at),
    decidedBy: r.decided_by,
  };
}

export async function runningCanary(db: DbOrTx): Promise<Canary | null> {
  const [row] = await execRows<CanaryDbRow>(db, sql`select ${COLUMNS} from embedding_canaries where status = 'running' limit 1`);
  return row ? toCanary(row) : null;
}

/** The most recent canaries, newest first (for /models). */
export async function recentCanaries(db: DbOrTx, limit = 5): Promise<Canary[]> {
  const rows = await execRows<CanaryDbRow>(db, sql`select ${COLUMNS} from embedding_canaries order by id desc limit ${limit}`);
  return rows.map(toCanary);
}

/**
 * Whether a session is in the canary arm: created after the canary started (a session keeps the
 * version it began with) and hashed under its share.
 */
export function sessionInCanary(canary: Canary, session: { id: string; createdAt: Date }): boolean {
  return session.createdAt.getTime() >= canary.startedAt.getTime() && inCanary(canary.id, session.id, canary.share);
}

export interface StartCanaryInput {
  canaryVersion: number;
  share: number;
  margin: number;
  minSessions: number;
}

/** Starts a canary of a 'ready' embedding version against the active one; one canary or A/B experiment at a time. */
export async function startCanary(db: Db, input: StartCanaryInput, actorId: string | null): Promise<Canary> {
  return db.transaction(async (tx) => {
    await lockRollouts(tx);
    const experiment = await runningExperiment(tx);
    if (experiment) throw new AppError('CONFLICT', `Experiment ${experiment.id} is running; stop it before starting a canary`);
    const versions = await listEmbeddingVersions(tx, { ids: [input.canaryVersion], statuses: ['active'], forUpdate: true });
    const canary = versions.find((v) => v.id === input.canaryVersion);
    const active = versions.find((v) => v.status === 'active');
    if (!canary) throw new AppError('NOT_FOUND', `No embedding version ${input.canaryVersion}`);
    if (canary.status !== 'ready') {
      throw new AppError(
        'CONFLICT',
        `Embedding version ${input.canaryVersion} is ${canary.status}; only a ready version can be a canary`,
      );
    }
    if (!active) throw new AppError('CONFLICT', 'No active embedding version to compare the canary with');
    if (await runningCanary(tx)) throw new AppError('CONFLICT', 'A canary is already running; stop it first');
    const [row] = await execRows<CanaryDbRow>(
      tx,
      sql`insert into embedding_canaries (canary_version, control_version, share, margin, min_sessions, started_by)
          values (${input.canaryVersion}, ${active.id}, ${input.share}, ${input.margin}, ${input.minSessions}, ${actorId})
          returning ${COLUMNS}`,
    );
    const started = toCanary(row);
    await recordAudit(tx, {
      actorId,
      action: 'canary.start',
      entity: 'embedding_canary',
      entityId: String(started.id),
      after: input,
    });
    return started;
  });
}

/** Sessions per arm before a rollback may be decided (or minSessions, if lower). */
export const MIN_ROLLBACK_SESSIONS = 30;

export interface ArmSummary {
  version: number;
  /** Sessions with at least one track reacted to. */
  sessions: number;
  likeRate: number | null;
  skipRate: number | null;
}

export interface CanaryReport {
  canary: Canary;
  control: ArmSummary;
  treatment: ArmSummary;
  /** Like rate per session, canary minus control, with its always-valid interval and p-value. */
  result: SequentialResult;
  decision: CanaryDecision;
}

/**
 * Per-session like and skip rates of each arm since the canary started. Unit = session: likes
 * (and skips) over distinct tracks reacted to. A session is in the canary arm when every event
 * was served from the canary version, in the control arm when none was: control is "whatever
 * is active", so a features rebuild that switches the active version while the canary runs
 * (new clips extracted) keeps its sessions instead of losing the whole arm. A session that saw
 * both is left out.
 */
export async function canaryReport(db: DbOrTx, canary: Canary): Promise<CanaryReport> {
  const rows = await execRows<{ version: number; tracks: number; likes: number; skips: number }>(
    db,
    sql`select case when bool_and(e.embedding_version = ${canary.canaryVersion}) then ${canary.canaryVersion}::int
                    else ${canary.controlVersion}::int end as version,
               count(distinct e.clip_id)::int as tracks,
               (count(distinct e.clip_id) filter (where e.kind = 'like'))::int as likes,
               (count(distinct e.clip_id) filter (where e.kind = 'skip'))::int as skips
          from listener_events e join listener_sessions s on s.id = e.session_id
         where s.created_at >= ${canary.startedAt.toISOString()}::timestamptz
           and e.embedding_version is not null
         group by e.session_id
        having bool_and(e.embedding_version = ${canary.canaryVersion}) or bool_and(e.embedding_version <> ${canary.canaryVersion})`,
  );
  const arm = (version: number) => {
    const mine = rows.filter((r) => Number(r.version) === version && Number(r.tracks) > 0);
    const likes = mine.map((r) => Number(r.likes) / Number(r.tracks));
    const skips = mine.map((r) => Number(r.skips) / Number(r.tracks));
    const mean = (xs: number[]) => (xs.length > 0 ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
    return { summary: { version, sessions: mine.length, likeRate: mean(likes), skipRate: mean(skips) }, likes };
  };
  const control = arm(canary.controlVersion);
  const treatment = arm(canary.canaryVersion);
  const result = compareArms(armOf(control.likes), armOf(treatment.likes));
  let decision = canaryDecision(result, canary.margin, canary.minSessions);
  // The interval uses the arms' sample variance: with a handful of sessions it can be far too
  // small (all-skip sessions have none), so a rollback waits for a floor of sessions too.
  const floor = Math.min(canary.minSessions, MIN_ROLLBACK_SESSIONS);
  if (decision.action === 'rollback' && result.n < floor) {
    decision = { action: 'continue', reason: `${decision.reason}; waiting for ${floor} sessions per arm before a rollback` };
  }
  return { canary, control: control.summary, treatment: treatment.summary, result, decision };
}

async function finish(
  tx: DbOrTx,
  canary: Canary,
  status: Exclude<CanaryStatus, 'running'>,
  reason: string,
  actorId: string | null,
  numbers?: unknown,
) {
  const [row] = await execRows<CanaryDbRow>(
    tx,
    sql`update embedding_canaries set status = ${status}, reason = ${reason}, decided_at = now(), decided_by = ${actorId}
        where id = ${canary.id} and status = 'running' returning ${COLUMNS}`,
  );
  if (!row) throw new AppError('CONFLICT', `Canary ${canary.id} is no longer running`);
  await recordAudit(tx, {
    actorId,
    action: `canary.${status}`,
    entity: 'embedding_canary',
    entityId: String(canary.id),
    before: { status: 'running' },
    after: { status, reason, ...(numbers ? { numbers } : {}) },
  });
  return toCanary(row);
}

/** An engineer ends a running canary without a decision: its sessions fall back to the active version. */
export async function stopCanary(db: Db, id: number, actorId: string | null): Promise<Canary> {
  return db.transaction(async (tx) => {
    const running = await runningCanary(tx);
    if (!running || running.id !== id) throw new AppError('CONFLICT', `Canary ${id} is not running`);
    return finish(tx, running, 'stopped', 'stopped by hand', actorId);
  });
}

/**
 * One look at the running canary (the periodic job calls this): promote, roll back or keep
 * going. Promotion activates the canary version through {@link activateEmbeddingVersion};
 * rollback retires it. Either is audited with the arms' numbers.
 */
export async function decideCanary(db: Db): Promise<{ canary: Canary; report: CanaryReport } | null> {
  const running = await runningCanary(db);
  if (!running) return null;
  const report = await canaryReport(db, running);
  const numbers = { control: report.control, canary: report.treatment, result: report.result };
  if (report.decision.action === 'continue') return { canary: running, report };
  if (report.decision.action === 'promote') {
    await activateEmbeddingVersion(db, running.canaryVersion, await countEmbeddings(db, running.canaryVersion));
    const canary = await db.transaction((tx) => finish(tx, running, 'promoted', report.decision.reason, null, numbers));
    return { canary, report };
  }
  const canary = await db.transaction(async (tx) => {
    await retireReadyEmbeddingVersion(tx, running.canaryVersion);
    return finish(tx, running, 'rolled_back', report.decision.reason, null, numbers);
  });
  return { canary, report };
}

/** A 'ready' embedding version: built, served by nobody, a candidate for a canary. */
export interface ReadyVersion {
  id: number;
  modelId: number | null;
  source: string;
  count: number;
  createdAt: Date;
}

/** A registered model whose embeddings can be pushed as a ready version (it has an ONNX file). */
export interface PushableModel {
  id: number;
  status: string;
}

export interface CanaryOverview {
  running: CanaryReport | null;
  recent: Canary[];
  readyVersions: ReadyVersion[];
  pushableModels: PushableModel[];
}

/**
 * What /models shows: the running canary with its arms so far, the last few decided ones, the
 * ready versions a canary can start from, and the models whose embeddings can be pushed as one.
 */
export async function canaryOverview(db: DbOrTx): Promise<CanaryOverview> {
  const running = await runningCanary(db);
  const ready = await listEmbeddingVersions(db, { statuses: ['ready'] });
  const pushable = await execRows<{ id: number; status: string }>(
    db,
    sql`select id, status from models where status in ('active', 'ready', 'retired') and onnx is not null order by id desc limit 20`,
  );
  return {
    running: running ? await canaryReport(db, running) : null,
    recent: await recentCanaries(db),
    readyVersions: ready.map((r) => ({ id: r.id, modelId: r.modelId, source: r.source, count: r.count, createdAt: r.createdAt })),
    pushableModels: pushable.map((m) => ({ id: Number(m.id), status: m.status })),
  };
}
