/**
 * The recommender's exploration bandit (issue 20, item 3), on both databases: off by default; when
 * on, a session gets a sticky ranking arm, the tracks only its arm (not the greedy one) would serve
 * say "exploring: …" in the why, and its likes and skips credit that arm once per track; sessions
 * of a running A/B experiment or canary are left alone (no arm, no label, no credit); the
 * /models route shows the posterior and switches it (400 on a bad body, audited).
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { auditTrail } from '@/lib/audit/repo';
import { EXPLORATION_ARMS } from '@/lib/experiments/bandit';
import { banditCounts, runningExperiment } from '@/lib/experiments/repo';
import { StartExperimentSchema } from '@/lib/experiments/schemas';
import { runningCanary, startCanary, stopCanary } from '@/lib/recommend/canary';
import { startExperiment, stopExperiment } from '@/lib/recommend/experiments';
import { EXPLORATION_ARM_KEYS } from '@/lib/recommend/exploration';
import { claimSessionBanditArm, getListenerSession } from '@/lib/recommend/repo';
import { resetRecommender, type Recommender } from '@/lib/recommend/runtime';
import { ListenEventSchema, NextQuerySchema } from '@/lib/recommend/schemas';
import { nextTracks, recordListenerEvent, startListenerSession } from '@/lib/recommend/service';
import { forgetProjectSettings, updateProjectSettings } from '@/lib/settings/repo';
import { createRng } from '@/lib/util/random';
import * as explorationRoute from '@/app/api/models/exploration/route';
import { createTestDb, makeUser, type TestDb } from '../helpers/db';
import { ctx, request } from '../helpers/http';
import { insertEmbeddingVersion, insertMoodCatalog, type EmbeddedClip } from '../helpers/listening';

const DIM = 16;
const MOODS = 6;
const PER = 30;
const [FOCUSED, BALANCED, VARIED] = EXPLORATION_ARMS;

let t: TestDb;
let rec: Recommender;
let engineer: { id: string; token: string };
let contributorToken: string;
let ready: number;
const rng = createRng(77);

const insertVersion = (rows: EmbeddedClip[], status: 'active' | 'ready') => insertEmbeddingVersion(t.handle, rows, status, { dim: DIM });

/** Sets the bandit's counts: `balanced` clearly best, so a session on another arm is exploring. */
async function setCounts(counts: Record<string, [number, number]>) {
  await t.handle.query(`delete from bandit_arms`);
  for (const [arm, [s, f]] of Object.entries(counts)) {
    await t.handle.query(`insert into bandit_arms (arm, successes, failures) values ($1, $2, $3)`, [arm, s, f]);
  }
}

const counts = async () => Object.fromEntries((await banditCounts(t.handle.db, EXPLORATION_ARM_KEYS)).map((c, i) => [EXPLORATION_ARM_KEYS[i], [c.successes, c.failures]]));
const next = (sessionId: string, k = 10) => nextTracks(rec, sessionId, NextQuerySchema.parse({ k }));
const react = (sessionId: string, clipId: string, type: 'like' | 'skip' | 'dislike' | 'play') =>
  recordListenerEvent(rec, sessionId, ListenEventSchema.parse({ type, clipId }));
const newSession = async (personalization = true) => (await startListenerSession(rec, { personalization })).sessionId;
const armOf = async (sessionId: string) => (await getListenerSession(rec.db, sessionId))!.banditArm;

async function setExploration(on: boolean) {
  await updateProjectSettings(t.handle.db, { exploration: on });
  forgetProjectSettings();
}

beforeAll(async () => {
  t = await createTestDb();
  const e = await makeUser(t.handle, 'engineer');
  engineer = { id: e.user.id, token: e.token };
  contributorToken = (await makeUser(t.handle, 'contributor')).token;
  const { rows } = await insertMoodCatalog(t.handle, rng, { moods: MOODS, perMood: PER, dim: DIM });
  await insertVersion(rows, 'active');
  ready = await insertVersion(rows, 'ready');
  rec = resetRecommender(t.handle, { checkIntervalMs: 0, limits: {} });
  await rec.sync();
}, 120_000);

afterEach(async () => {
  const experiment = await runningExperiment(t.handle.db);
  if (experiment) await stopExperiment(t.handle.db, experiment.id, engineer.id);
  const canary = await runningCanary(t.handle.db);
  if (canary) await stopCanary(t.handle.db, canary.id, engineer.id);
  await setExploration(false);
});

afterAll(async () => {
  await t?.close();
});

describe('exploration bandit', () => {
  it('is off by default: no arm, no label, no credit', async () => {
    forgetProjectSettings();
    const res = await explorationRoute.GET(request('GET', '/api/models/exploration', { token: engineer.token }), ctx({}));
    expect(((await res.json()) as { enabled: boolean }).enabled).toBe(false);
    const id = await newSession();
    const served = await next(id);
    expect(served.results.length).toBe(10);
    expect(served.results.some((r) => r.why.startsWith('exploring'))).toBe(false);
    await react(id, served.results[0].clipId, 'like');
    expect(await armOf(id)).toBeNull();
    expect(await counts()).toEqual(Object.fromEntries(EXPLORATION_ARM_KEYS.map((k) => [k, [0, 0]])));
  });

  it('labels exactly the tracks the greedy arm would not serve, and only on a non-greedy arm', async () => {
    await setExploration(true);
    await setCounts({ [BALANCED.key]: [60, 40], [FOCUSED.key]: [2, 8], [VARIED.key]: [2, 8] });
    const usual = await newSession();
    const exploring = await newSession();
    expect(await claimSessionBanditArm(rec.db, usual, BALANCED.key)).toBe(BALANCED.key);
    expect(await claimSessionBanditArm(rec.db, exploring, VARIED.key)).toBe(VARIED.key);
    // A second claim keeps the first arm: the arm is sticky.
    expect(await claimSessionBanditArm(rec.db, exploring, FOCUSED.key)).toBe(VARIED.key);
    // A fresh session has nothing to be relevant to (every candidate ties), so λ changes nothing:
    // both like the same first track, and then relevance and diversity pull apart.
    const first = (await next(usual)).results[0].clipId;
    expect((await next(exploring)).results[0].clipId).toBe(first);
    await react(usual, first, 'like');
    await react(exploring, first, 'like');
    const a = (await next(usual)).results;
    const b = (await next(exploring)).results;
    expect(a.some((r) => r.why.startsWith('exploring'))).toBe(false);
    const inUsual = new Set(a.map((r) => r.clipId));
    const expected = b.filter((r) => !inUsual.has(r.clipId)).map((r) => r.clipId);
    expect(expected.length).toBeGreaterThan(0); // after a like, λ 0.4 ranks otherwise than λ 0.7
    expect(b.filter((r) => r.why.startsWith('exploring: more variety · ')).map((r) => r.clipId)).toEqual(expected);
    // The other tracks keep their usual why.
    for (const r of b.filter((x) => inUsual.has(x.clipId))) expect(r.why.startsWith('exploring')).toBe(false);
  });

  it('gives a new session a sticky arm, and credits its first reaction per track: like = success, skip or dislike = failure, play nothing', async () => {
    await setExploration(true);
    await setCounts({});
    const id = await newSession();
    const served = (await next(id, 5)).results;
    const arm = await armOf(id);
    expect(EXPLORATION_ARM_KEYS).toContain(arm);
    await next(id, 5);
    expect(await armOf(id)).toBe(arm);
    await react(id, served[0].clipId, 'play');
    await react(id, served[0].clipId, 'like');
    await react(id, served[0].clipId, 'like'); // the same track again: counted once
    await react(id, served[1].clipId, 'skip');
    await react(id, served[2].clipId, 'dislike');
    const after = await counts();
    expect(after[arm!]).toEqual([1, 2]);
    for (const k of EXPLORATION_ARM_KEYS.filter((k) => k !== arm)) expect(after[k]).toEqual([0, 0]);
    // Turned off: the same session's reactions no longer teach the bandit.
    await setExploration(false);
    await react(id, served[3].clipId, 'like');
    expect((await counts())[arm!]).toEqual([1, 2]);
  });

  it('leaves a personalization-off session alone', async () => {
    await setExploration(true);
    await setCounts({});
    const id = await newSession(false);
    const served = (await next(id)).results;
    expect(served.some((r) => r.why.startsWith('exploring'))).toBe(false);
    await react(id, served[0].clipId, 'like');
    expect(await armOf(id)).toBeNull();
    expect(Object.values(await counts()).flat().every((x) => x === 0)).toBe(true);
  });

  it("a running ranking experiment's sessions get its setting only: no arm, no label, no credit; an older session keeps exploring", async () => {
    await setExploration(true);
    // Even odds for every arm: without the experiment, two in three new sessions would explore.
    await setCounts({ [BALANCED.key]: [1, 0] });
    const older = await newSession();
    expect(await claimSessionBanditArm(rec.db, older, VARIED.key)).toBe(VARIED.key);
    const e = await startExperiment(
      t.handle.db,
      StartExperimentSchema.parse({ kind: 'ranking', control: { lambda: 0.7 }, treatment: { lambda: 0.3, maxPerArtist: 1 }, baseline: 0.2, minDetectable: 0.05 }),
      engineer.id,
    );
    for (let i = 0; i < 12; i++) {
      const id = await newSession();
      const session = (await getListenerSession(rec.db, id))!;
      const served = (await next(id)).results;
      expect(served.some((r) => r.why.startsWith('exploring'))).toBe(false);
      await react(id, served[0].clipId, 'like');
      await react(id, served[1].clipId, 'skip');
      expect(await armOf(id)).toBeNull();
      expect(await rec.rankingFor(session)).not.toEqual({});
    }
    expect(await counts()).toEqual({ [FOCUSED.key]: [0, 0], [BALANCED.key]: [1, 0], [VARIED.key]: [0, 0] });
    // The session from before the experiment is not in it: the bandit still learns from it and serves it.
    await react(older, (await next(older)).results[0].clipId, 'like');
    expect((await counts())[VARIED.key]).toEqual([1, 0]);
    expect((await next(older)).results.some((r) => r.why.startsWith('exploring: more variety'))).toBe(true);
    await stopExperiment(t.handle.db, e.id, engineer.id);
  });

  it("a running canary's sessions (either arm) get no arm and teach nothing", async () => {
    await setExploration(true);
    await setCounts({});
    await startCanary(t.handle.db, { canaryVersion: ready, share: 0.5, margin: 0.02, minSessions: 200 }, engineer.id);
    for (let i = 0; i < 8; i++) {
      const id = await newSession();
      const served = (await next(id)).results;
      expect(served.some((r) => r.why.startsWith('exploring'))).toBe(false);
      await react(id, served[0].clipId, 'like');
      expect(await armOf(id)).toBeNull();
    }
    expect(Object.values(await counts()).flat().every((x) => x === 0)).toBe(true);
  });

  it('route: engineers read the posterior and switch exploration (audited); a bad body is a 400, a contributor a 403', async () => {
    await setCounts({ [FOCUSED.key]: [3, 1] });
    const patch = (body: unknown, token = engineer.token) =>
      explorationRoute.PATCH(request('PATCH', '/api/models/exploration', { token, body }), ctx({}));
    expect((await patch({ enabled: 'yes' })).status).toBe(400);
    expect((await patch({ enabled: true, extra: 1 })).status).toBe(400);
    expect((await patch({ enabled: true }, contributorToken)).status).toBe(403);
    const on = await patch({ enabled: true });
    expect(on.status).toBe(200);
    const body = (await on.json()) as {
      enabled: boolean;
      greedy: string;
      arms: { key: string; likes: number; rejections: number; alpha: number; beta: number; mean: number; sd: number; pBest: number }[];
    };
    expect(body.enabled).toBe(true);
    expect(body.greedy).toBe(FOCUSED.key);
    // Beta(4, 2): mean 2/3, sd √(8 / (36·7)) = 0.1782; the others Beta(1, 1): mean 1/2, sd √(1/12) = 0.2887.
    expect(body.arms[0]).toMatchObject({ key: FOCUSED.key, likes: 3, rejections: 1, alpha: 4, beta: 2 });
    expect(body.arms[0].mean).toBeCloseTo(2 / 3, 10);
    expect(body.arms[0].sd).toBeCloseTo(0.178174, 5);
    expect(body.arms[1].sd).toBeCloseTo(0.288675, 5);
    expect(body.arms.reduce((s, a) => s + a.pBest, 0)).toBeCloseTo(1, 10);
    expect(body.arms[0].pBest).toBeGreaterThan(body.arms[1].pBest);
    const audit = await auditTrail(t.handle.db, 'settings', 'project');
    const last = audit.find((a) => a.action === 'settings.exploration')!; // newest first
    expect([last.before, last.after]).toEqual([{ exploration: false }, { exploration: true }]);
  });
});
