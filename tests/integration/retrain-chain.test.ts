/**
 * Issue 13 item 6: the retrain → rescore → push chain as pg-boss jobs on stately queues; a
 * refused retrain records why and waits for new labels (no minute loop); embeddings are pushed
 * only when the active model changed; the progress list keeps the last retrains visible.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { z } from 'zod';
import { execRows } from '@/db/client';
import { jobRuns } from '@/db/schema';
import { createBoss, JobEngine, queuePolicy, recentJobs, type JobDefinition } from '@/lib/jobs/engine';
import { automaticTrigger, retrain } from '@/lib/model/service';
import { getActiveModel, latestAutoState } from '@/lib/model/repo';
import { modelsOverview, rescoreCatalog, rewardAutoStrategy } from '@/lib/active/service';
import { updateProjectSettings } from '@/lib/settings/repo';
import { retrainJob } from '@/jobs/retrain';
import { rescoreJob } from '@/jobs/rescore';
import { pushEmbeddingsJob } from '@/jobs/push-embeddings';
import { extractPendingJob } from '@/jobs/extract-pending';
import { createTestDb, ensureTaxonomy, type TestDb } from '../helpers/db';
import { buildTestCatalog } from './model-catalog';

let t: TestDb;
let engine: JobEngine;
let release: () => void = () => {};
const gate = new Promise<void>((r) => (release = r));

const blocker: JobDefinition<{ k: number }> = {
  name: 'test-stately-blocker',
  schema: z.object({ k: z.number() }),
  options: { retryLimit: 0, retryDelay: 1, retryBackoff: false, expireInSeconds: 60 },
  policy: 'stately',
  async handler() {
    await gate;
    return {};
  },
};

beforeAll(async () => {
  t = await createTestDb();
  await ensureTaxonomy(t.handle.db);
  await updateProjectSettings(t.handle.db, { modelKind: 'logistic', trainEpochs: 20, retrainEveryLabels: 5 });
  engine = new JobEngine(createBoss(t.handle), t.handle);
  await engine.start([retrainJob, rescoreJob, pushEmbeddingsJob, blocker] as JobDefinition<unknown>[]);
  await engine.work();
});
afterAll(async () => {
  release();
  await engine.stop();
  await t.close();
});

async function waitFor(jobId: string, state = 'completed', ms = 60_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const [row] = await t.handle.db.select().from(jobRuns).where(eq(jobRuns.jobId, jobId));
    if (row?.state === state) return row;
    if (row?.state === 'failed' || Date.now() > deadline) throw new Error(`job ${jobId} did not reach ${state}; last ${JSON.stringify(row)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function embeddingVersions() {
  return execRows<{ id: number; model_id: number | null; status: string }>(
    t.handle.db,
    sql`select id, model_id, status from embedding_versions order by id`,
  );
}

describe('retrain jobs that behave', () => {
  it('a retrain refused for too few labels records why, and the periodic check waits for a new label instead of looping', async () => {
    const small = await buildTestCatalog(t.handle.db, { n: 20, seed: 3 });
    const settled = small.states.filter((s) => s === 'consensus').length;
    expect(await automaticTrigger(t.handle.db)).toEqual({ kind: 'labels', labels: settled });
    const id = await engine.enqueue(retrainJob, { trigger: 'labels' });
    const run = await waitFor(id!);
    const result = run.result as { skipped: string; labelsAtRefusal: number; trained: null; next: { rescore: string } | null };
    expect(result.trained).toBeNull();
    expect(result.skipped).toMatch(/Not enough labels to train/);
    expect(result.labelsAtRefusal).toBe(settled);
    // No model yet: the refused run still ranks the catalog (cold start) through the chained rescore.
    expect(result.next?.rescore).toBeTruthy();
    const rescore = await waitFor(result.next!.rescore);
    expect((rescore.result as { mode: string; next: unknown }).mode).toBe('cold-start');
    expect((rescore.result as { next: unknown }).next).toBeNull();
    // The regression: before, labels ≥ retrainEveryLabels held and the same refusal was queued every minute.
    expect(await automaticTrigger(t.handle.db)).toBeNull();
    expect(await automaticTrigger(t.handle.db, new Date(Date.now() + 48 * 3600_000))).toBeNull();
    // One label settles after the refusal: the check tries again.
    await t.handle.db.execute(
      sql`update clips set state_changed_at = now() + interval '1 second'
          where id = (select id from clips where label_state = 'consensus' order by id limit 1)`,
    );
    expect(await automaticTrigger(t.handle.db)).toEqual({ kind: 'labels', labels: settled });
  });

  it('retrain → rescore → push run as chained jobs; embeddings are pushed only when the active model changed', async () => {
    await buildTestCatalog(t.handle.db, { n: 120, seed: 11 });
    const id = await engine.enqueue(retrainJob, { trigger: 'manual' });
    const run = await waitFor(id!);
    const result = run.result as { trained: { candidateId: number; promoted: boolean } | null; next: { rescore: string } };
    expect(result.trained?.promoted).toBe(true);
    const active = await getActiveModel(t.handle.db);
    expect(active!.id).toBe(result.trained!.candidateId);
    const rescore = await waitFor(result.next.rescore);
    const rr = rescore.result as { mode: string; modelId: number; next: { pushEmbeddings: string } | null };
    expect(rr).toMatchObject({ mode: 'model', modelId: active!.id });
    expect(rr.next?.pushEmbeddings).toBeTruthy();
    const push = await waitFor(rr.next!.pushEmbeddings);
    expect(push.result).toMatchObject({ pushed: true, modelId: active!.id });
    const versions = await embeddingVersions();
    expect(versions.filter((v) => v.status === 'active').map((v) => Number(v.model_id))).toEqual([active!.id]);

    // A rescore with the same active model pushes nothing (before: a new embedding version every time).
    const again = await engine.enqueue(rescoreJob, { reason: 'test' });
    const againRun = await waitFor(again!);
    expect((againRun.result as { next: unknown }).next).toBeNull();
    expect(await embeddingVersions()).toEqual(versions);
    // And the push job itself refuses to duplicate the active version.
    const extra = await engine.enqueue(pushEmbeddingsJob, { reason: 'test' });
    expect((await waitFor(extra!)).result).toMatchObject({ pushed: false });
    expect(await embeddingVersions()).toEqual(versions);
  });

  it("strategy 'auto': a rescore draws a strategy and ranks with it, the next retrain rewards it, /models says what it favours", async () => {
    const db = t.handle.db;
    await updateProjectSettings(db, { strategy: 'auto' });
    await rescoreCatalog(db, { seed: 4, pushEmbeddings: false });
    const drawn = await latestAutoState(db);
    const state = drawn!.state as { experts: string[]; pending: { expert: number; probabilities: number[] } };
    expect(state.experts).toEqual(['random', 'uncertainty', 'margin', 'hybrid']);
    expect(state.pending.probabilities).toEqual([0.25, 0.25, 0.25, 0.25]);
    const strategy = state.experts[state.pending.expert];
    // The open clips carry the drawn strategy's terms.
    const rows = await execRows<{ terms: Record<string, number> }>(
      db,
      sql`select priority_terms as terms from clips where label_state = 'open' limit 5`,
    );
    const expected = strategy === 'random' ? ['random'] : strategy === 'hybrid' ? null : ['uncertainty'];
    for (const r of rows) {
      // ('batch' appears on clips the artist quota or batch diversity moved within the next batch.)
      if (expected) expect(Object.keys(r.terms).filter((k) => k !== 'batch')).toEqual(expected);
      else expect(r.terms).toHaveProperty('diversity');
    }
    // A second rescore in the same round keeps the draw.
    await rescoreCatalog(db, { seed: 99, pushEmbeddings: false });
    expect(((await latestAutoState(db))!.state as typeof state).pending).toEqual(state.pending);

    const before = await getActiveModel(db);
    await db.execute(sql`update clips set state_changed_at = now() + interval '1 second' where label_state = 'consensus'`);
    const trained = await retrain(db, { trigger: 'test', rewardStrategy: rewardAutoStrategy });
    const stored = (await latestAutoState(db))!;
    expect(stored.modelId).toBe(trained.candidateId);
    const next = stored.state as { rounds: number; pending: null; pulls: number[]; last: { strategy: string; gain: number; reward: number } };
    expect(next.rounds).toBe(1);
    expect(next.pending).toBeNull();
    expect(next.last.strategy).toBe(strategy);
    expect(next.pulls[state.pending.expert]).toBe(1);
    // The reward is the candidate's held-out gain over the model that was active, on the same split.
    const candidate = trained.models.find((m) => m.id === trained.candidateId)!;
    const [row] = await execRows<{ m: { comparison: { activeOnSameSplit: { microF1: number } } } }>(
      db,
      sql`select metrics as m from models where id = ${trained.candidateId}`,
    );
    expect(next.last.gain).toBeCloseTo(candidate.microF1 - row.m.comparison.activeOnSameSplit.microF1, 9);
    expect(next.last.reward).toBe(next.last.gain > 0 ? 1 : next.last.gain < 0 ? 0 : 0.5); // first round: |Δ|/mean|Δ| = 1
    expect(before).not.toBeNull();
    const overview = await modelsOverview(db);
    expect(overview.auto).toMatchObject({ rounds: 1, active: true, drawing: null, last: { strategy } });
    expect(overview.auto!.experts.map((e) => e.strategy)).toEqual(state.experts);
    await updateProjectSettings(db, { strategy: 'hybrid' });
  });

  it('queues have real pg-boss policies: a stately queue holds one active and one waiting job, and singletonKey jobs get one too', async () => {
    for (const name of ['retrain', 'rescore', 'push-embeddings', blocker.name]) {
      expect(((await engine.boss.getQueue(name)) as { policy: string }).policy).toBe('stately');
    }
    expect(queuePolicy(extractPendingJob as JobDefinition<unknown>)).toBe('stately');
    const first = await engine.enqueue(blocker, { k: 1 });
    await waitFor(first!, 'active');
    const second = await engine.enqueue(blocker, { k: 2 });
    const third = await engine.enqueue(blocker, { k: 3 });
    expect(second).toBeTruthy();
    expect(third).toBeNull();
    release();
    await waitFor(first!);
    await waitFor(second!);
  });

  it('the progress list keeps the last retrains visible however many cron runs came after', async () => {
    const cron = Array.from({ length: 80 }, (_, k) => ({
      jobId: `cron-${k}`,
      name: 'reap-leases',
      state: 'completed' as const,
      updatedAt: new Date(Date.now() + 60_000 + k),
    }));
    await t.handle.db.insert(jobRuns).values(cron);
    const list = await recentJobs(t.handle.db, 50);
    const retrains = list.filter((r) => r.name === 'retrain');
    expect(retrains.length).toBe(2);
    expect(list.filter((r) => r.name === 'reap-leases').length).toBe(50);
    expect(list.some((r) => r.name === 'push-embeddings')).toBe(true);
    // Newest first.
    const times = list.map((r) => new Date(r.updatedAt).getTime());
    expect(times).toEqual([...times].sort((a, b) => b - a));
  });
});
