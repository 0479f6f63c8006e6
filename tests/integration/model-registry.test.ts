import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { execRows } from '@/db/client';
import { aggregates, auditLog, jobRuns, learningCurves, models, predictions } from '@/db/schema';
import { loadScorer } from '@/lib/model/onnx-runtime';
import { getActiveModel, getModel, promoteModelExplicitly, setModelOnnx } from '@/lib/model/repo';
import { automaticTrigger, promoteModel, retrain, rollbackModel, STALE_TRAINING_MS } from '@/lib/model/service';
import { splitOf } from '@/lib/model/training-set';
import { rescoreCatalog } from '@/lib/active/service';
import { updateProjectSettings } from '@/lib/settings/repo';
import { GET as listRoute } from '@/app/api/models/route';
import { POST as promoteRoute } from '@/app/api/models/[id]/promote/route';
import { POST as rollbackRoute } from '@/app/api/models/rollback/route';
import { createTestDb, ensureTaxonomy, makeUser, type TestDb } from '../helpers/db';
import { ctx, request } from '../helpers/http';
import { buildTestCatalog, type TestCatalog } from './model-catalog';

let t: TestDb;
let catalog: TestCatalog;
let engineer: Awaited<ReturnType<typeof makeUser>>;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

beforeAll(async () => {
  t = await createTestDb();
  await ensureTaxonomy(t.handle.db);
  await updateProjectSettings(t.handle.db, { modelKind: 'both', trainEpochs: 30 });
  catalog = await buildTestCatalog(t.handle.db, { n: 150 });
  engineer = await makeUser(t.handle, 'engineer');
});
afterAll(async () => t.close());

async function statuses() {
  const rows = await t.handle.db.select({ id: models.id, status: models.status }).from(models).orderBy(models.id);
  return Object.fromEntries(rows.map((r) => [r.id, r.status]));
}

describe('model registry and retraining', () => {
  let first: Awaited<ReturnType<typeof retrain>>;

  it('registers both kinds with held-out metrics and an ONNX whose sha256 matches; the first model is promoted', async () => {
    const progress: string[] = [];
    first = await retrain(t.handle.db, { trigger: 'test', onProgress: (_f, m) => void progress.push(m) });
    expect(first.models.map((m) => m.kind).sort()).toEqual(['logistic', 'mlp']);
    expect(first.promoted).toBe(true);
    expect(first.comparedWith).toBeNull();
    expect(progress.some((m) => m.startsWith('training mlp'))).toBe(true);

    const active = (await getActiveModel(t.handle.db))!;
    expect(active.id).toBe(first.candidateId);
    for (const { id } of first.models) {
      const m = await getModel(t.handle.db, id);
      expect(['ready', 'active']).toContain(m.status);
      expect(m.onnx!.length).toBeGreaterThan(100);
      expect(sha(m.onnx!)).toBe(m.onnxSha256);
      const scorer = await loadScorer(m.onnx!, { expect: { tags: catalog.tags, inputDim: catalog.d } });
      await scorer.release();
      expect(m.featureVersion).toBeTruthy();
      expect(m.taxonomyVersion).toBe(1);
      expect(m.trainSize).toBe(first.labelsUsed);
      expect(m.hyperparams).toMatchObject({ kind: m.kind, seed: m.id });
      // 150 clips leave far fewer than 50 validation rows: calibrated and thresholded out of fold.
      expect((m.metrics as { training: { crossFitFolds: number | null } }).training.crossFitFolds).toBe(3);
      const held = (m.metrics as { heldOut: Record<string, unknown> }).heldOut as {
        microF1: number;
        macroF1: number;
        ece: number;
        hammingLoss: number;
        perTag: { tag: string; averagePrecision: number; precision: number; recall: number; f1: number }[];
        reliability: { count: number; observedRate: number; meanPredicted: number }[];
      };
      expect(held.microF1).toBeGreaterThan(0.6);
      expect(held.macroF1).toBeGreaterThan(0.5);
      // ECE is the count-weighted gap between observed rate and mean prediction over the stored bins.
      const cells = held.reliability.reduce((n, b) => n + b.count, 0);
      expect(cells).toBe(first.testSize * catalog.t);
      expect(held.ece).toBeCloseTo(held.reliability.reduce((e, b) => e + (b.count / cells) * Math.abs(b.observedRate - b.meanPredicted), 0), 9);
      expect(held.ece).toBeLessThan(0.2);
      expect(held.hammingLoss).toBeLessThan(0.25);
      expect(held.perTag.map((p) => p.tag)).toEqual(catalog.tags);
      expect(held.perTag.every((p) => p.averagePrecision >= 0 && p.averagePrecision <= 1)).toBe(true);
      expect(held.reliability.length).toBe(15);
      const confusion = (m.metrics as { confusion: { matrix: number[][] } }).confusion;
      expect(confusion.matrix.length).toBe(catalog.t);
    }
    // The held-out clips: settled clips of the test split only, never trained on.
    const expectedTest = catalog.ids.filter((id, i) => catalog.states[i] === 'consensus' && splitOf(id, null) === 'test').length;
    expect(first.testSize).toBe(expectedTest);

    const [curve] = await t.handle.db.select().from(learningCurves).where(eq(learningCurves.kind, 'real'));
    expect(curve.points).toHaveLength(1);
    expect(curve.points[0]).toMatchObject({ model_id: first.candidateId, labels_used: first.labelsUsed });
    const audits = await t.handle.db.select().from(auditLog).where(eq(auditLog.action, 'model.promote'));
    expect(audits.map((a) => a.entityId)).toEqual([String(first.candidateId)]);
  });

  it('a worse candidate (trained on shuffled labels) is registered ready but not promoted; both were scored on the same held-out clips', async () => {
    // Shuffle the crowd labels of every clip outside the test split; the held-out truth stays.
    const rows = await t.handle.db.select().from(aggregates);
    const trainRows = rows.filter((r) => splitOf(r.clipId, null) !== 'test');
    const byClip = new Map<string, typeof rows>();
    for (const r of trainRows) byClip.set(r.clipId, [...(byClip.get(r.clipId) ?? []), r]);
    const clipIds = [...byClip.keys()];
    const rotated = clipIds.map((_, k) => clipIds[(k + 37) % clipIds.length]);
    const original = new Map(trainRows.map((r) => [`${r.clipId}|${r.tag}`, r.posterior]));
    const setPosteriors = (values: { clipId: string; tag: string; posterior: number }[]) =>
      t.handle.db.execute(
        sql`update aggregates a set posterior = v.posterior
            from jsonb_to_recordset(${JSON.stringify(values)}::jsonb) as v("clipId" uuid, tag text, posterior real)
            where a.clip_id = v."clipId" and a.tag = v.tag`,
      );
    const shuffled = clipIds.flatMap((clipId, k) =>
      byClip.get(clipId)!.map((r) => ({
        clipId,
        tag: r.tag,
        posterior: original.get(`${rotated[k]}|${catalog.tags[(catalog.tags.indexOf(r.tag) + 3) % catalog.t]}`) ?? 0.5,
      })),
    );
    await setPosteriors(shuffled);
    try {
      const worse = await retrain(t.handle.db, { trigger: 'test', kinds: ['logistic'] });
      expect(worse.promoted).toBe(false);
      expect(worse.comparedWith).toBe(first.candidateId);
      const m = await getModel(t.handle.db, worse.candidateId);
      expect(m.status).toBe('ready');
      const metrics = m.metrics as {
        comparison: { better: boolean; activeModelId: number; activeOnSameSplit: { macroF1: number } };
        heldOut: { macroF1: number };
        split: { testHash: string };
      };
      expect(metrics.comparison.better).toBe(false);
      expect(metrics.comparison.activeModelId).toBe(first.candidateId);
      expect(metrics.comparison.activeOnSameSplit.macroF1).toBeGreaterThan(metrics.heldOut.macroF1);
      const active = await getModel(t.handle.db, first.candidateId);
      expect(active.status).toBe('active');
      expect((active.metrics as { split: { testHash: string } }).split.testHash).toBe(metrics.split.testHash);
      // The active model's ONNX, evaluated now on the candidate's held-out clips, reproduces its own registered score.
      expect(metrics.comparison.activeOnSameSplit.macroF1).toBeCloseTo(
        (active.metrics as { heldOut: { macroF1: number } }).heldOut.macroF1,
        5,
      );
    } finally {
      await setPosteriors(
        [...original].map(([key, posterior]) => ({ clipId: key.split('|')[0], tag: key.split('|')[1], posterior })),
      );
    }
  });

  it('an engineer can promote a ready model explicitly, and one-click rollback re-activates the previous model with an audit row', async () => {
    const ready = Object.entries(await statuses()).find(([, s]) => s === 'ready')!;
    const readyId = Number(ready[0]);
    const promoted = await promoteModel(t.handle.db, readyId, engineer.user.id);
    expect(promoted).toEqual({ promoted: readyId, replaced: first.candidateId });
    expect((await getActiveModel(t.handle.db))!.id).toBe(readyId);
    expect((await getModel(t.handle.db, first.candidateId)).status).toBe('retired');

    const res = await rollbackRoute(request('POST', '/api/models/rollback', { token: engineer.token, body: {} }), ctx({}));
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ active: first.candidateId, retired: readyId });
    expect((await getActiveModel(t.handle.db))!.id).toBe(first.candidateId);
    expect((await getModel(t.handle.db, readyId)).status).toBe('retired');
    const [audit] = await t.handle.db.select().from(auditLog).where(eq(auditLog.action, 'model.rollback'));
    expect(audit).toMatchObject({ actorId: engineer.user.id, entity: 'model', entityId: String(first.candidateId) });
    expect(audit.before).toEqual({ active: readyId });
    expect(audit.after).toEqual({ active: first.candidateId });
    // Nothing further back to roll to: 409.
    const again = await rollbackRoute(request('POST', '/api/models/rollback', { token: engineer.token, body: {} }), ctx({}));
    expect(again.status).toBe(409);
  });

  it('a corrupted ONNX in the registry is refused for promotion and for scoring; the active model stays', async () => {
    const activeId = first.candidateId;
    const victim = Object.entries(await statuses()).find(
      ([id, s]) => (s === 'ready' || s === 'retired') && Number(id) !== activeId,
    )!;
    const victimId = Number(victim[0]);
    const good = (await getModel(t.handle.db, victimId)).onnx!;
    const flipped = Uint8Array.from(good);
    flipped[Math.floor(flipped.length / 2)] ^= 0xff;

    // 1. Bytes changed, sha256 not: refused by the checksum.
    await setModelOnnx(t.handle.db, victimId, flipped);
    const res = await promoteRoute(
      request('POST', `/api/models/${victimId}/promote`, { token: engineer.token, body: {} }),
      ctx({ id: String(victimId) }),
    );
    expect(res.status).toBe(422);
    expect(((await res.json()) as { error: { message: string } }).error.message).toMatch(/corrupted/);
    // 2. Bytes changed and sha256 "fixed" to match: refused by the file's own graph checksum / onnxruntime.
    await setModelOnnx(t.handle.db, victimId, flipped, sha(flipped));
    await expect(promoteModel(t.handle.db, victimId, engineer.user.id)).rejects.toThrow(/refused|corrupted/);
    expect((await getActiveModel(t.handle.db))!.id).toBe(activeId);

    // 3. The active model's own file corrupted: rescoring refuses and writes nothing.
    const before = await execRows<{ n: number }>(t.handle.db, sql`select count(*)::int as n from predictions`);
    const activeBytes = (await getModel(t.handle.db, activeId)).onnx!;
    const broken = Uint8Array.from(activeBytes);
    broken[10] ^= 0x01;
    await setModelOnnx(t.handle.db, activeId, broken);
    try {
      await expect(rescoreCatalog(t.handle.db)).rejects.toThrow(/corrupted/);
      const after = await execRows<{ n: number }>(t.handle.db, sql`select count(*)::int as n from predictions`);
      expect(after[0].n).toBe(before[0].n);
      expect((await getActiveModel(t.handle.db))!.id).toBe(activeId);
    } finally {
      await setModelOnnx(t.handle.db, activeId, activeBytes);
      await setModelOnnx(t.handle.db, victimId, good, sha(good));
    }
  });

  it('ONNX bytes replaced between verification and the switch are refused inside the transaction: nothing half-switched (issue 19)', async () => {
    const activeId = first.candidateId;
    const victimId = Number(
      Object.entries(await statuses()).find(([id, s]) => (s === 'ready' || s === 'retired') && Number(id) !== activeId)![0],
    );
    const good = (await getModel(t.handle.db, victimId)).onnx!;
    const verified = sha(good);
    const swapped = Uint8Array.from(good);
    swapped[swapped.length >> 1] ^= 0xff;
    const statusBefore = await statuses();
    const auditsBefore = (await t.handle.db.select().from(auditLog)).length;
    try {
      // 1. The bytes and their registered sha256 replaced after promoteModel verified the good file.
      await setModelOnnx(t.handle.db, victimId, swapped, sha(swapped));
      await expect(promoteModelExplicitly(t.handle.db, victimId, engineer.user.id, 'test', verified)).rejects.toThrow(
        /changed after it was verified/,
      );
      // 2. The bytes alone replaced (the registered sha256 still the verified one).
      await setModelOnnx(t.handle.db, victimId, swapped, verified);
      await expect(promoteModelExplicitly(t.handle.db, victimId, engineer.user.id, 'test', verified)).rejects.toThrow(
        /changed after it was verified/,
      );
      // Nothing switched, nothing audited: the same statuses, the same active model.
      expect(await statuses()).toEqual(statusBefore);
      expect((await getActiveModel(t.handle.db))!.id).toBe(activeId);
      expect(await t.handle.db.select().from(auditLog)).toHaveLength(auditsBefore);
    } finally {
      await setModelOnnx(t.handle.db, victimId, good, verified);
    }
  });

  it('a dead run is marked failed by the next run; a run that dies before its final transaction promotes nothing', async () => {
    const activeBefore = (await getActiveModel(t.handle.db))!.id;
    const [dead] = await t.handle.db
      .insert(models)
      .values({
        kind: 'mlp',
        featureVersion: 'x',
        taxonomyVersion: 1,
        tagKeys: catalog.tags,
        status: 'training',
        heartbeatAt: new Date(Date.now() - STALE_TRAINING_MS - 60_000),
      })
      .returning({ id: models.id });
    const statusBefore = await statuses();
    await expect(
      retrain(t.handle.db, {
        trigger: 'test',
        kinds: ['logistic', 'mlp'],
        onProgress: (_f, message) => {
          if (message.startsWith('registering')) throw new Error('worker killed');
        },
      }),
    ).rejects.toThrow('worker killed');
    const after = await statuses();
    expect(after[dead.id]).toBe('failed');
    // Every earlier row is as it was; the crashed run's rows are failed, none ready or active.
    for (const [id, s] of Object.entries(statusBefore)) if (Number(id) !== dead.id) expect(after[id]).toBe(s);
    const fresh = Object.entries(after).filter(([id]) => !(id in statusBefore));
    expect(fresh.length).toBe(2);
    expect(fresh.every(([, s]) => s === 'failed')).toBe(true);
    expect((await getActiveModel(t.handle.db))!.id).toBe(activeBefore);

    // A live run (fresh heartbeat) blocks a second one.
    const [live] = await t.handle.db
      .insert(models)
      .values({ kind: 'logistic', featureVersion: 'x', taxonomyVersion: 1, tagKeys: catalog.tags, status: 'training' })
      .returning({ id: models.id });
    await expect(retrain(t.handle.db, { trigger: 'test' })).rejects.toThrow(/already running/);
    await t.handle.db.update(models).set({ status: 'failed' }).where(eq(models.id, live.id));
  });

  it('the periodic check starts a retrain after N newly settled labels, and not while one is queued', async () => {
    // Open clips nobody has prioritised yet (nothing was rescored in this file): rank them, at most every 10 minutes.
    expect(await automaticTrigger(t.handle.db)).toEqual({ kind: 'rescore', reason: 'new-clips' });
    await t.handle.db.insert(jobRuns).values({ jobId: 'done-rescore', name: 'rescore', state: 'completed' });
    expect(await automaticTrigger(t.handle.db)).toBeNull();
    await t.handle.db.execute(
      sql`update clips set state_changed_at = now() + interval '1 second'
          where id in (select id from clips where label_state = 'consensus' order by id limit 60)`,
    );
    expect(await automaticTrigger(t.handle.db)).toEqual({ kind: 'labels', labels: 60 });
    await updateProjectSettings(t.handle.db, { retrainEveryLabels: 100 });
    expect(await automaticTrigger(t.handle.db)).toBeNull();
    // On the schedule: labels arrived and the last model is older than the interval.
    expect(await automaticTrigger(t.handle.db, new Date(Date.now() + 25 * 3600_000))).toEqual({ kind: 'schedule', labels: 60 });
    await updateProjectSettings(t.handle.db, { retrainEveryLabels: 50 });
    await t.handle.db.insert(jobRuns).values({ jobId: 'queued-retrain', name: 'retrain', state: 'queued' });
    expect(await automaticTrigger(t.handle.db)).toBeNull();
    await t.handle.db.delete(jobRuns).where(eq(jobRuns.jobId, 'queued-retrain'));
  });

  it('GET /api/models lists versions with metrics and status, without the ONNX bytes', async () => {
    const res = await listRoute(request('GET', '/api/models', { token: engineer.token }), ctx({}));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { models: Record<string, unknown>[]; curves: unknown[]; strategy: { strategy: string } };
    expect(body.models.length).toBeGreaterThanOrEqual(4);
    expect(body.models.every((m) => !('onnx' in m))).toBe(true);
    expect(body.models.find((m) => m.status === 'active')).toMatchObject({ id: first.candidateId });
    expect(body.curves.length).toBeGreaterThan(0);
    expect(body.strategy.strategy).toBe('hybrid');
    // Predictions are only ever written by rescoring.
    expect((await t.handle.db.select().from(predictions)).length).toBe(0);
  });
});
