/**
 * Gold authoring (issue 15, item 1): the expert API, bulk promotion, the CSV import/export CLI,
 * and the coverage / per-contributor accuracy figures of /loop — on both databases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { expertDecisions, goldAnswers, users, votes, type Role } from '@/db/schema';
import { createApiToken } from '@/lib/auth/repo';
import { insertClip } from '@/lib/catalog/repo';
import { goldAccuracyByContributor, goldCoverage } from '@/lib/gold/repo';
import { getActiveTaxonomy } from '@/lib/taxonomy/repo';
import { createTestDb, ensureTaxonomy, type TestDb } from '../helpers/db';
import { request } from '../helpers/http';
import { runCli } from '../helpers/cli';

const APP_API = path.join(process.cwd(), 'app', 'api');
type Handler = (req: Request, ctx: { params: Promise<Record<string, string>> }) => Promise<Response>;

let t: TestDb;
let dir: string;
let tags: string[];
let version: number;
let expert: { id: string; token: string };
let contributor: { id: string; token: string };

async function quickUser(role: Role) {
  const suffix = randomBytes(4).toString('hex');
  const [user] = await t.handle.db
    .insert(users)
    .values({ email: `${role}-${suffix}@gold.test`, name: `${role} ${suffix}`, role })
    .returning();
  return { id: user.id, token: (await createApiToken(t.handle.db, user.id, 'test')).token };
}

async function call(
  route: string,
  method: string,
  options: { token: string; url?: string; body?: unknown; params?: Record<string, string> },
) {
  const mod = (await import(/* @vite-ignore */ path.join(APP_API, route.slice('/api/'.length), 'route.ts'))) as Record<
    string,
    Handler
  >;
  const res = await mod[method](request(method, options.url ?? route, { token: options.token, body: options.body }), {
    params: Promise.resolve(options.params ?? {}),
  });
  return {
    status: res.status,
    body: (await res.json()) as Record<string, unknown> & { error?: { code: string; message: string } },
  };
}

async function clip(title: string, labelState: 'open' | 'expert_resolved' = 'open') {
  const sha256 = randomBytes(32).toString('hex');
  const row = await insertClip(t.handle.db, { sha256, title, artist: 'a', status: 'ready', labelState });
  return { id: row.id, sha256 };
}

async function auditRows(action: string, entityId: string) {
  return t.handle.query<{ actor_id: string | null; before: unknown; after: unknown }>(
    `select actor_id, before, after from audit_log where action = $1 and entity = 'clip' and entity_id = $2 order by id`,
    [action, entityId],
  );
}

async function goldOf(clipId: string) {
  const rows = await t.handle.query<{ tags: string[]; tolerated: string[] }>(
    `select tags, tolerated from gold_answers where clip_id = $1`,
    [clipId],
  );
  return rows[0];
}

const countGold = async () => (await t.handle.query<{ n: number }>(`select count(*)::int as n from gold_answers`))[0].n;

beforeAll(async () => {
  t = await createTestDb();
  await ensureTaxonomy(t.handle.db);
  const taxonomy = await getActiveTaxonomy(t.handle.db);
  tags = taxonomy.tags.map((x) => x.key);
  version = taxonomy.version;
  expert = await quickUser('expert');
  contributor = await quickUser('contributor');
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chorus-gold-'));
}, 60_000);

afterAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  await t.close();
});

describe('gold API (experts and admins)', () => {
  it('marks a clip gold with its answer, audited once; the same answer again changes nothing', async () => {
    const c = await clip('mark me');
    const body = { clipId: c.id, tags: [tags[0], tags[1]], tolerated: [tags[2]] };
    const first = await call('/api/gold', 'POST', { token: expert.token, body });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({
      changed: true,
      gold: { clipId: c.id, taxonomyVersion: version, tags: [tags[0], tags[1]], tolerated: [tags[2]] },
    });
    expect(await goldOf(c.id)).toEqual({ tags: [tags[0], tags[1]], tolerated: [tags[2]] });
    const again = await call('/api/gold', 'POST', { token: expert.token, body });
    expect(again.status).toBe(200);
    expect(again.body.changed).toBe(false);
    const audit = await auditRows('gold.mark', c.id);
    expect(audit).toHaveLength(1);
    expect(audit[0].actor_id).toBe(expert.id);
    expect(audit[0].before).toBeNull();
    expect(audit[0].after).toMatchObject({ tags: [tags[0], tags[1]], tolerated: [tags[2]] });

    // A changed answer is a second audit row that keeps the one it replaced.
    const changed = await call('/api/gold', 'POST', { token: expert.token, body: { clipId: c.id, tags: [tags[3]] } });
    expect(changed.status).toBe(201);
    const both = await auditRows('gold.mark', c.id);
    expect(both).toHaveLength(2);
    expect(both[1].before).toMatchObject({ tags: [tags[0], tags[1]] });
    expect(await goldOf(c.id)).toEqual({ tags: [tags[3]], tolerated: [] });
  });

  it('refuses bad answers with a clear error and writes nothing', async () => {
    const c = await clip('refused');
    const unknown = await call('/api/gold', 'POST', { token: expert.token, body: { clipId: c.id, tags: ['not-a-mood'] } });
    expect(unknown.status).toBe(422);
    expect(unknown.body.error).toMatchObject({ code: 'UNKNOWN_TAG' });
    expect(unknown.body.error!.message).toContain('not-a-mood');
    const both = await call('/api/gold', 'POST', {
      token: expert.token,
      body: { clipId: c.id, tags: [tags[0]], tolerated: [tags[0]] },
    });
    expect(both.status).toBe(400);
    expect(both.body.error!.message).toContain('either required or tolerated');
    const none = await call('/api/gold', 'POST', { token: expert.token, body: { clipId: c.id, tags: [] } });
    expect(none.status).toBe(400);
    const missing = await call('/api/gold', 'POST', {
      token: expert.token,
      body: { clipId: '00000000-0000-4000-8000-00000000abcd', tags: [tags[0]] },
    });
    expect(missing.status).toBe(404);
    expect(await goldOf(c.id)).toBeUndefined();
  });

  it('a contributor can neither mark, list nor remove gold', async () => {
    const c = await clip('not for contributors');
    expect((await call('/api/gold', 'POST', { token: contributor.token, body: { clipId: c.id, tags: [tags[0]] } })).status).toBe(
      403,
    );
    expect((await call('/api/gold', 'GET', { token: contributor.token })).status).toBe(403);
    expect(
      (await call('/api/gold/[id]', 'DELETE', { token: contributor.token, url: `/api/gold/${c.id}`, params: { id: c.id } }))
        .status,
    ).toBe(403);
    expect(await goldOf(c.id)).toBeUndefined();
  });

  it('un-golds a clip (audited with what it was); a clip that is not gold is a 404', async () => {
    const c = await clip('ungold me');
    await call('/api/gold', 'POST', { token: expert.token, body: { clipId: c.id, tags: [tags[0]] } });
    const removed = await call('/api/gold/[id]', 'DELETE', {
      token: expert.token,
      url: `/api/gold/${c.id}`,
      params: { id: c.id },
    });
    expect(removed.status).toBe(200);
    expect(await goldOf(c.id)).toBeUndefined();
    const audit = await auditRows('gold.unmark', c.id);
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_id: expert.id, before: { tags: [tags[0]] }, after: null });
    const again = await call('/api/gold/[id]', 'DELETE', { token: expert.token, url: `/api/gold/${c.id}`, params: { id: c.id } });
    expect(again.status).toBe(404);
  });

  it('lists gold with how often each clip was served and answered right, and the coverage', async () => {
    const c = await clip('listed');
    await call('/api/gold', 'POST', { token: expert.token, body: { clipId: c.id, tags: [tags[0]], tolerated: [tags[1]] } });
    const a = await quickUser('contributor');
    const b = await quickUser('contributor');
    for (const u of [a, b]) {
      await t.handle.query(
        `insert into leases (clip_id, user_id, queue, is_gold, state, expires_at) values ($1, $2, 'crowd', true, 'completed', now())`,
        [c.id, u.id],
      );
    }
    // a: required + tolerated = right; b: required + a mood outside the answer = wrong.
    await t.handle.db.insert(votes).values([
      {
        clipId: c.id,
        userId: a.id,
        kind: 'vote',
        taxonomyVersion: version,
        tags: [tags[0], tags[1]],
        idempotencyKey: `a-${c.id}`,
      },
      {
        clipId: c.id,
        userId: b.id,
        kind: 'vote',
        taxonomyVersion: version,
        tags: [tags[0], tags[4]],
        idempotencyKey: `b-${c.id}`,
      },
    ]);
    const list = await call('/api/gold', 'GET', { token: expert.token, url: '/api/gold?limit=500' });
    expect(list.status).toBe(200);
    const gold = list.body.gold as { clipId: string; served: number; answers: number; accuracy: number | null; title: string }[];
    expect(gold.find((g) => g.clipId === c.id)).toMatchObject({ title: 'listed', served: 2, answers: 2, accuracy: 0.5 });
    expect(list.body.total).toBe(await countGold());
    expect(list.body.coverage).toMatchObject({ goldClips: await countGold(), served: 2, answers: 2 });
  });
});

describe('bulk promotion of expert-resolved clips', () => {
  it('promotes resolved clips with a mood-naming decision under the active taxonomy, and says why the others are refused', async () => {
    const good = await clip('resolved, happy', 'expert_resolved');
    const empty = await clip('resolved, no mood', 'expert_resolved');
    const open = await clip('still open');
    const decide = (clipId: string, decided: string[], key: string, extra: { isSecondOpinion?: boolean } = {}) =>
      t.handle.db
        .insert(expertDecisions)
        .values({ clipId, userId: expert.id, taxonomyVersion: version, tags: decided, idempotencyKey: key, ...extra });
    await decide(good.id, [tags[0], tags[2]], `p-${good.id}`);
    // A later second opinion does not replace the first decision as the answer.
    await decide(good.id, [tags[5]], `p2-${good.id}`, { isSecondOpinion: true });
    await decide(empty.id, [], `p-${empty.id}`);
    const before = (await goldCoverage(t.handle.db, version)).promotable;
    expect(before).toBeGreaterThanOrEqual(2);

    const asked = await call('/api/gold/promote', 'POST', {
      token: expert.token,
      body: { clipIds: [good.id, empty.id, open.id] },
    });
    expect(asked.status).toBe(200);
    expect(asked.body.promoted).toEqual([good.id]);
    expect((asked.body.refused as { clipId: string }[]).map((r) => r.clipId).sort()).toEqual([empty.id, open.id].sort());
    expect(await goldOf(good.id)).toEqual({ tags: [tags[0], tags[2]], tolerated: [] });
    expect(await goldOf(empty.id)).toBeUndefined();
    expect(await auditRows('gold.promote', good.id)).toHaveLength(1);

    // Without ids: every candidate; nothing is left, so a second call promotes nothing.
    const other = await clip('resolved later', 'expert_resolved');
    await decide(other.id, [tags[1]], `p-${other.id}`);
    const all = await call('/api/gold/promote', 'POST', { token: expert.token, body: {} });
    expect(all.body.promoted).toEqual([other.id]);
    expect((await call('/api/gold/promote', 'POST', { token: expert.token, body: {} })).body.promoted).toEqual([]);
  });
});

describe('chorus gold import / export', () => {
  it('a file with bad rows names each one by line and imports nothing', async () => {
    const a = await clip('csv a');
    const b = await clip('csv b');
    const file = path.join(dir, 'bad.csv');
    fs.writeFileSync(
      file,
      [
        'clip,tags,tolerated',
        `${a.sha256},${tags[0]}|${tags[1]},${tags[2]}`, // fine
        `${b.id},nope-mood,`, // unknown tag
        `${'f'.repeat(64)},${tags[0]},`, // no such clip
        `${a.id},${tags[3]},`, // the same clip as line 2, by id
      ].join('\n'),
    );
    const before = await countGold();
    const { code, stderr } = await runCli(['gold', 'import', file]);
    expect(code).toBe(1);
    expect(stderr).toContain('nothing was imported');
    expect(stderr).toMatch(/line 3 \([^)]+\): Unknown tag: nope-mood/);
    expect(stderr).toContain(`line 4: no clip with id or sha256 ${'f'.repeat(64)}`);
    expect(stderr).toContain('line 5: clip');
    expect(stderr).toContain('same clip as on line 2');
    expect(stderr).not.toMatch(/^\s*line 2\b/m);
    expect(stderr).toContain('3 problems');
    expect(await countGold()).toBe(before);

    const shape = path.join(dir, 'shape.csv');
    fs.writeFileSync(
      shape,
      ['clip,tags,tolerated', `${a.id},,`, `,${tags[0]},`, `${b.id},${tags[0]},${tags[0]}`, `${b.sha256},Bad Tag,`].join('\n'),
    );
    const bad = await runCli(['gold', 'import', shape]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('line 2 ');
    expect(bad.stderr).toContain('at least one mood');
    expect(bad.stderr).toContain('line 3: the clip cell is empty');
    expect(bad.stderr).toContain('either required or tolerated');
    expect(bad.stderr).toMatch(/line 5 .*tag keys are lower-case/);
    expect(await countGold()).toBe(before);

    fs.writeFileSync(shape, 'id,labels\nx,y\n');
    const header = await runCli(['gold', 'import', shape]);
    expect(header.code).toBe(1);
    expect(header.stderr).toContain('clip,tags[,tolerated]');
  });

  it('imports by sha256 or id, idempotently, and the export imports back unchanged', async () => {
    const a = await clip('import a');
    const b = await clip('import b');
    const file = path.join(dir, 'good.csv');
    fs.writeFileSync(
      file,
      ['clip,tags,tolerated', `${a.sha256},${tags[0]}|${tags[1]},${tags[2]}`, `${b.id},${tags[3]}`].join('\r\n'),
    );
    const first = await runCli(['gold', 'import', file]);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.stdout)).toEqual({ written: 2, unchanged: 0 });
    expect(await goldOf(a.id)).toEqual({ tags: [tags[0], tags[1]], tolerated: [tags[2]] });
    expect(await goldOf(b.id)).toEqual({ tags: [tags[3]], tolerated: [] });
    const audit = await auditRows('gold.import', a.id);
    expect(audit).toHaveLength(1);
    expect(audit[0].actor_id).toBeNull();
    expect(JSON.parse((await runCli(['gold', 'import', file])).stdout)).toEqual({ written: 0, unchanged: 2 });

    const out = path.join(dir, 'export.csv');
    const exported = await runCli(['gold', 'export', out]);
    expect(exported.code).toBe(0);
    const lines = fs.readFileSync(out, 'utf8').trimEnd().split('\r\n');
    expect(lines[0]).toBe('clip,tags,tolerated');
    expect(lines).toContain(`${a.sha256},${tags[0]}|${tags[1]},${tags[2]}`);
    expect(lines).toContain(`${b.sha256},${tags[3]},`);
    expect(lines).toHaveLength(1 + (await countGold()));
    const stdout = await runCli(['gold', 'export']);
    expect(stdout.stdout).toBe(fs.readFileSync(out, 'utf8'));
    const back = await runCli(['gold', 'import', out]);
    expect(JSON.parse(back.stdout)).toEqual({ written: 0, unchanged: await countGold() });
  });

  it('a bad command line is a usage error (exit 2)', async () => {
    expect((await runCli(['gold'])).code).toBe(2);
    expect((await runCli(['gold', 'import'])).code).toBe(2);
    expect((await runCli(['gold', 'import', path.join(dir, 'missing.csv')])).code).toBe(2);
  });
});

describe('per-contributor gold accuracy', () => {
  it('counts a vote right when it has every required mood and nothing outside the answer; a targeted answer on a tolerated mood does not count', async () => {
    const g1 = await clip('acc 1');
    const g2 = await clip('acc 2');
    await t.handle.db.insert(goldAnswers).values([
      { clipId: g1.id, taxonomyVersion: version, tags: [tags[0]], tolerated: [tags[1]] },
      { clipId: g2.id, taxonomyVersion: version, tags: [tags[2], tags[3]], tolerated: [] },
    ]);
    const good = await quickUser('contributor');
    const poor = await quickUser('contributor');
    const v = (
      clipId: string,
      userId: string,
      kind: 'vote' | 'targeted',
      extra: { tags?: string[]; questionTag?: string; answer?: boolean },
    ) => ({
      clipId,
      userId,
      kind,
      taxonomyVersion: version,
      tags: extra.tags ?? [],
      questionTag: extra.questionTag,
      answer: extra.answer,
      idempotencyKey: randomBytes(6).toString('hex'),
    });
    await t.handle.db.insert(votes).values([
      v(g1.id, good.id, 'vote', { tags: [tags[0]] }),
      v(g2.id, good.id, 'vote', { tags: [tags[3], tags[2]] }),
      v(g2.id, good.id, 'targeted', { questionTag: tags[4], answer: false }),
      v(g1.id, poor.id, 'vote', { tags: [tags[1]] }), // misses the required mood
      v(g2.id, poor.id, 'vote', { tags: [tags[2]] }), // misses one of two
      v(g1.id, poor.id, 'targeted', { questionTag: tags[1], answer: true }), // tolerated: not counted
      v(g2.id, poor.id, 'targeted', { questionTag: tags[2], answer: true }), // right
    ]);
    const rows = await goldAccuracyByContributor(t.handle.db, tags, 1000);
    // Per mood: g1 fixes every mood but the tolerated one (T − 1 checks), g2 all T, a question one.
    const checks = tags.length - 1 + tags.length + 1;
    expect(rows.find((r) => r.userId === good.id)).toMatchObject({
      answered: 3,
      correct: 3,
      accuracy: 1,
      tagChecks: checks,
      tagRight: checks,
    });
    // poor: misses the required mood on g1 and one of two on g2 (two wrong checks); the tolerated question is free.
    expect(rows.find((r) => r.userId === poor.id)).toMatchObject({
      answered: 3,
      correct: 1,
      tagChecks: checks,
      tagRight: checks - 2,
    });
    // Least accurate first.
    expect(rows.findIndex((r) => r.userId === poor.id)).toBeLessThan(rows.findIndex((r) => r.userId === good.id));
  });
});
