import { getDb } from '@/db';
import { access } from '@/lib/http/access';
import { route } from '@/lib/http/route';
import { modelsOverview } from '@/lib/active/service';

export const dynamic = 'force-dynamic';

/** The registry: model versions with metrics and status, learning curves, embedding versions, rollback target, strategy. */
export const GET = route(access('/api/models', 'GET'), async () => modelsOverview(await getDb()));
