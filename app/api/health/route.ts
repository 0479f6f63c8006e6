import { getDbHandle, migrationVersion } from '@/db';
import { access } from '@/lib/http/access';
import { route } from '@/lib/http/route';
import { jobEngine } from '@/lib/jobs/runtime';
import { recommenderFor } from '@/lib/recommend/runtime';

export const dynamic = 'force-dynamic';

/** A database that does not answer within this is reported down, rather than the check hanging with it. */
const DATABASE_TIMEOUT_MS = 2000;

/** Who may read the raw errors (database, recommender): operators. Everyone else gets a generic word. */
const canSeeDetail = (role: string) => role === 'admin' || role === 'engineer';

export const GET = route(access('/api/health', 'GET'), async ({ user, log }) => {
  const detail = canSeeDetail(user.role);
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
      .catch((err: unknown) => {
        log.warn({ err }, 'health: recommender status failed');
        return { error: detail ? messageOf(err) : 'unavailable' };
      });
    return {
      status: 'ok',
      database: { mode: handle.mode, reachable: true, latencyMs: Math.round(performance.now() - started), migrations },
      jobs: { state: engine?.state ?? 'stopped' },
      recommender,
    };
  } catch (err) {
    // The raw error (host names, user names, driver messages) goes to the server log, and to operators.
    log.error({ err }, 'health: database unreachable');
    return Response.json(
      { status: 'degraded', database: { reachable: false, error: detail ? messageOf(err) : 'The database is not reachable' } },
      { status: 503, headers: { 'cache-control': 'no-store' } },
    );
  }
});

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
