import { getDbHandle, migrationVersion } from '@/db';
import { access } from '@/lib/http/access';
import { route } from '@/lib/http/route';
import { jobEngine } from '@/lib/jobs/runtime';
import { recommenderFor } from '@/lib/recommend/runtime';

export const dynamic = 'force-dynamic';

/** A database that does not answer within this is reported down, rather than the check hanging with it. */
const DATABASE_TIMEOUT_MS = 2000;

export const GET = route(access('/api/health', 'GET'), async () => {
  const started = performance.now();
  try {
    const handle = await getDbHandle();
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`the database did not answer within ${DATABASE_TIMEOUT_MS / 1000} s`)), DATABASE_TIMEOUT_MS);
    });
    const migrations = await Promise.race([migrationVersion(handle), timeout]).finally(() => clearTimeout(timer));
    const engine = await jobEngine()?.catch(() => undefined);
    // The ANN back-end and the embedding version served (cheap: no index is built here).
    const recommender = await recommenderFor(handle)
      .status()
      .catch((err: unknown) => ({ error: err instanceof Error ? err.message : String(err) }));
    return {
      status: 'ok',
      database: { mode: handle.mode, reachable: true, latencyMs: Math.round(performance.now() - started), migrations },
      jobs: { state: engine?.state ?? 'stopped' },
      recommender,
    };
  } catch (err) {
    return Response.json(
      { status: 'degraded', database: { reachable: false, error: err instanceof Error ? err.message : String(err) } },
      { status: 503 },
    );
  }
});
