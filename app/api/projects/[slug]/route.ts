import { getDb } from '@/db';
import { access } from '@/lib/http/access';
import { route } from '@/lib/http/route';
import { SlugParamSchema } from '@/lib/projects/schemas';
import { getProjectView } from '@/lib/projects/service';

export const dynamic = 'force-dynamic';

export const GET = route<{ slug: string }>(access('/api/projects/[slug]', 'GET'), async ({ params, user }) =>
  getProjectView(await getDb(), user, SlugParamSchema.parse(params.slug)),
);
