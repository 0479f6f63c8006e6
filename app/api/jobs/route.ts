import { z } from 'zod';
import { getDb } from '@/db';
import { access } from '@/lib/http/access';
import { parseQuery, route } from '@/lib/http/route';
import { jobsOverview, recentJobs } from '@/lib/jobs/engine';

export const dynamic = 'force-dynamic';

const QuerySchema = z.object({
  /** `1`: completed runs of scheduled (cron) jobs are counted per job in `routine` instead of listed. */
  hideRoutine: z.enum(['0', '1']).default('0'),
});

export const GET = route(access('/api/jobs', 'GET'), async ({ req }) => {
  const { hideRoutine } = parseQuery(req, QuerySchema);
  const db = await getDb();
  return hideRoutine === '1' ? jobsOverview(db) : { jobs: await recentJobs(db) };
});
