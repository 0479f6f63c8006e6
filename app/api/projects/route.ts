import { getDb } from '@/db';
import { access } from '@/lib/http/access';
import { parseBody, route } from '@/lib/http/route';
import { CreateProjectSchema } from '@/lib/projects/schemas';
import { createProject, listProjectsFor } from '@/lib/projects/service';

export const dynamic = 'force-dynamic';

export const GET = route(access('/api/projects', 'GET'), async ({ user }) => listProjectsFor(await getDb(), user));

export const POST = route(access('/api/projects', 'POST'), async ({ req, user }) => {
  const input = await parseBody(req, CreateProjectSchema);
  return Response.json(await createProject(await getDb(), user.id, input), { status: 201 });
});
