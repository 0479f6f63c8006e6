import { env } from '@/lib/env';
import { access } from '@/lib/http/access';
import { route } from '@/lib/http/route';
import { metrics } from '@/lib/observability/metrics';

export const dynamic = 'force-dynamic';

/** Prometheus text exposition of this process's metrics (see lib/observability/metrics.ts). */
export const GET = route(
  { ...access('/api/metrics', 'GET'), serviceToken: () => env().CHORUS_METRICS_TOKEN },
  async () => {
    const { registry } = metrics();
    return new Response(await registry.metrics(), { headers: { 'content-type': registry.contentType, 'cache-control': 'no-store' } });
  },
);
