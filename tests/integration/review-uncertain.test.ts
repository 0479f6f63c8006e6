import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { auditLog, models, predictions } from '@/db/schema';
import { eq } from 'drizzle-orm';
import { POST as escalate } from '@/app/api/clips/[id]/escalate/route';
import { ctx, request } from '../helpers/http';
import { insertClip } from '@/lib/catalog/repo';
import { nextReviewFor } from '@/lib/review/service';
import { changeProjectSettings } from '@/lib/settings/service';
import { getActiveTaxonomy } from '@/lib/taxonomy/repo';
import { createTestDb, ensureTaxonomy, makeUser, type TestDb } from '../helpers/db';

// Issue 11: a mood model is sure of most tags of most clips, so its mean per-tag uncertainty
// hardly ever reaches the absolute threshold (0.85) and the expert queue held disputes only.
// The relative lane sends the open clips among the least-sure `expertUncertainShare` as well.

let t: TestDb;
const byUncertainty = new Map<number, string>();
beforeAll(async () => {
  t = await createTestDb();
  await ensureTaxonomy(t.handle.db);
}, 120_000);
afterAll(async () => t.close());

async function catalogWithModel() {
  const db = t.handle.db;
  const taxonomy = await getActiveTaxonomy(db);
  const tagKeys = taxonomy.tags.map((tag) => tag.key);
  const ids: string[] = [];
  for (let i = 0; i < 100; i++) {
    const clip = await insertClip(db, { sha256: randomBytes(32).toString('hex'), title: `clip ${i}`, status: 'ready', priority: 0.5 });
    ids.push(clip.id);
    byUncertainty.set(i, clip.id);
  }
  const [model] = await db
    .insert(models)
    .values({ kind: 'logistic', status: 'active', featureVersion: 'test', taxonomyVersion: taxonomy.version, tagKeys })
    .returning();
  // Uncertainties 0, 0.005, …, 0.495: every one far below the absolute threshold.
  await db.insert(predictions).values(ids.map((clipId, i) => ({ clipId, modelId: model.id, probs: tagKeys.map(() => 0.1), uncertainty: i / 200 })));
}

describe('the expert queue holds model-uncertain clips once a model exists', () => {
  it('without an active model, no open clip goes to experts', async () => {
    const expert = await makeUser(t.handle, 'expert');
    expect(await nextReviewFor(t.handle.db, expert.user.id)).toBeNull();
  });

  it('the open clips among the least-sure 2 % go to experts, least sure first, with a plain reason', async () => {
    await catalogWithModel();
    const experts = await Promise.all([0, 1, 2, 3].map(() => makeUser(t.handle, 'expert')));
    const served = [];
    for (const e of experts) served.push(await nextReviewFor(t.handle.db, e.user.id));
    // percentile_disc(0.98) over 100 scores is the 98th smallest (0.485): clips 97, 98 and 99.
    expect(served.slice(0, 3).map((s) => s?.clip.id)).toEqual([byUncertainty.get(99), byUncertainty.get(98), byUncertainty.get(97)]);
    expect(served[3]).toBeNull();
    expect(served[0]!.why.reasons.join(' ')).toMatch(/among the 2 % of clips it is least sure of \(uncertainty 0\.49\)/);
  });

  it('a share of 0 keeps only the absolute threshold', async () => {
    await changeProjectSettings(t.handle.db, { expertUncertainShare: 0 });
    const expert = await makeUser(t.handle, 'expert');
    expect(await nextReviewFor(t.handle.db, expert.user.id)).toBeNull();
    await changeProjectSettings(t.handle.db, { expertUncertainShare: 0.02 });
  });
});

describe('a clip sent to review by hand', () => {
  it('says who sent it (the role), not that the crowd disputes it, and the audit row is written with the change', async () => {
    const engineer = await makeUser(t.handle, 'engineer');
    const clip = await insertClip(t.handle.db, { sha256: randomBytes(32).toString('hex'), title: 'by hand', status: 'ready', priority: 9 });
    const res = await escalate(request('POST', `/api/clips/${clip.id}/escalate`, { token: engineer.token }), ctx({ id: clip.id }));
    expect(res.status).toBe(200);
    const audit = await t.handle.db.select().from(auditLog).where(eq(auditLog.entityId, clip.id));
    expect(audit.map((a) => [a.action, a.actorId])).toEqual([['clip.escalate', engineer.user.id]]);
    const expert = await makeUser(t.handle, 'expert');
    const item = (await nextReviewFor(t.handle.db, expert.user.id))!;
    expect(item.clip.id).toBe(clip.id);
    expect(item.why.reasons).toEqual(['Sent to review by an engineer']);
  });
});
