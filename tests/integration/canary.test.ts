/**
 * Canary rollouts of embedding versions end to end (issue 20, items 1 and 5), on both databases:
 * simulated listeners (lib/experiments/simulate) with a planted mood as taste listen through the
 * recommender's service functions. A deliberately worse version (the good vectors shuffled
 * between clips: no mood structure) is rolled back by the decision, and an equal one (the good
 * vectors with a little noise) is promoted through the ordinary activation.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditTrail } from '@/lib/audit/repo';
import { DEFAULT_LISTENER, simulateListener } from '@/lib/experiments/simulate';
import { canaryReport, decideCanary, recentCanaries, runningCanary, sessionInCanary, startCanary, stopCanary, type Canary } from '@/lib/recommend/canary';
import { getListenerSession } from '@/lib/recommend/repo';
import { resetRecommender, type Recommender } from '@/lib/recommend/runtime';
import { createRng, gaussian, shuffleInPlace } from '@/lib/util/random';
import * as canaryRoute from '@/app/api/models/canary/route';
import * as stopRoute from '@/app/api/models/canary/[id]/stop/route';
import { createTestDb, makeUser, type TestDb } from '../helpers/db';
import { ctx, request } from '../helpers/http';
import { insertEmbeddingVersion, insertMoodCatalog, serviceListenerDriver, type EmbeddedClip } from '../helpers/listening';

const DIM = 16;
const MOODS = 6;
const PER = 30;
const BATCH = 10;
const MAX_SESSIONS = 1000;

let t: TestDb;
let rec: Recommender;
let engineerId: string;
let engineerToken: string;
let moodOf: Map<string, number>;
let good: number;
let worse: number;
let equal: number;
/** Per session: the embedding versions its recommendations came from. */
const servedBy = new Map<string, Set<number>>();

const rng = createRng(2020);

const insertVersion = (rows: EmbeddedClip[], status: 'active' | 'ready') => insertEmbeddingVersion(t.handle, rows, status, { dim: DIM });

const driver = serviceListenerDriver(() => rec, servedBy);

/** Simulated listeners in batches, one decision after each batch, until the canary is decided. */
async function runUntilDecided(canary: Canary): Promise<{ sessions: number; decided: Canary; ids: string[] }> {
  const ids: string[] = [];
  while (ids.length < MAX_SESSIONS) {
    for (let i = 0; i < BATCH; i++) ids.push((await simulateListener(driver, (id) => moodOf.get(id), Math.floor(rng() * MOODS), rng, DEFAULT_LISTENER)).sessionId);
    const out = await decideCanary(t.handle.db);
    expect(out?.canary.id).toBe(canary.id);
    if (out!.canary.status !== 'running') return { sessions: ids.length, decided: out!.canary, ids };
  }
  throw new Error(`canary ${canary.id} undecided after ${MAX_SESSIONS} sessions`);
}

/** Every session was served by one version: the canary's when it is in the canary arm, else the control's. */
async function expectSticky(canary: Canary, ids: string[]): Promise<number> {
  let inArm = 0;
  for (const id of ids) {
    const session = (await getListenerSession(rec.db, id))!;
    const expected = sessionInCanary(canary, session) ? canary.canaryVersion : canary.controlVersion;
    if (expected === canary.canaryVersion) inArm++;
    expect([...servedBy.get(id)!]).toEqual([expected]);
    const versions = await t.handle.query<{ v: number }>(`select distinct embedding_version as v from listener_events where session_id = $1`, [id]);
    expect(versions.map((r) => Number(r.v))).toEqual([expected]);
  }
  return inArm;
}

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
  equal = await insertVersion(rows.map((r) => ({ id: r.id, vector: r.vector.map((x) => x + 0.03 * gaussian(rng)) })), 'ready');
  rec = resetRecommender(t.handle, { checkIntervalMs: 0, limits: {} });
  await rec.sync();
}, 120_000);

afterAll(async () => {
  await t?.close();
});

describe('embedding canary', () => {
  it('refuses a version that is not ready, a second running canary, and stopping one that is not running', async () => {
    await expect(startCanary(t.handle.db, { canaryVersion: good, share: 0.1, margin: 0.02, minSessions: 200 }, engineerId)).rejects.toThrow(/only a ready version/);
    const c = await startCanary(t.handle.db, { canaryVersion: equal, share: 0.1, margin: 0.02, minSessions: 200 }, engineerId);
    await expect(startCanary(t.handle.db, { canaryVersion: worse, share: 0.1, margin: 0.02, minSessions: 200 }, engineerId)).rejects.toThrow(/already running/);
    expect((await stopCanary(t.handle.db, c.id, engineerId)).status).toBe('stopped');
    await expect(stopCanary(t.handle.db, c.id, engineerId)).rejects.toThrow(/not running/);
    expect(await runningCanary(t.handle.db)).toBeNull();
    expect((await auditTrail(t.handle.db, 'embedding_canary', String(c.id))).map((a) => a.action).sort()).toEqual(['canary.start', 'canary.stopped']);
  });

  it('API: an engineer starts a canary with the defaults, sees it with its arms, and stops it; bad input is a 400', async () => {
    const bad = await canaryRoute.POST(request('POST', '/api/models/canary', { token: engineerToken, body: { canaryVersion: equal, share: 0.9 } }), ctx({}));
    expect(bad.status).toBe(400);
    const created = await canaryRoute.POST(request('POST', '/api/models/canary', { token: engineerToken, body: { canaryVersion: equal } }), ctx({}));
    expect(created.status).toBe(201);
    const c = (await created.json()) as { id: number; share: number; margin: number; minSessions: number; controlVersion: number };
    expect([c.share, c.margin, c.minSessions, c.controlVersion]).toEqual([0.1, 0.02, 200, good]);
    const seen = (await (await canaryRoute.GET(request('GET', '/api/models/canary', { token: engineerToken }), ctx({}))).json()) as {
      running: { canary: { id: number }; control: { version: number; sessions: number }; treatment: { version: number }; decision: { action: string } };
    };
    expect(seen.running.canary.id).toBe(c.id);
    expect([seen.running.control.version, seen.running.treatment.version, seen.running.control.sessions]).toEqual([good, equal, 0]);
    expect(seen.running.decision.action).toBe('continue');
    const stopped = await stopRoute.POST(request('POST', `/api/models/canary/${c.id}/stop`, { token: engineerToken }), ctx({ id: String(c.id) }));
    expect(stopped.status).toBe(200);
    expect(((await stopped.json()) as { status: string }).status).toBe('stopped');
    const again = await stopRoute.POST(request('POST', `/api/models/canary/${c.id}/stop`, { token: engineerToken }), ctx({ id: String(c.id) }));
    expect(again.status).toBe(409);
  });

  it('counts control sessions served by a newer active version (a features rebuild mid-canary) and leaves out a session that saw both arms', async () => {
    const canary = await startCanary(t.handle.db, { canaryVersion: equal, share: 0.5, margin: 0.02, minSessions: 200 }, engineerId);
    // A stand-in for the features version that extraction built and activated while the canary ran.
    const [{ id: rebuilt }] = await t.handle.query<{ id: number }>(`insert into embedding_versions (source, dim, status, count) values ('test', $1, 'retired', 0) returning id`, [DIM]);
    const [clipA, clipB] = [...moodOf.keys()];
    const sessions: [string, [string, 'like' | 'skip', number][]][] = [
      ['report-canary', [[clipA, 'like', equal], [clipB, 'skip', equal]]], // canary arm, like rate 1/2
      ['report-control', [[clipA, 'like', good]]], // control arm, 1
      ['report-rebuilt', [[clipA, 'skip', Number(rebuilt)], [clipB, 'skip', Number(rebuilt)]]], // control arm, 0
      ['report-both', [[clipA, 'like', equal], [clipB, 'skip', good]]], // saw both: left out
    ];
    for (const [id, events] of sessions) {
      await t.handle.query(`insert into listener_sessions (id) values ($1)`, [id]);
      for (const [clipId, kind, version] of events) {
        await t.handle.query(`insert into listener_events (session_id, clip_id, kind, embedding_version) values ($1, $2, $3, $4)`, [id, clipId, kind, version]);
      }
    }
    const report = await canaryReport(t.handle.db, canary);
    expect([report.control.version, report.control.sessions, report.control.likeRate]).toEqual([good, 2, 0.5]);
    expect([report.treatment.version, report.treatment.sessions, report.treatment.likeRate]).toEqual([equal, 1, 0.5]);
    await stopCanary(t.handle.db, canary.id, engineerId);
    await t.handle.query(`delete from listener_sessions where id like 'report-%'`);
    await t.handle.query(`delete from embedding_versions where id = $1`, [rebuilt]);
  });

  it('rolls a worse version (shuffled vectors) back automatically; its sessions fall back to the active one', async () => {
    const canary = await startCanary(t.handle.db, { canaryVersion: worse, share: 0.5, margin: 0.05, minSessions: 40 }, engineerId);
    const { sessions, decided, ids } = await runUntilDecided(canary);
    expect(decided.status, decided.reason ?? '').toBe('rolled_back');
    expect(decided.reason).toMatch(/canary worse/);
    const inArm = await expectSticky(canary, ids);
    expect(inArm).toBeGreaterThan(0);
    expect(inArm).toBeLessThan(ids.length);
    console.log(`[canary] ${engine()}: worse version rolled back after ${sessions} sessions (${inArm} in the canary arm): ${decided.reason}`);
    const [v] = await t.handle.query<{ status: string }>(`select status from embedding_versions where id = $1`, [worse]);
    expect(v.status).toBe('retired');
    const audit = await auditTrail(t.handle.db, 'embedding_canary', String(canary.id));
    const rolled = audit.find((a) => a.action === 'canary.rolled_back')!;
    expect((rolled.after as { numbers: { result: { upper: number } } }).numbers.result.upper).toBeLessThan(0);
    // After the rollback every session, whatever its hash, is served by the active version.
    servedBy.clear();
    const after = await simulateListener(driver, (id) => moodOf.get(id), 0, rng, { ...DEFAULT_LISTENER, rounds: 1 });
    expect([...servedBy.get(after.sessionId)!]).toEqual([good]);
  }, 300_000);

  it('promotes an equal version through the ordinary activation', async () => {
    const canary = await startCanary(t.handle.db, { canaryVersion: equal, share: 0.5, margin: 0.1, minSessions: 60 }, engineerId);
    servedBy.clear();
    const { sessions, decided, ids } = await runUntilDecided(canary);
    expect(decided.status, decided.reason ?? '').toBe('promoted');
    await expectSticky(canary, ids);
    console.log(`[canary] ${engine()}: equal version promoted after ${sessions} sessions: ${decided.reason}`);
    const versions = await t.handle.query<{ id: number; status: string }>(`select id, status from embedding_versions where id in ($1, $2) order by id`, [good, equal]);
    expect(versions.map((r) => [Number(r.id), r.status])).toEqual([
      [good, 'retired'],
      [equal, 'active'],
    ]);
    await rec.sync();
    servedBy.clear();
    const after = await simulateListener(driver, (id) => moodOf.get(id), 0, rng, { ...DEFAULT_LISTENER, rounds: 1 });
    expect([...servedBy.get(after.sessionId)!]).toEqual([equal]);
    expect((await recentCanaries(t.handle.db)).map((c) => c.status)).toEqual(['promoted', 'rolled_back', 'stopped', 'stopped', 'stopped']);
  }, 300_000);
});

function engine(): string {
  return process.env.CHORUS_TEST_DB ?? 'embedded';
}
