import { access } from '@/lib/http/access';
import { parseQuery, route } from '@/lib/http/route';
import { getRecommender } from '@/lib/recommend/runtime';
import { KpiQuerySchema } from '@/lib/recommend/schemas';
import { listenerKpis } from '@/lib/recommend/service';

export const dynamic = 'force-dynamic';

/** Listener KPIs per embedding version: skip and like rates, session length (query: days). */
export const GET = route(access('/api/listen/kpis', 'GET'), async ({ req }) => {
  const { days } = parseQuery(req, KpiQuerySchema);
  return listenerKpis(await getRecommender(), days);
});
