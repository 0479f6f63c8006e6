import { getDb } from '@/db';
import { statesView } from '@/lib/crowd/dashboard';
import { access } from '@/lib/http/access';
import { route } from '@/lib/http/route';

export const dynamic = 'force-dynamic';

export const GET = route(access('/api/crowd/states', 'GET'), async () => statesView(await getDb()));
