import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { and, eq, sql } from 'drizzle-orm';
import { execRows } from '@/db/client';
import { clips, learningCurves, predictions, votes } from '@/db/schema';
import { makeSyntheticMoodData } from '@/lib/active/synthetic';
import { rescoreCatalog } from '@/lib/active/service';
import { KEEP_EMBEDDING_VERSIONS } from '@/lib/active/service';
import { getActiveModel } from '@/lib/model/repo';
import { retrain } from '@/lib/model/service';
import { nextClipFor, submitVote } from '@/lib/queue/service';
import { updateProjectSettings } from '@/lib/settings/repo';
import { runCli } from '../helpers/cli';
import { createTestDb, ensureTaxonomy, makeUser, type TestDb } from '../helpers/db';
import { buildTestCatalog, type TestCatalog } from './model-catalog';

let t: TestDb;
let catalog: TestCatalog;

beforeAll(async () => {
  t = await createTestDb();
  await ensureTaxonomy(t.handle.db);
  await updateProjectSettings(t.handle.db, { modelKind: 'logistic', trainEpochs: 30, goldRate: 0, newContributorGoldRate: 0 });
  catalog = await buildTestCatalog(t.handle.db, { n: 120, seed: 11 });
});
afterAll(async () => t.close());

async function clipRows() {
  return t.handle.db
    .select({ id: clips.id, priority: clips.priority, terms: clips.priorityTerms, state: clips.labelState })
    .from(clips)
    .orderBy(clips.id);
}

describe('rescoring and queue priorities', () => {
  let coldStart: Awaited<ReturnType<typeof clipRows>>;

  it('before any model, priorities come from cold-start k-center diversity over the feature vectors', async () => {
    const result = await rescoreCatalog(t.handle.db, { seed: 1 });
    expect(result.mode).toBe('cold-start');
    coldStart = await clipRows();
    const open = coldStart.filter((c) => c.state === 'open');
    expect(result.clips).toBe(open.length);
    for (const c of open) {
      expect(Object.keys(c.terms).sort()).toEqual(['diversity', 'votesNeeded']);
      expect(c.priority).toBeGreaterThan(0);
    }
    // The farthest-first picks lead: diversity scores are distinct and the best open clip is the first pick (1.0).
    const diversity = open.map((c) => c.terms.diversity).sort((a, b) => b - a);
    expect(new Set(diversity).size).toBe(open.length);
    expect(coldStart.filter((c) => c.state !== 'open').every((c) => c.priority === 0 && Object.keys(c.terms).length === 0)).toBe(
      true,
    );
    expect(await execRows(t.handle.db, sql`select 1 from embedding_versions`)).toHaveLength(0);
  });

  it('with an active model, rescoring writes predictions for every clip with features and recomputes priority and its terms', async () => {
    const trained = await retrain(t.handle.db, { trigger: 'test' });
    expect(trained.promoted).toBe(true);
    const result = await rescoreCatalog(t.handle.db, { catalog: trained.catalog, seed: 2 });
    expect(result).toMatchObject({ mode: 'model', modelId: trained.candidateId, clips: catalog.n });
    const preds = await t.handle.db.select().from(predictions).where(eq(predictions.modelId, trained.candidateId));
    expect(preds).toHaveLength(catalog.n);
    for (const p of preds) {
      expect(p.probs).toHaveLength(catalog.t);
      expect(p.probs.every((v) => v >= 0 && v <= 1)).toBe(true);
      expect(p.uncertainty).toBeGreaterThanOrEqual(0);
      expect(p.uncertainty).toBeLessThanOrEqual(1);
    }
    const after = await clipRows();
    const open = after.filter((r) => r.state === 'open');
    const changed = open.filter((c) => c.priority !== coldStart.find((r) => r.id === c.id)!.priority);
    expect(changed.length).toBeGreaterThan(open.length * 0.9);
    for (const c of after.filter((r) => r.state === 'open')) {
      expect(c.terms).toHaveProperty('uncertainty');
      expect(c.terms).toHaveProperty('diversity');
      const sum = Object.values(c.terms).reduce((a, b) => a + b, 0);
      expect(sum).toBeCloseTo(c.priority, 4);
    }
    // Clips nobody voted on are not counted as "the crowd disagrees" under hybrid.
    const unvoted = after.filter((c) => catalog.states[catalog.ids.indexOf(c.id)] === 'open');
    expect(unvoted.length).toBeGreaterThan(10);
    expect(unvoted.every((c) => !('disagreement' in c.terms))).toBe(true);
    const [version] = await execRows<{ id: number; count: number; status: string; dim: number }>(
      t.handle.db,
      sql`select id, count, status, dim from embedding_versions where status = 'active'`,
    );
    expect(version).toMatchObject({ id: result.embeddingVersion, count: catalog.n, dim: catalog.t });

    // The strategy is per project: 'entropy' ranks by model uncertainty alone.
    await updateProjectSettings(t.handle.db, { strategy: 'entropy' });
    await rescoreCatalog(t.handle.db, { seed: 3 });
    const entropy = await clipRows();
    // ('batch' only where the artist quota moved a clip within the next batch.)
    expect(
      entropy.filter((c) => c.state === 'open').every((c) => Object.keys(c.terms).filter((k) => k !== 'batch').join() === 'uncertainty'),
    ).toBe(true);
    await updateProjectSettings(t.handle.db, { strategy: 'hybrid' });
  });

  it('the embedding version switch is atomic for concurrent readers, and only the newest five versions are kept', async () => {
    const db = t.handle.db;
    const expected = catalog.n;
    const violations: string[] = [];
    let reads = 0;
    let stop = false;
    const reader = (async () => {
      while (!stop) {
        // One statement = one snapshot: the active version's row count equals its declared count.
        const snap = await execRows<{ id: number; count: number; n: number }>(
          db,
          sql`select v.id, v.count, (select count(*)::int from clip_embeddings e where e.version_id = v.id) as n
              from embedding_versions v where v.status = 'active'`,
        );
        if (snap.length !== 1) violations.push(`${snap.length} active versions`);
        else if (Number(snap[0].n) !== expected || Number(snap[0].count) !== expected)
          violations.push(`active v${snap[0].id}: ${snap[0].n}/${snap[0].count} rows`);
        // A request's pattern: read the active id once, then its rows — complete, or gone if pruned meanwhile (0).
        if (snap[0]) {
          const [rows] = await execRows<{ n: number }>(
            db,
            sql`select count(*)::int as n from clip_embeddings where version_id = ${snap[0].id}`,
          );
          if (Number(rows.n) !== 0 && Number(rows.n) !== expected)
            violations.push(`request saw ${rows.n} rows of v${snap[0].id}`);
        }
        reads++;
        await new Promise((r) => setImmediate(r));
      }
    })();
    const pushed: number[] = [];
    let batchesSeen = 0;
    try {
      for (let k = 0; k < 7; k++) {
        const result = await rescoreCatalog(db, {
          seed: 10 + k,
          // Forced: by default a rescore with the same active model pushes nothing (retrain-chain.test.ts).
          pushEmbeddings: true,
          embeddingBatch: 16,
          onEmbeddingBatch: async () => {
            batchesSeen++;
            await new Promise((r) => setTimeout(r, 2));
          },
        });
        pushed.push(result.embeddingVersion!);
      }
    } finally {
      stop = true;
      await reader;
    }
    expect(violations).toEqual([]);
    expect(reads).toBeGreaterThan(20);
    expect(batchesSeen).toBe(7 * Math.ceil(expected / 16));
    const versions = await execRows<{ id: number; status: string }>(
      db,
      sql`select id, status from embedding_versions order by id`,
    );
    expect(versions).toHaveLength(KEEP_EMBEDDING_VERSIONS);
    expect(versions.map((v) => Number(v.id))).toEqual(pushed.slice(-KEEP_EMBEDDING_VERSIONS));
    expect(versions.filter((v) => v.status === 'active').map((v) => Number(v.id))).toEqual([pushed[pushed.length - 1]]);
    const perVersion = await execRows<{ version_id: number; n: number }>(
      db,
      sql`select version_id, count(*)::int as n from clip_embeddings group by version_id order by version_id`,
    );
    expect(perVersion.map((r) => Number(r.version_id))).toEqual(pushed.slice(-KEEP_EMBEDDING_VERSIONS));
    expect(perVersion.every((r) => Number(r.n) === expected)).toBe(true);
  });

  it('asks a targeted yes/no question about the one tag the model is unsure of, and stores the answer for aggregation', async () => {
    const db = t.handle.db;
    const model = (await getActiveModel(db))!;
    const openVoted = catalog.ids.filter((_, i) => catalog.states[i] === 'open-voted');
    const [oneUncertain, threeUncertain, unvoted] = [openVoted[0], openVoted[1], catalog.ids[catalog.states.indexOf('open')]];
    const probsWith = (unsure: string[]) => catalog.tags.map((tag, j) => (unsure.includes(tag) ? 0.5 : j % 2 ? 0.97 : 0.02));
    const setPrediction = (clipId: string, probs: number[]) =>
      db
        .update(predictions)
        .set({ probs })
        .where(and(eq(predictions.clipId, clipId), eq(predictions.modelId, model.id)));
    await setPrediction(oneUncertain, probsWith(['tense']));
    await setPrediction(threeUncertain, probsWith(['tense', 'calm', 'dark']));
    await setPrediction(unvoted, probsWith(['sad']));
    await db.update(clips).set({ priority: 0 });
    await db.update(clips).set({ priority: 100 }).where(eq(clips.id, oneUncertain));
    await db.update(clips).set({ priority: 90 }).where(eq(clips.id, threeUncertain));
    await db.update(clips).set({ priority: 80 }).where(eq(clips.id, unvoted));

    const alice = await makeUser(t.handle, 'contributor');
    const [before] = await db.select({ assigned: clips.assigned }).from(clips).where(eq(clips.id, oneUncertain));
    const item = (await nextClipFor(db, alice.user.id, [], () => 0))!;
    expect(item.clip.id).toBe(oneUncertain);
    expect(item.question).toEqual({ tag: 'tense', label: 'Tense' });
    const result = await submitVote(db, alice.user.id, {
      kind: 'targeted',
      leaseId: item.lease.id,
      answer: true,
      idempotencyKey: 'targeted-1-alice',
    });
    expect(result).toMatchObject({ kind: 'targeted', replayed: false });
    const [stored] = await db.select().from(votes).where(eq(votes.id, result.voteId));
    expect(stored).toMatchObject({ clipId: oneUncertain, kind: 'targeted', questionTag: 'tense', answer: true, tags: [] });
    // The answer adds evidence on one tag; the clip still waits for its full votes (slot given back).
    const [after] = await db
      .select({ assigned: clips.assigned, voteCount: clips.voteCount })
      .from(clips)
      .where(eq(clips.id, oneUncertain));
    expect(after.assigned).toBe(before.assigned);

    // The same contributor may still give the clip its full vote, but is never asked the same question twice.
    const again = (await nextClipFor(db, alice.user.id, [], () => 0))!;
    expect(again.clip.id).toBe(oneUncertain);
    expect(again.question).toBeNull();

    // Three uncertain tags → a full vote; a clip without any vote yet → a full vote.
    await db.update(clips).set({ priority: 0 }).where(eq(clips.id, oneUncertain));
    const bob = await makeUser(t.handle, 'contributor');
    const second = (await nextClipFor(db, bob.user.id, [], () => 0))!;
    expect(second.clip.id).toBe(threeUncertain);
    expect(second.question).toBeNull();
    await db.update(clips).set({ priority: 0 }).where(eq(clips.id, threeUncertain));
    const dave = await makeUser(t.handle, 'contributor');
    const third = (await nextClipFor(db, dave.user.id, [], () => 0))!;
    expect(third.clip.id).toBe(unvoted);
    expect(third.question).toBeNull();
    // At rate 0 (random ≥ rate) no question is asked even for the one-tag clip.
    await db.update(clips).set({ priority: 200 }).where(eq(clips.id, oneUncertain));
    const carol = await makeUser(t.handle, 'contributor');
    const fourth = (await nextClipFor(db, carol.user.id, [], () => 0.99))!;
    expect(fourth.clip.id).toBe(oneUncertain);
    expect(fourth.question).toBeNull();
  });
});

describe('chorus simulate', () => {
  it('writes the learning-curve JSON of the contract, and --save stores it for the models page', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chorus-sim-'));
    try {
      const data = makeSyntheticMoodData({ n: 160, d: 4, t: 2, seed: 3, prevalence: [0.4, 0.3], separation: 3 });
      const lines = ['a,b,c,d,calm,tense'];
      for (let i = 0; i < data.n; i++)
        lines.push(
          [...data.x.subarray(i * 4, i * 4 + 4)]
            .map((v) => v.toFixed(4))
            .concat([data.y[i * 2], data.y[i * 2 + 1]].map(String))
            .join(','),
        );
      fs.writeFileSync(path.join(dir, 'data.csv'), lines.join('\n'));
      const out = path.join(dir, 'curve.json');
      const { code, stdout, stderr } = await runCli([
        'simulate',
        '--data',
        path.join(dir, 'data.csv'),
        '--labels',
        'calm,tense',
        '--strategy',
        'margin',
        '--initial',
        '20',
        '--batch',
        '20',
        '--rounds',
        '2',
        '--seed',
        '5',
        '--out',
        out,
        '--save',
        '--name',
        'margin on test data',
      ]);
      expect(code).toBe(0);
      // stderr carries progress only (issue 23): each line ends with its elapsed time, none is an error.
      const progress = stderr.trim().split('\n');
      expect(progress[0]).toMatch(/^read 160 rows/);
      for (const line of progress) expect(line).toMatch(/\(\d+\.\d s\)$/);
      const curve = JSON.parse(fs.readFileSync(out, 'utf8')) as Record<string, number>[];
      expect(curve.map((p) => p.labels_used)).toEqual([20, 40, 60]);
      for (const p of curve)
        expect(Object.keys(p).sort()).toEqual(['hamming_loss', 'labels_used', 'macro_f1', 'micro_f1', 'subset_accuracy']);
      const [saved] = await t.handle.db.select().from(learningCurves).where(eq(learningCurves.kind, 'simulated'));
      expect(saved).toMatchObject({ name: 'margin on test data', strategy: 'margin', points: curve });
      expect(stdout).toMatch(/saved the curve/);
      // Bad usage exits 2, as the contract says.
      expect((await runCli(['simulate', '--data', path.join(dir, 'data.csv')])).code).toBe(2);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
