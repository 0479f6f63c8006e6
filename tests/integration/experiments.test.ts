/**
 * A/B experiments of the recommender (issue 20, item 2), on both databases: start, stop and the
 * refusal of a second experiment or a canary beside it; the routes with their 400/409; sticky
 * arms for embedding and ranking tests; and a simulated embedding experiment (lib/experiments/
 * simulate) where the version with mood structure beats one whose vectors were shuffled between
 * clips, found by the always-valid test.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { auditTrail } from '@/lib/audit/repo';
import { pruneEmbeddingVersions } from '@/lib/embeddings/repo';
import { planExperiment, sessionArm } from '@/lib/experiments/ab';
import { insertExperiment, markExperimentStopped, runningExperiment, type Experiment } from '@/lib/experiments/repo';
import { StartExperimentSchema } from '@/lib/experiments/schemas';
import { DEFAULT_LISTENER, simulateListener } from '@/lib/experiments/simulate';
import { startCanary, stopCanary } from '@/lib/recommend/canary';
import { experimentReport, startExperiment, stopExperiment } from '@/lib/recommend/experiments';
import { createListenerSession, getListenerSession } from '@/lib/recommend/repo';
import { resetRecommender, type Recommender } from '@/lib/recommend/runtime';
import { startListenerSession } from '@/lib/recommend/service';
import { normalize } from '@/lib/recommend/vector-math';
import { createRng, gaussian, shuffleInPlace } from '@/lib/util/random';
import * as listRoute from '@/app/api/experiments/route';
import * as oneRoute from '@/app/api/experiments/[id]/route';
import * as stopRoute from '@/app/api/experiments/[id]/stop/route';
import { createTestDb, makeUser, type TestDb } from '../helpers/db';
import { ctx, request } from '../helpers/http';
import { insertEmbeddingVersion, insertMoodCatalog, serviceListenerDriver, type EmbeddedClip } from '../helpers/listening';

const DIM = 16;
const MOODS = 6;
const PER = 30;
const BATCH = 10;
const MAX_SESSIONS = 600;

let t: TestDb;
let rec: Recommender;
let engineerId: string;
let engineerToken: string;
let moodOf: Map<string, number>;
let good: number;
let worse: number;
/** Per session: the embedding versions its recommendations came from. */
const servedBy = new Map<string, Set<number>>();

const rng = createRng(2021);
const unit = (v: number[]) => Array.from(normalize(v));
const plan = { share: 0.5, baseline: 0.2, minDetectable: 0.05 };

const insertVersion = (rows: EmbeddedClip[], status: 'active' | 'ready') => insertEmbeddingVersion(t.handle, rows, status, { dim: DIM });

const driver = serviceListenerDriver(() => rec, servedBy);

const embeddingTest = (control: number, treatment: number) =>
  StartExperimentSchema.parse({ kind: 'embedding', control: { embeddingVersion: control }, treatment: { embeddingVersion: treatment }, ...plan });
const rankingTest = StartExperimentSchema.parse({ kind: 'ranking', control: { lambda: 0.7 }, treatment: { lambda: 0.3, maxPerArtist: 1 }, ...plan });

beforeAll(async () => {
  t = await createTestDb();
  const engineer = await makeUser(t.handle, 'engineer');
  engineerId = engineer.user.id;
  engineerToken = engineer.token;
  let rows: EmbeddedClip[];
  ({ rows, moodOf } = await insertMoodCatalog(t.handle, rng, { moods: MOODS, perMood: PER, dim: DIM }));
  good = await insertVersion(rows, 'active');
  const shuffled = shuffleInPlace(rows.map((r) => r.vector), rng);
  worse = await insertVersion(rows.map((r, i) => ({ id: r.id, vector: shuffled[i] })), 'ready');
  rec = resetRecommender(t.handle, { checkIntervalMs: 0, limits: {} });
  await rec.sync();
}, 120_000);

// A failed test must not leave its experiment running: the next one would be refused (one at a time).
afterEach(async () => {
  const running = await runningExperiment(t.handle.db);
  if (running) await stopExperiment(t.handle.db, running.id, engineerId);
});

afterAll(async () => {
  await t?.close();
});

describe('A/B experiments', () => {
  it('one at a time: refuses a second experiment and a canary beside it, and an experiment beside a canary; start and stop are audited', async () => {
    const e = await startExperiment(t.handle.db, embeddingTest(good, worse), engineerId);
    expect(e.sessionsPerArm).toBe(1091); // planExperiment(0.2, 0.05): hand-worked in tests/unit/experiments/ab.test.ts
    await expect(startExperiment(t.handle.db, rankingTest, engineerId)).rejects.toThrow(/already running/);
    await expect(startCanary(t.handle.db, { canaryVersion: worse, share: 0.1, margin: 0.02, minSessions: 200 }, engineerId)).rejects.toThrow(
      /Experiment \d+ is running/,
    );
    const report = await stopExperiment(t.handle.db, e.id, engineerId);
    expect(report.experiment.status).toBe('stopped');
    await expect(stopExperiment(t.handle.db, e.id, engineerId)).rejects.toThrow(/not running/);
    expect(await runningExperiment(t.handle.db)).toBeNull();
    expect((await auditTrail(t.handle.db, 'ab_experiment', String(e.id))).map((a) => a.action).sort()).toEqual(['experiment.start', 'experiment.stop']);

    const canary = await startCanary(t.handle.db, { canaryVersion: worse, share: 0.1, margin: 0.02, minSessions: 200 }, engineerId);
    await expect(startExperiment(t.handle.db, rankingTest, engineerId)).rejects.toThrow(/Canary \d+ is running/);
    await stopCanary(t.handle.db, canary.id, engineerId);
  });

  it('refuses a retired or unknown embedding version', async () => {
    const [{ id: retired }] = await t.handle.query<{ id: number }>(`insert into embedding_versions (source, dim, status, count) values ('test', $1, 'retired', 0) returning id`, [DIM]);
    await expect(startExperiment(t.handle.db, embeddingTest(good, Number(retired)), engineerId)).rejects.toThrow(/is retired/);
    await expect(startExperiment(t.handle.db, embeddingTest(good, 999_999), engineerId)).rejects.toThrow(/No embedding version 999999/);
    await t.handle.query(`delete from embedding_versions where id = $1`, [retired]);
    expect(await runningExperiment(t.handle.db)).toBeNull();
  });

  it('API: bad input is a 400, a start shows the planned sample size, the result is readable by id, a second stop is a 409', async () => {
    for (const body of [
      { kind: 'ranking', control: { lambda: 0.7 }, treatment: { lambda: 0.7 }, ...plan }, // arms identical
      { kind: 'ranking', control: { lambda: 0.7 }, treatment: { lambda: 1.5 }, ...plan },
      { kind: 'ranking', control: { lambda: 0.7 }, treatment: { lambda: 0.3 }, baseline: 0.2 }, // no minDetectable
      { kind: 'embedding', control: { lambda: 0.7 }, treatment: { lambda: 0.3 }, ...plan },
    ]) {
      const bad = await listRoute.POST(request('POST', '/api/experiments', { token: engineerToken, body }), ctx({}));
      expect(bad.status, JSON.stringify(body)).toBe(400);
    }
    const created = await listRoute.POST(
      request('POST', '/api/experiments', { token: engineerToken, body: { kind: 'ranking', control: { lambda: 0.7 }, treatment: { lambda: 0.3 }, baseline: 0.3, minDetectable: 0.05 } }),
      ctx({}),
    );
    expect(created.status).toBe(201);
    const e = (await created.json()) as { id: number; share: number; sessionsPerArm: number; treatment: { maxPerArtist: number } };
    expect([e.share, e.sessionsPerArm, e.treatment.maxPerArtist]).toEqual([0.5, 1374, 2]); // 0.3 → 0.35: 1,374 (stats.test.ts)
    const overview = (await (await listRoute.GET(request('GET', '/api/experiments', { token: engineerToken }), ctx({}))).json()) as {
      running: { experiment: { id: number }; plan: { sessionsPerArm: number; totalSessions: number }; control: { sessions: number }; verdict: string };
      versions: { id: number; status: string }[];
    };
    expect(overview.running.experiment.id).toBe(e.id);
    expect(overview.running.plan).toEqual({ sessionsPerArm: 1374, totalSessions: 2748 });
    expect([overview.running.control.sessions, overview.running.verdict]).toEqual([0, 'inconclusive']);
    expect(overview.versions.map((v) => [v.id, v.status])).toEqual([
      [worse, 'ready'],
      [good, 'active'],
    ]);
    const second = await listRoute.POST(request('POST', '/api/experiments', { token: engineerToken, body: { ...rankingTest } }), ctx({}));
    expect(second.status).toBe(409);
    const stopped = await stopRoute.POST(request('POST', `/api/experiments/${e.id}/stop`, { token: engineerToken }), ctx({ id: String(e.id) }));
    expect(stopped.status).toBe(200);
    const again = await stopRoute.POST(request('POST', `/api/experiments/${e.id}/stop`, { token: engineerToken }), ctx({ id: String(e.id) }));
    expect(again.status).toBe(409);
    const one = await oneRoute.GET(request('GET', `/api/experiments/${e.id}`, { token: engineerToken }), ctx({ id: String(e.id) }));
    expect(((await one.json()) as { experiment: { status: string } }).experiment.status).toBe('stopped');
    const missing = await oneRoute.GET(request('GET', '/api/experiments/999999', { token: engineerToken }), ctx({ id: '999999' }));
    expect(missing.status).toBe(404);
  });

  it('a ranking experiment: each session keeps its arm setting, about half in each; a session from before the start keeps the default', async () => {
    const before = await startListenerSession(rec, { personalization: true });
    const e = await startExperiment(t.handle.db, rankingTest, engineerId);
    const counts = { control: 0, treatment: 0 };
    for (let i = 0; i < 200; i++) {
      const { sessionId } = await startListenerSession(rec, { personalization: true });
      const session = (await getListenerSession(rec.db, sessionId))!;
      const arm = sessionArm(e, session)!;
      counts[arm]++;
      const expected = arm === 'control' ? { lambda: 0.7, maxPerArtist: 2 } : { lambda: 0.3, maxPerArtist: 1 };
      expect(await rec.rankingFor(session)).toEqual(expected);
      expect(await rec.rankingFor(session)).toEqual(expected);
    }
    // Binomial(200, 0.5): sd 7; 60..140 is more than 5 sd either side.
    expect(counts.control).toBeGreaterThan(60);
    expect(counts.treatment).toBeGreaterThan(60);
    expect(await rec.rankingFor((await getListenerSession(rec.db, before.sessionId))!)).toEqual({});
    await stopExperiment(t.handle.db, e.id, engineerId);
    expect(await rec.rankingFor((await getListenerSession(rec.db, before.sessionId))!)).toEqual({});
  });

  it('a session created in the same microsecond as the start is outside the experiment, in SQL and in JavaScript alike', async () => {
    // One transaction: the session's created_at and the experiment's now() are the same instant.
    const { e, sessionId } = await t.handle.db.transaction(async (tx) => {
      const { id } = await createListenerSession(tx, true);
      const { sessionsPerArm } = planExperiment(plan.baseline, plan.minDetectable, plan.share);
      return { e: await insertExperiment(tx, { ...rankingTest, sessionsPerArm }, engineerId), sessionId: id };
    });
    const session = (await getListenerSession(rec.db, sessionId))!;
    expect(session.createdAt.getTime()).toBeLessThan(e.startedAt.getTime());
    expect(sessionArm(e, session)).toBeNull();
    expect(await rec.rankingFor(session)).toEqual({});
    await markExperimentStopped(t.handle.db, e.id, engineerId);
  });

  it('simulated listeners: the version with mood structure beats the shuffled one, each session served by its arm only', async () => {
    // Control is the worse (ready) version, treatment the active good one: any two servable versions.
    const e = await startExperiment(t.handle.db, embeddingTest(worse, good), engineerId);
    servedBy.clear();
    const ids: string[] = [];
    let report = await experimentReport(t.handle.db, e);
    while (report.verdict === 'inconclusive' && ids.length < MAX_SESSIONS) {
      for (let i = 0; i < BATCH; i++) ids.push((await simulateListener(driver, (id) => moodOf.get(id), Math.floor(rng() * MOODS), rng, DEFAULT_LISTENER)).sessionId);
      report = await experimentReport(t.handle.db, e);
    }
    expect(report.verdict).toBe('treatment better');
    expect(report.result.lower).toBeGreaterThan(0);
    expect(report.treatment.likeRate!).toBeGreaterThan(report.control.likeRate!);
    expect(report.control.sessions + report.treatment.sessions).toBe(ids.length);
    for (const id of ids) {
      const arm = sessionArm(e, (await getListenerSession(rec.db, id))!)!;
      expect([...servedBy.get(id)!]).toEqual([arm === 'control' ? worse : good]);
    }
    console.log(
      `[experiment] ${process.env.CHORUS_TEST_DB ?? 'embedded'}: treatment better after ${ids.length} sessions ` +
        `(${report.control.sessions}/${report.treatment.sessions}); like rate ${report.control.likeRate!.toFixed(3)} → ${report.treatment.likeRate!.toFixed(3)}, ` +
        `interval ${report.result.lower.toFixed(3)}..${report.result.upper.toFixed(3)}`,
    );
    const stopped = await stopExperiment(t.handle.db, e.id, engineerId);
    expect(stopped.verdict).toBe('treatment better');
    const audit = await auditTrail(t.handle.db, 'ab_experiment', String(e.id));
    expect((audit.find((a) => a.action === 'experiment.stop')!.after as { verdict: string }).verdict).toBe('treatment better');
    // Stopped: a new session is served by the active version whatever its hash.
    servedBy.clear();
    const after = await simulateListener(driver, (id) => moodOf.get(id), 0, rng, { ...DEFAULT_LISTENER, rounds: 1 });
    expect([...servedBy.get(after.sessionId)!]).toEqual([good]);
    expect(planExperiment(0.2, 0.05).sessionsPerArm).toBe(1091);
  }, 300_000);

  // Last in the file: once the experiment stops, pruning takes both of its versions.
  it("pruning never deletes a running experiment's versions; once it stops they go like any other old version", async () => {
    const spare = await insertVersion([...moodOf.keys()].slice(0, 5).map((id) => ({ id, vector: unit(Array.from({ length: DIM }, () => gaussian(rng))) })), 'ready');
    const e = await startExperiment(t.handle.db, embeddingTest(worse, spare), engineerId);
    const doomed = await insertVersion([], 'ready');
    const newer = [await insertVersion([], 'ready'), await insertVersion([], 'ready')];
    // keep 2: only the two newest and the active one would stay, were the experiment not running.
    const pruned = await pruneEmbeddingVersions(t.handle.db, 2);
    expect(pruned).toEqual([doomed]);
    const left = async () => (await t.handle.query<{ id: number }>(`select id from embedding_versions order by id`)).map((r) => Number(r.id));
    expect(await left()).toEqual([good, worse, spare, ...newer]);
    await stopExperiment(t.handle.db, e.id, engineerId);
    expect((await pruneEmbeddingVersions(t.handle.db, 2)).sort((a, b) => a - b)).toEqual([worse, spare]);
    expect(await left()).toEqual([good, ...newer]);
  });
});
