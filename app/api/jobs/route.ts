import { getDb } from '@/db';
import { access } from '@/lib/http/access';
import { route } from '@/lib/http/route';
import { recentJobs } from '@/lib/jobs/engine';

export const dynamic = 'force-dynamic';

export const GET = route(access('/api/jobs', 'GET'), async () => ({ jobs: await recentJobs(await getDb()) }));
