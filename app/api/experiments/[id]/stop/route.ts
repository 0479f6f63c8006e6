import { getDb } from '@/db';
import { ExperimentIdParamsSchema } from '@/lib/experiments/schemas';
import { access } from '@/lib/http/access';
import { route } from '@/lib/http/route';
import { stopExperiment } from '@/lib/recommend/experiments';

/** Stops the running experiment (audited with its numbers); its sessions go back to the default. */
export const POST = route<{ id: string }>(access('/api/experiments/[id]/stop', 'POST'), async ({ params, user }) => {
  const { id } = ExperimentIdParamsSchema.parse(params);
  return stopExperiment(await getDb(), id, user.id);
});
