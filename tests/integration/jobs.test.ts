import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { jobRuns } from '@/db/schema';
import { createBoss, JobEngine, type JobDefinition } from '@/lib/jobs/engine';
import { createTestDb, type TestDb } from '../helpers/db';

let t: TestDb;
let engine: JobEngine;
const attempts = new Map<string, number>();

const flaky: JobDefinition<{ key: string; failures: number }> = {
  name: 'test-flaky',
  schema: z.object({ key: z.string(), failures: z.number().int() }),
  options: { retryLimit: 3, retryDelay: 1, retryBackoff: true, expireInSeconds: 30 },
  async handler(data, ctx) {
    const n = (attempts.get(data.key) ?? 0) + 1;
    attempts.set(data.key, n);
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
    const id = await engine.enqueue(flaky, { key: 'a', failures: 1 });
    const row = await waitFor(id!, 'completed');
    expect(row.attempts).toBe(2);
    expect(row.progress).toBe(1);
    expect(row.result).toEqual({ attempts: 2 });
    expect(attempts.get('a')).toBe(2);
  });

  it('refuses a malformed payload before queueing it', async () => {
    await expect(engine.enqueue(flaky, { key: 7 } as never)).rejects.toThrow();
  });
});
