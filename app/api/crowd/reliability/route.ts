import { getDb } from '@/db';
import { reliabilityView } from '@/lib/crowd/dashboard';
import { ReliabilityQuerySchema } from '@/lib/crowd/schemas';
import { access } from '@/lib/http/access';
import { parseQuery, route } from '@/lib/http/route';

export const dynamic = 'force-dynamic';

export const GET = route(access('/api/crowd/reliability', 'GET'), async ({ req, user }) =>
  reliabilityView(await getDb(), parseQuery(req, ReliabilityQuerySchema), user.role),
);
