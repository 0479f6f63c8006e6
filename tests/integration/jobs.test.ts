import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { jobRuns } from '@/db/schema';
import { createBoss, JobEngine, type JobDefinition } from '@/lib/jobs/engine';
import { createTestDb, type TestDb } from '../helpers/db';

let t: TestDb;
let engine: JobEngine;
const attempts = new Map<string, number>();
/** Per attempt, from pg-boss's own row: when it was allowed to start, and the database clock as it ran (ms since epoch). */
const timeline = new Map<string, { startAfter: number; ranAt: number }[]>();

const flaky: JobDefinition<{ key: string; failures: number }> = {
  name: 'test-flaky',
  schema: z.object({ key: z.string(), failures: z.number().int() }),
  options: { retryLimit: 3, retryDelay: 1, retryBackoff: true, expireInSeconds: 30 },
  async handler(data, ctx) {
    const n = (attempts.get(data.key) ?? 0) + 1;
    attempts.set(data.key, n);
    const [row] = await ctx.handle.query<{ start_after: string; ran_at: string }>(
      'select extract(epoch from start_after) * 1000 as start_after, extract(epoch from clock_timestamp()) * 1000 as ran_at from pgboss.job where id = $1',
      [ctx.jobId],
    );
    timeline.set(data.key, [...(timeline.get(data.key) ?? []), { startAfter: Number(row.start_after), ranAt: Number(row.ran_at) }]);
    await ctx.progress(0.5, `attempt ${n}`);
    if (n <= data.failures) throw new Error(`planned failure ${n}`);
    return { attempts: n };
  },
};

beforeAll(async () => {
  t = await createTestDb();
  engine = new JobEngine(createBoss(t.handle), t.handle);
  await engine.start([flaky as JobDefinition<unknown>]);
  await engine.work();
});
afterAll(async () => {
  await engine.stop();
  await t.close();
});

async function waitFor(jobId: string, state: string, ms = 20_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const [row] = await t.handle.db.select().from(jobRuns).where(eq(jobRuns.jobId, jobId));
    if (row?.state === state) return row;
    if (Date.now() > deadline) throw new Error(`job ${jobId} did not reach ${state}; last ${JSON.stringify(row)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('job engine', () => {
  it('retries a failing job with backoff until it succeeds, recording attempts and progress', async () => {
    const id = await engine.enqueue(flaky, { key: 'a', failures: 2 });
    const row = await waitFor(id!, 'completed', 60_000);
    expect(row.attempts).toBe(3);
    expect(row.progress).toBe(1);
    expect(row.result).toEqual({ attempts: 3 });
    expect(attempts.get('a')).toBe(3);
    // Backoff, from pg-boss's start_after for each retry against the database clock when the
    // attempt before it ran: retryDelay 1 s, then doubled (a fixed delay would give 1 s twice).
    // Lower bounds only: a loaded machine only makes the measured gaps longer.
    const [first, second, third] = timeline.get('a')!;
    expect(second.startAfter - first.ranAt).toBeGreaterThanOrEqual(1000);
    expect(third.startAfter - second.ranAt).toBeGreaterThanOrEqual(2000);
    expect(third.ranAt).toBeGreaterThanOrEqual(third.startAfter);
  });

  it('refuses a malformed payload before queueing it', async () => {
    await expect(engine.enqueue(flaky, { key: 7 } as never)).rejects.toThrow();
  });
});
