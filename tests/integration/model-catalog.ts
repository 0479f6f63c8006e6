/**
 * A small labelled catalog built directly in the database for the model / active-learning
 * integration tests: synthetic feature vectors clustered per mood (lib/active's
 * makeSyntheticMoodData), feature_stats of the current extractor version, and aggregates as the
 * crowd's labels. No audio, no extraction.
 */
import { randomBytes } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Db } from '@/db/client';
import { aggregates, clipFeatures, clips, featureStats } from '@/db/schema';
import { makeSyntheticMoodData } from '@/lib/active/synthetic';
import { computeStandardization } from '@/lib/model/standardize';
import { currentFeatureVersion } from '@/lib/model/service';
import { getActiveTaxonomy } from '@/lib/taxonomy/repo';
import { createRng } from '@/lib/util/random';

/** Deterministic v4-shaped uuids, so the hash split (and every metric) is the same on every run. */
function seededUuids(n: number, seed: number): string[] {
  const rng = createRng(seed);
  const hex = (k: number) => Array.from({ length: k }, () => Math.floor(rng() * 16).toString(16)).join('');
  return Array.from({ length: n }, () => `${hex(8)}-${hex(4)}-4${hex(3)}-8${hex(3)}-${hex(12)}`);
}

export interface TestCatalog {
  ids: string[];
  /** Ground truth n×t (0/1) in taxonomy tag order. */
  truth: Uint8Array;
  tags: string[];
  n: number;
  d: number;
  t: number;
  states: string[];
}

/**
 * Inserts n clips: ~70 % consensus, ~10 % open with partial votes, the rest open and unvoted.
 * Posteriors are 0.92 / 0.08 around the truth (consensus) or 0.7 / 0.3 (open with votes).
 */
export async function buildTestCatalog(db: Db, options: { n?: number; d?: number; seed?: number } = {}): Promise<TestCatalog> {
  const n = options.n ?? 140;
  const d = options.d ?? 12;
  const taxonomy = await getActiveTaxonomy(db);
  const tags = taxonomy.tags.map((t) => t.key);
  const t = tags.length;
  const data = makeSyntheticMoodData({ n, d, t, seed: options.seed ?? 7, prevalence: new Array(t).fill(0.3), separation: 5 });
  const version = currentFeatureVersion();
  const states: string[] = [];
  const uuids = seededUuids(n, (options.seed ?? 7) * 7919);
  const rows = Array.from({ length: n }, (_, i) => {
    const r = i % 10;
    const state = r < 7 ? 'consensus' : r < 8 ? 'open-voted' : 'open';
    states.push(state);
    return {
      id: uuids[i],
      sha256: randomBytes(32).toString('hex'),
      title: `synthetic ${i}`,
      artist: `artist ${i % 9}`,
      status: 'ready' as const,
      labelState: state === 'consensus' ? ('consensus' as const) : ('open' as const),
      voteCount: state === 'consensus' ? 3 : state === 'open-voted' ? 1 : 0,
      assigned: state === 'consensus' ? 3 : state === 'open-voted' ? 1 : 0,
      source: 'test',
    };
  });
  await db.insert(clips).values(rows);
  const ids = uuids;
  await db.insert(clipFeatures).values(
    ids.map((clipId, i) => ({
      clipId,
      extractorVersion: version,
      vector: Array.from(data.x.subarray(i * d, (i + 1) * d)),
      named: {},
    })),
  );
  const stats = computeStandardization(data.x, n, d);
  await db
    .insert(featureStats)
    .values({
      extractorVersion: version,
      names: Array.from({ length: d }, (_, k) => `f${k}`),
      mean: Array.from(stats.mean),
      std: Array.from(stats.std),
      count: n,
    })
    .onConflictDoUpdate({
      target: featureStats.extractorVersion,
      set: {
        mean: Array.from(stats.mean),
        std: Array.from(stats.std),
        count: n,
        names: Array.from({ length: d }, (_, k) => `f${k}`),
      },
    });
  const aggs: (typeof aggregates.$inferInsert)[] = [];
  ids.forEach((clipId, i) => {
    if (states[i] === 'open') return;
    const sure = states[i] === 'consensus';
    for (let j = 0; j < t; j++) {
      const yes = data.y[i * t + j] === 1;
      const posterior = yes ? (sure ? 0.92 : 0.7) : sure ? 0.08 : 0.3;
      aggs.push({
        clipId,
        tag: tags[j],
        posterior,
        label: yes,
        confidence: Math.max(posterior, 1 - posterior),
        yesVotes: yes ? (sure ? 3 : 1) : 0,
        noVotes: yes ? 0 : sure ? 3 : 1,
        method: 'test',
      });
    }
  });
  await db.insert(aggregates).values(aggs);
  await db.execute(sql`update clips set state_changed_at = now() where label_state = 'consensus'`);
  return { ids, truth: data.y, tags, n, d, t, states };
}
