import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { aggregates, clips, leases, models, predictions, users } from '@/db/schema';
import { insertClip } from '@/lib/catalog/repo';
import { drainVotes, reaggregateClips } from '@/lib/crowd/drain';
import { runFullAggregation } from '@/lib/crowd/full-aggregation';
import { forgetModelEvidence } from '@/lib/crowd/model-evidence';
import { forgetCurrentFit } from '@/lib/crowd/model-store';
import { lockDrain } from '@/lib/crowd/repo';
import { submitVote } from '@/lib/queue/service';
import { changeProjectSettings } from '@/lib/settings/service';
import { getActiveTaxonomy } from '@/lib/taxonomy/repo';
import { createTestDb, ensureTaxonomy, type TestDb } from '../helpers/db';

/**
 * Model-aware aggregation in the live loop (setting modelAwareAggregation, lib/crowd/model-evidence.ts):
 * a clip below minVotes gets the active model's evidence in its stored posteriors, from the drain
 * and from the full EM alike; settled clips, and every clip's state, rest on the votes; without the
 * setting or without an active model nothing changes.
 */

let t: TestDb;
let settled: string[];
let few: string;
const HAPPY = (i: number) => i % 2 === 0;

beforeAll(async () => {
  t = await createTestDb();
  await ensureTaxonomy(t.handle.db);
});
afterAll(async () => t.close());

async function contributor(): Promise<string> {
  const name = `m-${randomBytes(4).toString('hex')}`;
  const [row] = await t.handle.db
    .insert(users)
    .values({ email: `${name}@test.local`, name, role: 'contributor' })
    .returning();
  return row.id;
}

async function vote(userId: string, clipId: string, tags: string[]) {
  const [lease] = await t.handle.db
    .insert(leases)
    .values({ clipId, userId, queue: 'crowd', expiresAt: new Date(Date.now() + 300_000) })
    .returning();
  await t.handle.db
    .update(clips)
    .set({ assigned: sql`${clips.assigned} + 1` })
    .where(eq(clips.id, clipId));
  await submitVote(t.handle.db, userId, {
    kind: 'vote',
    leaseId: lease.id,
    tags,
    idempotencyKey: randomBytes(6).toString('hex'),
    listenedMs: 20_000,
  });
}

const posterior = async (clipId: string, tag: string) =>
  (await t.handle.db.select().from(aggregates).where(eq(aggregates.clipId, clipId))).find((r) => r.tag === tag)!;
const clipRow = async (id: string) => (await t.handle.db.select().from(clips).where(eq(clips.id, id)))[0];
const reaggregate = (ids: string[]) =>
  t.handle.db.transaction(async (tx) => {
    await lockDrain(tx);
    return reaggregateClips(tx, ids);
  });

beforeEach(async () => {
  await t.handle.exec(
    `delete from votes; delete from leases; delete from aggregates; delete from predictions; delete from models; delete from clips;
     delete from worker_reliability; delete from crowd_fits;`,
  );
  forgetCurrentFit();
  forgetModelEvidence();
  await changeProjectSettings(t.handle.db, {
    overlap: 3,
    minVotes: 3,
    maxVotes: 5,
    consensusThreshold: 0.9,
    modelAwareAggregation: false,
  });
  // Eight settled clips (3 unanimous votes: happy or sad) and one clip with a single vote ticking both.
  const ids: string[] = [];
  for (let i = 0; i < 9; i++) {
    ids.push(
      (await insertClip(t.handle.db, { sha256: randomBytes(32).toString('hex'), title: `m${i}`, status: 'ready', durationS: 30 }))
        .id,
    );
  }
  settled = ids.slice(0, 8);
  few = ids[8];
  const voters = [await contributor(), await contributor(), await contributor()];
  for (const [i, clipId] of settled.entries()) for (const v of voters) await vote(v, clipId, [HAPPY(i) ? 'happy' : 'sad']);
  await vote(voters[0], few, ['happy', 'sad']);
  await drainVotes(t.handle.db);
});

/** An active model that is right on every settled clip and says "happy, not sad" for the one-vote clip. */
async function activeModel(): Promise<void> {
  const taxonomy = await getActiveTaxonomy(t.handle.db);
  const tagKeys = taxonomy.tags.map((tag) => tag.key);
  const [model] = await t.handle.db
    .insert(models)
    .values({ kind: 'logistic', status: 'active', featureVersion: 'test', taxonomyVersion: taxonomy.version, tagKeys })
    .returning();
  const probs = (happy: boolean) =>
    tagKeys.map((k) => (k === 'happy' ? (happy ? 0.9 : 0.1) : k === 'sad' ? (happy ? 0.1 : 0.9) : 0.1));
  await t.handle.db
    .insert(predictions)
    .values([
      ...settled.map((clipId, i) => ({ clipId, modelId: model.id, probs: probs(HAPPY(i)), uncertainty: 0.2 })),
      { clipId: few, modelId: model.id, probs: probs(true), uncertainty: 0.2 },
    ]);
}

describe('model-aware aggregation in the live loop', () => {
  it('the drain adds the model to a clip below minVotes only, leaving its state and the settled clips to the votes', async () => {
    await activeModel();
    const crowdHappy = (await posterior(few, 'happy')).posterior;
    const crowdSad = (await posterior(few, 'sad')).posterior;
    const settledBefore = await Promise.all(settled.map((id) => posterior(id, 'happy')));
    // Setting off: the model is ignored even though it exists.
    await reaggregate([few, ...settled]);
    expect((await posterior(few, 'happy')).posterior).toBeCloseTo(crowdHappy, 6);

    await changeProjectSettings(t.handle.db, { modelAwareAggregation: true });
    await reaggregate([few, ...settled]);
    const happy = await posterior(few, 'happy');
    const sad = await posterior(few, 'sad');
    expect(happy.posterior).toBeGreaterThan(crowdHappy + 0.1);
    expect(sad.posterior).toBeLessThan(crowdSad - 0.1);
    expect(happy.label).toBe(happy.posterior >= 0.5);
    expect(await clipRow(few)).toMatchObject({ labelState: 'open', voteCount: 1 });
    const settledAfter = await Promise.all(settled.map((id) => posterior(id, 'happy')));
    settledAfter.forEach((row, i) => expect(row.posterior).toBeCloseTo(settledBefore[i].posterior, 6));
  });

  it('the full EM does the same, and without an active model the setting changes nothing', async () => {
    await changeProjectSettings(t.handle.db, { modelAwareAggregation: true });
    await runFullAggregation(t.handle.db, { force: true });
    const withoutModel = (await posterior(few, 'happy')).posterior;
    await changeProjectSettings(t.handle.db, { modelAwareAggregation: false });
    await runFullAggregation(t.handle.db, { force: true });
    const crowdOnly = (await posterior(few, 'happy')).posterior;
    expect(withoutModel).toBeCloseTo(crowdOnly, 6);

    await activeModel();
    await changeProjectSettings(t.handle.db, { modelAwareAggregation: true });
    forgetModelEvidence();
    await runFullAggregation(t.handle.db, { force: true });
    expect((await posterior(few, 'happy')).posterior).toBeGreaterThan(crowdOnly + 0.1);
    expect((await posterior(few, 'sad')).posterior).toBeLessThan((await posterior(few, 'happy')).posterior);
    expect(await clipRow(few)).toMatchObject({ labelState: 'open' });
    for (const [i, id] of settled.entries()) expect((await clipRow(id)).labelState, `clip ${i}`).toBe('consensus');
  });
});
