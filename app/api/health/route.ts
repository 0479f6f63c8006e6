import { getDbHandle, migrationVersion } from '@/db';
import { access } from '@/lib/http/access';
import { route } from '@/lib/http/route';
import { jobEngine } from '@/lib/jobs/runtime';

export const dynamic = 'force-dynamic';

export const GET = route(access('/api/health', 'GET'), async () => {
  const started = performance.now();
  try {
    const handle = await getDbHandle();
    const migrations = await migrationVersion(handle);
    const engine = await jobEngine()?.catch(() => undefined);
    return {
      status: 'ok',
      database: { mode: handle.mode, reachable: true, latencyMs: Math.round(performance.now() - started), migrations },
      jobs: { state: engine?.state ?? 'stopped' },
    };
  } catch (err) {
    return Response.json(
      { status: 'degraded', database: { reachable: false, error: err instanceof Error ? err.message : String(err) } },
      { status: 503 },
    );
  }
});
