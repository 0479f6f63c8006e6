import { getDb } from '@/db';
import { createUser, listUsers } from '@/lib/auth/repo';
import { CreateUserSchema } from '@/lib/auth/schemas';
import { recordAudit } from '@/lib/audit/repo';
import { access } from '@/lib/http/access';
import { parseBody, route } from '@/lib/http/route';

export const GET = route(access('/api/admin/users', 'GET'), async () => ({ users: await listUsers(await getDb()) }));

export const POST = route(access('/api/admin/users', 'POST'), async ({ req, user }) => {
  const input = await parseBody(req, CreateUserSchema);
  const db = await getDb();
  const created = await createUser(db, input);
  await recordAudit(db, { actorId: user.id, action: 'user.create', entity: 'user', entityId: created.id, after: { email: created.email, role: created.role } });
  return Response.json({ id: created.id, email: created.email, name: created.name, role: created.role }, { status: 201 });
});
