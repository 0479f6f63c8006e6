import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes, randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { projectAnnotators, projectAnswers, projectItems, projectMembers, projects, projectScores, type Role } from '@/db/schema';
import { insertClip } from '@/lib/catalog/repo';
import { aggregateRatings, type AnswerInput } from '@/lib/projects/aggregate';
import { aggregateProjectNow, aggregateStaleProjects } from '@/lib/projects/aggregation-service';
import { readScoreFit } from '@/lib/projects/scores-repo';
import { ProjectResultsSchema } from '@/lib/projects/schemas';
import { createProject } from '@/lib/projects/service';
import * as resultsRoute from '@/app/api/projects/[slug]/results/route';
import * as aggregateRoute from '@/app/api/projects/[slug]/aggregate/route';
import { createTestDb, makeUser, type TestDb } from '../helpers/db';
import { ctx, request } from '../helpers/http';

let t: TestDb;
type Who = { id: string; token: string };
const people: Record<string, Who> = {};
let va: { id: string; slug: string };
let pw: { id: string; slug: string };
const clip: Record<string, string> = {};

async function member(projectId: string, userId: string, role: Role) {
  await t.handle.db.insert(projectMembers).values({ projectId, userId, role });
}

async function rate(userId: string, clipId: string, valence: number, arousal: number) {
  await t.handle.db
    .insert(projectAnswers)
    .values({ projectId: va.id, userId, clipId, valence, arousal, idempotencyKey: randomUUID() });
}

async function compare(userId: string, clipId: string, clipBId: string, choice: 'a' | 'b' | 'same') {
  await t.handle.db.insert(projectAnswers).values({ projectId: pw.id, userId, clipId, clipBId, choice, idempotencyKey: randomUUID() });
}

const scoresOf = async (projectId: string) =>
  new Map((await t.handle.db.select().from(projectScores).where(eq(projectScores.projectId, projectId))).map((s) => [s.clipId, s]));

beforeAll(async () => {
  t = await createTestDb();
  for (const [name, role] of [
    ['admin', 'admin'],
    ['r1', 'contributor'],
    ['r2', 'contributor'],
    ['biased', 'contributor'],
    ['expert', 'expert'],
    ['engineer', 'engineer'],
    ['outsider', 'expert'],
  ] as const) {
    const { user, token } = await makeUser(t.handle, role);
    people[name] = { id: user.id, token };
  }
  for (const name of ['calm', 'bright', 'dark', 'unheard']) {
    const row = await insertClip(t.handle.db, { sha256: randomBytes(32).toString('hex'), title: name, artist: 'Ann', status: 'ready', durationS: 5 });
    clip[name] = row.id;
  }
  const ids = Object.values(clip);
  va = await createProject(t.handle.db, people.admin.id, { slug: 'va', name: 'Mood plane', questionType: 'valence_arousal', clipFilter: { clipIds: ids } });
  pw = await createProject(t.handle.db, people.admin.id, { slug: 'pw', name: 'Energy', questionType: 'pairwise', attribute: 'energetic', clipFilter: { clipIds: ids } });
  for (const p of [va, pw]) {
    for (const c of ['r1', 'r2', 'biased']) await member(p.id, people[c].id, 'contributor');
    await member(p.id, people.expert.id, 'expert');
    await member(p.id, people.engineer.id, 'engineer');
  }
});
afterAll(async () => t?.close());

describe('valence–arousal aggregation stored', () => {
  // Three clips, r1 and r2 agree; `biased` rates every clip 0.4 more pleasant than they do.
  const truth: Record<string, [number, number]> = { calm: [0.3, -0.6], bright: [0.7, 0.6], dark: [-0.6, 0.2] };

  it('fits planted answers and stores every item, the annotators and the priorities', async () => {
    const answers: AnswerInput[] = [];
    for (const [name, [v, a]] of Object.entries(truth)) {
      for (const [who, shift] of [['r1', 0], ['r2', 0.02], ['biased', 0.4]] as const) {
        await rate(people[who].id, clip[name], Math.min(1, v + shift), a);
        answers.push({ userId: people[who].id, clipId: clip[name], clipBId: null, valence: Math.min(1, v + shift), arousal: a, choice: null });
      }
    }
    const runs = await aggregateStaleProjects(t.handle.db);
    expect(runs.map((r) => [r.projectId, r.status, r.answers, r.clips, r.annotators])).toEqual([[va.id, 'fitted', 9, 4, 3]]);

    const stored = await scoresOf(va.id);
    expect(stored.size).toBe(4);
    // What was stored is the pure fit of the same answers over the project's clips (sorted by id as read).
    const expected = aggregateRatings(Object.values(clip).sort(), answers);
    for (const e of expected.scores) {
      const s = stored.get(e.clipId)!;
      expect(s.answerCount).toBe(e.answerCount);
      if (e.valence === null) expect(s.valence).toBeNull();
      else expect(s.valence!).toBeCloseTo(e.valence, 5);
    }
    expect(stored.get(clip.unheard)).toMatchObject({ answerCount: 0, valence: null, valenceSd: null, arousal: null, score: null, rank: null });
    // The order of the planted values is kept.
    expect(stored.get(clip.bright)!.valence!).toBeGreaterThan(stored.get(clip.calm)!.valence!);
    expect(stored.get(clip.calm)!.valence!).toBeGreaterThan(stored.get(clip.dark)!.valence!);

    const annotators = new Map(
      (await t.handle.db.select().from(projectAnnotators).where(eq(projectAnnotators.projectId, va.id))).map((a) => [a.userId, a]),
    );
    expect(annotators.size).toBe(3);
    const bias = (who: string) => annotators.get(people[who].id)!.params.valenceBias;
    // The planted +0.4 shows as the biased rater's bias above the others' (the frame centres the mean bias at 0).
    expect(bias('biased') - (bias('r1') + bias('r2')) / 2).toBeGreaterThan(0.25);
    expect(annotators.get(people.biased.id)!.answerCount).toBe(3);

    const items = new Map(
      (await t.handle.db.select().from(projectItems).where(eq(projectItems.projectId, va.id))).map((i) => [i.clipId, i.priority]),
    );
    expect(items.get(clip.unheard)).toBeCloseTo(Math.SQRT2, 9);
    for (const name of ['calm', 'bright', 'dark']) expect(items.get(clip[name])!).toBeLessThan(Math.SQRT2);
  });

  it('a rerun with no new answers writes nothing', async () => {
    const before = await scoresOf(va.id);
    expect(await aggregateStaleProjects(t.handle.db)).toEqual([]);
    const r = await aggregateProjectNow(t.handle.db, va.id);
    expect(r.status).toBe('current');
    const after = await scoresOf(va.id);
    for (const [id, s] of before) expect(after.get(id)!.updatedAt.getTime()).toBe(s.updatedAt.getTime());
  });

  it('a run after more answers updates the fit', async () => {
    const before = await scoresOf(va.id);
    await rate(people.r1.id, clip.unheard, -0.5, -0.5);
    const runs = await aggregateStaleProjects(t.handle.db);
    expect(runs.map((r) => [r.projectId, r.answers])).toEqual([[va.id, 10]]);
    const after = await scoresOf(va.id);
    expect(after.get(clip.unheard)!.answerCount).toBe(1);
    expect(after.get(clip.unheard)!.valence!).toBeLessThan(0);
    expect(after.get(clip.calm)!.updatedAt.getTime()).toBeGreaterThan(before.get(clip.calm)!.updatedAt.getTime());
    expect(await aggregateStaleProjects(t.handle.db)).toEqual([]);
  });

  it('a clip synced into the project after the fit is fitted in (prior spread as priority) without a new answer', async () => {
    const late = await insertClip(t.handle.db, { sha256: randomBytes(32).toString('hex'), title: 'late', artist: 'Ann', status: 'ready', durationS: 5 });
    await t.handle.db.insert(projectItems).values({ projectId: va.id, clipId: late.id });
    expect((await aggregateStaleProjects(t.handle.db)).map((r) => [r.projectId, r.clips])).toEqual([[va.id, 5]]);
    const [item] = await t.handle.db.select().from(projectItems).where(eq(projectItems.clipId, late.id));
    expect(item.priority).toBeCloseTo(Math.SQRT2, 9);
    expect((await scoresOf(va.id)).get(late.id)).toMatchObject({ answerCount: 0, valence: null });
    expect(await aggregateStaleProjects(t.handle.db)).toEqual([]);
    // Out again (the pairwise project never had it): its row goes with the next fit.
    await t.handle.db.delete(projectItems).where(eq(projectItems.clipId, late.id));
    await aggregateStaleProjects(t.handle.db);
    expect((await scoresOf(va.id)).has(late.id)).toBe(false);
  });
});

describe('pairwise aggregation stored', () => {
  it('stores ranks (1 = most energetic), scores with sd and each contributor’s η; readScoreFit sees them', async () => {
    // bright ≻ calm ≻ dark for r1 and r2; `biased` (an adversary here) answers every pair the other way.
    const order = ['bright', 'calm', 'dark'];
    for (let i = 0; i < order.length; i++)
      for (let j = i + 1; j < order.length; j++) {
        await compare(people.r1.id, clip[order[i]], clip[order[j]], 'a');
        await compare(people.r2.id, clip[order[j]], clip[order[i]], 'b');
        await compare(people.biased.id, clip[order[i]], clip[order[j]], 'b');
      }
    await compare(people.r1.id, clip.unheard, clip.calm, 'same');
    const r = await aggregateProjectNow(t.handle.db, pw.id);
    expect([r.status, r.answers, r.annotators]).toEqual(['fitted', 10, 3]);

    const stored = await scoresOf(pw.id);
    expect(stored.get(clip.bright)!.rank).toBe(1);
    expect(stored.get(clip.dark)!.rank).toBe(4);
    expect(stored.get(clip.calm)!.answerCount).toBe(7);
    expect(stored.get(clip.unheard)!.answerCount).toBe(1);
    const eta = new Map(
      (await t.handle.db.select().from(projectAnnotators).where(eq(projectAnnotators.projectId, pw.id))).map((a) => [a.userId, a.params.eta]),
    );
    expect(eta.get(people.r1.id)!).toBeGreaterThan(eta.get(people.biased.id)!);

    const fit = await readScoreFit(t.handle.db, pw.id);
    expect(fit.size).toBe(4);
    expect(fit.get(clip.bright)!.score).toBeCloseTo(stored.get(clip.bright)!.score!, 6);
    const items = new Map(
      (await t.handle.db.select().from(projectItems).where(eq(projectItems.projectId, pw.id))).map((i) => [i.clipId, i.priority]),
    );
    // Priority = score sd: the clip compared once is less settled than one compared seven times.
    expect(items.get(clip.unheard)!).toBeGreaterThan(items.get(clip.calm)!);
    expect(items.get(clip.calm)).toBeCloseTo(stored.get(clip.calm)!.scoreSd!, 5);
  });

  it('the tags project is not fitted here (400, nothing written)', async () => {
    const [mood] = await t.handle.db.select().from(projects).where(eq(projects.slug, 'mood'));
    await expect(aggregateProjectNow(t.handle.db, mood.id)).rejects.toMatchObject({ code: 'BAD_REQUEST' });
    expect((await scoresOf(mood.id)).size).toBe(0);
    await expect(aggregateProjectNow(t.handle.db, randomUUID())).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });
});

describe('GET /api/projects/[slug]/results and POST …/aggregate', () => {
  const get = (slug: string, who: string) =>
    resultsRoute.GET(request('GET', `/api/projects/${slug}/results`, { token: people[who].token }), ctx({ slug }));
  const recompute = (slug: string, who: string) =>
    aggregateRoute.POST(request('POST', `/api/projects/${slug}/aggregate`, { token: people[who].token, body: {} }), ctx({ slug }));

  it('an expert member reads the scores and the annotators by name', async () => {
    const res = await get('pw', 'expert');
    expect(res.status).toBe(200);
    const body = ProjectResultsSchema.parse(await res.json());
    expect(body.project.slug).toBe('pw');
    // By rank: bright first, dark last (unheard, only ever "the same" as calm, sits next to calm).
    expect(body.scores.map((s) => s.rank)).toEqual([1, 2, 3, 4]);
    expect([body.scores[0].title, body.scores[3].title]).toEqual(['bright', 'dark']);
    expect(body.scores[0]).toMatchObject({ rank: 1, artist: 'Ann', answerCount: 6 });
    expect(body.annotators).toHaveLength(3);
    expect(body.annotators.every((a) => typeof a.params.eta === 'number' && a.name.length > 0)).toBe(true);
    expect(body.fittedAt).not.toBeNull();
  });

  it('a contributor member gets 403, a non-member 404, and an installation admin sees any project', async () => {
    expect((await get('pw', 'r1')).status).toBe(403);
    expect((await get('pw', 'outsider')).status).toBe(404);
    expect((await get('no-such', 'expert')).status).toBe(404);
    expect((await get('va', 'admin')).status).toBe(200);
  });

  it('"Recompute now": an engineer member refits at once without a job engine; an expert gets 403', async () => {
    const before = await scoresOf(va.id);
    const res = await recompute('va', 'engineer');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { jobId: null; result: { status: string; answers: number } };
    expect(body).toMatchObject({ jobId: null, result: { status: 'fitted', answers: 10 } });
    const after = await scoresOf(va.id);
    expect(after.get(clip.calm)!.updatedAt.getTime()).toBeGreaterThan(before.get(clip.calm)!.updatedAt.getTime());
    expect((await recompute('va', 'expert')).status).toBe(403);
    expect((await recompute('va', 'outsider')).status).toBe(404);
    expect((await recompute('mood', 'admin')).status).toBe(400);
  });
});

describe('jobs/aggregate-projects.ts', () => {
  const context = (progress: number[] = []) =>
    ({ jobId: 'test', db: t.handle.db, handle: t.handle, progress: async (f: number) => void progress.push(f) }) as never;

  it('the scheduled payload fits the projects behind their answers; a project id with force refits that one', async () => {
    const { aggregateProjectsJob } = await import('@/jobs/aggregate-projects');
    const { ALL_JOBS, SCHEDULES } = await import('@/jobs/registry');
    expect(ALL_JOBS).toContain(aggregateProjectsJob);
    const schedule = SCHEDULES.find((s) => s.job === (aggregateProjectsJob as unknown));
    expect(schedule?.cron).toBe('* * * * *');
    const payload = aggregateProjectsJob.schema.parse(schedule!.data);
    expect(payload).toEqual({ force: false });

    await compare(people.r2.id, clip.unheard, clip.dark, 'a');
    const progress: number[] = [];
    const runs = (await aggregateProjectsJob.handler(payload, context(progress))) as { projectId: string; status: string }[];
    expect(runs.map((r) => [r.projectId, r.status])).toEqual([[pw.id, 'fitted']]);
    expect(progress).toEqual([1]);
    expect(await aggregateProjectsJob.handler(payload, context())).toEqual([]);

    const forced = (await aggregateProjectsJob.handler(aggregateProjectsJob.schema.parse({ projectId: va.id, force: true }), context())) as {
      status: string;
    };
    expect(forced.status).toBe('fitted');
    expect(() => aggregateProjectsJob.schema.parse({ projectId: 'not-a-uuid' })).toThrow();
  });
});
