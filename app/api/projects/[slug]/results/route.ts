import { getDb } from '@/db';
import { access } from '@/lib/http/access';
import { route } from '@/lib/http/route';
import { getProjectResults } from '@/lib/projects/aggregation-service';
import { SlugParamSchema } from '@/lib/projects/schemas';

export const dynamic = 'force-dynamic';

/** The stored fit: every clip's aggregate and what was learned about each contributor (need review). */
export const GET = route<{ slug: string }>(access('/api/projects/[slug]/results', 'GET'), async ({ params, user }) =>
  getProjectResults(await getDb(), user, SlugParamSchema.parse(params.slug)),
);
