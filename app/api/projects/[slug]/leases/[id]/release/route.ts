import { z } from 'zod';
import { getDb } from '@/db';
import { access } from '@/lib/http/access';
import { route } from '@/lib/http/route';
import { requireProject } from '@/lib/projects/access';
import { releaseLease } from '@/lib/projects/queue';
import { SlugParamSchema } from '@/lib/projects/schemas';

export const POST = route<{ slug: string; id: string }>(
  access('/api/projects/[slug]/leases/[id]/release', 'POST'),
  async ({ params, user }) => {
    const db = await getDb();
    const { project } = await requireProject(db, user, SlugParamSchema.parse(params.slug), 'contribute');
    const id = z.string().uuid().parse(params.id);
    return releaseLease(db, user, project, id);
  },
);
