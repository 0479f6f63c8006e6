import { and, desc, eq, isNull, sql } from 'drizzle-orm';
import type { Db, DbOrTx } from '@/db/client';
import { contributorPauses, users } from '@/db/schema';
import { recordAudit } from '@/lib/audit/repo';
import { conflict, notFound } from '@/lib/errors';
import { PauseReasonSchema, type PauseReason, type PauseView } from './schemas';

/**
 * Pause episodes: why a contributor was paused (written in the same transaction as the pause),
 * their appeal, and an admin's unpause with a note (audited in the same transaction).
 * `users.status` stays the switch the rest of the app obeys.
 */

type PauseRow = typeof contributorPauses.$inferSelect;

function toView(row: PauseRow): PauseView {
  const parsed = PauseReasonSchema.safeParse(row.reason);
  return {
    id: row.id,
    userId: row.userId,
    pausedAt: row.pausedAt.toISOString(),
    pausedBy: row.pausedBy,
    // A row written by an older shape still says something rather than breaking the page.
    reason: parsed.success ? parsed.data : { checks: [{ check: 'other', detail: 'the recorded reason could not be read' }] },
    appeal: row.appeal,
    appealedAt: row.appealedAt ? row.appealedAt.toISOString() : null,
  };
}

/**
 * Records why `userId` was just paused. Call inside the transaction that sets the status, so a
 * pause never exists without its reason. An earlier pause still open (its status was changed
 * behind its back) is closed first: one open pause per user.
 */
export async function recordPause(db: DbOrTx, input: { userId: string; reason: PauseReason; pausedBy?: string | null }): Promise<string> {
  const reason = PauseReasonSchema.parse(input.reason);
  await db
    .update(contributorPauses)
    .set({ resolvedAt: new Date(), resolutionNote: 'superseded by a later pause' })
    .where(and(eq(contributorPauses.userId, input.userId), isNull(contributorPauses.resolvedAt)));
  const [row] = await db
    .insert(contributorPauses)
    .values({ userId: input.userId, reason, pausedBy: input.pausedBy ?? null })
    .returning({ id: contributorPauses.id });
  return row.id;
}

/** The pause in force for this user, or null. */
export async function currentPause(db: DbOrTx, userId: string): Promise<PauseView | null> {
  const [row] = await db
    .select()
    .from(contributorPauses)
    .where(and(eq(contributorPauses.userId, userId), isNull(contributorPauses.resolvedAt)))
    .orderBy(desc(contributorPauses.pausedAt))
    .limit(1);
  return row ? toView(row) : null;
}

/** Every pause in force, for the admin's users list. */
export async function openPauses(db: DbOrTx): Promise<PauseView[]> {
  const rows = await db
    .select()
    .from(contributorPauses)
    .where(isNull(contributorPauses.resolvedAt))
    .orderBy(desc(contributorPauses.pausedAt));
  return rows.map(toView);
}

/**
 * The paused contributor's appeal to the admins (replaces an earlier one of the same pause, so a
 * typo can be fixed). 409 when the account is not paused.
 */
export async function submitAppeal(db: Db, userId: string, text: string): Promise<PauseView> {
  return db.transaction(async (tx) => {
    const [user] = await tx.select({ status: users.status }).from(users).where(eq(users.id, userId)).for('update');
    if (!user) throw notFound('No such user');
    if (user.status !== 'paused') throw conflict('Your account is not paused: there is nothing to appeal');
    let pause = await currentPause(tx, userId);
    // Paused before reasons were recorded (or by a plain status change): the appeal still needs a home.
    if (!pause) {
      await recordPause(tx, { userId, reason: { checks: [{ check: 'other', detail: 'no reason was recorded for this pause' }] } });
      pause = (await currentPause(tx, userId))!;
    }
    const [row] = await tx
      .update(contributorPauses)
      .set({ appeal: text, appealedAt: new Date() })
      .where(eq(contributorPauses.id, pause.id))
      .returning();
    await recordAudit(tx, {
      actorId: userId,
      action: 'user.appeal',
      entity: 'user',
      entityId: userId,
      before: { appeal: pause.appeal },
      after: { appeal: text, pauseId: pause.id },
    });
    return toView(row);
  });
}

/**
 * An admin sets a paused contributor active again with a note: the status change, the closing of
 * the pause and the audit row (reason, appeal, note) commit together. 409 when not paused.
 * The crowd aggregator then judges this contributor only on answers after the pause
 * (`acknowledgeReactivations` in lib/crowd/repo.ts).
 */
export async function unpauseContributor(db: Db, input: { userId: string; adminId: string; note: string }) {
  return db.transaction(async (tx) => {
    const [user] = await tx.select({ id: users.id, status: users.status }).from(users).where(eq(users.id, input.userId)).for('update');
    if (!user) throw notFound('No such user');
    if (user.status !== 'paused') throw conflict(`The account is ${user.status}, not paused`);
    const pause = await currentPause(tx, input.userId);
    await tx.update(users).set({ status: 'active' }).where(eq(users.id, input.userId));
    if (pause) {
      await tx
        .update(contributorPauses)
        .set({ resolvedAt: sql`now()`, resolvedBy: input.adminId, resolutionNote: input.note })
        .where(eq(contributorPauses.id, pause.id));
    }
    await recordAudit(tx, {
      actorId: input.adminId,
      action: 'user.unpause',
      entity: 'user',
      entityId: input.userId,
      before: { status: 'paused', pauseId: pause?.id ?? null, reason: pause?.reason ?? null, appeal: pause?.appeal ?? null },
      after: { status: 'active', note: input.note },
    });
    return { id: input.userId, status: 'active' as const, note: input.note };
  });
}

/** Closes a pause that ended without an admin (a failed qualification round whose retry time came). */
export async function closePause(db: DbOrTx, pauseId: string, note: string): Promise<void> {
  await db.update(contributorPauses).set({ resolvedAt: sql`now()`, resolutionNote: note }).where(eq(contributorPauses.id, pauseId));
}

/**
 * Keeps the pause record in step with a plain status change (the admin's status select):
 * pausing opens an `admin` pause, leaving `paused` closes the open one. Call in the same
 * transaction as the change.
 */
export async function syncPauseWithStatus(
  db: DbOrTx,
  input: { userId: string; adminId: string; before: string; after: string },
): Promise<void> {
  if (input.before === input.after) return;
  if (input.after === 'paused') {
    await recordPause(db, { userId: input.userId, pausedBy: input.adminId, reason: { checks: [{ check: 'admin', note: null }] } });
  } else if (input.before === 'paused') {
    await db
      .update(contributorPauses)
      .set({ resolvedAt: sql`now()`, resolvedBy: input.adminId, resolutionNote: `status set to ${input.after}` })
      .where(and(eq(contributorPauses.userId, input.userId), isNull(contributorPauses.resolvedAt)));
  }
}
