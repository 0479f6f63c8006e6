import { getDb } from '@/db';
import { access } from '@/lib/http/access';
import { parseQuery, route } from '@/lib/http/route';
import { requireProject } from '@/lib/projects/access';
import { nextTask } from '@/lib/projects/queue';
import { SlugParamSchema } from '@/lib/projects/schemas';
import { NextClipQuerySchema } from '@/lib/queue/schemas';

export const dynamic = 'force-dynamic';

export const GET = route<{ slug: string }>(access('/api/projects/[slug]/next', 'GET'), async ({ req, params, user }) => {
  const db = await getDb();
  const { project } = await requireProject(db, user, SlugParamSchema.parse(params.slug), 'contribute');
  const { exclude } = parseQuery(req, NextClipQuerySchema);
  const task = await nextTask(db, user, project, exclude);
  // Nothing left for this contributor is an ordinary answer: 204 with no body.
  if (!task) return new Response(null, { status: 204 });
  return task;
});
