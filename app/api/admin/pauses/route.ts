import { getDb } from '@/db';
import { access } from '@/lib/http/access';
import { route } from '@/lib/http/route';
import { openPauses } from '@/lib/pause/repo';

export const dynamic = 'force-dynamic';

/** Every pause in force: which check paused whom, with the numbers, and any appeal. */
export const GET = route(access('/api/admin/pauses', 'GET'), async () => ({ pauses: await openPauses(await getDb()) }));
