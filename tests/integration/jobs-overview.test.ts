/**
 * The jobs panel's list (issue 14, admin: "the jobs list is filled by per-minute cron runs"):
 * completed runs of scheduled jobs are counted per job, every other run is listed — on both databases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jobRuns } from '@/db/schema';
import { createBoss, jobsOverview, recentJobs } from '@/lib/jobs/engine';
import { createTestDb, type TestDb } from '../helpers/db';

let t: TestDb;

beforeAll(async () => {
  t = await createTestDb();
  const boss = createBoss(t.handle);
  await boss.start();
  await boss.createQueue('drain-votes');
  await boss.schedule('drain-votes', '* * * * *', {});
  await boss.stop({ graceful: false, wait: true });
  const ago = (min: number) => new Date(Date.now() - min * 60_000);
  await t.handle.db.insert(jobRuns).values([
    ...Array.from({ length: 30 }, (_, i) => ({
      jobId: `drain-${i}`,
      name: 'drain-votes',
      state: 'completed' as const,
      progress: 1,
      updatedAt: ago(i + 1),
    })),
    { jobId: 'drain-old', name: 'drain-votes', state: 'completed' as const, progress: 1, updatedAt: ago(90) },
    { jobId: 'drain-failed', name: 'drain-votes', state: 'failed' as const, error: 'database went away', updatedAt: ago(5) },
    { jobId: 'drain-waiting', name: 'drain-votes', state: 'queued' as const, attempts: 0, updatedAt: ago(0.1) },
    { jobId: 'drain-running', name: 'drain-votes', state: 'active' as const, attempts: 1, updatedAt: ago(0.1) },
    { jobId: 'drain-retry', name: 'drain-votes', state: 'queued' as const, attempts: 1, error: 'timeout', updatedAt: ago(3) },
    { jobId: 'retrain-1', name: 'retrain', state: 'completed' as const, progress: 1, updatedAt: ago(40) },
    { jobId: 'extract-1', name: 'extract-clip', state: 'active' as const, progress: 0.5, updatedAt: ago(2) },
  ]);
}, 90_000);

afterAll(async () => {
  await t?.close();
});

describe('jobsOverview', () => {
  it('lists every run but the routine ones and counts those per job over the last hour', async () => {
    const { jobs, routine } = await jobsOverview(t.handle.db, 10);
    expect(jobs.map((j) => j.jobId)).toEqual(['extract-1', 'drain-retry', 'drain-failed', 'retrain-1']);
    expect(routine).toEqual([{ name: 'drain-votes', runs: 30, lastAt: expect.any(String) }]);
    expect(Date.now() - new Date(routine[0].lastAt).getTime()).toBeLessThan(2 * 60_000 + 30_000);
  });

  it('leaves the full list (what the retrain and aggregate buttons watch) as it was', async () => {
    const all = await recentJobs(t.handle.db, 10);
    expect(all.map((j) => j.jobId)).toContain('retrain-1'); // pinned, as before
    // The newest completed drain run, which jobsOverview folds into its count, is still listed here.
    expect(all.map((j) => j.jobId)).toContain('drain-0');
  });
});
