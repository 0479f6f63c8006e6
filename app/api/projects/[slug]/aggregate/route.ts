import { getDb } from '@/db';
import { access } from '@/lib/http/access';
import { route } from '@/lib/http/route';
import { requestProjectAggregation } from '@/lib/projects/aggregation-service';
import { SlugParamSchema } from '@/lib/projects/schemas';

export const dynamic = 'force-dynamic';

/**
 * "Recompute now" (need export): 202 with the job id when a job engine runs here, else the fit
 * runs inline and comes back with 200. No body is read.
 */
export const POST = route<{ slug: string }>(access('/api/projects/[slug]/aggregate', 'POST'), async ({ params, user }) => {
  const result = await requestProjectAggregation(await getDb(), user, SlugParamSchema.parse(params.slug));
  return Response.json(result, { status: result.result ? 200 : 202 });
});
