import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createBoss, JobEngine, recentJobs, type JobDefinition } from '@/lib/jobs/engine';
import { createTestDb, type TestDb } from '../helpers/db';

/**
 * Issue 19 item 4: a job whose worker stopped is shown retrying or failed within the sweep
 * window, not `active` until pg-boss's expiry. The stopped worker is a real engine that took
 * the jobs and then writes no heartbeat (its handlers hang), which is what the database sees of
 * a worker killed mid-job; a second engine with short windows sweeps. Every expiry is an hour,
 * so only the heartbeat sweep can be what fails the jobs here.
 */
let t: TestDb;
const engines: JobEngine[] = [];
let release!: () => void;
const gate = new Promise<void>((resolve) => (release = resolve));
const calls = new Map<string, number>();

function held(name: string, retryLimit: number, retryDelay: number): JobDefinition<{ key: string }> {
  return {
    name,
    schema: z.object({ key: z.string() }),
    options: { retryLimit, retryDelay, retryBackoff: false, expireInSeconds: 3600 },
    // The first attempt hangs until the test ends; a retry finishes at once.
    async handler({ key }) {
      const n = (calls.get(key) ?? 0) + 1;
      calls.set(key, n);
      if (n === 1) await gate;
      return { attempt: n };
    },
  };
}
const waitsForRetry = held('test-stale-retry', 1, 3600);
const noRetryLeft = held('test-stale-final', 0, 0);
const retriesAtOnce = held('test-stale-cycle', 1, 0);
const live = held('test-live', 0, 0);

async function engine(defs: JobDefinition<{ key: string }>[], liveness: ConstructorParameters<typeof JobEngine>[2]) {
  const e = new JobEngine(createBoss(t.handle), t.handle, liveness);
  engines.push(e);
  await e.start(defs as JobDefinition<unknown>[]);
  return e;
}

async function runOf(jobId: string) {
  return (await recentJobs(t.handle.db, 100)).find((j) => j.jobId === jobId);
}

async function waitUntil(jobId: string, done: (row: Awaited<ReturnType<typeof runOf>>) => boolean, what: string) {
  const deadline = Date.now() + 25_000;
  for (;;) {
    const row = await runOf(jobId);
    if (done(row)) return row!;
    if (Date.now() > deadline) throw new Error(`job ${jobId} never ${what}; last ${JSON.stringify(row)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function bossState(jobId: string) {
  const [row] = await t.handle.query<{ state: string }>(`select state from pgboss.job where id = $1`, [jobId]);
  return row?.state;
}

let stopped: JobEngine;
let sweeper: JobEngine;
const ids: Record<'retry' | 'final' | 'cycle' | 'live', string> = { retry: '', final: '', cycle: '', live: '' };

beforeAll(async () => {
  t = await createTestDb();
  sweeper = await engine([waitsForRetry, noRetryLeft, retriesAtOnce, live], { staleAfterSeconds: 1, sweepSeconds: 0.25 });
  // Writes no heartbeat within the test (and does not sweep): to the database, a dead worker.
  stopped = await engine([waitsForRetry, noRetryLeft, retriesAtOnce], { heartbeatSeconds: 3600, sweepSeconds: 3600 });
  // Alive and hanging in its handler too, but with heartbeats.
  const alive = await engine([live], { heartbeatSeconds: 0.2, sweepSeconds: 3600 });
  await alive.work();
  ids.live = (await alive.enqueue(live, { key: 'live' }))!;
  await waitUntil(ids.live, (r) => r?.state === 'active', 'became active');
  await stopped.work();
  ids.retry = (await stopped.enqueue(waitsForRetry, { key: 'retry' }))!;
  ids.final = (await stopped.enqueue(noRetryLeft, { key: 'final' }))!;
  ids.cycle = (await stopped.enqueue(retriesAtOnce, { key: 'cycle' }))!;
  for (const id of [ids.retry, ids.final, ids.cycle]) await waitUntil(id, (r) => r?.state === 'active', 'became active');
  await sweeper.work();
});

afterAll(async () => {
  release();
  for (const e of engines) await e.stop();
  await t?.close();
});

describe('jobs of a worker that stopped', () => {
  it('shows a job with a retry left as retrying (queued again, with the reason) and pg-boss holds its retry', async () => {
    const row = await waitUntil(ids.retry, (r) => r?.state !== 'active', 'left active');
    expect(row.state).toBe('queued');
    expect(row.attempts).toBe(1);
    expect(row.error).toMatch(/worker stopped \(no heartbeat for 1 s\); retrying/);
    expect(await bossState(ids.retry)).toBe('retry');
  });

  it('shows a job with no retry left as failed, and pg-boss agrees', async () => {
    const row = await waitUntil(ids.final, (r) => r?.state !== 'active', 'left active');
    expect(row.state).toBe('failed');
    expect(row.error).toMatch(/no retry is left/);
    expect(await bossState(ids.final)).toBe('failed');
  });

  it('runs the retry on a live worker to completion', async () => {
    const row = await waitUntil(ids.cycle, (r) => r?.state === 'completed', 'completed');
    expect(row.attempts).toBe(2);
    expect(row.result).toEqual({ attempt: 2 });
    expect(await bossState(ids.cycle)).toBe('completed');
  });

  it('leaves alone a job whose worker writes heartbeats, however long it runs', async () => {
    // The jobs above were swept after their 1 s window, so this one (started before them) has outlived it too.
    await waitUntil(ids.retry, (r) => r?.state !== 'active', 'left active');
    expect((await sweeper.reapStale()).map((r) => r.jobId)).not.toContain(ids.live);
    const row = await runOf(ids.live);
    expect(row?.state).toBe('active');
    expect(row?.error).toBeNull();
    expect(await bossState(ids.live)).toBe('active');
  });

  it('does not let the stopped worker overwrite the rows once its hung attempts finish late', async () => {
    release();
    await stopped.stop();
    expect((await runOf(ids.cycle))?.result).toEqual({ attempt: 2 });
    const retry = await runOf(ids.retry);
    expect(retry?.state).toBe('queued');
    expect(await bossState(ids.retry)).toBe('retry');
  });
});
