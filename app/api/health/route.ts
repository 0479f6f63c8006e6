import { getDbHandle, migrationVersion } from '@/db';
import { access } from '@/lib/http/access';
import { route } from '@/lib/http/route';
import { jobEngine } from '@/lib/jobs/runtime';
import { recommenderFor } from '@/lib/recommend/runtime';

export const dynamic = 'force-dynamic';

/**
 * A database that does not answer within this is reported down, rather than the check hanging
 * with it. The deadline covers every query of the check (the migrations, the job engine, the
 * recommender's status): one that goes out just before a network partition hangs until the heal.
 */
const DATABASE_TIMEOUT_MS = 2000;

/** Who may read the raw errors (database, recommender): operators. Everyone else gets a generic word. */
const canSeeDetail = (role: string) => role === 'admin' || role === 'engineer';

export const GET = route(access('/api/health', 'GET'), async ({ user, log }) => {
  const detail = canSeeDetail(user.role);
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`the database did not answer within ${DATABASE_TIMEOUT_MS / 1000} s`)), DATABASE_TIMEOUT_MS);
  });
  try {
    const handle = await Promise.race([getDbHandle(), deadline]);
    const migrations = await Promise.race([migrationVersion(handle), deadline]);
    const latencyMs = Math.round(performance.now() - started);
    const engine = await Promise.race([jobEngine()?.catch(() => undefined), deadline]);
    // The ANN back-end and the embedding version served (cheap: no index is built here).
    const status = recommenderFor(handle)
      .status()
      .catch((err: unknown) => {
        log.warn({ err }, 'health: recommender status failed');
        return { error: detail ? messageOf(err) : 'unavailable' };
      });
    const recommender = await Promise.race([status, deadline]);
    return {
      status: 'ok',
      database: { mode: handle.mode, reachable: true, latencyMs, migrations },
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
  } finally {
    clearTimeout(timer);
  }
});

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
