import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  aggregates,
  clipEmbeddings,
  embeddingVersions,
  goldAnswers,
  models,
  predictions,
  projectAnswers,
  projectItems,
  projects,
  users,
  votes,
  workerReliability,
  type Role,
} from '@/db/schema';
import { createApiToken } from '@/lib/auth/repo';
import { insertClip } from '@/lib/catalog/repo';
import { ROUTE_ACCESS } from '@/lib/http/access';
import { aggregateProjectNow } from '@/lib/projects/aggregation-service';
import { findProjectBySlug } from '@/lib/projects/repo';
import { changeProjectSettings } from '@/lib/settings/service';
import { audioKey, LocalAudioStore, setAudioStore } from '@/lib/storage';
import { getActiveTaxonomy } from '@/lib/taxonomy/repo';
import { createTestDb, ensureTaxonomy, type TestDb } from '../helpers/db';
import { request } from '../helpers/http';

/**
 * What a contributor can learn: every route a contributor may call (found from the access
 * table, so a new one is covered the day it is added) is called with a contributor's token in
 * a database full of other people's votes, gold answers, model predictions, posteriors and
 * reliabilities. No answer may carry another person's identity, a gold answer as such, or a
 * model or crowd probability.
 */
const APP_API = path.join(process.cwd(), 'app', 'api');
type Handler = (req: Request, ctx: { params: Promise<Record<string, string | string[]>> }) => Promise<Response>;

let t: TestDb;
let audioDir: string;
let me: { user: { id: string; email: string; name: string }; token: string };
/** A contributor the crowd checks paused: the one caller whose appeal route answers 200. */
let paused: { user: { id: string }; token: string };
let tagKeys: string[];
const others: { id: string; email: string; name: string }[] = [];
const clipIds: string[] = [];
const goldClipIds: string[] = [];
let audioClipId: string;

/** Words that only appear where probabilities, gold status or other people's quality are shown. */
const FORBIDDEN = [/probs/i, /posterior/i, /is_?gold/i, /tolerated/i, /gold_?tags/i, /gold_?answers?(?![a-z])/i, /sensitivity/i, /specificity/i, /reliabilit/i];

beforeAll(async () => {
  t = await createTestDb();
  const db = t.handle.db;
  await ensureTaxonomy(db);
  const taxonomy = await getActiveTaxonomy(db);
  tagKeys = taxonomy.tags.map((x) => x.key);
  audioDir = fs.mkdtempSync(path.join(os.tmpdir(), 'chorus-leaks-'));
  const store = new LocalAudioStore(audioDir);
  setAudioStore(store);

  me = await quickUser('contributor');
  paused = await quickUser('contributor', 'paused');
  for (const role of ['contributor', 'contributor', 'contributor', 'expert', 'engineer'] as const) others.push((await quickUser(role)).user);

  for (let i = 0; i < 10; i++) {
    const sha = randomBytes(32).toString('hex');
    const clip = await insertClip(db, { sha256: sha, title: `clip ${i}`, status: 'ready', priority: 10 - i, durationS: 20 });
    clipIds.push(clip.id);
  }
  // One clip with real audio behind it, so the audio route answers 200.
  const sha = randomBytes(32).toString('hex');
  const key = audioKey(sha, 'wav');
  await store.put(key, new Uint8Array([82, 73, 70, 70, 0, 0, 0, 0]));
  audioClipId = (await insertClip(db, { sha256: sha, title: 'with audio', status: 'ready', priority: 0, audioKey: key, mime: 'audio/wav' })).id;
  clipIds.push(audioClipId);
  for (let i = 0; i < 3; i++) {
    const clip = await insertClip(db, { sha256: randomBytes(32).toString('hex'), title: `gold ${i}`, status: 'ready', priority: 100 });
    goldClipIds.push(clip.id);
    await db.insert(goldAnswers).values({ clipId: clip.id, taxonomyVersion: taxonomy.version, tags: [tagKeys[0]], tolerated: [tagKeys[1]], createdBy: others[3].id });
  }
  // Other people's votes on every clip, the crowd's posteriors, their reliabilities, and a model's scores.
  for (const [u, other] of others.slice(0, 3).entries()) {
    await db.insert(votes).values(
      [...clipIds, ...goldClipIds].map((clipId, c) => ({
        clipId,
        userId: other.id,
        kind: 'vote' as const,
        taxonomyVersion: taxonomy.version,
        tags: [tagKeys[(u + c) % tagKeys.length]],
        idempotencyKey: `seed-${u}-${c}`,
      })),
    );
    await db.insert(workerReliability).values({ userId: other.id, sensitivity: 0.8, specificity: 0.9, reliability: 0.85, uncertainty: 0.1 });
  }
  const [model] = await db.insert(models).values({ kind: 'logistic', status: 'active', featureVersion: 'test', taxonomyVersion: taxonomy.version, tagKeys }).returning();
  const all = [...clipIds, ...goldClipIds];
  await db.insert(predictions).values(all.map((clipId) => ({ clipId, modelId: model.id, probs: tagKeys.map((_, k) => 0.1 + k / 20), uncertainty: 0.42 })));
  await db
    .insert(aggregates)
    .values(all.flatMap((clipId) => tagKeys.map((tag, k) => ({ clipId, tag, posterior: 0.05 + k / 30, label: k % 2 === 0, confidence: 0.7, method: 'ds' }))));
  // An active embedding version over every clip, so the recommendation and /listen routes answer with tracks.
  const [version] = await db.insert(embeddingVersions).values({ source: 'test', dim: 4, status: 'active', count: all.length, activatedAt: new Date() }).returning();
  await db.insert(clipEmbeddings).values(all.map((clipId, i) => ({ versionId: version.id, clipId, embedding: [1, Math.sin(i), Math.cos(i), i / all.length] })));
}, 120_000);

afterAll(async () => {
  setAudioStore(undefined);
  fs.rmSync(audioDir, { recursive: true, force: true });
  await t.close();
});

/** A user with an API token and no password (hashing one costs a second on this machine). */
async function quickUser(role: Role, status: 'active' | 'paused' = 'active') {
  const suffix = randomBytes(4).toString('hex');
  const [user] = await t.handle.db.insert(users).values({ email: `${role}-${suffix}@leaks.test`, name: `${role} ${suffix}`, role, status }).returning();
  return { user, token: (await createApiToken(t.handle.db, user.id, 'test')).token };
}

async function load(route: string): Promise<Record<string, Handler>> {
  return (await import(/* @vite-ignore */ path.join(APP_API, route.slice('/api/'.length), 'route.ts'))) as Record<string, Handler>;
}

async function call(route: string, method: string, options: { url?: string; body?: unknown; params?: Record<string, string>; token?: string } = {}) {
  const mod = await load(route);
  const url = options.url ?? route.replace(/\[id\]/g, options.params?.id ?? clipIds[0]);
  return mod[method](request(method, url, { token: options.token ?? me.token, body: options.body }), { params: Promise.resolve(options.params ?? { id: clipIds[0] }) });
}

/** A fresh /listen session id (its 201 is checked: the routes below need a real session). */
async function listenSession(): Promise<string> {
  const res = await call('/api/listen/sessions', 'POST', { url: '/api/listen/sessions', body: { personalization: true } });
  expect(res.status).toBe(201);
  return ((await res.json()) as { sessionId: string }).sessionId;
}

/** Deep key paths of a JSON value, for comparing the shape of gold and ordinary queue items. */
function shape(value: unknown, prefix = ''): string[] {
  if (Array.isArray(value)) return value.length ? shape(value[0], `${prefix}[]`) : [`${prefix}[]`];
  if (value && typeof value === 'object') return Object.entries(value).flatMap(([k, v]) => shape(v, prefix ? `${prefix}.${k}` : k));
  return [prefix];
}

/**
 * A valence–arousal and a pairwise project (issue 18), open to everyone, over fresh clips with
 * audio that the other users have already rated and compared; a fresh contributor holding a
 * question of each. Their slugs, the contributor and the two tasks' lease ids.
 */
async function projectQuestions() {
  const db = t.handle.db;
  const clips: string[] = [];
  for (let i = 0; i < 3; i++) {
    clips.push((await insertClip(db, { sha256: randomBytes(32).toString('hex'), title: `project clip ${i}`, status: 'ready', audioKey: `a/${randomBytes(4).toString('hex')}.wav` })).id);
  }
  const slugs: Record<'valence_arousal' | 'pairwise', string> = { valence_arousal: '', pairwise: '' };
  for (const type of ['valence_arousal', 'pairwise'] as const) {
    const slug = `leaks-${randomBytes(4).toString('hex')}`;
    slugs[type] = slug;
    const [p] = await db
      .insert(projects)
      .values({ slug, name: slug, questionType: type, attribute: type === 'pairwise' ? 'calm' : null, settings: { overlap: 10, leaseMinutes: 10 }, openToAll: true })
      .returning();
    await db.insert(projectItems).values(clips.map((clipId) => ({ projectId: p.id, clipId })));
    await db.insert(projectAnswers).values(
      others.slice(0, 3).map((other, u) =>
        type === 'pairwise'
          ? { projectId: p.id, userId: other.id, clipId: clips[0], clipBId: clips[1], choice: 'a' as const, idempotencyKey: `seed-${u}` }
          : { projectId: p.id, userId: other.id, clipId: clips[0], valence: 0.1 * u, arousal: -0.1 * u, idempotencyKey: `seed-${u}` },
      ),
    );
  }
  const fresh = await quickUser('contributor');
  const next = (slug: string) => call('/api/projects/[slug]/next', 'GET', { url: `/api/projects/${slug}/next`, params: { slug }, token: fresh.token });
  const rating = await next(slugs.valence_arousal);
  const pairwise = await next(slugs.pairwise);
  const lease = async (res: Response) => ((await res.clone().json()) as { lease: { id: string } }).lease.id;
  return { slugs, fresh, rating, pairwise, leases: { rating: await lease(rating), pairwise: await lease(pairwise) } };
}

/**
 * How to exercise each contributor route with a valid request, so the leak check reads a real
 * answer. A route without a recipe is still called (GET, or POST with `{}`, with a clip id for
 * `[id]`), so new routes are never skipped, and it must succeed: one answering 4xx to that
 * needs a recipe here. Answers a recipe expects to be errors carry `expect`.
 */
type Call = { label: string; res: Response; docs?: boolean; expect?: number };
const RECIPES: Record<string, () => Promise<Call[]>> = {
  'GET /api/openapi': async () => [{ label: 'openapi', res: await call('/api/openapi', 'GET'), docs: true }],
  /**
   * The qualification path (issue 15, item 2): a new contributor in a round of gold clips sees
   * their status, their round's clips and their answers' receipts, and the counts after a wrong
   * answer — never the gold answers, nor which answers were right.
   */
  'GET /api/me/qualification': async () => {
    await changeProjectSettings(t.handle.db, { qualificationClips: 3, targetedQuestionRate: 0 });
    try {
      const newcomer = await quickUser('contributor');
      const calls: Call[] = [{ label: 'status before', res: await call('/api/me/qualification', 'GET', { token: newcomer.token }) }];
      for (let i = 0; i < 2; i++) {
        const next = await call('/api/queue/next', 'GET', { url: '/api/queue/next', token: newcomer.token });
        const item = (await next.clone().json()) as { lease: { id: string }; clip: { id: string } };
        expect(goldClipIds, 'a round serves gold clips only').toContain(item.clip.id);
        calls.push({ label: `round clip ${i + 1}`, res: next });
        // A wrong answer (a mood the gold answer leaves out) and a right one: the receipts look alike.
        const body = { kind: 'vote', leaseId: item.lease.id, tags: [tagKeys[i === 0 ? 3 : 0]], idempotencyKey: `q-${item.lease.id}` };
        calls.push({ label: `round answer ${i + 1}`, expect: 201, res: await call('/api/votes', 'POST', { url: '/api/votes', body, token: newcomer.token }) });
      }
      const after = await call('/api/me/qualification', 'GET', { token: newcomer.token });
      expect(await after.clone().json()).toEqual({ state: 'in_progress', answered: 2, total: 3 });
      calls.push({ label: 'status during the round', res: after });
      return calls;
    } finally {
      await changeProjectSettings(t.handle.db, { qualificationClips: 5 });
    }
  },
  'GET /api/queue/next': async () => {
    // Walk the whole queue: gold clips (forced in for half of it) and ordinary ones, voting on each.
    const out: { label: string; res: Response }[] = [];
    const items: { gold: boolean; body: unknown }[] = [];
    for (let i = 0; i < 12; i++) {
      if (i < 2) await changeProjectSettings(t.handle.db, { goldRate: i === 0 ? 1 : 0, newContributorGoldRate: i === 0 ? 1 : 0 });
      const res = await call('/api/queue/next', 'GET', { url: '/api/queue/next' });
      out.push({ label: `queue/next #${i}`, res: res.clone() });
      if (res.status !== 200) break;
      const item = (await res.json()) as { lease: { id: string }; clip: { id: string }; taxonomy: { tags: { key: string }[] } };
      items.push({ gold: goldClipIds.includes(item.clip.id), body: item });
      const vote = await call('/api/votes', 'POST', {
        url: '/api/votes',
        body: { kind: 'vote', leaseId: item.lease.id, tags: [item.taxonomy.tags[0].key], idempotencyKey: `leak-${i}-${item.lease.id}` },
      });
      out.push({ label: `vote #${i}`, res: vote });
    }
    const gold = items.filter((x) => x.gold);
    const plain = items.filter((x) => !x.gold);
    expect(gold.length, 'gold clips were served').toBeGreaterThan(0);
    expect(plain.length, 'ordinary clips were served').toBeGreaterThan(0);
    // A gold clip looks exactly like any other clip.
    const normalize = (body: unknown) => shape(body).filter((k) => !k.startsWith('question')).sort();
    expect(normalize(gold[0].body)).toEqual(normalize(plain[0].body));
    return out;
  },
  'POST /api/votes': async () => [
    // Someone else's lease id: not found, and nothing about that lease.
    { label: 'vote on a foreign lease', expect: 404, res: await call('/api/votes', 'POST', { url: '/api/votes', body: { kind: 'vote', leaseId: clipIds[1], tags: [tagKeys[0]], idempotencyKey: 'foreign-lease' } }) },
  ],
  'POST /api/votes/undo': async () => {
    // A fresh contributor answers and takes it back: the clip returns as an ordinary queue item,
    // with nothing of anyone else's answers in it. Someone else's answer is not found.
    const fresh = await quickUser('contributor');
    const next = await call('/api/queue/next', 'GET', { url: '/api/queue/next', token: fresh.token });
    expect(next.status).toBe(200);
    const item = (await next.json()) as { lease: { id: string } };
    const voted = await call('/api/votes', 'POST', {
      url: '/api/votes',
      body: { kind: 'vote', leaseId: item.lease.id, tags: [tagKeys[0]], idempotencyKey: `undo-${item.lease.id}` },
      token: fresh.token,
    });
    expect(voted.status).toBe(201);
    const voteId = ((await voted.json()) as { voteId: string }).voteId;
    const undo = (token?: string) => call('/api/votes/undo', 'POST', { url: '/api/votes/undo', body: { voteId }, token });
    return [
      { label: 'undo of someone else’s answer', expect: 404, res: await undo() },
      { label: 'undo', res: await undo(fresh.token) },
    ];
  },
  'POST /api/leases/[id]/release': async () => {
    // A contributor who has not walked the queue yet, so a lease is there to release.
    const fresh = await quickUser('contributor');
    const next = await call('/api/queue/next', 'GET', { url: '/api/queue/next', token: fresh.token });
    expect(next.status).toBe(200);
    const leaseId = ((await next.json()) as { lease: { id: string } }).lease.id;
    return [{ label: 'release', res: await call('/api/leases/[id]/release', 'POST', { url: `/api/leases/${leaseId}/release`, params: { id: leaseId }, token: fresh.token }) }];
  },
  'POST /api/leases/[id]/renew': async () => {
    const fresh = await quickUser('contributor');
    const next = await call('/api/queue/next', 'GET', { url: '/api/queue/next', token: fresh.token });
    expect(next.status).toBe(200);
    const leaseId = ((await next.json()) as { lease: { id: string } }).lease.id;
    return [{ label: 'renew', res: await call('/api/leases/[id]/renew', 'POST', { url: `/api/leases/${leaseId}/renew`, params: { id: leaseId }, token: fresh.token }) }];
  },
  'GET /api/clips/[id]/audio': async () => [
    { label: 'audio', res: await call('/api/clips/[id]/audio', 'GET', { url: `/api/clips/${audioClipId}/audio`, params: { id: audioClipId } }) },
    { label: 'audio of a gold clip (no audio)', expect: 404, res: await call('/api/clips/[id]/audio', 'GET', { url: `/api/clips/${goldClipIds[0]}/audio`, params: { id: goldClipIds[0] } }) },
  ],
  'GET /api/projects/[slug]/next': async () => {
    const { rating, pairwise } = await projectQuestions();
    return [
      { label: 'project rating question', res: rating },
      { label: 'project pairwise question', res: pairwise },
    ];
  },
  'POST /api/projects/[slug]/answers': async () => {
    const { slugs, fresh, leases } = await projectQuestions();
    const answer = (slug: string, body: Record<string, unknown>) =>
      call('/api/projects/[slug]/answers', 'POST', { url: `/api/projects/${slug}/answers`, params: { slug }, token: fresh.token, body });
    const rating = { leaseId: leases.rating, idempotencyKey: `k-${leases.rating}`, valence: 0.3, arousal: -0.2 };
    return [
      { label: 'project rating', expect: 201, res: await answer(slugs.valence_arousal, rating) },
      { label: 'project rating replayed', res: await answer(slugs.valence_arousal, rating) },
      { label: 'project comparison', expect: 201, res: await answer(slugs.pairwise, { leaseId: leases.pairwise, idempotencyKey: `k-${leases.pairwise}`, choice: 'b' }) },
    ];
  },
  'POST /api/projects/[slug]/leases/[id]/release': async () => {
    const { slugs, fresh, leases } = await projectQuestions();
    const slug = slugs.valence_arousal;
    const id = leases.rating;
    return [{ label: 'project lease release', res: await call('/api/projects/[slug]/leases/[id]/release', 'POST', { url: `/api/projects/${slug}/leases/${id}/release`, params: { slug, id }, token: fresh.token, body: {} }) }];
  },
  'POST /api/me/pause/appeal': async () => [
    { label: 'appeal (not paused)', expect: 409, res: await call('/api/me/pause/appeal', 'POST', { url: '/api/me/pause/appeal', body: { text: 'I listened to every clip in full.' } }) },
    { label: 'appeal (paused)', res: await call('/api/me/pause/appeal', 'POST', { url: '/api/me/pause/appeal', body: { text: 'I listened to every clip in full.' }, token: paused.token }) },
    { label: 'pause view (paused)', res: await call('/api/me/pause', 'GET', { url: '/api/me/pause', token: paused.token }) },
  ],
  'GET /api/recommend/similar': async () => [
    { label: 'similar', res: await call('/api/recommend/similar', 'GET', { url: `/api/recommend/similar?clipId=${clipIds[0]}&k=20` }) },
    { label: 'similar to a gold clip', res: await call('/api/recommend/similar', 'GET', { url: `/api/recommend/similar?clipId=${goldClipIds[0]}&k=20&diversify=1` }) },
  ],
  'GET /api/recommend/mood': async () => [
    { label: 'mood', res: await call('/api/recommend/mood', 'GET', { url: `/api/recommend/mood?blend=${tagKeys[0]}:0.7,${tagKeys[1]}:0.3&k=20` }) },
  ],
  /** The point recommender carries the crowd's aggregates, so a contributor of the project is refused (need review). */
  'GET /api/recommend/mood/point': async () => {
    const { slugs, fresh } = await projectQuestions();
    const slug = slugs.valence_arousal;
    await aggregateProjectNow(t.handle.db, (await findProjectBySlug(t.handle.db, slug))!.id, { force: true });
    const point = (query: string) =>
      call('/api/recommend/mood/point', 'GET', { url: `/api/recommend/mood/point?project=${slug}&${query}`, token: fresh.token });
    return [
      { label: 'clips nearest a point', expect: 403, res: await point('valence=0&arousal=0&k=5') },
      { label: 'a point off the plane', expect: 400, res: await point('valence=2&arousal=0') },
    ];
  },
  'POST /api/listen/sessions': async () => [
    { label: 'new session', expect: 201, res: await call('/api/listen/sessions', 'POST', { url: '/api/listen/sessions', body: { personalization: true } }) },
  ],
  'POST /api/listen/sessions/[id]/events': async () => {
    const id = await listenSession();
    const post = (body: unknown) => call('/api/listen/sessions/[id]/events', 'POST', { url: `/api/listen/sessions/${id}/events`, params: { id }, body });
    return [
      { label: 'like', res: await post({ clipId: clipIds[0], type: 'like', positionS: 3 }) },
      { label: 'skip a gold clip', res: await post({ clipId: goldClipIds[0], type: 'skip', positionS: 1 }) },
    ];
  },
  'GET /api/listen/sessions/[id]/next': async () => {
    const id = await listenSession();
    return [{ label: 'next tracks', res: await call('/api/listen/sessions/[id]/next', 'GET', { url: `/api/listen/sessions/${id}/next?k=20`, params: { id } }) }];
  },
  'GET /api/listen/clips/[id]/audio': async () => [
    { label: 'listener audio', res: await call('/api/listen/clips/[id]/audio', 'GET', { url: `/api/listen/clips/${audioClipId}/audio`, params: { id: audioClipId } }) },
  ],
  // Projects and their members (issue 18): the contributor's own list and project; members are for a project's admins.
  'GET /api/projects': async () => [{ label: 'my projects', res: await call('/api/projects', 'GET', { url: '/api/projects' }) }],
  'GET /api/projects/[slug]': async () => [
    { label: 'the default project', res: await call('/api/projects/[slug]', 'GET', { url: '/api/projects/mood', params: { slug: 'mood' } }) },
  ],
  'GET /api/projects/[slug]/members': async () => [
    { label: 'members', expect: 403, res: await call('/api/projects/[slug]/members', 'GET', { url: '/api/projects/mood/members', params: { slug: 'mood' } }) },
  ],
  'POST /api/projects/[slug]/members': async () => [
    {
      label: 'add a member',
      expect: 403,
      res: await call('/api/projects/[slug]/members', 'POST', { url: '/api/projects/mood/members', params: { slug: 'mood' }, body: { email: others[0].email, role: 'admin' } }),
    },
  ],
  'DELETE /api/projects/[slug]/members/[userId]': async () => [
    {
      label: 'remove a member',
      expect: 403,
      res: await call('/api/projects/[slug]/members/[userId]', 'DELETE', { url: `/api/projects/mood/members/${me.user.id}`, params: { slug: 'mood', userId: me.user.id } }),
    },
  ],
  // A project's results, export and recompute are beyond a contributor: in the default project (open to all) they get 403.
  ...Object.fromEntries(
    (
      [
        ['GET /api/projects/[slug]/results', 'results'],
        ['GET /api/projects/[slug]/export', 'export?format=csv'],
        ['POST /api/projects/[slug]/aggregate', 'aggregate'],
      ] as const
    ).map(([key, tail]) => {
      const [method, route] = key.split(' ');
      const recipe = async (): Promise<Call[]> => [
        { label: key, res: await call(route, method, { url: `/api/projects/mood/${tail}`, params: { slug: 'mood' }, body: method === 'POST' ? {} : undefined }), expect: 403 },
      ];
      return [key, recipe];
    }),
  ),
};

describe('a contributor never receives other votes, gold answers, model scores or other identities', () => {
  const routes: { route: string; method: string }[] = [];
  for (const [route, methods] of Object.entries(ROUTE_ACCESS)) {
    for (const [method, roles] of Object.entries(methods as Record<string, readonly string[] | 'public'>)) {
      if (roles === 'public' || roles.length === 0 || roles.includes('contributor')) routes.push({ route, method });
    }
  }

  it('the access table gives contributors the routes this test knows about, at least', () => {
    const names = routes.map((r) => `${r.method} ${r.route}`);
    for (const known of ['GET /api/queue/next', 'POST /api/votes', 'GET /api/me', 'GET /api/taxonomy']) expect(names).toContain(known);
  });

  it.each(routes)('$method $route', async ({ route, method }) => {
    const recipe = RECIPES[`${method} ${route}`];
    const calls: Call[] = recipe
      ? await recipe()
      : [{ label: `${method} ${route}`, res: await call(route, method, { body: method === 'GET' || method === 'DELETE' ? undefined : {} }) }];
    for (const { label, res, docs, expect: status } of calls) {
      // A refused request shows nothing worth checking: each answer is the success it should be, or the error the recipe names.
      if (status === undefined) expect(res.status, `${label}: an answer the leak check can read (a route without a recipe needs one)`).toBeLessThan(300);
      else expect(res.status, label).toBe(status);
      const type = res.headers.get('content-type') ?? '';
      const text = type.startsWith('audio/') ? '' : await res.text();
      const headers = JSON.stringify([...res.headers.entries()]);
      for (const other of others) {
        for (const secret of [other.id, other.email, other.name]) {
          expect(text.includes(secret), `${label} body names another user (${secret})`).toBe(false);
          expect(headers.includes(secret), `${label} headers name another user`).toBe(false);
        }
      }
      // The API description may name these words; data answers may not.
      if (!docs) for (const word of FORBIDDEN) expect(word.test(text), `${label} mentions ${word}: ${text.slice(0, 300)}`).toBe(false);
    }
  });
});
