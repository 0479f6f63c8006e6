import { getDb } from '@/db';
import { access } from '@/lib/http/access';
import { parseBody, route } from '@/lib/http/route';
import { requireProject } from '@/lib/projects/access';
import { submitAnswer } from '@/lib/projects/queue';
import { ProjectAnswerInputSchema, SlugParamSchema } from '@/lib/projects/schemas';

export const POST = route<{ slug: string }>(
  { ...access('/api/projects/[slug]/answers', 'POST'), rateLimit: 'votes' },
  async ({ req, params, user }) => {
    const db = await getDb();
    const { project } = await requireProject(db, user, SlugParamSchema.parse(params.slug), 'contribute');
    const input = await parseBody(req, ProjectAnswerInputSchema);
    const result = await submitAnswer(db, user, project, input);
    return Response.json(result, { status: result.replayed || result.skipped ? 200 : 201 });
  },
);
