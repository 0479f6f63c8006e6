import { getDb } from '@/db';
import { getExperiment } from '@/lib/experiments/repo';
import { ExperimentIdParamsSchema } from '@/lib/experiments/schemas';
import { notFound } from '@/lib/errors';
import { access } from '@/lib/http/access';
import { route } from '@/lib/http/route';
import { experimentReport } from '@/lib/recommend/experiments';

export const dynamic = 'force-dynamic';

/** One experiment's result: KPIs per arm, the like-rate difference with its always-valid interval, the verdict. */
export const GET = route<{ id: string }>(access('/api/experiments/[id]', 'GET'), async ({ params }) => {
  const { id } = ExperimentIdParamsSchema.parse(params);
  const db = await getDb();
  const experiment = await getExperiment(db, id);
  if (!experiment) throw notFound(`No experiment ${id}`);
  return experimentReport(db, experiment);
});
