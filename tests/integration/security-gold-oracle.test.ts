/**
 * Issue 22, finding 1 (gold oracle) and finding 5 (experts and gold), as an attacker sees them.
 *
 * The attacker is a contributor (or anyone, on the public listener routes) who wants to know
 * which clips are gold, so they can answer those carefully and vote at random on the rest. They
 * hold clip ids — from /api/queue/next, or from the recommender's own answers — and may ask every
 * route they can reach about them. For every such route (found from the access table, so a new
 * route is covered the day it is added) this suite asks the same question about a gold clip and
 * an ordinary clip, and requires the same status, the same body shape, the same headers and the
 * same audio URL pattern. Routes that take no clip are listed as such, on purpose.
 *
 * The crowd labels of a gold clip are its gold answer (the aggregator clamps gold tags), so the
 * suite also checks that the recommender never scores a clip's mood from them, and that experts
 * — who also label in the crowd queue and are scored on gold there — never see gold clips or
 * their answers on /review.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { aggregates, goldAnswers, projectAnswers, projectItems, projects, users, type Role } from '@/db/schema';
import { createApiToken } from '@/lib/auth/repo';
import { insertClip } from '@/lib/catalog/repo';
import { refreshFeatureStats } from '@/lib/features/repo';
import { ROUTE_ACCESS } from '@/lib/http/access';
import { aggregateProjectNow } from '@/lib/projects/aggregation-service';
import { findProjectBySlug } from '@/lib/projects/repo';
import { ensureFeatureEmbeddings } from '@/lib/embeddings/features-repo';
import { resetRecommender } from '@/lib/recommend/runtime';
import { changeProjectSettings } from '@/lib/settings/service';
import { audioKey, LocalAudioStore, setAudioStore } from '@/lib/storage';
import { getActiveTaxonomy } from '@/lib/taxonomy/repo';
import { createTestDb, ensureTaxonomy, type TestDb } from '../helpers/db';
import { request } from '../helpers/http';

const APP_API = path.join(process.cwd(), 'app', 'api');
type Handler = (req: Request, ctx: { params: Promise<Record<string, string | string[]>> }) => Promise<Response>;
const OFF = { ratePerSecond: 0, burst: 1 };
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;

let t: TestDb;
let audioDir: string;
let tagKeys: string[];
/** Open clips (what the crowd queue serves), gold clips, and settled ordinary clips. */
const plainIds: string[] = [];
const goldIds: string[] = [];
const settledIds: string[] = [];
let engineerToken: string;

beforeAll(async () => {
  t = await createTestDb();
  const db = t.handle.db;
  await ensureTaxonomy(db);
  tagKeys = (await getActiveTaxonomy(db)).tags.map((x) => x.key);
  audioDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chorus-gold-oracle-'));
  const store = new LocalAudioStore(audioDir);
  setAudioStore(store);
  engineerToken = (await quickUser('engineer')).token;
  const admin = await quickUser('admin');

  // Every clip has real audio of the same length, features, and (through them) an embedding.
  const add = async (title: string, labelState: 'open' | 'consensus') => {
    const sha = randomBytes(32).toString('hex');
    const key = audioKey(sha, 'wav');
    await store.put(key, new Uint8Array([82, 73, 70, 70, ...randomBytes(60)]));
    const clip = await insertClip(db, { sha256: sha, title, artist: `artist ${title}`, status: 'ready', priority: 5, durationS: 20, audioKey: key, mime: 'audio/wav', labelState });
    return clip.id;
  };
  for (let i = 0; i < 6; i++) plainIds.push(await add(`plain ${i}`, 'open'));
  for (let i = 0; i < 2; i++) {
    // A gold clip as the aggregator leaves it after a few votes: consensus, labels clamped to the answer.
    const id = await add(`gold ${i}`, 'consensus');
    goldIds.push(id);
    await db.insert(goldAnswers).values({ clipId: id, taxonomyVersion: 1, tags: [tagKeys[0]], tolerated: [], createdBy: admin.user.id });
    await db.insert(aggregates).values(tagKeys.map((tag, k) => ({ clipId: id, tag, posterior: k === 0 ? 1 : 0, label: k === 0, confidence: 1, method: 'br-incremental' })));
  }
  for (let i = 0; i < 3; i++) {
    // Settled ordinary clips: the crowd mood source of the recommender (no model yet).
    const id = await add(`settled ${i}`, 'consensus');
    settledIds.push(id);
    await db.insert(aggregates).values(tagKeys.map((tag, k) => ({ clipId: id, tag, posterior: k === 1 ? 0.9 : 0.1, label: k === 1, confidence: 0.9, method: 'br-incremental' })));
  }
  const all = [...plainIds, ...goldIds, ...settledIds];
  await t.handle.query(
    `insert into clip_features (clip_id, extractor_version, vector, named, tempo_bpm, lufs)
     select u.id, 'gold-test', (select array_agg(x::real) from jsonb_array_elements_text(u.v) x), '{}'::jsonb, 100, -14
       from unnest($1::uuid[], $2::jsonb[]) u(id, v)`,
    [all, all.map((_, i) => JSON.stringify(Array.from({ length: 8 }, (_, j) => Math.sin(i * 7.1 + j * 1.3) * 10 + j)))],
  );
  await refreshFeatureStats(db, 'gold-test', Array.from({ length: 8 }, (_, j) => `f${j}`));
  expect((await ensureFeatureEmbeddings(t.handle.db))?.versionId).toBeGreaterThan(0);
  resetRecommender(t.handle, { checkIntervalMs: 0, limits: { sessions: OFF, events: OFF, reads: OFF } });
  // No targeted questions: they would make two queue items differ for a reason unrelated to gold.
  await changeProjectSettings(db, { targetedQuestionRate: 0 });
}, 120_000);

afterAll(async () => {
  setAudioStore(undefined);
  fs.rmSync(audioDir, { recursive: true, force: true });
  await t.close();
});

/** A user with an API token and no password (hashing one costs a second on this machine). */
async function quickUser(role: Role) {
  const suffix = randomBytes(4).toString('hex');
  const [user] = await t.handle.db.insert(users).values({ email: `${role}-${suffix}@gold.test`, name: `${role} ${suffix}`, role }).returning();
  return { user, token: (await createApiToken(t.handle.db, user.id, 'test')).token };
}

async function call(route: string, method: string, url: string, options: { token?: string; body?: unknown; params?: Record<string, string>; headers?: Record<string, string> } = {}) {
  const mod = (await import(/* @vite-ignore */ path.join(APP_API, route.slice('/api/'.length), 'route.ts'))) as Record<string, Handler>;
  return mod[method](request(method, url, { token: options.token, body: options.body, headers: options.headers }), { params: Promise.resolve(options.params ?? {}) });
}

/** What one answer tells the caller, with clip, lease and vote ids (and the titles) blanked out. */
interface Observation {
  status: number;
  body: unknown;
  headers: string[];
}

async function observe(res: Response): Promise<Observation> {
  const type = res.headers.get('content-type') ?? '';
  const body = type.includes('json') ? await res.json() : (await res.arrayBuffer(), null);
  // Header names, and the values that are not per-clip (length and range differ between any two files).
  const headers = [...res.headers.entries()]
    .filter(([k]) => !['date', 'x-request-id', 'x-response-time'].includes(k))
    .map(([k, v]) => (['content-length', 'content-range'].includes(k) ? k : `${k}: ${v}`))
    .sort();
  return { status: res.status, body, headers };
}

/** Deep key paths of a JSON value: the shape of an answer. */
function shape(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return value.length ? shape(value[0], `${prefix}[]`) : [`${prefix}[]`];
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => shape(v, prefix ? `${prefix}.${k}` : k));
  return [prefix];
}

/** Every URL in a body, with ids replaced: `/api/listen/clips/:id/audio`. */
function urls(value: unknown): string[] {
  return (JSON.stringify(value ?? null).match(/"\/api\/[^"]*"/g) ?? []).map((u) => u.replace(UUID, ':id')).sort();
}

function expectSame(label: string, gold: Observation, plain: Observation) {
  expect(gold.status, `${label}: status (gold ${gold.status}, ordinary ${plain.status}): ${JSON.stringify(gold.body)}`).toBe(plain.status);
  expect(shape(gold.body).sort(), `${label}: body shape`).toEqual(shape(plain.body).sort());
  expect(urls(gold.body), `${label}: URLs`).toEqual(urls(plain.body));
  expect(gold.headers, `${label}: headers`).toEqual(plain.headers);
}

/** A fresh contributor's next queue item: a gold clip when `gold`, else an ordinary one. */
async function leaseAs(token: string, gold: boolean) {
  await changeProjectSettings(t.handle.db, { goldRate: gold ? 1 : 0, newContributorGoldRate: gold ? 1 : 0 });
  const res = await call('/api/queue/next', 'GET', '/api/queue/next', { token });
  const obs = await observe(res);
  expect(obs.status, JSON.stringify(obs.body)).toBe(200);
  const item = obs.body as { lease: { id: string }; clip: { id: string } };
  expect(goldIds.includes(item.clip.id), `the queue served ${gold ? 'a gold' : 'an ordinary'} clip`).toBe(gold);
  return { obs, leaseId: item.lease.id, clipId: item.clip.id };
}

/** A result entry of a recommender answer for each kind of clip; both must be there. */
function entries(obs: Observation): { gold: unknown; plain: unknown } {
  const results = (obs.body as { results?: { clipId: string }[] }).results ?? [];
  const gold = results.find((r) => goldIds.includes(r.clipId));
  const plain = results.find((r) => plainIds.includes(r.clipId));
  expect(results.some((r) => plainIds.includes(r.clipId)), 'an ordinary clip is among the results').toBe(true);
  expect(results.some((r) => goldIds.includes(r.clipId)), 'a gold clip is among the results, as any clip would be').toBe(true);
  return { gold, plain };
}

type Pair = { label: string; gold: Observation; plain: Observation };

/**
 * A valence–arousal or pairwise project (issue 18) over these clips, open to everyone; the first
 * clip gets the highest priority, so a rating project hands them out in the order given. Its slug.
 */
async function projectOver(type: 'valence_arousal' | 'pairwise', clipIds: string[]): Promise<string> {
  const slug = `gold-${randomBytes(4).toString('hex')}`;
  const [p] = await t.handle.db
    .insert(projects)
    .values({ slug, name: slug, questionType: type, attribute: type === 'pairwise' ? 'calm' : null, settings: { overlap: 3, leaseMinutes: 10 }, openToAll: true })
    .returning();
  await t.handle.db.insert(projectItems).values(clipIds.map((clipId, i) => ({ projectId: p.id, clipId, priority: clipIds.length - i })));
  return slug;
}

/** A project question as a contributor receives it: the gold one and the ordinary one, each under its lease. */
async function projectTasks(token: string): Promise<{ slug: string; gold: Observation; plain: Observation; leases: { gold: string; plain: string } }[]> {
  const next = (slug: string, exclude = '') =>
    call('/api/projects/[slug]/next', 'GET', `/api/projects/${slug}/next${exclude ? `?exclude=${exclude}` : ''}`, { token, params: { slug } });
  const rating = await projectOver('valence_arousal', [goldIds[0], plainIds[0]]);
  const ratingGold = await observe(await next(rating));
  const ratingPlain = await observe(await next(rating, goldIds[0]));
  // Pairwise: a pair with a gold clip in it, and a pair of ordinary clips.
  const [pairGold, pairPlain] = [await projectOver('pairwise', [goldIds[1], plainIds[1]]), await projectOver('pairwise', [plainIds[2], plainIds[3]])];
  const pairwiseGold = await observe(await next(pairGold));
  const pairwisePlain = await observe(await next(pairPlain));
  const lease = (o: Observation) => (o.body as { lease: { id: string } }).lease.id;
  return [
    { slug: rating, gold: ratingGold, plain: ratingPlain, leases: { gold: lease(ratingGold), plain: lease(ratingPlain) } },
    { slug: `${pairGold} ${pairPlain}`, gold: pairwiseGold, plain: pairwisePlain, leases: { gold: lease(pairwiseGold), plain: lease(pairwisePlain) } },
  ];
}

/**
 * For each contributor or public route: how to ask it the same thing about a gold and an
 * ordinary clip. `null` marks a route that takes no clip and answers the same for everyone.
 */
const PROBES: Record<string, (() => Promise<Pair[]>) | null> = {
  'GET /api/health': null,
  'GET /api/openapi': null,
  'GET /api/me': null,
  'GET /api/taxonomy': null,
  /** The caller's own gold record, in blocks of ten answers (never per clip). */
  'GET /api/me/quality': null,
  'GET /api/me/pause': null,
  'POST /api/me/pause/appeal': null,
  'POST /api/listen/sessions': null,
  /** The caller's own qualification round: counts only, no clip asked about (security-leaks walks a round). */
  'GET /api/me/qualification': null,
  /** Takes no clip; a gold clip is never an example, refused when chosen and dropped when made gold later (guidelines.test.ts). */
  'GET /api/guidelines': null,
  /** Projects and their members take no clip: names, counts over all a project's clips, roles (lib/projects/service.ts). */
  'GET /api/projects': null,
  'GET /api/projects/[slug]': null,
  'GET /api/projects/[slug]/members': null,
  'POST /api/projects/[slug]/members': null,
  'DELETE /api/projects/[slug]/members/[userId]': null,
  /** A project's results, export and recompute answer every contributor 403 (they need review or export): nothing per clip reaches one. */
  'GET /api/projects/[slug]/results': null,
  'GET /api/projects/[slug]/export': null,
  'POST /api/projects/[slug]/aggregate': null,
  /** The point recommender needs review in the project (it carries the crowd's aggregates): every contributor gets 403. */
  'GET /api/recommend/mood/point': null,

  'GET /api/queue/next': async () => {
    const { token } = await quickUser('contributor');
    const gold = await leaseAs(token, true);
    const plain = await leaseAs(token, false);
    return [{ label: 'queue item', gold: gold.obs, plain: plain.obs }];
  },
  'POST /api/votes': async () => {
    const { token } = await quickUser('contributor');
    const out: Pair[] = [];
    for (const kind of ['vote', 'skip'] as const) {
      const [gold, plain] = [await leaseAs(token, true), await leaseAs(token, false)];
      const vote = async (leaseId: string) =>
        observe(
          await call('/api/votes', 'POST', '/api/votes', {
            token,
            body: { kind, leaseId, ...(kind === 'vote' ? { tags: [tagKeys[1]] } : {}), idempotencyKey: `k-${leaseId}` },
          }),
        );
      out.push({ label: `${kind} on the clip`, gold: await vote(gold.leaseId), plain: await vote(plain.leaseId) });
    }
    return out;
  },
  /** Undo answers the same for a gold clip: the same fields, the clip back under a lease. */
  'POST /api/votes/undo': async () => {
    const { token } = await quickUser('contributor');
    const undoAfterVote = async (leaseId: string) => {
      const voted = (await (
        await call('/api/votes', 'POST', '/api/votes', { token, body: { kind: 'vote', leaseId, tags: [tagKeys[1]], idempotencyKey: `k-${leaseId}` } })
      ).json()) as { voteId: string };
      return observe(await call('/api/votes/undo', 'POST', '/api/votes/undo', { token, body: { voteId: voted.voteId } }));
    };
    const gold = await undoAfterVote((await leaseAs(token, true)).leaseId);
    const plain = await undoAfterVote((await leaseAs(token, false)).leaseId);
    return [{ label: 'undo of a vote', gold, plain }];
  },
  'POST /api/leases/[id]/release': async () => {
    const { token } = await quickUser('contributor');
    const [gold, plain] = [await leaseAs(token, true), await leaseAs(token, false)];
    const release = async (id: string) => observe(await call('/api/leases/[id]/release', 'POST', `/api/leases/${id}/release`, { token, params: { id } }));
    return [{ label: 'release', gold: await release(gold.leaseId), plain: await release(plain.leaseId) }];
  },
  'POST /api/leases/[id]/renew': async () => {
    const { token } = await quickUser('contributor');
    const [gold, plain] = [await leaseAs(token, true), await leaseAs(token, false)];
    const renew = async (id: string) => observe(await call('/api/leases/[id]/renew', 'POST', `/api/leases/${id}/renew`, { token, params: { id } }));
    return [{ label: 'renew', gold: await renew(gold.leaseId), plain: await renew(plain.leaseId) }];
  },
  'GET /api/projects/[slug]/next': async () => {
    const { token } = await quickUser('contributor');
    const [rating, pairwise] = await projectTasks(token);
    return [
      { label: 'project rating question', gold: rating.gold, plain: rating.plain },
      { label: 'project pairwise question', gold: pairwise.gold, plain: pairwise.plain },
    ];
  },
  'POST /api/projects/[slug]/answers': async () => {
    const { token } = await quickUser('contributor');
    const [rating, pairwise] = await projectTasks(token);
    const [pairGold, pairPlain] = pairwise.slug.split(' ');
    const answer = async (slug: string, leaseId: string, body: Record<string, unknown>) =>
      observe(
        await call('/api/projects/[slug]/answers', 'POST', `/api/projects/${slug}/answers`, {
          token,
          params: { slug },
          body: { leaseId, idempotencyKey: `k-${leaseId}`, ...body },
        }),
      );
    return [
      { label: 'project rating', gold: await answer(rating.slug, rating.leases.gold, { valence: 0.5, arousal: 0.5 }), plain: await answer(rating.slug, rating.leases.plain, { valence: 0.5, arousal: 0.5 }) },
      { label: 'project comparison', gold: await answer(pairGold, pairwise.leases.gold, { choice: 'a' }), plain: await answer(pairPlain, pairwise.leases.plain, { choice: 'a' }) },
    ];
  },
  'POST /api/projects/[slug]/leases/[id]/release': async () => {
    const { token } = await quickUser('contributor');
    const [rating] = await projectTasks(token);
    const release = async (id: string) =>
      observe(
        await call('/api/projects/[slug]/leases/[id]/release', 'POST', `/api/projects/${rating.slug}/leases/${id}/release`, {
          token,
          params: { slug: rating.slug, id },
          body: {},
        }),
      );
    return [{ label: 'project lease release', gold: await release(rating.leases.gold), plain: await release(rating.leases.plain) }];
  },
  'GET /api/clips/[id]/audio': async () => {
    const { token } = await quickUser('contributor');
    const audio = async (id: string, range?: string) =>
      observe(await call('/api/clips/[id]/audio', 'GET', `/api/clips/${id}/audio`, { token, params: { id }, headers: range ? { range } : {} }));
    return [
      { label: 'labeler audio', gold: await audio(goldIds[0]), plain: await audio(plainIds[0]) },
      { label: 'labeler audio, one byte', gold: await audio(goldIds[0], 'bytes=0-0'), plain: await audio(plainIds[0], 'bytes=0-0') },
    ];
  },
  'GET /api/listen/clips/[id]/audio': async () => {
    const audio = async (id: string, range?: string) =>
      observe(await call('/api/listen/clips/[id]/audio', 'GET', `/api/listen/clips/${id}/audio`, { params: { id }, headers: range ? { range } : {} }));
    return [
      { label: 'listener audio', gold: await audio(goldIds[0]), plain: await audio(plainIds[0]) },
      { label: 'listener audio, one byte (the probe of the report)', gold: await audio(goldIds[0], 'bytes=0-0'), plain: await audio(plainIds[0], 'bytes=0-0') },
    ];
  },
  'GET /api/recommend/similar': async () => {
    const similar = async (id: string, k: number) => observe(await call('/api/recommend/similar', 'GET', `/api/recommend/similar?clipId=${id}&k=${k}`));
    const wide = entries(await similar(settledIds[0], 50));
    return [
      { label: 'similar to the clip (k=1, the probe of the report)', gold: await similar(goldIds[0], 1), plain: await similar(plainIds[0], 1) },
      { label: 'similar to the clip', gold: await similar(goldIds[1], 10), plain: await similar(plainIds[1], 10) },
      { label: 'the clip among the results', gold: { status: 200, body: wide.gold, headers: [] }, plain: { status: 200, body: wide.plain, headers: [] } },
    ];
  },
  'GET /api/recommend/mood': async () => {
    const found = entries(await observe(await call('/api/recommend/mood', 'GET', `/api/recommend/mood?blend=${tagKeys[0]}&k=50`)));
    return [{ label: 'the clip among mood results', gold: { status: 200, body: found.gold, headers: [] }, plain: { status: 200, body: found.plain, headers: [] } }];
  },
  'POST /api/listen/sessions/[id]/events': async () => {
    const session = (await (await call('/api/listen/sessions', 'POST', '/api/listen/sessions', { body: { personalization: true } })).json()) as { sessionId: string };
    const id = session.sessionId;
    const event = async (clipId: string, type: string) =>
      observe(await call('/api/listen/sessions/[id]/events', 'POST', `/api/listen/sessions/${id}/events`, { params: { id }, body: { clipId, type } }));
    return [
      { label: 'play event', gold: await event(goldIds[0], 'play'), plain: await event(plainIds[0], 'play') },
      { label: 'like event', gold: await event(goldIds[1], 'like'), plain: await event(plainIds[1], 'like') },
    ];
  },
  'GET /api/listen/sessions/[id]/next': async () => {
    const session = (await (await call('/api/listen/sessions', 'POST', '/api/listen/sessions', { body: { personalization: true } })).json()) as { sessionId: string };
    const id = session.sessionId;
    const found = entries(await observe(await call('/api/listen/sessions/[id]/next', 'GET', `/api/listen/sessions/${id}/next?k=50`, { params: { id } })));
    return [{ label: 'the clip among next tracks', gold: { status: 200, body: found.gold, headers: [] }, plain: { status: 200, body: found.plain, headers: [] } }];
  },
};

describe('finding 1: gold oracle — a gold clip answers exactly like any other clip on every contributor or public route', () => {
  const routes: string[] = [];
  for (const [route, methods] of Object.entries(ROUTE_ACCESS)) {
    for (const [method, roles] of Object.entries(methods as Record<string, readonly string[] | 'public'>)) {
      if (roles === 'public' || roles.length === 0 || roles.includes('contributor')) routes.push(`${method} ${route}`);
    }
  }

  it('finding 1: gold oracle — every route a contributor or anonymous caller can reach has a gold probe (or is declared clip-free)', () => {
    const missing = routes.filter((r) => !(r in PROBES));
    expect(missing, 'add a probe for these routes (or mark them clip-free with a reason)').toEqual([]);
    for (const known of ['GET /api/listen/clips/[id]/audio', 'GET /api/recommend/similar', 'GET /api/queue/next']) expect(routes).toContain(known);
  });

  const probed = routes.filter((r) => PROBES[r]);
  it.each(probed)('finding 1: gold oracle — %s', async (route) => {
    const pairs = await PROBES[route]!();
    expect(pairs.length).toBeGreaterThan(0);
    for (const { label, gold, plain } of pairs) {
      expect(plain.status, `${label}: the ordinary clip is served`).toBeLessThan(300);
      expectSame(label, gold, plain);
    }
  });

  it('finding 1: gold oracle — the recommender never scores a clip’s mood from its gold answer (its clamped crowd labels)', async () => {
    // Crowd mood source (no model): settled ordinary clips have crowd moods; a gold clip must
    // have none, exactly like an open clip — its clamped labels are the answer.
    const tag = tagKeys[0];
    const res = await call('/api/recommend/mood', 'GET', `/api/recommend/mood?blend=${tag}&k=50`, { token: engineerToken });
    const body = (await res.json()) as { moodSource: string; results: { clipId: string; why: string; components: { mood: number | null } }[] };
    expect(res.status).toBe(200);
    expect(body.moodSource).toBe('crowd');
    const byId = new Map(body.results.map((r) => [r.clipId, r]));
    const open = byId.get(plainIds[0])!;
    for (const id of goldIds) {
      const gold = byId.get(id);
      expect(byId.has(id), 'the gold clip is served').toBe(true);
      expect(gold!.components.mood, 'a gold clip’s mood score is an open clip’s, never its answer').toBe(open.components.mood);
      expect(gold!.why).not.toMatch(new RegExp(`${tag} 1\\.00`));
    }
  });
});

describe('finding 5: experts and gold — no gold clip or gold answer on /review', () => {
  let expertToken: string;
  let disputedId: string;

  beforeAll(async () => {
    expertToken = (await quickUser('expert')).token;
    const db = t.handle.db;
    // A disputed ordinary clip whose nearest settled neighbours, feature-wise, include the gold clips.
    const sha = randomBytes(32).toString('hex');
    const clip = await insertClip(db, { sha256: sha, title: 'disputed', status: 'ready', priority: 1, labelState: 'disputed' });
    disputedId = clip.id;
    await t.handle.query(
      `insert into clip_features (clip_id, extractor_version, vector, named, tempo_bpm, lufs)
       select $1, 'gold-test', vector, '{}'::jsonb, 100, -14 from clip_features where clip_id = $2 and extractor_version = 'gold-test'`,
      [disputedId, goldIds[0]],
    );
  });

  it('finding 5: experts and gold — a gold clip never enters the review queue, even when disputed', async () => {
    // Escalated by hand, and ahead of every other clip by priority.
    await t.handle.query(`update clips set label_state = 'disputed', priority = 1000 where id = $1`, [goldIds[1]]);
    try {
      const res = await call('/api/review/next', 'GET', '/api/review/next', { token: (await quickUser('expert')).token });
      const item = (await res.json()) as { clip: { id: string }; lease: { id: string } };
      expect(res.status, JSON.stringify(item)).toBe(200);
      expect(item.clip.id, 'the expert is given the ordinary disputed clip, not the gold one').toBe(disputedId);
    } finally {
      await t.handle.query(`update clips set label_state = 'consensus', priority = 5 where id = $1`, [goldIds[1]]);
      await t.handle.query(`update leases set state = 'released' where queue = 'expert'`);
    }
  });

  it('finding 5: experts and gold — nearest labeled clips on /review never include a gold clip or its answer', async () => {
    const res = await call('/api/review/next', 'GET', '/api/review/next', { token: expertToken });
    const item = (await res.json()) as { clip: { id: string }; neighbours: { clipId: string; labels: string[] }[] };
    expect(res.status).toBe(200);
    expect(item.clip.id).toBe(disputedId);
    const ids = item.neighbours.map((n) => n.clipId);
    expect(ids.length, 'settled ordinary clips are still shown').toBeGreaterThan(0);
    expect(ids.some((id) => settledIds.includes(id))).toBe(true);
    for (const id of goldIds) expect(ids, 'a gold clip (feature-identical to this one) is among the neighbours').not.toContain(id);
  });

  it('finding 5: experts and gold — an expert is not served (and scored on) a gold clip whose answer they decided themselves', async () => {
    // The expert settles the disputed clip, and an admin then promotes it to gold.
    const held = (await (await call('/api/review/next', 'GET', '/api/review/next', { token: expertToken })).json()) as { lease: { id: string }; clip: { id: string } };
    expect(held.clip.id).toBe(disputedId);
    const decided = await call('/api/review/decisions', 'POST', '/api/review/decisions', {
      token: expertToken,
      body: { leaseId: held.lease.id, tags: [tagKeys[2]], idempotencyKey: `decide-${held.lease.id}` },
    });
    expect(decided.status).toBe(201);
    await t.handle.db.insert(goldAnswers).values({ clipId: disputedId, taxonomyVersion: 1, tags: [tagKeys[2]], tolerated: [] });
    // The other gold clips are answered already: this one is the only gold left for the expert.
    const [{ id: expertId }] = await t.handle.query<{ id: string }>(`select user_id as id from leases where id = $1`, [held.lease.id]);
    for (const [i, clipId] of goldIds.entries()) {
      await t.handle.query(`insert into votes (clip_id, user_id, kind, taxonomy_version, tags, idempotency_key) values ($1, $2, 'vote', 1, $3, $4)`, [clipId, expertId, [tagKeys[0]], `expert-gold-${i}`]);
    }
    await changeProjectSettings(t.handle.db, { goldRate: 1, newContributorGoldRate: 1 });
    const res = await call('/api/queue/next', 'GET', '/api/queue/next', { token: expertToken });
    const item = (await res.json()) as { clip: { id: string } };
    expect(res.status, JSON.stringify(item)).toBe(200);
    expect(item.clip.id, 'the gold clip the expert decided').not.toBe(disputedId);
  });

  it('finding 5: experts and gold — experts and admins, who can read every gold answer (/api/gold), are never served a gold clip', async () => {
    await changeProjectSettings(t.handle.db, { goldRate: 1, newContributorGoldRate: 1 });
    const gold = (await t.handle.query<{ id: string }>(`select clip_id as id from gold_answers`)).map((r) => r.id);
    for (const role of ['expert', 'admin', 'contributor'] as const) {
      const { token } = await quickUser(role);
      const res = await call('/api/queue/next', 'GET', '/api/queue/next', { token });
      expect(res.status).toBe(200);
      const item = (await res.json()) as { clip: { id: string } };
      // With every answer wanted gold, only someone who cannot read the answers gets one.
      if (role === 'contributor') expect(gold, 'the contributor is served gold at gold rate 1').toContain(item.clip.id);
      else expect(gold, `${role} served a gold clip`).not.toContain(item.clip.id);
    }
  });
});
