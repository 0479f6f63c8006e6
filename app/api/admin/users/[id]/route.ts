import { z } from 'zod';
import { getDb } from '@/db';
import { findUserById, updateUser } from '@/lib/auth/repo';
import { UpdateUserSchema } from '@/lib/auth/schemas';
import { recordAudit } from '@/lib/audit/repo';
import { access } from '@/lib/http/access';
import { AppError } from '@/lib/http/errors';
import { parseBody, route } from '@/lib/http/route';

export const PATCH = route<{ id: string }>(access('/api/admin/users/[id]', 'PATCH'), async ({ req, params, user }) => {
  const id = z.string().uuid().parse(params.id);
  const patch = await parseBody(req, UpdateUserSchema);
  const db = await getDb();
  const before = await findUserById(db, id);
  if (!before) throw new AppError('NOT_FOUND', 'No such user');
  const after = await updateUser(db, id, patch);
  await recordAudit(db, {
    actorId: user.id,
    action: 'user.update',
    entity: 'user',
    entityId: id,
    before: { role: before.role, status: before.status },
    after: { role: after.role, status: after.status },
  });
  return { id: after.id, role: after.role, status: after.status };
});
