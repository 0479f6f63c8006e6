import { z } from 'zod';
import { getDb } from '@/db';
import { findUserById, updateUser } from '@/lib/auth/repo';
import { UpdateUserSchema } from '@/lib/auth/schemas';
import { recordAudit } from '@/lib/audit/repo';
import { access } from '@/lib/http/access';
import { AppError } from '@/lib/http/errors';
import { parseBody, route } from '@/lib/http/route';
import { syncPauseWithStatus } from '@/lib/pause/repo';

export const PATCH = route<{ id: string }>(access('/api/admin/users/[id]', 'PATCH'), async ({ req, params, user }) => {
  const id = z.string().uuid().parse(params.id);
  const patch = await parseBody(req, UpdateUserSchema);
  const db = await getDb();
  return db.transaction(async (tx) => {
    const before = await findUserById(tx, id);
    if (!before) throw new AppError('NOT_FOUND', 'No such user');
    const after = await updateUser(tx, id, patch);
    // A pause set here is "paused by an admin" on the paused page; leaving `paused` closes it.
    await syncPauseWithStatus(tx, { userId: id, adminId: user.id, before: before.status, after: after.status });
    await recordAudit(tx, {
      actorId: user.id,
      action: 'user.update',
      entity: 'user',
      entityId: id,
      before: { role: before.role, status: before.status },
      after: { role: after.role, status: after.status },
    });
    return { id: after.id, role: after.role, status: after.status };
  });
});
