/**
 * The recommender end to end on a constructed catalog, on both databases: PGlite serves it
 * through pgvector's HNSW, the machine's PostgreSQL 15 (no pgvector) through hnswlib in
 * process. Six mood clusters of 40 clips in 16 dimensions, with known centres, artists
 * (one artist owns 15 clips of the 'calm' cluster) and one gold clip, served like any other
 * (issue 22, finding 1: leaving gold out of these public routes made them a gold oracle).
 */
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as healthRoute from '@/app/api/health/route';
import * as similarRoute from '@/app/api/recommend/similar/route';
import * as moodRoute from '@/app/api/recommend/mood/route';
import * as sessionsRoute from '@/app/api/listen/sessions/route';
import * as eventsRoute from '@/app/api/listen/sessions/[id]/events/route';
import * as nextRoute from '@/app/api/listen/sessions/[id]/next/route';
import * as kpisRoute from '@/app/api/listen/kpis/route';
import { applyFeedbackRetentionJob } from '@/jobs/apply-feedback-retention';
import { refreshFeatureStats } from '@/lib/features/repo';
import { ensureFeatureEmbeddings } from '@/lib/embeddings/features-repo';
import { resetRecommender, type Recommender } from '@/lib/recommend/runtime';
import type { RecommendResponse } from '@/lib/recommend/schemas';
import { cosine, exactKnn, normalize } from '@/lib/recommend/vector-math';
import { updateProjectSettings } from '@/lib/settings/repo';
import { createRng, gaussian } from '@/lib/util/random';
import { createTestDb, ensureTaxonomy, makeUser, type TestDb } from '../helpers/db';
import { ctx, request } from '../helpers/http';
import { insertEmbeddingVersion, type EmbeddedClip } from '../helpers/listening';

const engine = process.env.CHORUS_TEST_DB === 'postgres' ? 'postgres' : 'embedded';
const DIM = 16;
const TAGS = ['calm', 'energetic', 'sad', 'happy', 'tense', 'dreamy'] as const;
const PER = 40;
const OFF = { ratePerSecond: 0, burst: 1 };

interface Clip {
  id: string;
  cluster: number;
  artist: string;
  vector: number[];
}

let t: TestDb;
let rec: Recommender;
let clips: Clip[] = [];
let goldId: string;
let versionA: number;
const centres: number[][] = [];
const tokens: Record<string, string> = {};

const rng = createRng(20_251);
const hex = (digits: number) => Array.from({ length: digits }, () => Math.floor(rng() * 16).toString(16)).join('');
const seededUuid = () => `${hex(8)}-${hex(4)}-4${hex(3)}-8${hex(3)}-${hex(12)}`;
const unit = (v: number[]) => Array.from(normalize(v));

async function json<T>(res: Response, status = 200): Promise<T> {
  const body = (await res.json()) as T;
  expect(res.status, JSON.stringify(body)).toBe(status);
  return body;
}

const similar = async (clipId: string, k = 10, extra = '') =>
  json<RecommendResponse>(await similarRoute.GET(request('GET', `/api/recommend/similar?clipId=${clipId}&k=${k}${extra}`), ctx({})));
const mood = async (query: string, token?: string) =>
  json<RecommendResponse>(await moodRoute.GET(request('GET', `/api/recommend/mood?${query}`, { token }), ctx({})));
const newSession = async (personalization = true) =>
  (await json<{ sessionId: string }>(await sessionsRoute.POST(request('POST', '/api/listen/sessions', { body: { personalization } }), ctx({})), 201)).sessionId;
const event = (id: string, body: Record<string, unknown>) => eventsRoute.POST(request('POST', `/api/listen/sessions/${id}/events`, { body }), ctx({ id }));
const next = async (id: string, query = 'k=10', token?: string) =>
  json<RecommendResponse>(await nextRoute.GET(request('GET', `/api/listen/sessions/${id}/next?${query}`, { token }), ctx({ id })));

const byId = () => new Map(clips.map((c) => [c.id, c]));
const meanCos = (ids: string[], target: number[]) => {
  const m = byId();
  return ids.reduce((s, id) => s + cosine(m.get(id)!.vector, target), 0) / ids.length;
};
const maxPerArtist = (r: RecommendResponse) => Math.max(0, ...Object.values(r.results.reduce<Record<string, number>>((acc, x) => ((acc[x.artist] = (acc[x.artist] ?? 0) + 1), acc), {})));

const insertVersion = (source: string, rows: EmbeddedClip[], status: 'active' | 'ready') =>
  insertEmbeddingVersion(t.handle, rows, status, { dim: DIM, source });

/** What a model push does last: retire the active version and activate another, in one transaction. */
async function activate(versionId: number): Promise<void> {
  await t.handle.db.transaction(async (tx) => {
    await tx.execute(sql`update embedding_versions set status = 'retired' where status = 'active'`);
    await tx.execute(sql`update embedding_versions set status = 'active', activated_at = now() where id = ${versionId}`);
  });
}

beforeAll(async () => {
  t = await createTestDb();
  await ensureTaxonomy(t.handle.db);
  for (const role of ['engineer', 'contributor'] as const) tokens[role] = (await makeUser(t.handle, role)).token;

  for (let c = 0; c < TAGS.length; c++) centres.push(unit(Array.from({ length: DIM }, () => gaussian(rng))));
  const rows: { cluster: number; artist: string; vector: number[]; title: string }[] = [];
  for (let c = 0; c < TAGS.length; c++) {
    for (let j = 0; j < PER; j++) {
      const artist = c === 0 && j < 15 ? 'Solo Calm' : `${TAGS[c]}-artist-${j % 8}`;
      const vector = centres[c].map((x) => x + 0.15 * gaussian(rng)); // cos to its centre ≈ 0.86
      rows.push({ cluster: c, artist, vector, title: `${TAGS[c]} ${j}` });
    }
  }
  const inserted = await t.handle.query(
    `insert into clips (id, sha256, title, artist, status, duration_s, label_state)
     select u.id, md5(u.title) || md5(u.artist || u.title), u.title, u.artist, 'ready', 30, 'open'
       from unnest($1::uuid[], $2::text[], $3::text[]) u(id, title, artist)
     returning id`,
    // Seeded ids: the pseudo-random cold-start sample (ordered by md5 of the id) is the same on every run.
    [rows.map(() => seededUuid()), rows.map((r) => r.title), rows.map((r) => r.artist)],
  );
  const titles = await t.handle.query<{ id: string; title: string }>(`select id::text as id, title from clips`);
  const idOf = new Map(titles.map((r) => [r.title, r.id]));
  expect(inserted).toHaveLength(rows.length);
  clips = rows.map((r) => ({ id: idOf.get(r.title)!, cluster: r.cluster, artist: r.artist, vector: r.vector }));
  goldId = clips[3].id;
  await t.handle.query(`insert into gold_answers (clip_id, taxonomy_version, tags) values ($1, 1, '{calm}')`, [goldId]);

  // Handcrafted features (12-d, cluster-dependent) with tempo and loudness: calm is slow and quiet, energetic fast and loud.
  const tempo = [66, 140, 70, 120, 100, 76];
  const lufs = [-26, -9, -22, -12, -16, -21];
  await t.handle.query(
    `insert into clip_features (clip_id, extractor_version, vector, named, tempo_bpm, lufs)
     select u.id, 'test-x', (select array_agg(x::real) from jsonb_array_elements_text(u.v) x), '{}'::jsonb, u.tempo, u.lufs
       from unnest($1::uuid[], $2::jsonb[], $3::real[], $4::real[]) u(id, v, tempo, lufs)`,
    [
      clips.map((c) => c.id),
      clips.map((c) => JSON.stringify(Array.from({ length: 12 }, (_, i) => (i === 0 ? 5 * c.cluster : 0) + 100 + gaussian(rng) * (i + 1)))),
      clips.map((c) => tempo[c.cluster] + Math.round(gaussian(rng) * 3)),
      clips.map((c) => lufs[c.cluster] + gaussian(rng)),
    ],
  );
  await refreshFeatureStats(t.handle.db, 'test-x', Array.from({ length: 12 }, (_, i) => `f${i}`));
  rec = resetRecommender(t.handle, { checkIntervalMs: 0, limits: { sessions: OFF, events: OFF, reads: OFF } });
});
afterAll(async () => t.close());

describe('feature embeddings before any model', () => {
  it('builds one standardised, L2-normalised version from clip_features, idempotently under concurrent callers', async () => {
    const results = await Promise.all([0, 1, 2, 3].map(() => ensureFeatureEmbeddings(t.handle.db)));
    const ids = new Set(results.map((r) => r!.versionId));
    expect(ids.size).toBe(1);
    expect(results.filter((r) => r!.created)).toHaveLength(1);
    const versions = await t.handle.query<{ id: number; status: string; count: number; source: string; dim: number }>(
      `select id, status, count, source, dim from embedding_versions`,
    );
    expect(versions).toHaveLength(1);
    expect(versions[0]).toMatchObject({ status: 'active', count: clips.length, source: 'features', dim: 12 });
    expect((await ensureFeatureEmbeddings(t.handle.db))!.created).toBe(false);

    const [stats] = await t.handle.query<{ mean: number[]; std: number[] }>(`select mean, std from feature_stats where extractor_version = 'test-x'`);
    const [row] = await t.handle.query<{ vector: number[]; embedding: number[] }>(
      `select f.vector, e.embedding from clip_features f join clip_embeddings e on e.clip_id = f.clip_id where f.clip_id = $1`,
      [clips[50].id],
    );
    const expected = normalize(row.vector.map((x, i) => (x - stats.mean[i]) / stats.std[i]));
    row.embedding.forEach((x, i) => expect(x).toBeCloseTo(expected[i], 5));
  });

  it('rebuilds when features change, never replaces a model version, and prunes old feature versions', async () => {
    const [first] = await t.handle.query<{ id: number }>(`select id from embedding_versions where status = 'active'`);
    await new Promise((r) => setTimeout(r, 20));
    await refreshFeatureStats(t.handle.db, 'test-x', Array.from({ length: 12 }, (_, i) => `f${i}`));
    const rebuilt = await ensureFeatureEmbeddings(t.handle.db);
    expect(rebuilt!.created).toBe(true);
    expect(rebuilt!.versionId).not.toBe(Number(first.id));
    const statuses = await t.handle.query<{ id: number; status: string }>(`select id, status from embedding_versions order by id`);
    expect(statuses.map((s) => s.status)).toEqual(['retired', 'active']);

    // A model's version (here: the constructed catalog) takes over and is kept as is.
    versionA = await insertVersion('test:A', clips.map((c) => ({ id: c.id, vector: c.vector })), 'ready');
    await activate(versionA);
    await refreshFeatureStats(t.handle.db, 'test-x', Array.from({ length: 12 }, (_, i) => `f${i}`));
    expect(await ensureFeatureEmbeddings(t.handle.db)).toEqual({ versionId: versionA, created: false, source: 'test:A' });
  });
});

describe('index wiring', () => {
  it(`serves through ${engine === 'embedded' ? 'pgvector (PGlite)' : 'hnswlib (no pgvector on this server)'} and reports it in /api/health`, async () => {
    await rec.sync();
    const body = await json<{ recommender: { backend: string; servingVersion: number; activeVersion: { id: number } } }>(
      await healthRoute.GET(request('GET', '/api/health'), ctx({})),
    );
    expect(body.recommender.backend).toBe(engine === 'embedded' ? 'pgvector' : 'hnswlib');
    expect(body.recommender.activeVersion.id).toBe(versionA);
    expect(body.recommender.servingVersion).toBe(versionA);
  });
});

describe('GET /api/recommend/similar', () => {
  it('returns the true nearest neighbours (cosine), nearest first, without the seed; gold clips are neighbours like any other', async () => {
    const listable = clips;
    const matrix = new Float32Array(listable.flatMap((c) => c.vector));
    for (const probe of [0, 3, 17, 45, 88, 130, 171, 205, 239].map((i) => clips[i])) {
      const res = await similarRoute.GET(request('GET', `/api/recommend/similar?clipId=${probe.id}&k=10`), ctx({}));
      expect(res.headers.get('x-chorus-embedding-version')).toBe(String(versionA));
      const body = await json<RecommendResponse>(res);
      const exact = exactKnn(matrix, DIM, probe.vector, 11)
        .indices.map((i) => listable[i].id)
        .filter((id) => id !== probe.id)
        .slice(0, 10);
      expect(body.results.map((r) => r.clipId)).toEqual(exact);
      expect(body.embeddingVersion).toBe(versionA);
      expect(body.results[0].why).toMatch(/^sounds like “.+” 0\.\d\d/);
    }
  });

  it('answers 200 for a gold clip (as for any clip), 404 for an unknown one and 400 for a bad id', async () => {
    expect((await similarRoute.GET(request('GET', `/api/recommend/similar?clipId=${goldId}`), ctx({}))).status).toBe(200);
    expect((await similarRoute.GET(request('GET', '/api/recommend/similar?clipId=00000000-0000-4000-8000-00000000abcd'), ctx({}))).status).toBe(404);
    expect((await similarRoute.GET(request('GET', '/api/recommend/similar?clipId=nope'), ctx({}))).status).toBe(400);
  });

  it("carries each track's playback gain so /listen can normalise loudness (boost and cut)", async () => {
    const probe = clips[10];
    await t.handle.query(`update clips set playback_gain_db = case when artist like 'calm%' or artist = 'Solo Calm' then 7.5 else -4.25 end`);
    try {
      const res = await similarRoute.GET(request('GET', `/api/recommend/similar?clipId=${probe.id}&k=10`), ctx({}));
      const body = await json<RecommendResponse>(res);
      const artistOf = new Map(clips.map((c) => [c.id, c.artist]));
      expect(body.results.length).toBe(10);
      for (const r of body.results) {
        const artist = artistOf.get(r.clipId)!;
        expect(r.playbackGainDb).toBe(artist.startsWith('calm') || artist === 'Solo Calm' ? 7.5 : -4.25);
      }
    } finally {
      await t.handle.query(`update clips set playback_gain_db = 0`);
    }
  });
});

describe('listener sessions', () => {
  it('moves toward liked tracks and away from skipped ones', async () => {
    const id = await newSession();
    const before = await next(id);
    expect(before.results).toHaveLength(10);
    const calm = clips.filter((c) => c.cluster === 0);
    const energetic = clips.filter((c) => c.cluster === 1);
    for (const c of calm.slice(20, 23)) expect((await event(id, { clipId: c.id, type: 'like', embeddingVersion: versionA })).status).toBe(200);
    for (const c of energetic.slice(0, 2)) expect((await event(id, { clipId: c.id, type: 'skip', positionS: 2 })).status).toBe(200);
    const after = await next(id);
    const ids = (r: RecommendResponse) => r.results.map((x) => x.clipId);
    expect(meanCos(ids(after), centres[0])).toBeGreaterThan(meanCos(ids(before), centres[0]) + 0.3);
    expect(meanCos(ids(after), centres[1])).toBeLessThan(meanCos(ids(before), centres[1]));
    // Heard tracks are not offered again, and the why says what drove each pick.
    const heard = new Set([...calm.slice(20, 23), ...energetic.slice(0, 2)].map((c) => c.id));
    expect(ids(after).some((x) => heard.has(x))).toBe(false);
    expect(after.results[0].why).toMatch(/liked/);
  });

  it('caps tracks per artist even when one artist owns the neighbourhood', async () => {
    const id = await newSession();
    for (const c of clips.filter((x) => x.artist === 'Solo Calm').slice(0, 3)) await event(id, { clipId: c.id, type: 'like' });
    const r = await next(id, 'k=20');
    expect(r.results).toHaveLength(20);
    expect(maxPerArtist(r)).toBeLessThanOrEqual(2);
    expect(r.results.filter((x) => x.artist === 'Solo Calm')).toHaveLength(2);
    expect(maxPerArtist(await similar(clips[0].id, 20, '&diversify=1'))).toBeLessThanOrEqual(2);
  });

  it('with personalization off, two different histories get the same answer', async () => {
    const a = await newSession();
    const b = await newSession();
    for (const c of clips.filter((x) => x.cluster === 0).slice(25, 29)) await event(a, { clipId: c.id, type: 'like' });
    for (const c of clips.filter((x) => x.cluster === 4).slice(0, 4)) await event(b, { clipId: c.id, type: 'like' });
    await event(b, { clipId: clips[60].id, type: 'dislike' });
    for (const query of ['k=10&personalization=0', 'k=8&personalization=0&mood=energetic:1&tempoMax=150']) {
      const ra = await next(a, query, tokens.engineer);
      const rb = await next(b, query, tokens.engineer);
      expect(ra.personalization).toBe(false);
      expect(ra.results).toEqual(rb.results);
      expect(ra.results.every((x) => x.components!.session === null && x.components!.cooccurrence === null)).toBe(true);
    }
    expect((await next(a, 'k=10')).results.map((x) => x.clipId)).not.toEqual((await next(b, 'k=10')).results.map((x) => x.clipId));
  });

  it('rejects bad input: unknown clip 404, bad body 400, unknown session 404, unknown tag 422 (a gold clip is accepted like any other)', async () => {
    const id = await newSession();
    expect((await event(id, { clipId: '00000000-0000-4000-8000-00000000abcd', type: 'like' })).status).toBe(404);
    expect((await event(id, { clipId: goldId, type: 'like' })).status).toBe(200);
    expect((await event(id, { clipId: clips[1].id, type: 'love' })).status).toBe(400);
    expect((await event('no-such-session-0000', { clipId: clips[1].id, type: 'like' })).status).toBe(404);
    const res = await nextRoute.GET(request('GET', `/api/listen/sessions/${id}/next?mood=ecstatic:1`), ctx({ id }));
    expect(res.status).toBe(422);
  });
});

describe('mood scores', () => {
  it('ranks by the active model’s probabilities, explains with them, and honours tempo/energy filters', async () => {
    const [{ id: modelId }] = await t.handle.query<{ id: number }>(
      `insert into models (kind, status, feature_version, taxonomy_version, tag_keys) values ('logistic', 'active', 'test-x', 1, $1::text[]) returning id`,
      [[...TAGS]],
    );
    await t.handle.query(
      `insert into predictions (clip_id, model_id, probs, uncertainty)
       select u.id, $2, (select array_agg(x::real) from jsonb_array_elements_text(u.p) x), 0.1 from unnest($1::uuid[], $3::jsonb[]) u(id, p)`,
      [clips.map((c) => c.id), Number(modelId), clips.map((c) => JSON.stringify(TAGS.map((_, i) => (i === c.cluster ? 0.85 + 0.1 * rng() : 0.1 * rng()))))],
    );
    rec.clearCaches(); // the mood source is cached for 5 s
    const calm = await mood('blend=calm:1&k=10', tokens.engineer);
    expect(calm.moodSource).toBe('model');
    const m = byId();
    expect(calm.results.filter((r) => m.get(r.clipId)!.cluster === 0).length).toBeGreaterThanOrEqual(9);
    expect(calm.results[0].why).toMatch(/^calm 0\.[89]\d/);
    expect(maxPerArtist(calm)).toBeLessThanOrEqual(2);

    // Anyone else (a contributor may be a listener) gets the mood named, never a probability.
    for (const token of [undefined, tokens.contributor]) {
      const plain = await mood('blend=calm:1&k=10', token);
      expect(plain.results.map((r) => r.clipId)).toEqual(calm.results.map((r) => r.clipId));
      expect(plain.results[0].why).toMatch(/^calm( ·|$)/);
      expect(JSON.stringify(plain.results)).not.toMatch(/calm \d\.\d|"score"|"components"/);
    }

    const blend = await mood('blend=calm:0.5,dreamy:0.5&k=10');
    expect(blend.results.every((r) => [0, 5].includes(m.get(r.clipId)!.cluster))).toBe(true);

    const loudFast = await mood('blend=calm:1&k=10&tempoMin=110&energyMin=0.6');
    expect(loudFast.results.length).toBeGreaterThan(0);
    expect(loudFast.results.every((r) => r.tempoBpm! >= 110 && r.energy! >= 0.6)).toBe(true);
  });
});

describe('embedding version switch', () => {
  it('is atomic under concurrent requests: every answer comes wholly from the version it reports', async () => {
    // Two versions over disjoint halves of the catalog: C the odd clips (A's vectors), B the even ones (fresh vectors).
    const even = clips.filter((_, i) => i % 2 === 0);
    const odd = clips.filter((_, i) => i % 2 === 1);
    const versionC = await insertVersion('test:C', odd.map((c) => ({ id: c.id, vector: c.vector })), 'ready');
    const versionB = await insertVersion('test:B', even.map((c) => ({ id: c.id, vector: Array.from({ length: DIM }, () => gaussian(rng)) })), 'ready');
    const members: Record<number, Set<string>> = { [versionC]: new Set(odd.map((c) => c.id)), [versionB]: new Set(even.map((c) => c.id)) };
    const sessions = await Promise.all([0, 1, 2].map(() => newSession()));
    for (const s of sessions) for (const c of clips.filter((_, i) => i % 2 === 1).slice(0, 3)) await event(s, { clipId: c.id, type: 'like' });

    const answers: RecommendResponse[] = [];
    const wave = () =>
      Promise.all(
        Array.from({ length: 9 }, (_, i) =>
          i % 3 === 0 ? mood(`blend=${TAGS[i % 6]}:1&k=8`) : next(sessions[i % 3], i % 2 ? 'k=8' : 'k=8&personalization=0'),
        ),
      ).then((rs) => answers.push(...rs));
    let switched = 0;
    for (const target of [versionC, versionB, versionC, versionB]) {
      const inflight = [wave(), wave()];
      await activate(target);
      switched++;
      inflight.push(wave(), wave());
      await Promise.all(inflight);
      await rec.sync();
      await wave();
    }
    expect(switched).toBe(4);
    const served = new Set<number>();
    for (const a of answers) {
      expect([versionA, versionB, versionC]).toContain(a.embeddingVersion);
      if (a.embeddingVersion === versionA) continue; // answered before the first switch landed: the whole catalog
      served.add(a.embeddingVersion!);
      expect(a.results.length).toBeGreaterThan(0);
      for (const r of a.results) expect(members[a.embeddingVersion!].has(r.clipId), `${r.clipId} in version ${a.embeddingVersion}`).toBe(true);
    }
    expect([...served]).toEqual(expect.arrayContaining([versionB, versionC]));
    // Switching back reused the kept index (no rebuild); the last three versions stay kept for rollback.
    expect(rec.registry.keptVersions()).toEqual(expect.arrayContaining([versionA, versionB, versionC]));
    expect(rec.registry.activeVersion).toBe(versionB);
    await activate(versionA);
    const restored = await rec.sync();
    expect(restored?.versionId).toBe(versionA);
  });
});

describe('KPIs and retention', () => {
  it('reports skip and like rates per embedding version to engineers only', async () => {
    const res = await kpisRoute.GET(request('GET', '/api/listen/kpis?days=7', { token: tokens.engineer }), ctx({}));
    const body = await json<{ versions: { embeddingVersion: number; skips: number; likes: number; tracks: number; skipRate: number; sessions: number }[] }>(res);
    const a = body.versions.find((v) => v.embeddingVersion === versionA)!;
    expect(a.likes).toBeGreaterThan(0);
    expect(a.skips).toBe(2);
    expect(a.skipRate).toBeCloseTo(a.skips / a.tracks, 6);
    expect((await kpisRoute.GET(request('GET', '/api/listen/kpis', { token: tokens.contributor }), ctx({}))).status).toBe(403);
    expect((await kpisRoute.GET(request('GET', '/api/listen/kpis'), ctx({}))).status).toBe(401);
  });

  it('deletes events older than feedbackRetentionDays and idle sessions, and nothing newer', async () => {
    await updateProjectSettings(t.handle.db, { feedbackRetentionDays: 30 });
    const active = await newSession();
    const idle = await newSession();
    for (const c of clips.slice(100, 104)) await event(active, { clipId: c.id, type: 'like' });
    for (const c of clips.slice(110, 112)) await event(idle, { clipId: c.id, type: 'play' });
    const [{ n: totalBefore }] = await t.handle.query<{ n: number }>(`select count(*)::int as n from listener_events`);
    // Two of the active session's events and all of the idle session are 31 days old.
    await t.handle.query(
      `update listener_events set created_at = now() - interval '31 days'
        where (session_id = $1 and clip_id = any($2::uuid[])) or session_id = $3`,
      [active, clips.slice(100, 102).map((c) => c.id), idle],
    );
    await t.handle.query(`update listener_sessions set updated_at = now() - interval '31 days' where id = $1`, [idle]);
    const result = (await applyFeedbackRetentionJob.handler({}, { handle: t.handle, db: t.handle.db, jobId: 'test', progress: async () => {} })) as {
      days: number;
      events: number;
      sessions: number;
      resetSessions: number;
    };
    expect(result).toMatchObject({ days: 30, events: 4, sessions: 1, resetSessions: 1 });
    const [{ n: totalAfter }] = await t.handle.query<{ n: number }>(`select count(*)::int as n from listener_events`);
    expect(totalAfter).toBe(totalBefore - 4);
    const left = await t.handle.query<{ clip_id: string }>(`select clip_id::text as clip_id from listener_events where session_id = $1 order by id`, [active]);
    expect(left.map((r) => r.clip_id)).toEqual(clips.slice(102, 104).map((c) => c.id));
    expect(await t.handle.query(`select 1 from listener_sessions where id = $1`, [idle])).toHaveLength(0);
    // The survivor's state was cleared and is rebuilt from what remains.
    const r = await next(active);
    expect(r.results.map((x) => x.clipId)).not.toContain(clips[103].id);
    const [{ state }] = await t.handle.query<{ state: { seen: string[] } }>(`select state from listener_sessions where id = $1`, [active]);
    expect(state.seen).toEqual(clips.slice(102, 104).map((c) => c.id));
    expect((await event(idle, { clipId: clips[1].id, type: 'play' })).status).toBe(404);
  });
});
