import { getDb } from '@/db';
import { StartExperimentSchema } from '@/lib/experiments/schemas';
import { access } from '@/lib/http/access';
import { parseBody, route } from '@/lib/http/route';
import { experimentsOverview, startExperiment } from '@/lib/recommend/experiments';

export const dynamic = 'force-dynamic';

/** The running A/B experiment with its arms and result so far, the recent ones, and what a new one can use. */
export const GET = route(access('/api/experiments', 'GET'), async () => experimentsOverview(await getDb()));

/** Starts an A/B experiment (audited; 409 while an experiment or a canary runs). */
export const POST = route(access('/api/experiments', 'POST'), async ({ req, user }) => {
  const body = await parseBody(req, StartExperimentSchema);
  return Response.json(await startExperiment(await getDb(), body, user.id), { status: 201 });
});
