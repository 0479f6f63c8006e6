/**
 * The valence–arousal regression heads end to end: planted features where valence and arousal
 * are a known linear function of two of them, ratings for 12 clips, one aggregation run; then the
 * stored heads, the queue priorities of unrated clips, the point recommender and its errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes, randomUUID } from 'node:crypto';
import { and, eq } from 'drizzle-orm';
import { clipFeatures, featureStats, projectAnswers, projectItems, projectMembers, projectScores, projectVaModels, projectVaPredictions } from '@/db/schema';
import { EXTRACTOR_VERSION } from '@/lib/audio/extract';
import { insertClip } from '@/lib/catalog/repo';
import { aggregateProjectNow } from '@/lib/projects/aggregation-service';
import { projectsBehindTheirAnswers } from '@/lib/projects/scores-repo';
import { MoodPointResponseSchema, ProjectResultsSchema } from '@/lib/projects/schemas';
import { createProject } from '@/lib/projects/service';
import * as pointRoute from '@/app/api/recommend/mood/point/route';
import * as resultsRoute from '@/app/api/projects/[slug]/results/route';
import { createTestDb, makeUser, type TestDb } from '../helpers/db';
import { ctx, request } from '../helpers/http';

let t: TestDb;
const tokens: Record<string, string> = {};
let va: { id: string; slug: string };

/** The planted truth: a linear function of features x₁, x₂ (x₃ is irrelevant). */
const truth = ([x1, x2]: number[]) => ({ valence: 0.1 + 0.5 * x1 - 0.2 * x2, arousal: -0.1 + 0.2 * x1 + 0.3 * x2 });

/** Rated clips: a 4 × 3 grid over [−1, 1]², with x₃ varying. */
const RATED = Array.from({ length: 12 }, (_, i) => [-1 + (2 * (i % 4)) / 3, -1 + (i - (i % 4)) / 4, ((i * 7) % 5) / 5 - 0.4]);
/** Unrated clips with features: three inside the rated range, one far outside it (the heads' least certain). */
const HELD_OUT = [
  [0.2, 0.1, 0],
  [-0.5, 0.6, 0.1],
  [0.7, -0.4, -0.2],
];
const FAR = [1.8, 1.8, 0.4];
/** Largest error allowed on a held-out clip inside the rated range (ratings carry ±0.03 noise, clips ±0.02). */
const HELD_OUT_TOLERANCE = 0.06;

const ids = { rated: [] as string[], heldOut: [] as string[], far: '', noFeatures: '' };

async function clip(title: string, vector: number[] | null): Promise<string> {
  const row = await insertClip(t.handle.db, { sha256: randomBytes(32).toString('hex'), title, artist: 'Ann', status: 'ready', durationS: 5 });
  if (vector) await t.handle.db.insert(clipFeatures).values({ clipId: row.id, extractorVersion: EXTRACTOR_VERSION, vector, named: {} });
  return row.id;
}

const point = (query: string, token: string) =>
  pointRoute.GET(request('GET', `/api/recommend/mood/point?${query}`, { token }), ctx({}));

beforeAll(async () => {
  t = await createTestDb();
  const db = t.handle.db;
  for (const name of ['admin', 'r1', 'r2', 'r3', 'contributor', 'expert', 'stranger']) {
    const { user, token } = await makeUser(t.handle, name === 'admin' ? 'admin' : 'contributor');
    tokens[name] = token;
    tokens[`${name}Id`] = user.id;
  }
  // Catalog statistics of mean 0, sd 1: the standardised features are the planted ones.
  await db.insert(featureStats).values({ extractorVersion: EXTRACTOR_VERSION, names: ['x1', 'x2', 'x3'], mean: [0, 0, 0], std: [1, 1, 1], count: 16 });
  for (const [i, x] of RATED.entries()) ids.rated.push(await clip(`rated ${i}`, x));
  for (const [i, x] of HELD_OUT.entries()) ids.heldOut.push(await clip(`held out ${i}`, x));
  ids.far = await clip('far', FAR);
  ids.noFeatures = await clip('no features', null);
  const all = [...ids.rated, ...ids.heldOut, ids.far, ids.noFeatures];
  va = await createProject(db, tokens.adminId, { slug: 'va-heads', name: 'Plane', questionType: 'valence_arousal', clipFilter: { clipIds: all } });
  const other = await createProject(db, tokens.adminId, { slug: 'elsewhere', name: 'Other', questionType: 'valence_arousal', clipFilter: { clipIds: all } });
  await createProject(db, tokens.adminId, { slug: 'pairs', name: 'Pairs', questionType: 'pairwise', attribute: 'calm', clipFilter: { clipIds: all } });
  for (const who of ['r1', 'r2', 'r3', 'contributor']) await db.insert(projectMembers).values({ projectId: va.id, userId: tokens[`${who}Id`], role: 'contributor' });
  await db.insert(projectMembers).values({ projectId: other.id, userId: tokens.strangerId, role: 'contributor' });
  // A contributor of the installation who is an expert in this project: the project role decides.
  await db.insert(projectMembers).values({ projectId: va.id, userId: tokens.expertId, role: 'expert' });
  // Three raters per rated clip, each off the truth by a small fixed amount (−0.03, 0, +0.03, rotating),
  // plus a per-clip offset (−0.02, 0, +0.02) the raters share: noise the features cannot explain.
  for (const [i, clipId] of ids.rated.entries()) {
    const { valence, arousal } = truth(RATED[i]);
    for (const [j, who] of ['r1', 'r2', 'r3'].entries()) {
      const noise = 0.03 * (((i + j) % 3) - 1) + 0.02 * (((i * 5) % 3) - 1);
      await db.insert(projectAnswers).values({
        projectId: va.id,
        userId: tokens[`${who}Id`],
        clipId,
        valence: valence + noise,
        arousal: arousal - noise,
        idempotencyKey: randomUUID(),
      });
    }
  }
  const run = await aggregateProjectNow(db, va.id);
  expect(run.status).toBe('fitted');
});
afterAll(async () => t?.close());

describe('the regression heads after an aggregation run', () => {
  it('stores one model: trained on the 12 rated clips, its λ from the grid, CV RMSE per axis, the extractor version', async () => {
    const [model] = await t.handle.db.select().from(projectVaModels).where(eq(projectVaModels.projectId, va.id));
    expect(model.n).toBe(12);
    expect(model.extractorVersion).toBe(EXTRACTOR_VERSION);
    expect([1e-3, 1e-2, 1e-1, 1, 10, 100, 1000]).toContain(model.lambda);
    // The signal is linear and the noise small: the out-of-sample error is about the clips' ±0.02, not zero.
    expect(model.valenceCvRmse).toBeGreaterThan(0.005);
    expect(model.valenceCvRmse).toBeLessThan(0.1);
    expect(model.arousalCvRmse).toBeLessThan(0.1);
  });

  it(`predicts held-out clips within ${HELD_OUT_TOLERANCE} of the planted truth on both axes`, async () => {
    const rows = await t.handle.db.select().from(projectVaPredictions).where(eq(projectVaPredictions.projectId, va.id));
    const byId = new Map(rows.map((r) => [r.clipId, r]));
    // Every clip with features has a prediction (rated ones too); the clip without features has none.
    expect(rows).toHaveLength(ids.rated.length + ids.heldOut.length + 1);
    expect(byId.has(ids.noFeatures)).toBe(false);
    for (const [i, clipId] of ids.heldOut.entries()) {
      const want = truth(HELD_OUT[i]);
      expect(Math.abs(byId.get(clipId)!.valence - want.valence), `held out ${i} valence`).toBeLessThan(HELD_OUT_TOLERANCE);
      expect(Math.abs(byId.get(clipId)!.arousal - want.arousal), `held out ${i} arousal`).toBeLessThan(HELD_OUT_TOLERANCE);
    }
  });

  it("sets unrated clips' queue priority to their predicted spread, largest for the clip far from the rated ones; rated clips keep their posterior spread", async () => {
    const db = t.handle.db;
    const items = new Map(
      (await db.select().from(projectItems).where(eq(projectItems.projectId, va.id))).map((r) => [r.clipId, r.priority]),
    );
    const predictions = new Map(
      (await db.select().from(projectVaPredictions).where(eq(projectVaPredictions.projectId, va.id))).map((r) => [r.clipId, r]),
    );
    const scores = new Map((await db.select().from(projectScores).where(eq(projectScores.projectId, va.id))).map((r) => [r.clipId, r]));
    const unrated = [...ids.heldOut, ids.far];
    for (const clipId of unrated) {
      const p = predictions.get(clipId)!;
      expect(items.get(clipId)).toBeCloseTo(Math.hypot(p.valenceSd, p.arousalSd), 5);
    }
    // Far from the data the line is least certain: asked first among the unrated clips.
    const ordered = [...unrated].sort((a, b) => items.get(b)! - items.get(a)!);
    expect(ordered[0]).toBe(ids.far);
    expect(items.get(ids.far)!).toBeGreaterThan(items.get(ids.heldOut[0])!);
    // The clip without features keeps the prior's spread √2; rated clips their posterior's.
    expect(items.get(ids.noFeatures)).toBeCloseTo(Math.SQRT2, 6);
    for (const clipId of ids.rated) {
      const s = scores.get(clipId)!;
      expect(items.get(clipId)).toBeCloseTo(Math.hypot(s.valenceSd!, s.arousalSd!), 5);
    }
  });

  it('shows the heads and the unrated clips’ predictions on the results', async () => {
    const res = await resultsRoute.GET(request('GET', `/api/projects/${va.slug}/results`, { token: tokens.admin }), ctx({ slug: va.slug }));
    expect(res.status).toBe(200);
    const body = ProjectResultsSchema.parse(await res.json());
    expect(body.heads?.n).toBe(12);
    expect(body.predictions.map((p) => p.clipId).sort()).toEqual([...ids.heldOut, ids.far].sort());
  });
});

describe('features that arrive after the fit', () => {
  it('put the project behind, and the next scheduled run predicts the clip; a run with nothing new writes nothing', async () => {
    const db = t.handle.db;
    expect((await aggregateProjectNow(db, va.id)).status).toBe('current');
    await db.insert(clipFeatures).values({ clipId: ids.noFeatures, extractorVersion: EXTRACTOR_VERSION, vector: [0, 0, 0], named: {} });
    expect(await projectsBehindTheirAnswers(db, va.id)).toEqual([va.id]);
    expect((await aggregateProjectNow(db, va.id)).status).toBe('fitted');
    const [p] = await db
      .select()
      .from(projectVaPredictions)
      .where(and(eq(projectVaPredictions.projectId, va.id), eq(projectVaPredictions.clipId, ids.noFeatures)));
    // At x = 0 the planted truth is (0.1, −0.1).
    expect(Math.abs(p.valence - 0.1)).toBeLessThan(HELD_OUT_TOLERANCE);
    expect(Math.abs(p.arousal + 0.1)).toBeLessThan(HELD_OUT_TOLERANCE);
    const [item] = await db
      .select()
      .from(projectItems)
      .where(and(eq(projectItems.projectId, va.id), eq(projectItems.clipId, ids.noFeatures)));
    expect(item.priority).toBeCloseTo(Math.hypot(p.valenceSd, p.arousalSd), 5);
    expect(await projectsBehindTheirAnswers(db, va.id)).toEqual([]);
    // Back as it was for the recommender tests below: the clip without features has no point.
    await db.delete(clipFeatures).where(eq(clipFeatures.clipId, ids.noFeatures));
    expect((await aggregateProjectNow(db, va.id, { force: true })).status).toBe('fitted');
  });
});

describe('GET /api/recommend/mood/point', () => {
  it('returns the clips nearest the point in order: crowd points for rated clips, predictions for the rest', async () => {
    const res = await point(`project=${va.slug}&valence=0.5&arousal=0.6&k=50`, tokens.expert);
    expect(res.status).toBe(200);
    const { items } = MoodPointResponseSchema.parse(await res.json());
    // Every clip with a point, once: 12 rated, 4 predicted; the clip without features has none.
    expect(items).toHaveLength(16);
    expect(new Set(items.map((i) => i.clipId)).size).toBe(16);
    const distances = items.map((i) => i.distance);
    expect(distances).toEqual([...distances].sort((a, b) => a - b));
    const scores = new Map(
      (await t.handle.db.select().from(projectScores).where(eq(projectScores.projectId, va.id))).map((r) => [r.clipId, r]),
    );
    const predictions = new Map(
      (await t.handle.db.select().from(projectVaPredictions).where(eq(projectVaPredictions.projectId, va.id))).map((r) => [r.clipId, r]),
    );
    for (const item of items) {
      expect(item.distance).toBeCloseTo(Math.hypot(item.valence - 0.5, item.arousal - 0.6), 9);
      if (ids.rated.includes(item.clipId)) {
        // A rated clip has a prediction too; the crowd's point wins.
        expect(item.source).toBe('crowd');
        expect(item.valence).toBeCloseTo(scores.get(item.clipId)!.valence!, 6);
        expect(item.why).toMatch(/^rated \d\.\d\d (un)?pleasant, \d\.\d\d (energetic|calm) by 3 people$/);
      } else {
        expect(item.source).toBe('model');
        expect(item.valence).toBeCloseTo(predictions.get(item.clipId)!.valence, 6);
        expect(item.why).toMatch(/^predicted /);
      }
    }
    // The nearest is the rated clip whose planted point is nearest (0.5, 0.6).
    const nearestRated = ids.rated
      .map((id, i) => ({ id, d: Math.hypot(truth(RATED[i]).valence - 0.5, truth(RATED[i]).arousal - 0.6) }))
      .sort((a, b) => a.d - b.d)[0].id;
    expect(items.filter((i) => i.source === 'crowd')[0].clipId).toBe(nearestRated);
  });

  it('k limits the answer to the k nearest', async () => {
    const res = await point(`project=${va.slug}&valence=${FAR[0] * 0.5}&arousal=0.8&k=2`, tokens.expert);
    const { items } = MoodPointResponseSchema.parse(await res.json());
    expect(items).toHaveLength(2);
    const all = MoodPointResponseSchema.parse(await (await point(`project=${va.slug}&valence=${FAR[0] * 0.5}&arousal=0.8&k=50`, tokens.expert)).json());
    expect(items).toEqual(all.items.slice(0, 2));
  });

  it('answers clear errors: 403 for a contributor, 400 off the plane, k out of range or a pairwise project, 404 for an unknown project or one the caller is not in, 401 signed out', async () => {
    // A contributor of the project: 403, since the answer carries the crowd's aggregates.
    const contributor = await point(`project=${va.slug}&valence=0&arousal=0`, tokens.contributor);
    expect(contributor.status).toBe(403);
    const bad = await point(`project=${va.slug}&valence=2&arousal=0`, tokens.expert);
    expect(bad.status).toBe(400);
    expect(JSON.stringify(await bad.json())).toMatch(/valence/);
    expect((await point(`project=${va.slug}&valence=0&arousal=0&k=51`, tokens.expert)).status).toBe(400);
    const unknown = await point('project=no-such-project&valence=0&arousal=0', tokens.contributor);
    expect(unknown.status).toBe(404);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toBe('no project "no-such-project"');
    // A contributor of another project: the same 404 as a missing project (slugs do not leak).
    const stranger = await point(`project=${va.slug}&valence=0&arousal=0`, tokens.stranger);
    expect(stranger.status).toBe(404);
    expect((await point(`project=${va.slug}&valence=0&arousal=0`, '')).status).toBe(401);
    // A pairwise project has no points to recommend by.
    const pairwise = await point('project=pairs&valence=0&arousal=0', tokens.admin);
    expect(pairwise.status).toBe(400);
    expect(((await pairwise.json()) as { error: { message: string } }).error.message).toMatch(/"pairs" is a pairwise project/);
  });
});
