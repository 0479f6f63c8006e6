import type { Db } from '@/db/client';
import { recordAudit } from '@/lib/audit/repo';
import { updateUser } from '@/lib/auth/repo';
import { AppError } from '@/lib/errors';
import { closePause, currentPause } from '@/lib/pause/repo';
import { insertGrant, qualificationFacts, revokeQualificationRows } from './repo';
import type { QualificationOverride } from './schemas';
import { forgetQualifiedUser } from './service';

/**
 * An admin grants or revokes a contributor's qualification by hand (issue 15), audited as
 * `qualification.grant` / `qualification.revoke` with the admin's note. A grant also ends a pause
 * left by a failed round (the contributor works at once); a revoke sends the contributor to a
 * fresh round on their next request. 404 for an unknown user, 422 for a non-contributor (they
 * never take rounds), 409 when there is nothing to change.
 */
export async function setQualification(
  db: Db,
  adminId: string,
  userId: string,
  input: QualificationOverride,
): Promise<{ userId: string; qualified: boolean }> {
  await db.transaction(async (tx) => {
    const facts = await qualificationFacts(tx, userId);
    if (!facts) throw new AppError('NOT_FOUND', `No user ${userId}`);
    if (facts.role !== 'contributor')
      throw new AppError('UNPROCESSABLE', `Only contributors take qualification rounds; this account is ${facts.role}`);
    if (input.qualified) {
      if (!(await insertGrant(tx, userId))) throw new AppError('CONFLICT', 'This contributor is already qualified');
      const pause = await currentPause(tx, userId);
      const byRound = pause?.reason.checks.some((c) => c.check === 'qualification');
      if (pause && byRound && facts.status === 'paused') {
        await updateUser(tx, userId, { status: 'active' });
        await closePause(tx, pause.id, `qualification granted by an admin: ${input.note}`);
      }
      await recordAudit(tx, {
        actorId: adminId,
        action: 'qualification.grant',
        entity: 'user',
        entityId: userId,
        before: { qualified: false, status: facts.status },
        after: { qualified: true, note: input.note, ...(byRound && facts.status === 'paused' ? { status: 'active' } : {}) },
      });
    } else {
      if (!(await revokeQualificationRows(tx, userId))) throw new AppError('CONFLICT', 'This contributor is not qualified');
      await recordAudit(tx, {
        actorId: adminId,
        action: 'qualification.revoke',
        entity: 'user',
        entityId: userId,
        before: { qualified: true, since: facts.qualifiedAt?.toISOString() ?? null },
        after: { qualified: false, note: input.note },
      });
    }
  });
  forgetQualifiedUser(userId);
  return { userId, qualified: input.qualified };
}
