import { z } from 'zod';
import { getDb } from '@/db';
import { UpdateUserSchema } from '@/lib/auth/schemas';
import { updateUserAsAdmin } from '@/lib/auth/service';
import { access } from '@/lib/http/access';
import { parseBody, route } from '@/lib/http/route';

export const PATCH = route<{ id: string }>(access('/api/admin/users/[id]', 'PATCH'), async ({ req, params, user }) => {
  const id = z.string().uuid().parse(params.id);
  const patch = await parseBody(req, UpdateUserSchema);
  const after = await updateUserAsAdmin(await getDb(), user.id, id, patch);
  return { id: after.id, role: after.role, status: after.status };
});
