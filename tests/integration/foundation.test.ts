import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import path from 'node:path';
import { encode } from 'next-auth/jwt';
import { migrationVersion } from '@/db/client';
import { createTestDb, ensureTaxonomy, makeUser, type TestDb } from '../helpers/db';
import { ctx, request } from '../helpers/http';
import { GET as health } from '@/app/api/health/route';
import { GET as me } from '@/app/api/me/route';
import { GET as listTokens, POST as createToken } from '@/app/api/tokens/route';
import { DELETE as revokeToken } from '@/app/api/tokens/[id]/route';
import { POST as vote } from '@/app/api/votes/route';
import { GET as next } from '@/app/api/queue/next/route';
import { GET as exportJsonl } from '@/app/api/export/jsonl/route';
import { insertClip } from '@/lib/catalog/repo';
import { randomBytes } from 'node:crypto';
import { startJobEngine, stopJobEngine } from '@/lib/jobs/runtime';
import { drainVotes } from '@/lib/crowd/drain';

let t: TestDb;
beforeAll(async () => {
  t = await createTestDb();
  await ensureTaxonomy(t.handle.db);
});
afterAll(async () => t.close());

describe('migrations', () => {
  it('applies every migration in the journal', async () => {
    const journal = JSON.parse(fs.readFileSync(path.join('db', 'migrations', 'meta', '_journal.json'), 'utf8')) as { entries: { tag: string }[] };
    const version = await migrationVersion(t.handle);
    expect(version.applied).toBe(journal.entries.length);
    expect(version.latest).toBe(journal.entries.at(-1)!.tag);
    const tables = await t.handle.query<{ table_name: string }>(
      "select table_name from information_schema.tables where table_schema = 'public' order by 1",
    );
    const names = tables.map((r) => r.table_name);
    for (const table of ['users', 'api_tokens', 'taxonomy_versions', 'tags', 'clips', 'clip_features', 'votes', 'leases', 'gold_answers', 'aggregates', 'expert_decisions', 'models', 'predictions', 'clip_embeddings', 'dataset_snapshots', 'audit_log']) {
      expect(names).toContain(table);
    }
  });
});

describe('health', () => {
  it('reports the database mode, the migration version and the job engine state', async () => {
    const res = await health(request('GET', '/api/health'), ctx({}));
    expect(res.status).toBe(200);
    const body = (await res.json()) as { database: { mode: string; migrations: { applied: number } }; jobs: { state: string } };
    expect(body.database.mode).toBe(process.env.CHORUS_TEST_DB === 'postgres' ? 'postgres' : 'embedded');
    const journal = JSON.parse(fs.readFileSync(path.join('db', 'migrations', 'meta', '_journal.json'), 'utf8')) as { entries: unknown[] };
    expect(body.database.migrations.applied).toBe(journal.entries.length);
    // No engine in this process yet; once one starts, health says so.
    expect(body.jobs.state).toBe('stopped');
    await startJobEngine(t.handle, []);
    try {
      const running = (await (await health(request('GET', '/api/health'), ctx({}))).json()) as { jobs: { state: string } };
      expect(running.jobs.state).toBe('running');
    } finally {
      await stopJobEngine();
    }
  });
});

describe('authentication', () => {
  it('accepts a next-auth session cookie signed with the secret and rejects a forged one', async () => {
    const { user } = await makeUser(t.handle, 'expert');
    const good = await encode({ token: { sub: user.id }, secret: process.env.NEXTAUTH_SECRET! });
    const forged = await encode({ token: { sub: user.id }, secret: 'another-secret-entirely-000000' });
    const ok = await me(request('GET', '/api/me', { headers: { cookie: `next-auth.session-token=${good}` } }), ctx({}));
    expect(ok.status).toBe(200);
    expect(((await ok.json()) as { role: string }).role).toBe('expert');
    const bad = await me(request('GET', '/api/me', { headers: { cookie: `next-auth.session-token=${forged}` } }), ctx({}));
    expect(bad.status).toBe(401);
  });

  it('an engineer creates a token that works, and stops working once revoked', async () => {
    const { token } = await makeUser(t.handle, 'engineer');
    const created = await createToken(request('POST', '/api/tokens', { token, body: { name: 'pipeline' } }), ctx({}));
    expect(created.status).toBe(201);
    const { token: fresh, view } = (await created.json()) as { token: string; view: { id: string; prefix: string } };
    expect(fresh.startsWith(view.prefix)).toBe(true);
    const listed = (await (await listTokens(request('GET', '/api/tokens', { token: fresh }), ctx({}))).json()) as {
      tokens: { id: string }[];
    };
    expect(listed.tokens.map((x) => x.id)).toContain(view.id);
    const stored = await t.handle.query<{ token_hash: string }>('select token_hash from api_tokens where id = $1', [view.id]);
    expect(stored[0].token_hash).not.toContain(fresh.slice(7));
    expect((await revokeToken(request('DELETE', `/api/tokens/${view.id}`, { token }), ctx({ id: view.id }))).status).toBe(200);
    expect((await me(request('GET', '/api/me', { token: fresh }), ctx({}))).status).toBe(401);
  });

  it('a contributor gets 403 from an engineer route', async () => {
    const { token } = await makeUser(t.handle, 'contributor');
    const res = await exportJsonl(request('GET', '/api/export/jsonl', { token }), ctx({}));
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('FORBIDDEN');
  });
});

describe('vote API', () => {
  it('answers malformed input with a 400 JSON error and a bad tag with 422', async () => {
    await insertClip(t.handle.db, { sha256: randomBytes(32).toString('hex'), title: 'api clip', status: 'ready', priority: 100 });
    const { token } = await makeUser(t.handle, 'contributor');
    const notJson = await vote(request('POST', '/api/votes', { token, body: 'not json{' }), ctx({}));
    expect(notJson.status).toBe(400);
    const missing = await vote(request('POST', '/api/votes', { token, body: { kind: 'vote' } }), ctx({}));
    expect(missing.status).toBe(400);
    expect(((await missing.json()) as { error: { message: string } }).error.message).toMatch(/leaseId/);
    const item = (await (await next(request('GET', '/api/queue/next', { token }), ctx({}))).json()) as { lease: { id: string } };
    const unknown = await vote(
      request('POST', '/api/votes', { token, body: { kind: 'vote', leaseId: item.lease.id, tags: ['groovy'], idempotencyKey: 'abcdefgh-1' } }),
      ctx({}),
    );
    expect(unknown.status).toBe(422);
    const ok = await vote(
      request('POST', '/api/votes', { token, body: { kind: 'vote', leaseId: item.lease.id, tags: ['calm'], idempotencyKey: 'abcdefgh-2' } }),
      ctx({}),
    );
    expect(ok.status).toBe(201);
    const replay = await vote(
      request('POST', '/api/votes', { token, body: { kind: 'vote', leaseId: item.lease.id, tags: ['calm'], idempotencyKey: 'abcdefgh-2' } }),
      ctx({}),
    );
    expect(replay.status).toBe(200);
    expect(((await replay.json()) as { replayed: boolean }).replayed).toBe(true);
  });

  it('the JSONL export holds the votes with their majority labels', async () => {
    // Its own clip and vote (not the previous test's), placed at the head of the queue.
    const clip0 = await insertClip(t.handle.db, { sha256: randomBytes(32).toString('hex'), title: 'export clip', status: 'ready', priority: 1_000_000 });
    const voter = await makeUser(t.handle, 'contributor');
    const item = (await (await next(request('GET', '/api/queue/next', { token: voter.token }), ctx({}))).json()) as { lease: { id: string }; clip: { id: string } };
    expect(item.clip.id).toBe(clip0.id);
    const cast = await vote(
      request('POST', '/api/votes', { token: voter.token, body: { kind: 'vote', leaseId: item.lease.id, tags: ['calm'], idempotencyKey: 'export-vote-1' } }),
      ctx({}),
    );
    expect(cast.status).toBe(201);
    // The labels come from the batched aggregator, which the worker runs about a second later.
    await drainVotes(t.handle.db);
    const { token } = await makeUser(t.handle, 'engineer');
    const res = await exportJsonl(request('GET', '/api/export/jsonl', { token }), ctx({}));
    const lines = (await res.text()).trim().split('\n').map((l) => JSON.parse(l) as { title: string; vote_count: number; labels: string[]; votes: string[][]; majority: string[] });
    const clip = lines.find((l) => l.title === 'export clip')!;
    expect(clip.vote_count).toBe(1);
    expect(clip.labels).toEqual(['calm']);
    expect(clip.votes).toEqual([['calm']]);
    expect(clip.majority).toEqual(['calm']);
  });
});
