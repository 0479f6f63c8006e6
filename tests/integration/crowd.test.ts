import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { and, eq, sql } from 'drizzle-orm';
import {
  aggregates,
  agreementStats,
  auditLog,
  clips,
  crowdFits,
  goldAnswers,
  leases,
  users,
  workerReliability,
} from '@/db/schema';
import { execRows } from '@/db/client';
import { runFullAggregation } from '@/lib/crowd/full-aggregation';
import { drainVotes } from '@/lib/crowd/drain';
import { forgetCurrentFit } from '@/lib/crowd/model-store';
import { insertFit } from '@/lib/crowd/repo';
import { nextClipFor, submitVote } from '@/lib/queue/service';
import { changeProjectSettings } from '@/lib/settings/service';
import { getActiveTaxonomy } from '@/lib/taxonomy/repo';
import { createRng } from '@/lib/util/random';
import { clearClips, createTestDb, ensureTaxonomy, insertReadyClips, type TestDb } from '../helpers/db';

let t: TestDb;
let TAGS: string[];

beforeAll(async () => {
  t = await createTestDb();
  await ensureTaxonomy(t.handle.db);
  TAGS = (await getActiveTaxonomy(t.handle.db)).tags.map((x) => x.key);
});
afterAll(async () => t.close());

async function reset(n: number): Promise<string[]> {
  await clearClips(t.handle, ['worker_reliability', 'crowd_fits', 'agreement_stats']);
  forgetCurrentFit();
  return insertReadyClips(t.handle.db, n, { durationS: 30 });
}

/** A contributor without a password (argon2 is slow and these never sign in). */
async function contributor(name = `c-${randomBytes(4).toString('hex')}`): Promise<string> {
  const [row] = await t.handle.db
    .insert(users)
    .values({ email: `${name}@test.local`, name, role: 'contributor' })
    .returning();
  return row.id;
}

/** Leases a given clip for a user and votes through the real vote path; the aggregator has not run yet. */
async function castVote(userId: string, clipId: string, tags: string[], listenedMs = 20_000) {
  const [lease] = await t.handle.db
    .insert(leases)
    .values({ clipId, userId, queue: 'crowd', expiresAt: new Date(Date.now() + 300_000) })
    .returning();
  await t.handle.db
    .update(clips)
    .set({ assigned: sql`${clips.assigned} + 1` })
    .where(eq(clips.id, clipId));
  return submitVote(t.handle.db, userId, { kind: 'vote', leaseId: lease.id, tags, idempotencyKey: `k-${lease.id}`, listenedMs });
}

/** {@link castVote}, then a drain of the batched aggregator, as the worker runs it a second later. */
async function voteOn(userId: string, clipId: string, tags: string[], listenedMs = 20_000) {
  const result = await castVote(userId, clipId, tags, listenedMs);
  await drainVotes(t.handle.db);
  return result;
}

async function posteriorsOf(clipId: string): Promise<Record<string, number>> {
  const rows = await t.handle.db.select().from(aggregates).where(eq(aggregates.clipId, clipId));
  return Object.fromEntries(rows.map((r) => [r.tag, r.posterior]));
}

async function clipRow(clipId: string) {
  const [row] = await t.handle.db.select().from(clips).where(eq(clips.id, clipId));
  return row;
}

/** A stored fit and per-worker rates, as if a full EM run had learned them. */
async function plantModel(workers: { id: string; rate: number }[], prevalence = 0.3) {
  await insertFit(t.handle.db, {
    votesUntil: new Date(),
    taxonomyVersion: (await getActiveTaxonomy(t.handle.db)).version,
    tags: TAGS,
    prevalence: TAGS.map(() => prevalence),
    votes: 0,
    clips: 0,
    workers: workers.length,
    iterations: 1,
    converged: true,
    durationMs: 0,
  });
  for (const w of workers) {
    await t.handle.db.insert(workerReliability).values({
      userId: w.id,
      sensitivity: w.rate,
      specificity: w.rate,
      reliability: w.rate,
      uncertainty: 0.02,
      sensitivityByTag: TAGS.map(() => w.rate),
      specificityByTag: TAGS.map(() => w.rate),
    });
  }
  forgetCurrentFit();
}

const never = () => 1;

describe('incremental update at the drain after each vote', () => {
  beforeEach(async () => {
    await changeProjectSettings(t.handle.db, { overlap: 3, minVotes: 3, maxVotes: 7, consensusThreshold: 0.9 });
  });

  it('moves the clip posterior at once, and a reliable worker moves it more than an unreliable one', async () => {
    const [a, b] = await reset(2);
    const reliable = await contributor();
    const unreliable = await contributor();
    await plantModel([
      { id: reliable, rate: 0.95 },
      { id: unreliable, rate: 0.6 },
    ]);
    await voteOn(reliable, a, ['happy']);
    await voteOn(unreliable, b, ['happy']);
    const pa = await posteriorsOf(a);
    const pb = await posteriorsOf(b);
    // prior 0.3; both said "happy, nothing else"
    expect(pa.happy).toBeGreaterThan(pb.happy);
    expect(pb.happy).toBeGreaterThan(0.3);
    expect(pa.sad).toBeLessThan(pb.sad);
    expect(pb.sad).toBeLessThan(0.3);
    const [row] = await t.handle.db
      .select()
      .from(aggregates)
      .where(and(eq(aggregates.clipId, a), eq(aggregates.tag, 'happy')));
    expect(row).toMatchObject({ method: 'br-incremental', label: true, yesVotes: 1, noVotes: 0 });
    // 0.3/0.7 · 0.95/0.05 = 8.14 → 0.891
    expect(pa.happy).toBeCloseTo(0.8906, 3);
  });

  it('a clip that reaches consensus early leaves the queue before its overlap is used up', async () => {
    const [clipId] = await reset(1);
    await t.handle.db.update(clips).set({ overlapTarget: 5 }).where(eq(clips.id, clipId));
    const voters = [await contributor(), await contributor(), await contributor()];
    await plantModel(voters.map((id) => ({ id, rate: 0.95 })));
    for (const v of voters) await voteOn(v, clipId, ['calm']);
    const row = await clipRow(clipId);
    expect(row.labelState).toBe('consensus');
    expect(row.stateChangedAt).not.toBeNull();
    expect(row.assigned).toBeLessThan(row.overlapTarget);
    const p = await posteriorsOf(clipId);
    expect(p.calm).toBeGreaterThan(0.9);
    expect(p.sad).toBeLessThan(0.1);
    expect(await nextClipFor(t.handle.db, await contributor(), [], never)).toBeNull();
  });

  it('still uncertain after `overlap` votes: the overlap target is raised and the queue hands the clip out again', async () => {
    const [clipId] = await reset(1);
    const voters = [await contributor(), await contributor(), await contributor()];
    // No EM run yet: cold-start prior 0.5 and prior-mean rates; a 2–1 split settles nothing.
    await voteOn(voters[0], clipId, ['happy']);
    await voteOn(voters[1], clipId, ['happy']);
    await voteOn(voters[2], clipId, ['sad']);
    const row = await clipRow(clipId);
    expect(row.labelState).toBe('open');
    expect(row.overlapTarget).toBeGreaterThan(3);
    expect(row.overlapTarget).toBeLessThanOrEqual(7);
    const fourth = await contributor();
    const item = await nextClipFor(t.handle.db, fourth, [], never);
    expect(item?.clip.id).toBe(clipId);
  });

  it('disagreement up to maxVotes makes the clip disputed (and it leaves the crowd queue)', async () => {
    await changeProjectSettings(t.handle.db, { maxVotes: 4 });
    const [clipId] = await reset(1);
    const voters = await Promise.all([1, 2, 3, 4].map(() => contributor()));
    const answers = [['happy'], ['sad'], ['happy'], ['sad']];
    for (let i = 0; i < 4; i++) {
      await voteOn(voters[i], clipId, answers[i]);
      if (i < 3) expect((await clipRow(clipId)).labelState).toBe('open');
    }
    const row = await clipRow(clipId);
    expect(row.labelState).toBe('disputed');
    expect(row.overlapTarget).toBeLessThanOrEqual(4);
    expect(await nextClipFor(t.handle.db, await contributor(), [], never)).toBeNull();
  });

  it('a targeted yes/no answer moves only its tag', async () => {
    const [clipId] = await reset(1);
    const first = await contributor();
    await voteOn(first, clipId, ['calm', 'dreamy']);
    const before = await posteriorsOf(clipId);
    const asked = await contributor();
    const [lease] = await t.handle.db
      .insert(leases)
      .values({ clipId, userId: asked, queue: 'crowd', questionTag: 'calm', expiresAt: new Date(Date.now() + 300_000) })
      .returning();
    await submitVote(t.handle.db, asked, { kind: 'targeted', leaseId: lease.id, answer: false, idempotencyKey: `q-${lease.id}` });
    await drainVotes(t.handle.db);
    const after = await posteriorsOf(clipId);
    expect(after.calm).toBeLessThan(before.calm);
    expect(after.dreamy).toBeCloseTo(before.dreamy, 6);
    const [calm] = await t.handle.db
      .select()
      .from(aggregates)
      .where(and(eq(aggregates.clipId, clipId), eq(aggregates.tag, 'calm')));
    expect(calm).toMatchObject({ yesVotes: 1, noVotes: 1 });
  });

  it('a gold clip is clamped to its answer; an expert-resolved clip is never changed by crowd votes', async () => {
    const [goldClip, resolved] = await reset(2);
    await t.handle.db
      .insert(goldAnswers)
      .values({ clipId: goldClip, taxonomyVersion: 1, tags: ['happy'], tolerated: ['uplifting'] });
    await voteOn(await contributor(), goldClip, ['sad']);
    const g = await posteriorsOf(goldClip);
    expect(g.happy).toBe(1);
    expect(g.sad).toBe(0);
    expect(g.uplifting).toBeGreaterThan(0);
    expect(g.uplifting).toBeLessThan(1);

    await t.handle.db.update(clips).set({ labelState: 'expert_resolved' }).where(eq(clips.id, resolved));
    await t.handle.db.insert(aggregates).values(
      TAGS.map((tag) => ({
        clipId: resolved,
        tag,
        posterior: tag === 'dark' ? 1 : 0,
        label: tag === 'dark',
        confidence: 1,
        method: 'expert',
      })),
    );
    await voteOn(await contributor(), resolved, ['happy']);
    const r = await posteriorsOf(resolved);
    expect(r.dark).toBe(1);
    expect(r.happy).toBe(0);
    expect((await clipRow(resolved)).labelState).toBe('expert_resolved');
  });
});

describe('full EM job', () => {
  it('on a planted-truth catalogue beats majority vote and pauses the spammers, with an audit row each', async () => {
    await changeProjectSettings(t.handle.db, { overlap: 5, minVotes: 3, maxVotes: 7, consensusThreshold: 0.9 });
    const clipIds = await reset(200);
    const rng = createRng(2024);
    const T = TAGS.length;
    const truth = clipIds.map(() => {
      const k = 1 + Math.floor(rng() * 2);
      const set = new Set<string>();
      while (set.size < k) set.add(TAGS[Math.floor(rng() * T)]);
      return set;
    });
    type Kind = 'good' | 'mediocre' | 'random' | 'constant' | 'rushed';
    const kinds: Kind[] = [...Array(6).fill('good'), ...Array(6).fill('mediocre'), 'random', 'constant', 'rushed'];
    const workers: { id: string; kind: Kind; se: number; sp: number }[] = [];
    for (const [w, kind] of kinds.entries()) {
      const id = await contributor(`sim-${kind}-${w}-${randomBytes(2).toString('hex')}`);
      const se = kind === 'good' ? 0.9 : kind === 'mediocre' ? 0.65 : 0;
      const sp = kind === 'good' ? 0.95 : kind === 'mediocre' ? 0.85 : 0;
      workers.push({ id, kind, se, sp });
    }
    const rows: { clip_id: string; user_id: string; tags: string[]; listened_ms: number; key: string }[] = [];
    const votesByClip: string[][][] = clipIds.map(() => []);
    clipIds.forEach((clipId, i) => {
      const chosen = new Set<number>();
      while (chosen.size < 5) chosen.add(Math.floor(rng() * workers.length));
      for (const w of chosen) {
        const worker = workers[w];
        let tags: string[];
        if (worker.kind === 'constant') tags = ['happy'];
        else if (worker.kind === 'random' || worker.kind === 'rushed') tags = TAGS.filter(() => rng() < 0.3);
        else tags = TAGS.filter((tag) => (truth[i].has(tag) ? rng() < worker.se : rng() > worker.sp));
        if (tags.length === 0) tags = [TAGS[Math.floor(rng() * T)]];
        votesByClip[i].push(tags);
        rows.push({
          clip_id: clipId,
          user_id: worker.id,
          tags,
          listened_ms: worker.kind === 'rushed' ? 900 : 20_000,
          key: `sim-${i}-${w}`,
        });
      }
    });
    // Gold: 20 clips with their planted answer.
    for (let i = 0; i < 20; i++) {
      await t.handle.db.insert(goldAnswers).values({ clipId: clipIds[i], taxonomyVersion: 1, tags: [...truth[i]] });
    }
    const version = (await getActiveTaxonomy(t.handle.db)).version;
    await execRows(
      t.handle.db,
      sql`insert into votes (clip_id, user_id, kind, taxonomy_version, tags, listened_ms, idempotency_key)
          select x.clip_id, x.user_id, 'vote', ${version}, x.tags, x.listened_ms, x.key
          from jsonb_to_recordset(${JSON.stringify(rows)}::jsonb) as x(clip_id uuid, user_id uuid, tags text[], listened_ms int, key text)`,
    );
    await execRows(t.handle.db, sql`update clips c set vote_count = 5, assigned = 5`);

    const progress: number[] = [];
    const result = await runFullAggregation(t.handle.db, {
      trigger: 'manual',
      force: true,
      onProgress: (f) => void progress.push(f),
    });
    expect(result.votes).toBe(1000);
    expect(result.clips).toBe(200);
    expect(result.clipsWritten).toBe(200);
    expect(progress.at(-1)).toBe(1);

    // Accuracy per (clip, tag) on the non-gold clips, against majority vote.
    const stored = await t.handle.db.select().from(aggregates);
    const label = new Map(stored.map((a) => [`${a.clipId}|${a.tag}`, a]));
    let emErrors = 0;
    let mvErrors = 0;
    for (let i = 20; i < 200; i++) {
      for (const tag of TAGS) {
        const truthValue = truth[i].has(tag);
        const agg = label.get(`${clipIds[i]}|${tag}`)!;
        expect(agg.method).toBe('br-em');
        if (agg.label !== truthValue) emErrors++;
        const yes = votesByClip[i].filter((v) => v.includes(tag)).length;
        if (yes * 2 > votesByClip[i].length !== truthValue) mvErrors++;
      }
    }
    // Seed 2024: 41 vs 70 wrong (clip, tag) cells of 1440.
    expect(emErrors).toBeLessThan(mvErrors * 0.8);

    // Spammers paused, honest contributors not; one audit row per pause.
    const accounts = await t.handle.db.select().from(users);
    const status = new Map(accounts.map((u) => [u.id, u.status]));
    for (const w of workers) {
      const spam = w.kind === 'random' || w.kind === 'constant' || w.kind === 'rushed';
      expect(status.get(w.id), `${w.kind} worker`).toBe(spam ? 'paused' : 'active');
    }
    expect(result.paused.sort()).toEqual(
      workers
        .filter((w) => ['random', 'constant', 'rushed'].includes(w.kind))
        .map((w) => w.id)
        .sort(),
    );
    const audits = await t.handle.db.select().from(auditLog).where(eq(auditLog.action, 'crowd.pause'));
    expect(audits.map((a) => a.entityId).sort()).toEqual([...result.paused].sort());
    expect(audits.every((a) => a.actorId === null && (a.after as { status: string }).status === 'paused')).toBe(true);

    const reliability = new Map((await t.handle.db.select().from(workerReliability)).map((r) => [r.userId, r]));
    const constant = reliability.get(workers.find((w) => w.kind === 'constant')!.id)!;
    expect(constant.flags).toContain('same_answer');
    expect(constant.weight).toBeLessThan(0.5);
    expect(reliability.get(workers.find((w) => w.kind === 'rushed')!.id)!.flags).toContain('too_fast');
    const good = reliability.get(workers[0].id)!;
    expect(good.reliability).toBeGreaterThan(0.8);
    expect(good.weight).toBe(1);
    expect(good.sensitivityByTag).toHaveLength(T);
    // Gold stats by hand: each of its votes on the 20 gold clips checks every tag of the taxonomy.
    const goodGoldVotes = rows.filter((r) => r.user_id === workers[0].id && clipIds.indexOf(r.clip_id) < 20);
    expect(goodGoldVotes.length).toBeGreaterThan(0);
    expect(good.goldTotal).toBe(goodGoldVotes.length * T);
    expect(good.goldCorrect).toBe(
      goodGoldVotes.reduce(
        (right, r) => right + TAGS.filter((tag) => r.tags.includes(tag) === truth[clipIds.indexOf(r.clip_id)].has(tag)).length,
        0,
      ),
    );

    // Agreement per tag + overall for this run; the run itself is the incremental prior.
    const stats = await t.handle.db.select().from(agreementStats);
    expect(stats.filter((s) => s.scope === 'tag')).toHaveLength(T);
    expect(stats.filter((s) => s.scope === 'overall')).toHaveLength(1);
    const [fit] = await t.handle.db.select().from(crowdFits);
    expect(fit).toMatchObject({ votes: 1000, clips: 200, trigger: 'manual', paused: 3 });
    expect(fit.prevalence).toHaveLength(T);
    expect(result.states.consensus).toBeGreaterThan(0);

    // An admin reactivates a paused contributor: the next run does not pause them again for the same history.
    const reviewed = result.paused[0];
    await t.handle.db.update(users).set({ status: 'active' }).where(eq(users.id, reviewed));
    const again = await runFullAggregation(t.handle.db, { trigger: 'manual', force: true });
    expect(again.paused).not.toContain(reviewed);
    expect((await t.handle.db.select().from(users).where(eq(users.id, reviewed)))[0].status).toBe('active');
    // A scheduled run with no new votes does nothing: it says why and records no fit.
    const fitsBefore = (await t.handle.db.select().from(crowdFits)).length;
    const idle = await runFullAggregation(t.handle.db, { trigger: 'schedule' });
    expect(idle).toMatchObject({ skipped: 'no new votes since the last run', votes: 0, clipsWritten: 0, paused: [] });
    expect(await t.handle.db.select().from(crowdFits)).toHaveLength(fitsBefore);
  });
});

describe('EM trigger after new votes', () => {
  it('the vote drain queues one full EM run once emEveryVotes votes arrived, and the job runs it', async () => {
    const { startJobEngine, stopJobEngine } = await import('@/lib/jobs/runtime');
    const { aggregateVotesJob } = await import('@/jobs/aggregate-votes');
    const { drainVotesJob } = await import('@/jobs/drain-votes');
    const { jobRuns } = await import('@/db/schema');
    await changeProjectSettings(t.handle.db, { overlap: 3, minVotes: 3, maxVotes: 7, emEveryVotes: 3 });
    const ids = await reset(2);
    const engine = await startJobEngine(t.handle, [aggregateVotesJob as never, drainVotesJob as never]);
    const waitFor = async <T>(read: () => Promise<T>, done: (x: T) => boolean): Promise<T> => {
      const deadline = Date.now() + 20_000;
      let value = await read();
      while (!done(value) && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 200));
        value = await read();
      }
      return value;
    };
    const pending = async () =>
      Number(
        (await execRows<{ n: number }>(t.handle.db, sql`select count(*)::int as n from votes where aggregated_at is null`))[0].n,
      );
    try {
      await engine.work();
      // One drain per job, chained: the test stops the engine without waiting out a window.
      await engine.enqueue(drainVotesJob, { windowSeconds: 0 });
      const voters = [await contributor(), await contributor(), await contributor()];
      await castVote(voters[0], ids[0], ['happy']);
      await castVote(voters[1], ids[0], ['happy']);
      expect(await waitFor(pending, (n) => n === 0)).toBe(0);
      expect(await t.handle.db.select().from(jobRuns).where(eq(jobRuns.name, 'aggregate-votes'))).toHaveLength(0);
      await castVote(voters[2], ids[1], ['sad']);
      const fits = await waitFor(
        () => t.handle.db.select().from(crowdFits).where(eq(crowdFits.trigger, 'votes')),
        (rows) => rows.length > 0,
      );
      expect(fits).toHaveLength(1);
      expect(fits[0].votes).toBe(3);
      const runs = await t.handle.db.select().from(jobRuns).where(eq(jobRuns.name, 'aggregate-votes'));
      expect(runs).toHaveLength(1);
    } finally {
      await stopJobEngine();
      await changeProjectSettings(t.handle.db, { emEveryVotes: 200 });
    }
  });
});
