import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { eq, isNotNull, sql } from 'drizzle-orm';
import { clips, crowdFits, goldAnswers, leases, users, votes } from '@/db/schema';
import { execRows } from '@/db/client';
import { insertClip } from '@/lib/catalog/repo';
import { forgetCurrentFit } from '@/lib/crowd/model-store';
import { submitVote } from '@/lib/queue/service';
import * as qualityRoute from '@/app/api/me/quality/route';
import * as reliabilityRoute from '@/app/api/crowd/reliability/route';
import * as agreementRoute from '@/app/api/crowd/agreement/route';
import * as statesRoute from '@/app/api/crowd/states/route';
import * as aggregateRoute from '@/app/api/crowd/aggregate/route';
import { createTestDb, ensureTaxonomy, makeUser, type TestDb } from '../helpers/db';
import { request } from '../helpers/http';
import { runCli } from '../helpers/cli';

let t: TestDb;
let dir: string;
const tokens: Record<string, string> = {};
let contributorId: string;

beforeAll(async () => {
  t = await createTestDb();
  await ensureTaxonomy(t.handle.db);
  for (const role of ['contributor', 'engineer'] as const) {
    const { user, token } = await makeUser(t.handle, role);
    tokens[role] = token;
    if (role === 'contributor') contributorId = user.id;
  }
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'chorus-crowd-'));
  forgetCurrentFit();
});
afterAll(async () => {
  fs.rmSync(dir, { recursive: true, force: true });
  await t.close();
});

async function newClips(n: number) {
  const out = [];
  for (let i = 0; i < n; i++) {
    out.push(
      await insertClip(t.handle.db, { sha256: randomBytes(32).toString('hex'), title: `c${i}`, status: 'ready', durationS: 30 }),
    );
  }
  return out;
}

async function answer(userId: string, clipId: string, tags: string[], isGold = false) {
  const [lease] = await t.handle.db
    .insert(leases)
    .values({ clipId, userId, queue: 'crowd', isGold, expiresAt: new Date(Date.now() + 300_000) })
    .returning();
  await submitVote(t.handle.db, userId, {
    kind: 'vote',
    leaseId: lease.id,
    tags,
    idempotencyKey: `k-${lease.id}`,
    listenedMs: 20_000,
  });
}

/** Moves this contributor's answers past the undo window (their figures count only settled answers). */
async function settle(userId: string) {
  await execRows(t.handle.db, sql`update votes set created_at = created_at - interval '11 seconds' where user_id = ${userId}`);
}

async function quality(token: string) {
  const res = await qualityRoute.GET(request('GET', '/api/me/quality', { token }));
  expect(res.status).toBe(200);
  return { body: (await res.json()) as Record<string, unknown> };
}

describe('GET /api/me/quality', () => {
  it('counts gold accuracy and the streak in blocks of 10 answers, and names no clip', async () => {
    const gold = await newClips(3);
    const plain = await newClips(7);
    await t.handle.db.insert(goldAnswers).values([
      { clipId: gold[0].id, taxonomyVersion: 1, tags: ['happy'], tolerated: ['uplifting'] },
      { clipId: gold[1].id, taxonomyVersion: 1, tags: ['sad'] },
      { clipId: gold[2].id, taxonomyVersion: 1, tags: ['calm'] },
    ]);
    // Someone else's gold answers never count for this contributor.
    const other = await makeUser(t.handle, 'contributor');
    await answer(other.user.id, gold[0].id, ['dark'], true);

    await answer(contributorId, gold[0].id, ['happy', 'uplifting'], true); // right (uplifting tolerated)
    await answer(contributorId, gold[1].id, ['sad', 'dark'], true); // wrong: dark must not be ticked
    for (const c of plain.slice(0, 6)) await answer(contributorId, c.id, ['energetic']);
    await answer(contributorId, gold[2].id, ['calm'], true); // right
    await settle(contributorId);

    const early = (await quality(tokens.contributor)).body;
    // Nine answers: nothing is revealed yet, so no single answer can be told apart as gold.
    expect(early).toEqual({
      goldAnswered: 0,
      goldCorrect: 0,
      tagChecks: 0,
      tagChecksRight: 0,
      accuracy: null,
      streak: 0,
      votes: 9,
      countedVotes: 0,
      nextUpdateIn: 1,
      medianAnswerS: 20,
    });

    await answer(contributorId, plain[6].id, ['energetic']);
    // The tenth answer can still be undone: it moves nothing until its undo window has passed
    // (else answer → look → undo would tell whether the block's last clip was gold).
    expect((await quality(tokens.contributor)).body).toMatchObject({ votes: 9, countedVotes: 0, goldAnswered: 0 });
    await settle(contributorId);
    const res = await qualityRoute.GET(request('GET', '/api/me/quality', { token: tokens.contributor }));
    const text = await res.text();
    const body = JSON.parse(text);
    expect(body).toEqual({
      goldAnswered: 3,
      goldCorrect: 2,
      // Per tag: 7 checks on gold 0 (uplifting tolerated), 8 each on golds 1 and 2; one wrong (dark).
      tagChecks: 23,
      tagChecksRight: 22,
      accuracy: 22 / 23,
      streak: 1,
      votes: 10,
      countedVotes: 10,
      nextUpdateIn: 10,
      medianAnswerS: 20,
    });
    for (const c of [...gold, ...plain]) {
      expect(text).not.toContain(c.id);
      expect(text).not.toContain(c.sha256);
    }
    for (const leak of ['happy', 'sad', 'calm', 'tags', 'clip', 'isGold']) expect(text).not.toContain(leak);
  });

  it('needs a signed-in caller', async () => {
    expect((await qualityRoute.GET(request('GET', '/api/me/quality'))).status).toBe(401);
  });
});

describe('engineer crowd routes', () => {
  it('contributors get 403; engineers get reliability with names, agreement over time, states, and can run EM', async () => {
    for (const [handler, method, url] of [
      [reliabilityRoute.GET, 'GET', '/api/crowd/reliability'],
      [agreementRoute.GET, 'GET', '/api/crowd/agreement'],
      [statesRoute.GET, 'GET', '/api/crowd/states'],
      [aggregateRoute.POST, 'POST', '/api/crowd/aggregate'],
    ] as const) {
      const res = await handler(request(method, url, { token: tokens.contributor }));
      expect(res.status, url).toBe(403);
    }
    const run = await aggregateRoute.POST(request('POST', '/api/crowd/aggregate', { token: tokens.engineer }));
    expect(run.status).toBe(202);
    const ran = (await run.json()) as { jobId: string | null; result: { votes: number } };
    // No job engine in this process: the run happened inline.
    expect(ran.jobId).toBeNull();
    expect(ran.result.votes).toBeGreaterThan(0);
    expect(
      (await aggregateRoute.POST(request('POST', '/api/crowd/aggregate', { token: tokens.engineer, body: 'nope{' }))).status,
    ).toBe(400);

    const rel = (await (
      await reliabilityRoute.GET(request('GET', '/api/crowd/reliability?sort=votes', { token: tokens.engineer }))
    ).json()) as {
      total: number;
      workers: {
        userId: string;
        name: string | null;
        votes: number;
        goldTotal: number;
        reliability: number;
        uncertainty: number;
      }[];
    };
    expect(rel.total).toBeGreaterThanOrEqual(2);
    const me = rel.workers.find((w) => w.userId === contributorId)!;
    expect(me.name).toContain('contributor');
    expect(me.votes).toBe(10);
    // Gold is scored per tag: 7 + 8 + 8 tag checks on the three gold answers.
    expect(me.goldTotal).toBe(23);
    expect(me.uncertainty).toBeGreaterThan(0);

    const agreement = (await (
      await agreementRoute.GET(request('GET', '/api/crowd/agreement?scope=overall', { token: tokens.engineer }))
    ).json()) as {
      points: { scope: string; computedAt: string }[];
    };
    expect(agreement.points).toHaveLength(1);
    expect(agreement.points[0].scope).toBe('overall');

    const states = (await (await statesRoute.GET(request('GET', '/api/crowd/states', { token: tokens.engineer }))).json()) as {
      states: Record<string, number>;
      total: number;
      lastFit: { votes: number } | null;
      votesSinceFit: number;
    };
    expect(Object.keys(states.states).sort()).toEqual(['consensus', 'disputed', 'expert_resolved', 'open']);
    expect(states.total).toBe(Object.values(states.states).reduce((a, b) => a + b, 0));
    expect(states.lastFit?.votes).toBeGreaterThan(0);
    expect(states.votesSinceFit).toBe(0);

    expect(
      (await reliabilityRoute.GET(request('GET', '/api/crowd/reliability?limit=0', { token: tokens.engineer }))).status,
    ).toBe(400);
  });
});

describe('chorus import-votes', () => {
  it('imports valid rows, rejects malformed rows, unknown tags and clips by line, and a re-import adds nothing', async () => {
    const [a, b, c] = await newClips(3);
    const csv = [
      'item,worker,label',
      `${a.id},w1,happy|calm`, // 2
      `${a.sha256},w2,happy`, // 3: by sha256
      `${b.id},w1,sad`, // 4
      `${b.id},w2`, // 5: malformed
      `${b.id},w3,groovy`, // 6: unknown tag
      `00000000-0000-4000-8000-00000000abcd,w3,sad`, // 7: unknown clip
      `not-a-clip,w3,sad`, // 8: neither id nor sha256
      `${c.id},w3,"dark|tense"`, // 9
      `${c.id},w3,tense|dark`, // 10: the same answer again: a duplicate
      `${c.id},w3,calm`, // 11: a second, different answer from w3
      `${c.id},"",calm`, // 12: empty worker
    ].join('\n');
    const file = path.join(dir, 'platform-x.csv');
    fs.writeFileSync(file, csv);
    const first = await runCli(['import-votes', file]);
    expect(first.code).toBe(1);
    const summary = JSON.parse(first.stdout) as {
      rows: number;
      imported: number;
      duplicates: number;
      workersCreated: number;
      rejected: { line: number; error: string }[];
      aggregation: { votes: number } | undefined;
    };
    expect(summary.rows).toBe(11);
    expect(summary.imported).toBe(4);
    expect(summary.duplicates).toBe(1);
    expect(summary.workersCreated).toBe(3);
    expect(summary.rejected.map((r) => r.line)).toEqual([5, 6, 7, 8, 11, 12]);
    expect(summary.rejected.find((r) => r.line === 6)!.error).toContain('groovy');
    expect(summary.rejected.find((r) => r.line === 7)!.error).toContain('no clip');
    expect(summary.aggregation?.votes).toBeGreaterThanOrEqual(4);

    const imported = await t.handle.db.select().from(votes).where(isNotNull(votes.externalWorker));
    expect(imported).toHaveLength(4);
    expect(imported.find((v) => v.clipId === c.id)!.tags).toEqual(['dark', 'tense']);
    const placeholders = await t.handle.db
      .select()
      .from(users)
      .where(
        sql`${users.id} in (${sql.join(
          imported.map((v) => sql`${v.userId}::uuid`),
          sql`, `,
        )})`,
      );
    expect(placeholders).toHaveLength(3);
    expect(placeholders.every((u) => u.status === 'disabled' && u.role === 'contributor' && u.passwordHash === null)).toBe(true);
    expect((await t.handle.db.select().from(clips).where(eq(clips.id, a.id)))[0].voteCount).toBe(2);
    const fits = await t.handle.db.select().from(crowdFits).where(eq(crowdFits.trigger, 'import'));
    expect(fits).toHaveLength(1);

    const again = await runCli(['import-votes', file]);
    const second = JSON.parse(again.stdout) as typeof summary;
    expect(second.imported).toBe(0);
    expect(second.duplicates).toBe(5);
    expect(second.workersCreated).toBe(0);
    expect(second.rejected.map((r) => r.line)).toEqual([5, 6, 7, 8, 11, 12]);
    expect(await t.handle.db.select().from(votes).where(isNotNull(votes.externalWorker))).toHaveLength(4);
    expect((await t.handle.db.select().from(clips).where(eq(clips.id, a.id)))[0].voteCount).toBe(2);
  });

  it('imports a (none) label as the none-of-these answer (a vote with no mood), and refuses (none) next to a mood', async () => {
    const [a, b] = await newClips(2);
    const csv = [
      'item,worker,label',
      `${a.id},n1,(none)`, // 2: none of these moods fit
      `${a.id},n2,happy`, // 3
      `${b.id},n1,(NONE)`, // 4: any case
      `${b.id},n2,(none)|happy`, // 5: none together with a mood
      `${b.id},n3,""`, // 6: an empty label is not "none"
    ].join('\n');
    const file = path.join(dir, 'none.csv');
    fs.writeFileSync(file, csv);
    const res = await runCli(['import-votes', file, '--source', 'none-platform', '--no-aggregate']);
    const summary = JSON.parse(res.stdout) as { imported: number; rejected: { line: number; error: string }[] };
    expect(summary.imported).toBe(3);
    expect(summary.rejected.map((r) => r.line)).toEqual([5, 6]);
    expect(summary.rejected[0].error).toContain('(none)');
    const stored = await t.handle.db.select().from(votes).where(eq(votes.externalWorker, 'n1'));
    expect(stored.map((v) => [v.clipId, v.kind, v.tags]).sort()).toEqual(
      [
        [a.id, 'vote', []],
        [b.id, 'vote', []],
      ].sort(),
    );
    expect((await t.handle.db.select().from(clips).where(eq(clips.id, a.id)))[0].voteCount).toBe(2);
    // Idempotent like any other row.
    const again = JSON.parse((await runCli(['import-votes', file, '--source', 'none-platform', '--no-aggregate'])).stdout);
    expect(again.imported).toBe(0);
  });

  it('refuses a file without the item,worker,label header, and a missing file is a usage error', async () => {
    const file = path.join(dir, 'bad.csv');
    fs.writeFileSync(file, 'clip,annotator,answer\nx,y,z\n');
    const res = await runCli(['import-votes', file]);
    expect(res.code).toBe(1);
    expect(JSON.parse(res.stdout).rejected[0]).toMatchObject({ line: 1 });
    expect((await runCli(['import-votes', path.join(dir, 'missing.csv')])).code).toBe(2);
  });
});
