/**
 * The model registry's tables: `models` (versions with metrics, ONNX bytes and status),
 * `learning_curves`, and the state changes that must be atomic — registration + promotion at
 * the end of a run, explicit promotion, rollback — each in one transaction that locks the
 * active row, with the partial unique index `models_one_active_key` as the backstop.
 */
import { desc, eq, sql } from 'drizzle-orm';
import { execRows, type Db, type DbOrTx } from '@/db/client';
import { learningCurves, models } from '@/db/schema';
import { recordAudit } from '@/lib/audit/repo';
import { AppError } from '@/lib/errors';

export type ModelRow = typeof models.$inferSelect;
export type ModelStatus = ModelRow['status'];
/** A registry row without its ONNX bytes (what lists and pages need). */
export type ModelSummary = Omit<ModelRow, 'onnx'> & { onnxBytes: number | null };

const summaryColumns = {
  id: models.id,
  kind: models.kind,
  status: models.status,
  featureVersion: models.featureVersion,
  taxonomyVersion: models.taxonomyVersion,
  tagKeys: models.tagKeys,
  trainSize: models.trainSize,
  hyperparams: models.hyperparams,
  metrics: models.metrics,
  onnxSha256: models.onnxSha256,
  error: models.error,
  trigger: models.trigger,
  heartbeatAt: models.heartbeatAt,
  previousModelId: models.previousModelId,
  createdAt: models.createdAt,
  promotedAt: models.promotedAt,
  retiredAt: models.retiredAt,
  onnxBytes: sql<number | null>`octet_length(${models.onnx})::int`,
};

export async function listModels(db: DbOrTx, limit = 100): Promise<ModelSummary[]> {
  return db.select(summaryColumns).from(models).orderBy(desc(models.id)).limit(limit);
}

export async function getModel(db: DbOrTx, id: number): Promise<ModelRow> {
  const [row] = await db.select().from(models).where(eq(models.id, id)).limit(1);
  if (!row) throw new AppError('NOT_FOUND', `No model ${id}`);
  return row;
}

export async function getActiveModel(db: DbOrTx): Promise<ModelRow | null> {
  const [row] = await db.select().from(models).where(eq(models.status, 'active')).limit(1);
  return row ?? null;
}

/**
 * Marks 'training' rows whose heartbeat is older than `staleMs` as failed (their run died: a
 * killed worker never reaches its final transaction) and reports the ones still alive.
 */
export async function failStaleTraining(db: DbOrTx, staleMs: number): Promise<{ failed: number[]; running: number[] }> {
  const failed = await execRows<{ id: number }>(
    db,
    sql`update models set status = 'failed',
          error = 'The training run stopped without finishing (worker died); marked failed by a later run'
        where status = 'training' and heartbeat_at < now() - make_interval(secs => ${staleMs / 1000})
        returning id`,
  );
  const running = await execRows<{ id: number }>(db, sql`select id from models where status = 'training'`);
  return { failed: failed.map((r) => Number(r.id)), running: running.map((r) => Number(r.id)) };
}

export async function createTrainingModel(
  db: DbOrTx,
  m: { kind: 'logistic' | 'mlp'; featureVersion: string; taxonomyVersion: number; tagKeys: string[]; trigger: string },
): Promise<number> {
  const [row] = await db
    .insert(models)
    .values({ ...m, status: 'training' })
    .returning({ id: models.id });
  return row.id;
}

export async function heartbeatModels(db: DbOrTx, ids: readonly number[]): Promise<void> {
  if (ids.length === 0) return;
  await db.execute(
    sql`update models set heartbeat_at = now() where status = 'training' and id in (${sql.join(
      ids.map((id) => sql`${id}`),
      sql`, `,
    )})`,
  );
}

export async function markModelsFailed(db: DbOrTx, ids: readonly number[], error: string): Promise<void> {
  if (ids.length === 0) return;
  await db.execute(
    sql`update models set status = 'failed', error = ${error.slice(0, 2000)}
        where status = 'training' and id in (${sql.join(
          ids.map((id) => sql`${id}`),
          sql`, `,
        )})`,
  );
}

export interface Registration {
  id: number;
  trainSize: number;
  hyperparams: Record<string, unknown>;
  metrics: Record<string, unknown>;
  onnx: Uint8Array;
  onnxSha256: string;
}

export interface CurvePoint {
  strategy: string;
  point: Record<string, number>;
}

/**
 * The end of a training run, in ONE transaction: every candidate becomes 'ready' with its
 * metrics and ONNX; then, if `promote` names one and the active model is still the one it was
 * compared against, the active model is retired and the candidate activated (audited); the
 * real learning curve gets its point. A worker killed before this commits leaves only
 * 'training' rows, which the next run marks failed — never a half-promoted registry.
 */
export async function completeTrainingRun(
  db: Db,
  run: {
    registrations: Registration[];
    promote: { id: number; comparedWith: number | null; reason: string } | null;
    curve: CurvePoint | null;
  },
): Promise<{ promoted: boolean; note: string | null }> {
  return db.transaction(async (tx) => {
    for (const r of run.registrations) {
      const updated = await tx
        .update(models)
        .set({
          status: 'ready',
          trainSize: r.trainSize,
          hyperparams: r.hyperparams,
          metrics: r.metrics,
          onnx: r.onnx,
          onnxSha256: r.onnxSha256,
          heartbeatAt: new Date(),
        })
        .where(sql`${models.id} = ${r.id} and ${models.status} = 'training'`)
        .returning({ id: models.id });
      if (updated.length === 0) throw new AppError('CONFLICT', `Model ${r.id} is no longer training (marked failed as stale?)`);
    }
    let promoted = false;
    let note: string | null = null;
    if (run.promote) {
      const active = await lockActive(tx);
      if ((active?.id ?? null) !== run.promote.comparedWith) {
        note = `Not promoted: the active model changed during the run (was ${run.promote.comparedWith ?? 'none'}, now ${active?.id ?? 'none'})`;
      } else {
        await switchActive(tx, active?.id ?? null, run.promote.id);
        await recordAudit(tx, {
          action: 'model.promote',
          entity: 'model',
          entityId: String(run.promote.id),
          before: { active: active?.id ?? null },
          after: { active: run.promote.id, automatic: true, reason: run.promote.reason },
        });
        promoted = true;
      }
    }
    if (run.curve) await appendRealCurvePoint(tx, run.curve);
    return { promoted, note };
  });
}

/**
 * Serialises every change of the active model (transaction-scoped advisory lock), then reads
 * the active row. Without the lock, two concurrent promotions could each see the old active row
 * retired under them and both try to activate (the unique index would refuse the second).
 */
async function lockActive(tx: DbOrTx): Promise<{ id: number; previousModelId: number | null } | null> {
  await tx.execute(sql`select pg_advisory_xact_lock(7318202)`);
  const [row] = await execRows<{ id: number; previous_model_id: number | null }>(
    tx,
    sql`select id, previous_model_id from models where status = 'active' for update`,
  );
  return row
    ? { id: Number(row.id), previousModelId: row.previous_model_id === null ? null : Number(row.previous_model_id) }
    : null;
}

/** Retire `from` (if any), then activate `to`; the order keeps the one-active index satisfied. */
async function switchActive(
  tx: DbOrTx,
  from: number | null,
  to: number,
  options: { rememberPrevious?: boolean } = {},
): Promise<void> {
  if (from !== null) await tx.update(models).set({ status: 'retired', retiredAt: new Date() }).where(eq(models.id, from));
  await tx
    .update(models)
    .set({
      status: 'active',
      promotedAt: new Date(),
      retiredAt: null,
      ...(options.rememberPrevious === false ? {} : { previousModelId: from }),
    })
    .where(eq(models.id, to));
}

/**
 * The corrupt-ONNX guard's last step, inside the switching transaction with the model's row
 * locked: the stored bytes must still be the ones the caller verified through onnxruntime
 * (`verifiedSha256`). Verification runs before the transaction (loading a model takes a while);
 * without this, bytes replaced in between would become active unchecked. With the row locked,
 * nothing can change them again before the commit.
 */
async function assertOnnxUnchanged(tx: DbOrTx, id: number, verifiedSha256: string): Promise<void> {
  const [row] = await execRows<{ actual: string | null; registered: string | null }>(
    tx,
    sql`select encode(sha256(onnx), 'hex') as actual, onnx_sha256 as registered from models where id = ${id}`,
  );
  if (!row || row.actual !== verifiedSha256 || row.registered !== verifiedSha256) {
    throw new AppError(
      'UNPROCESSABLE',
      `Model ${id}'s ONNX file changed after it was verified (sha256 now ${row?.actual?.slice(0, 12) ?? 'missing'}…, verified ${verifiedSha256.slice(0, 12)}…); the active model was not changed`,
    );
  }
}

/**
 * Activates a registered model by an engineer's explicit action (whatever its metrics), in one
 * transaction with an audit row. The caller has verified the ONNX bytes first and passes their
 * sha256; the switch is refused if the stored bytes are no longer those.
 */
export async function promoteModelExplicitly(
  db: Db,
  id: number,
  actorId: string | null,
  note: string,
  verifiedSha256: string,
): Promise<{ before: number | null }> {
  return db.transaction(async (tx) => {
    // The registry lock first, then the target row: the same order as rollback (no deadlock).
    const active = await lockActive(tx);
    const [target] = await execRows<{ status: ModelStatus; onnx_sha256: string | null }>(
      tx,
      sql`select status, onnx_sha256 from models where id = ${id} for update`,
    );
    if (!target) throw new AppError('NOT_FOUND', `No model ${id}`);
    if (target.status === 'active') throw new AppError('CONFLICT', `Model ${id} is already active`);
    if (target.status !== 'ready' && target.status !== 'retired') {
      throw new AppError('CONFLICT', `Model ${id} is ${target.status}; only a ready or retired model can be promoted`);
    }
    await assertOnnxUnchanged(tx, id, verifiedSha256);
    await switchActive(tx, active?.id ?? null, id);
    await recordAudit(tx, {
      actorId,
      action: 'model.promote',
      entity: 'model',
      entityId: String(id),
      before: { active: active?.id ?? null },
      after: { active: id, automatic: false, note },
    });
    return { before: active?.id ?? null };
  });
}

/** What a rollback would re-activate: the model the active one replaced (ids only, no ONNX bytes read). */
export async function rollbackTarget(db: DbOrTx): Promise<{ active: number; previous: number } | null> {
  const [row] = await execRows<{ active: number; previous: number }>(
    db,
    sql`select a.id as active, p.id as previous from models a join models p on p.id = a.previous_model_id where a.status = 'active'`,
  );
  return row ? { active: Number(row.active), previous: Number(row.previous) } : null;
}

/** Whether any model is active (without reading its ONNX bytes). */
export async function hasActiveModel(db: DbOrTx): Promise<boolean> {
  const rows = await execRows<{ id: number }>(db, sql`select id from models where status = 'active' limit 1`);
  return rows.length > 0;
}

/**
 * One-click rollback: retires the active model and re-activates the one it replaced, in one
 * transaction, audited. The re-activated model keeps its own `previous_model_id`, so rolling
 * back again walks further back through the promotions. `verifiedSha256`: as for
 * {@link promoteModelExplicitly}, the re-activated model's bytes the caller verified.
 */
export async function rollbackActiveModel(
  db: Db,
  expected: { active: number; previous: number },
  actorId: string | null,
  verifiedSha256: string,
): Promise<void> {
  await db.transaction(async (tx) => {
    const active = await lockActive(tx);
    if (!active || active.id !== expected.active || active.previousModelId !== expected.previous) {
      throw new AppError('CONFLICT', 'The active model changed meanwhile; reload and try again');
    }
    const [previous] = await execRows<{ status: ModelStatus }>(
      tx,
      sql`select status from models where id = ${expected.previous} for update`,
    );
    if (!previous || (previous.status !== 'retired' && previous.status !== 'ready')) {
      throw new AppError('CONFLICT', `Model ${expected.previous} is ${previous?.status ?? 'gone'} and cannot be re-activated`);
    }
    await assertOnnxUnchanged(tx, expected.previous, verifiedSha256);
    await switchActive(tx, active.id, expected.previous, { rememberPrevious: false });
    await recordAudit(tx, {
      actorId,
      action: 'model.rollback',
      entity: 'model',
      entityId: String(expected.previous),
      before: { active: active.id },
      after: { active: expected.previous },
    });
  });
}

/** Replaces the stored ONNX bytes (tests use it to corrupt a file; nothing in the app calls it). */
export async function setModelOnnx(db: DbOrTx, id: number, onnx: Uint8Array, sha256?: string): Promise<void> {
  await db
    .update(models)
    .set({ onnx, ...(sha256 !== undefined ? { onnxSha256: sha256 } : {}) })
    .where(eq(models.id, id));
}

// ---------------------------------------------------------------------------------------------
// Learning curves.

export type CurveRow = typeof learningCurves.$inferSelect;

export const REAL_CURVE_PREFIX = 'retrains';

/** Appends one retrain's point to the real curve of the strategy in force (one curve per strategy). */
export async function appendRealCurvePoint(db: DbOrTx, curve: CurvePoint): Promise<void> {
  const name = `${REAL_CURVE_PREFIX} (${curve.strategy})`;
  const [existing] = await execRows<{ id: number }>(
    db,
    sql`select id from learning_curves where kind = 'real' and name = ${name} order by id limit 1 for update`,
  );
  if (existing) {
    await db.execute(
      sql`update learning_curves set points = points || ${JSON.stringify([curve.point])}::jsonb where id = ${existing.id}`,
    );
  } else {
    await db.insert(learningCurves).values({ name, kind: 'real', strategy: curve.strategy, points: [curve.point] });
  }
}

export async function insertLearningCurve(
  db: DbOrTx,
  c: { name: string; kind: 'real' | 'simulated'; strategy: string; points: Record<string, number>[] },
): Promise<number> {
  const [row] = await db.insert(learningCurves).values(c).returning({ id: learningCurves.id });
  return row.id;
}

export async function listLearningCurves(db: DbOrTx, limit = 50): Promise<CurveRow[]> {
  return db.select().from(learningCurves).orderBy(desc(learningCurves.id)).limit(limit);
}

/**
 * The `auto` strategy's bandit state (lib/active/albl BanditState) lives in the newest
 * non-failed model row's metrics under `auto`: a retrain writes the updated state into its
 * candidate's metrics; a rescore records the strategy it drew (`pending`) on the same row.
 */
export async function latestAutoState(db: DbOrTx): Promise<{ modelId: number; state: unknown } | null> {
  const [row] = await execRows<{ id: number; auto: unknown }>(
    db,
    sql`select id, metrics->'auto' as auto from models
        where status <> 'failed' and status <> 'training' and metrics ? 'auto'
        order by id desc limit 1`,
  );
  return row ? { modelId: Number(row.id), state: row.auto } : null;
}

/** Writes the bandit state into a model row's metrics.auto (nothing else in the row changes). */
export async function setModelAutoState(db: DbOrTx, id: number, state: unknown): Promise<void> {
  await db.execute(
    sql`update models set metrics = jsonb_set(coalesce(metrics, '{}'::jsonb), '{auto}', ${JSON.stringify(state)}::jsonb) where id = ${id}`,
  );
}

/** The newest registered (non-failed, non-training) model id, where a rescore records its draw. */
export async function newestModelId(db: DbOrTx): Promise<number | null> {
  const [row] = await execRows<{ id: number }>(
    db,
    sql`select id from models where status <> 'failed' and status <> 'training' order by id desc limit 1`,
  );
  return row ? Number(row.id) : null;
}
