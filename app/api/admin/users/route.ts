import { getDb } from '@/db';
import { listUsers } from '@/lib/auth/repo';
import { CreateUserSchema } from '@/lib/auth/schemas';
import { createUserAsAdmin } from '@/lib/auth/service';
import { access } from '@/lib/http/access';
import { parseBody, route } from '@/lib/http/route';

export const GET = route(access('/api/admin/users', 'GET'), async () => ({ users: await listUsers(await getDb()) }));

export const POST = route(access('/api/admin/users', 'POST'), async ({ req, user }) => {
  const input = await parseBody(req, CreateUserSchema);
  const created = await createUserAsAdmin(await getDb(), user.id, input);
  return Response.json({ id: created.id, email: created.email, name: created.name, role: created.role }, { status: 201 });
});
