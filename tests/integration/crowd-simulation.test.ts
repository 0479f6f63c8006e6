import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { execRows } from '@/db/client';
import { goldAnswers } from '@/db/schema';
import { DEMO_TAGS } from '@/lib/audio/synth';
import { insertClip } from '@/lib/catalog/repo';
import { neighboursOf, type CrowdWorkerSpec } from '@/lib/crowd/simulate';
import { simulateVotes, simulationReportFor } from '@/lib/demo/seed';
import { getActiveTaxonomy } from '@/lib/taxonomy/repo';
import { createTestDb, ensureTaxonomy, type TestDb } from '../helpers/db';

/**
 * A small simulated crowd with planted truth, through the real queue service (lease → vote,
 * gold, targeted questions, per-vote posteriors, the full EM every emEveryVotes answers):
 * the live labels must beat per-tag majority vote, rest on votes, and keep disputes rare.
 */
let t: TestDb;

// The demo archetypes' mood sets (lib/audio/synth.ts).
const SETS = [
  ['happy', 'uplifting'],
  ['sad'],
  ['calm'],
  ['energetic', 'happy'],
  ['tense', 'dark'],
  ['dreamy', 'calm'],
  ['dark', 'sad'],
  ['uplifting', 'energetic'],
  ['tense', 'energetic'],
  ['sad', 'dreamy'],
];
const CLIPS = 120;
// Smaller than the demo crowd but the same mix: two excellent (one quick), three ordinary, one careless, one spammer.
const CROWD: CrowdWorkerSpec[] = [
  { kind: 'quick', accuracy: 0.95 },
  { kind: 'careful', accuracy: 0.95 },
  { kind: 'careful', accuracy: 0.8 },
  { kind: 'careful', accuracy: 0.8 },
  { kind: 'careful', accuracy: 0.8 },
  { kind: 'careful', accuracy: 0.65 },
  { kind: 'spammer' },
];

beforeAll(async () => {
  t = await createTestDb();
  await ensureTaxonomy(t.handle.db);
  const version = (await getActiveTaxonomy(t.handle.db)).version;
  for (let i = 0; i < CLIPS; i++) {
    const tags = SETS[i % SETS.length];
    const clip = await insertClip(t.handle.db, {
      sha256: randomBytes(32).toString('hex'),
      title: `planted ${i}`,
      source: 'demo',
      status: 'ready',
      durationS: 10 + (i % 21),
      recipe: { id: `set-${i % SETS.length}`, tags },
      priority: CLIPS - i,
    });
    if (i % 12 === 5) {
      await t.handle.db.insert(goldAnswers).values({ clipId: clip.id, taxonomyVersion: version, tags, tolerated: neighboursOf(tags) });
    }
  }
  // An upload without a recipe: the simulated crowd must skip it, not crash.
  await insertClip(t.handle.db, { sha256: randomBytes(32).toString('hex'), title: 'an upload', status: 'ready', durationS: 20, priority: 1_000 });
}, 120_000);
afterAll(async () => t.close());

describe('simulated crowd through the live loop', () => {
  it('labels beat majority vote, rest on votes, disputes stay rare, and only the spammer is paused', async () => {
    const sim = await simulateVotes(t.handle.db, 3, { crowd: CROWD });
    expect(sim.skipped).toBeGreaterThan(0);
    const report = await simulationReportFor(t.handle.db, sim);

    expect(report.clips_with_answers).toBe(CLIPS);
    expect(report.answers_per_clip).toBeGreaterThan(3);
    expect(report.answers_per_clip).toBeLessThan(7.5);
    // Small catalog, few answers per worker: looser than the 1,000-clip figures in bench/RESULTS.md.
    expect(report.tag_accuracy).toBeGreaterThanOrEqual(0.95);
    expect(report.tag_accuracy).toBeGreaterThan(report.majority_tag_accuracy);
    expect(report.exact_set_accuracy).toBeGreaterThanOrEqual(report.majority_exact_set_accuracy);
    expect(report.disputed_share).toBeLessThanOrEqual(0.3);
    expect(report.consensus_share + report.disputed_share + report.open_share).toBeCloseTo(1, 3);
    // A label always rests on a vote (no expert decided anything here).
    expect(report.unsupported_positive_labels).toBe(0);
    const [{ n }] = await execRows<{ n: number }>(
      t.handle.db,
      sql`select count(*)::int as n from aggregates a
          where a.label and a.yes_votes = 0 and a.method <> 'expert'
            and not exists (select 1 from gold_answers g where g.clip_id = a.clip_id)`,
    );
    expect(Number(n)).toBe(0);

    const byName = new Map(report.workers.map((w) => [w.worker, w]));
    const spammer = report.workers.find((w) => w.kind === 'spammer')!;
    expect(spammer.paused).toBe(true);
    for (const w of report.workers.filter((x) => x.planted_accuracy >= 0.8)) {
      expect(w.paused, w.worker).toBe(false);
      expect(w.flags, w.worker).toEqual([]);
    }
    // The quick listener (5 s per clip) is not taken for a spammer.
    expect(byName.get('sim-01')!.kind).toBe('quick');
    expect(byName.get('sim-01')!.paused).toBe(false);
    // Estimates track the planted accuracy for workers with enough answers; gold is scored per tag.
    for (const w of report.workers.filter((x) => x.kind !== 'spammer' && x.answers >= 50)) {
      expect(Math.abs(w.estimated_accuracy! - w.planted_accuracy), w.worker).toBeLessThan(0.08);
    }
    for (const w of report.workers.filter((x) => x.planted_accuracy === 0.95 && x.gold_accuracy !== null)) {
      expect(w.gold_accuracy!, w.worker).toBeGreaterThan(0.85);
    }
  }, 600_000);
});
