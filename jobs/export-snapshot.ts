import type { JobDefinition } from '@/lib/jobs/engine';
import { exportSnapshotSpec } from '@/lib/export/jobs';
import { buildSnapshot } from '@/lib/export/service';
import { isAppError } from '@/lib/errors';

/**
 * Builds one dataset snapshot registered by POST /api/datasets: streams the selected clips from
 * the database into its files, with progress. Safe to run twice (see `buildSnapshot`); a retry
 * after a failure reopens the snapshot unless another build of its name has started.
 */
export const exportSnapshotJob: JobDefinition<{ snapshotId: string }> = {
  ...exportSnapshotSpec,
  // Builds are I/O- and CPU-heavy; one at a time per worker keeps the web process responsive.
  concurrency: 1,
  async handler({ snapshotId }, ctx) {
    try {
      const manifest = await buildSnapshot(ctx.db, snapshotId, { progress: (fraction, message) => ctx.progress(fraction, message) });
      return { snapshotId, name: manifest.name, version: manifest.version, rows: manifest.counts.rows, content_sha256: manifest.content_sha256 };
    } catch (err) {
      // Superseded by a newer build of the same name: nothing to retry.
      if (isAppError(err) && err.code === 'CONFLICT') return { snapshotId, skipped: err.message };
      throw err;
    }
  },
};
