/**
 * Drift and listener feedback back to labeling (issue 20, item 4), on both databases: a queued clip
 * listeners keep skipping and a queued clip far from every labelled one get the hybrid priority's
 * `feedback` and `drift` terms (weighed by the project's priority weights, not a side channel),
 * rank higher than with those weights at 0, and an expert reads why on /review.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { execRows } from '@/db/client';
import { rescoreCatalog } from '@/lib/active/service';
import { retrain } from '@/lib/model/service';
import { nextReviewFor } from '@/lib/review/service';
import { getProjectSettings, updateProjectSettings } from '@/lib/settings/repo';
import { DEFAULT_PRIORITY_WEIGHTS } from '@/lib/settings/schemas';
import { createTestDb, ensureTaxonomy, makeUser, type TestDb } from '../helpers/db';
import { buildTestCatalog, type TestCatalog } from './model-catalog';

let t: TestDb;
let catalog: TestCatalog;
let skipped: string;
let far: string;

async function queued(): Promise<{ id: string; priority: number; terms: Record<string, number> }[]> {
  return execRows(
    t.handle.db,
    sql`select id::text as id, priority, priority_terms as terms from clips where label_state in ('open', 'disputed') order by priority desc, id`,
  );
}
const rankOf = (rows: { id: string }[], id: string) => rows.findIndex((r) => r.id === id);

beforeAll(async () => {
  t = await createTestDb();
  await ensureTaxonomy(t.handle.db);
  await updateProjectSettings(t.handle.db, {
    modelKind: 'logistic',
    trainEpochs: 20,
    goldRate: 0,
    newContributorGoldRate: 0,
    strategy: 'hybrid',
  });
  catalog = await buildTestCatalog(t.handle.db, { n: 120, seed: 7 });
  const trained = await retrain(t.handle.db, { trigger: 'test' });
  expect(trained.promoted).toBe(true);
  const open = catalog.ids.filter((_, i) => catalog.states[i] === 'open');
  skipped = open[0];
  far = open[1];
  // The skipped clip is disputed (so it reaches the expert queue); ten listeners skipped it, one liked it.
  await t.handle.db.execute(sql`update clips set label_state = 'disputed' where id = ${skipped}`);
  for (let s = 0; s < 11; s++) {
    const id = `drift-test-session-${s}`;
    await t.handle.db.execute(sql`insert into listener_sessions (id) values (${id})`);
    await t.handle.db.execute(
      sql`insert into listener_events (session_id, clip_id, kind) values (${id}, ${skipped}, ${s < 10 ? 'skip' : 'like'})`,
    );
  }
  // The far clip's features move far outside where every labelled clip lies.
  await t.handle.db.execute(
    sql`update clip_features set vector = (select array_agg(v * 40 + 25 order by o) from unnest(vector) with ordinality u(v, o)) where clip_id = ${far}`,
  );
}, 120_000);
afterAll(async () => t.close());

describe('drift and listener feedback in the labeling queue', () => {
  let without: Awaited<ReturnType<typeof queued>>;

  it('with the drift and feedback weights at 0, neither term appears in any priority', async () => {
    const settings = await getProjectSettings(t.handle.db);
    await updateProjectSettings(t.handle.db, { priorityWeights: { ...settings.priorityWeights, drift: 0, feedback: 0 } });
    await rescoreCatalog(t.handle.db, { seed: 3, pushEmbeddings: false });
    without = await queued();
    for (const row of without) {
      expect(row.terms).not.toHaveProperty('drift');
      expect(row.terms).not.toHaveProperty('feedback');
    }
  });

  it('with the default weights, the skipped and the far clip carry the terms, rank higher, and keep their reasons', async () => {
    const settings = await getProjectSettings(t.handle.db);
    await updateProjectSettings(t.handle.db, {
      priorityWeights: { ...settings.priorityWeights, drift: DEFAULT_PRIORITY_WEIGHTS.drift, feedback: DEFAULT_PRIORITY_WEIGHTS.feedback },
    });
    const result = await rescoreCatalog(t.handle.db, { seed: 3, pushEmbeddings: false });
    expect(result.drift?.drifted).toBeGreaterThanOrEqual(1);
    expect(result.drift?.skipped).toBe(1);
    const withBoost = await queued();
    const s = withBoost.find((r) => r.id === skipped)!;
    const f = withBoost.find((r) => r.id === far)!;
    // A term's contribution is its weight over the weights of the terms present, times its signal.
    const W: Record<string, number> = DEFAULT_PRIORITY_WEIGHTS;
    const share = (terms: Record<string, number>, name: string) =>
      W[name] /
      Object.keys(terms)
        .filter((k) => k !== 'batch')
        .reduce((sum, k) => sum + W[k], 0);
    // 10 skips of 11 sessions, shrunk by a prior of 5: 10 / 16 = 0.625.
    expect(s.terms.feedback).toBeCloseTo(share(s.terms, 'feedback') * (10 / 16), 5);
    // The far clip sits beyond twice the labelled spacing: drift signal 1.
    expect(f.terms.drift).toBeCloseTo(share(f.terms, 'drift'), 5);
    expect(rankOf(withBoost, skipped)).toBeLessThan(rankOf(without, skipped));
    expect(rankOf(withBoost, far)).toBeLessThan(rankOf(without, far));
    const stored = await execRows<{ clip_id: string; drift: number; feedback: number; reasons: string[] }>(
      t.handle.db,
      sql`select clip_id::text as clip_id, drift, feedback, reasons from clip_labeling_signals`,
    );
    const sk = stored.find((r) => r.clip_id === skipped)!;
    expect(sk.feedback).toBeCloseTo(10 / 16, 5);
    expect(sk.reasons[0]).toMatch(
      /^listeners skip this( as '[a-z_-]+'( \+ '[a-z_-]+')?)? \(10 of 11 reactions were skips or dislikes\)$/,
    );
    const fr = stored.find((r) => r.clip_id === far)!;
    expect(fr.drift).toBe(1);
    expect(fr.reasons.some((r) => r.startsWith('far from any labeled clip'))).toBe(true);
    // Only boosted queued clips have a row.
    expect(stored.every((r) => r.drift > 0 || r.feedback > 0)).toBe(true);
  });

  it('the expert queue shows the reason', async () => {
    const expert = await makeUser(t.handle, 'expert');
    const item = await nextReviewFor(t.handle.db, expert.user.id);
    expect(item?.clip.id).toBe(skipped);
    expect(item!.why.reasons.some((r) => /^Listeners skip this.*\(10 of 11 reactions were skips or dislikes\)$/.test(r))).toBe(
      true,
    );
    expect(item!.why.terms.feedback).toBeGreaterThan(0);
  });
});
