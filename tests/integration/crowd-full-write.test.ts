import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { aggregates, clips, crowdFits, users, workerReliability } from '@/db/schema';
import { execRows } from '@/db/client';
import { runFullAggregation } from '@/lib/crowd/full-aggregation';
import { binaryRelevance } from '@/lib/crowd/binary-relevance';
import { supportedLabels } from '@/lib/crowd/clip-state';
import { MultiLabelVoteEncoder } from '@/lib/crowd/live';
import { forgetCurrentFit } from '@/lib/crowd/model-store';
import { getActiveTaxonomy } from '@/lib/taxonomy/repo';
import { createRng } from '@/lib/util/random';
import { clearClips, createTestDb, ensureTaxonomy, insertReadyClips, type TestDb } from '../helpers/db';

/**
 * The full EM's read (one cursor on PostgreSQL, keyset pages on PGlite) and its batched,
 * change-only write (lib/crowd/repo.ts writeClipResults): what is stored equals the in-memory fit
 * of the same votes, a re-run writes only what changed, and a run stopped between write batches
 * leaves every clip wholly old or wholly new.
 */

let t: TestDb;
let TAGS: string[];
let version: number;

beforeAll(async () => {
  t = await createTestDb();
  await ensureTaxonomy(t.handle.db);
  const taxonomy = await getActiveTaxonomy(t.handle.db);
  TAGS = taxonomy.tags.map((x) => x.key);
  version = taxonomy.version;
});
afterAll(async () => t.close());

type Vote = { clip_id: string; user_id: string; tags: string[]; key: string };

/** `nClips` clips with planted tags, voted on by `perClip` of `nWorkers` accurate contributors (seeded). */
async function plant(seed: number, nClips: number, nWorkers: number, perClip: number) {
  await clearClips(t.handle, ['worker_reliability', 'crowd_fits', 'agreement_stats']);
  forgetCurrentFit();
  const rng = createRng(seed);
  const clipIds = await insertReadyClips(t.handle.db, nClips, { durationS: 30 });
  const workers: string[] = [];
  for (let w = 0; w < nWorkers; w++) {
    const name = `fw-${w}-${randomBytes(3).toString('hex')}`;
    const [row] = await t.handle.db
      .insert(users)
      .values({ email: `${name}@test.local`, name, role: 'contributor' })
      .returning();
    workers.push(row.id);
  }
  const truth = clipIds.map(() => new Set(TAGS.filter(() => rng() < 0.3)));
  const votes: Vote[] = [];
  clipIds.forEach((clipId, i) => {
    const chosen = new Set<number>();
    while (chosen.size < perClip) chosen.add(Math.floor(rng() * nWorkers));
    for (const w of chosen) {
      const tags = TAGS.filter((tag) => (truth[i].has(tag) ? rng() < 0.9 : rng() < 0.08));
      votes.push({ clip_id: clipId, user_id: workers[w], tags, key: `fw-${seed}-${i}-${w}` });
    }
  });
  await insertVotes(votes);
  return { clipIds, workers, votes };
}

async function insertVotes(votes: Vote[]) {
  await execRows(
    t.handle.db,
    sql`insert into votes (clip_id, user_id, kind, taxonomy_version, tags, listened_ms, idempotency_key, aggregated_at)
        select x.clip_id, x.user_id, 'vote', ${version}, x.tags, 20000, x.key, now()
        from jsonb_to_recordset(${JSON.stringify(votes)}::jsonb) as x(clip_id uuid, user_id uuid, tags text[], key text)`,
  );
  await execRows(
    t.handle.db,
    sql`update clips c set vote_count = n, assigned = n, overlap_target = greatest(overlap_target, n)
        from (select clip_id, count(*)::int as n from votes group by clip_id) v where v.clip_id = c.id`,
  );
}

/** Every clip's stored aggregates and state, keyed by clip. */
async function stored() {
  const rows = await t.handle.db.select().from(aggregates);
  const states = new Map((await t.handle.db.select().from(clips)).map((c) => [c.id, c.labelState]));
  const byClip = new Map<string, string>();
  for (const clipId of states.keys()) {
    const mine = rows.filter((r) => r.clipId === clipId).sort((a, b) => a.tag.localeCompare(b.tag));
    byClip.set(
      clipId,
      JSON.stringify([states.get(clipId), mine.map((r) => [r.tag, r.posterior, r.label, r.yesVotes, r.noVotes, r.method])]),
    );
  }
  return { rows, byClip };
}

describe('full EM write-back', () => {
  it('stores the in-memory fit of the same votes, written in batches of 7 clips', async () => {
    const { clipIds, votes } = await plant(12, 45, 10, 4);
    const result = await runFullAggregation(t.handle.db, { force: true, writeBatch: 7, pageSize: 50 });
    expect(result).toMatchObject({ votes: 180, clips: 45, clipsWritten: 45, paused: [] });
    // Accurate contributors only: nobody is down-weighted, so the job's fit is the plain EM.
    const weights = await t.handle.db.select({ w: workerReliability.weight }).from(workerReliability);
    expect(weights.map((r) => r.w)).toEqual(Array(10).fill(1));

    const encoder = new MultiLabelVoteEncoder(TAGS, votes.length);
    for (const v of votes) encoder.add(v.clip_id, v.user_id, [...v.tags].sort());
    const encoded = encoder.finish();
    const fit = binaryRelevance(encoded, {}, { gold: new Map() });
    const T = TAGS.length;
    const { rows } = await stored();
    expect(rows).toHaveLength(45 * T);
    for (const clipId of clipIds) {
      const i = encoded.items.indexOf(clipId);
      const posteriors = Array.from(fit.posterior.subarray(i * T, (i + 1) * T));
      const mine = votes.filter((v) => v.clip_id === clipId);
      const yes = TAGS.map((tag) => mine.filter((v) => v.tags.includes(tag)).length);
      const labels = supportedLabels(posteriors, yes, Array(T).fill(false));
      for (const [k, tag] of TAGS.entries()) {
        const row = rows.find((r) => r.clipId === clipId && r.tag === tag)!;
        // `real` column: about seven significant digits.
        expect(Math.abs(row.posterior - posteriors[k]), `${tag} of clip ${i}`).toBeLessThan(1e-6);
        expect(row).toMatchObject({ label: labels[k], yesVotes: yes[k], noVotes: mine.length - yes[k], method: 'br-em' });
      }
    }
  });

  it('a re-run on the same votes writes nothing; after new votes it writes exactly the clips that changed', async () => {
    const { clipIds, workers } = await plant(34, 30, 10, 3);
    await runFullAggregation(t.handle.db, { force: true, writeBatch: 8 });
    const before = await stored();
    const again = await runFullAggregation(t.handle.db, { force: true, writeBatch: 8 });
    expect(again.clipsWritten).toBe(0);
    const same = await stored();
    expect(same.byClip).toEqual(before.byClip);
    // Untouched rows keep their time: nothing was rewritten.
    expect(same.rows.map((r) => r.updatedAt.getTime()).sort()).toEqual(before.rows.map((r) => r.updatedAt.getTime()).sort());

    // A fourth vote on one clip by a worker who has not voted on it.
    const voted = new Set(
      (await execRows<{ user_id: string }>(t.handle.db, sql`select user_id from votes where clip_id = ${clipIds[0]}`)).map(
        (r) => r.user_id,
      ),
    );
    const newcomer = workers.find((w) => !voted.has(w))!;
    await insertVotes([{ clip_id: clipIds[0], user_id: newcomer, tags: [TAGS[0], TAGS[1]], key: 'fw-extra' }]);
    const third = await runFullAggregation(t.handle.db, { force: true, writeBatch: 8 });
    const after = await stored();
    const changed = clipIds.filter((id) => after.byClip.get(id) !== before.byClip.get(id));
    expect(changed).toContain(clipIds[0]);
    expect(third.clipsWritten).toBe(changed.length);
    const first = after.rows.filter((r) => r.clipId === clipIds[0]);
    expect(first.reduce((n, r) => n + r.yesVotes + r.noVotes, 0)).toBe(4 * TAGS.length);
  });

  it('a run killed after its first write batch leaves each clip wholly old or wholly new, and the next run completes it', async () => {
    const { clipIds, workers } = await plant(56, 40, 12, 3);
    await runFullAggregation(t.handle.db, { force: true });
    const old = await stored();
    const fitsBefore = (await t.handle.db.select().from(crowdFits)).length;
    // One more vote on every clip: every clip's counts change.
    const extra: Vote[] = [];
    for (const [i, clipId] of clipIds.entries()) {
      const voters = new Set(
        (await execRows<{ user_id: string }>(t.handle.db, sql`select user_id from votes where clip_id = ${clipId}`)).map(
          (r) => r.user_id,
        ),
      );
      extra.push({
        clip_id: clipId,
        user_id: workers.find((w) => !voters.has(w))!,
        tags: [TAGS[i % TAGS.length]],
        key: `fw-more-${i}`,
      });
    }
    await insertVotes(extra);
    let batches = 0;
    await expect(
      runFullAggregation(t.handle.db, {
        force: true,
        writeBatch: 10,
        onProgress: (_f, message) => {
          if (message.startsWith('wrote') && ++batches === 1) throw new Error('killed mid-write');
        },
      }),
    ).rejects.toThrow('killed mid-write');
    const killed = await stored();
    // The killed run recorded no fit, so the next scheduled run is not skipped.
    expect(await t.handle.db.select().from(crowdFits)).toHaveLength(fitsBefore);
    expect(killed.rows).toHaveLength(40 * TAGS.length);

    const done = await runFullAggregation(t.handle.db, { force: true, writeBatch: 10 });
    const fresh = await stored();
    let wholeNew = 0;
    for (const clipId of clipIds) {
      const now = killed.byClip.get(clipId);
      expect([old.byClip.get(clipId), fresh.byClip.get(clipId)]).toContain(now);
      if (now === fresh.byClip.get(clipId)) wholeNew++;
    }
    // The first batch, plus on PostgreSQL the batch the second write lane had in flight.
    expect(wholeNew).toBe(t.handle.mode === 'postgres' ? 20 : 10);
    // The completing run wrote the rest and nothing twice.
    expect(done.clipsWritten).toBe(40 - wholeNew);
    const counts = await execRows<{ n: number }>(
      t.handle.db,
      sql`select count(*)::int as n from clips where vote_count <> 4 or assigned <> 4`,
    );
    expect(counts[0].n).toBe(0);
  });
});
