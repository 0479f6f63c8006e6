import { z } from 'zod';
import { AppError } from '@/lib/errors';
import type { JobSpec } from '@/lib/jobs/engine';
import { jobEngine } from '@/lib/jobs/runtime';

/** Builds one registered dataset snapshot (bound in jobs/export-snapshot.ts). */
export const exportSnapshotSpec: JobSpec<{ snapshotId: string }> = {
  name: 'export-snapshot',
  schema: z.object({ snapshotId: z.string().uuid() }),
  // A million rows take minutes, not hours; the long expiry only bounds a worker that hangs.
  options: { retryLimit: 2, retryDelay: 30, retryBackoff: true, expireInSeconds: 6 * 60 * 60 },
};

/** Queues the build of a snapshot POST /api/datasets registered; 500 when no job engine runs in this process. */
export async function queueSnapshotBuild(snapshotId: string): Promise<string | null> {
  const engine = await jobEngine();
  if (!engine) throw new AppError('INTERNAL', 'The job engine is not running');
  return engine.enqueue(exportSnapshotSpec, { snapshotId });
}
