import { getDb } from '@/db';
import { access } from '@/lib/http/access';
import { parseBody, route } from '@/lib/http/route';
import { canaryOverview, startCanary } from '@/lib/recommend/canary';
import { StartCanarySchema } from '@/lib/recommend/schemas';

export const dynamic = 'force-dynamic';

/** The running embedding canary with its arms and decision so far, and the recent ones. */
export const GET = route(access('/api/models/canary', 'GET'), async () => canaryOverview(await getDb()));

/** Starts a canary of a ready embedding version against the active one (audited; 409 while one runs). */
export const POST = route(access('/api/models/canary', 'POST'), async ({ req, user }) => {
  const body = await parseBody(req, StartCanarySchema);
  return Response.json(await startCanary(await getDb(), body, user.id), { status: 201 });
});
