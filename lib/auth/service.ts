import type { Db } from '@/db/client';
import { recordAudit } from '@/lib/audit/repo';
import { AppError } from '@/lib/errors';
import { syncPauseWithStatus } from '@/lib/pause/repo';
import { createUser, findUserById, updateUser, type UserRow } from './repo';
import type { CreateUserInput, UpdateUserInput } from './schemas';

/** An admin creates an account; the account and its audit row land together or not at all. */
export async function createUserAsAdmin(db: Db, actorId: string, input: CreateUserInput): Promise<UserRow> {
  return db.transaction(async (tx) => {
    const created = await createUser(tx, input);
    await recordAudit(tx, { actorId, action: 'user.create', entity: 'user', entityId: created.id, after: { email: created.email, role: created.role } });
    return created;
  });
}

/**
 * An admin changes a user's role or status. A pause set here is "paused by an admin" on the
 * paused page, and leaving `paused` closes it; the change, the pause record and the audit row
 * are one transaction.
 */
export async function updateUserAsAdmin(db: Db, actorId: string, id: string, patch: UpdateUserInput): Promise<UserRow> {
  return db.transaction(async (tx) => {
    const before = await findUserById(tx, id);
    if (!before) throw new AppError('NOT_FOUND', 'No such user');
    const after = await updateUser(tx, id, patch);
    await syncPauseWithStatus(tx, { userId: id, adminId: actorId, before: before.status, after: after.status });
    await recordAudit(tx, {
      actorId,
      action: 'user.update',
      entity: 'user',
      entityId: id,
      before: { role: before.role, status: before.status },
      after: { role: after.role, status: after.status },
    });
    return after;
  });
}
