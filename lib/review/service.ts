import { and, eq, inArray, sql } from 'drizzle-orm';
import { execRows, type Db } from '@/db/client';
import { aggregates, votes, workerReliability } from '@/db/schema';
import { getClip } from '@/lib/catalog/repo';
import { playableClip } from '@/lib/catalog/schemas';
import { featuresForClip, getFeatureStats } from '@/lib/features/repo';
import { getProjectSettings } from '@/lib/settings/repo';
import { getActiveTaxonomy } from '@/lib/taxonomy/repo';
import { leaseNextReview, recordDecision } from './repo';
import type { DecisionInput, ReviewItem } from './schemas';

/** The next clip for an expert with everything needed to settle it, or null when the queue is empty. */
export async function nextReviewFor(db: Db, expertId: string): Promise<ReviewItem | null> {
  const [settings, taxonomy] = await Promise.all([getProjectSettings(db), getActiveTaxonomy(db)]);
  const lease = await leaseNextReview(db, expertId, settings);
  if (!lease) return null;
  const clip = await getClip(db, lease.clipId);
  const clipVotes = await db
    .select({ userId: votes.userId, tags: votes.tags })
    .from(votes)
    .where(and(eq(votes.clipId, clip.id), eq(votes.kind, 'vote')));
  const reliabilities = clipVotes.length
    ? await db
        .select({ userId: workerReliability.userId, reliability: workerReliability.reliability })
        .from(workerReliability)
        .where(inArray(workerReliability.userId, clipVotes.map((v) => v.userId)))
    : [];
  const aggs = await db.select().from(aggregates).where(eq(aggregates.clipId, clip.id));
  const features = await featuresForClip(db, clip.id);
  return {
    lease: { id: lease.id, expiresAt: lease.expiresAt.toISOString() },
    secondOpinion: lease.secondOpinion,
    clip: { ...playableClip(clip), labelState: clip.labelState },
    taxonomy,
    why: { reasons: lease.reasons, priority: clip.priority, terms: clip.priorityTerms },
    votes: {
      count: clipVotes.length,
      perTag: taxonomy.tags.map((t) => ({
        tag: t.key,
        yes: clipVotes.filter((v) => v.tags.includes(t.key)).length,
        no: clipVotes.filter((v) => !v.tags.includes(t.key)).length,
        posterior: aggs.find((a) => a.tag === t.key)?.posterior ?? null,
      })),
      // Shuffled by sort on content, so the order does not reveal who voted when.
      voters: clipVotes
        .map((v) => ({ reliability: reliabilities.find((r) => r.userId === v.userId)?.reliability ?? null, tags: [...v.tags].sort() }))
        .sort((a, b) => (b.reliability ?? -1) - (a.reliability ?? -1)),
    },
    model: await modelScores(db, clip.id),
    features: features
      ? {
          tempoBpm: features.tempoBpm,
          tempoConfidence: features.tempoConfidence,
          key: features.key,
          mode: features.mode,
          keyConfidence: features.keyConfidence,
          lufs: features.lufs,
        }
      : null,
    neighbours: features ? await labeledNeighbours(db, clip.id, features.extractorVersion, features.vector) : [],
  };
}

async function modelScores(db: Db, clipId: string): Promise<ReviewItem['model']> {
  const [row] = await execRows<{ id: number; tag_keys: string[]; probs: number[]; uncertainty: number }>(
    db,
    sql`select m.id, m.tag_keys, p.probs, p.uncertainty from predictions p join models m on m.id = p.model_id
        where p.clip_id = ${clipId} and m.status = 'active' limit 1`,
  );
  if (!row) return null;
  return { version: row.id, probs: Object.fromEntries(row.tag_keys.map((t, i) => [t, row.probs[i]])), uncertainty: row.uncertainty };
}

/**
 * The five labeled clips nearest in standardised feature space (brute force over up to 5,000
 * labeled clips; the recommender's ANN index serves the large-catalog case).
 *
 * Gold clips are left out (issue 22, finding 5): their labels are the gold answer (the
 * aggregator clamps gold tags), and experts also label in the crowd queue, where they are
 * served and scored on those same gold clips — showing the answers here would let them score
 * perfectly without listening. An expert's gold record stays fair because no expert route
 * shows a gold answer (the review queue skips gold clips too, see lib/review/repo.ts).
 */
async function labeledNeighbours(db: Db, clipId: string, version: string, vector: number[]): Promise<ReviewItem['neighbours']> {
  const stats = await getFeatureStats(db, version);
  const rows = await execRows<{ id: string; title: string; vector: number[]; labels: string[] }>(
    db,
    sql`select c.id, c.title, f.vector,
               coalesce((select array_agg(a.tag order by a.tag) from aggregates a where a.clip_id = c.id and a.label), '{}') as labels
        from clips c join clip_features f on f.clip_id = c.id and f.extractor_version = ${version}
        where c.label_state in ('consensus', 'expert_resolved') and c.id <> ${clipId}
          and not exists (select 1 from gold_answers g where g.clip_id = c.id)
        limit 5000`,
  );
  const scale = (v: number, i: number) => (v - (stats?.mean[i] ?? 0)) / ((stats?.std[i] ?? 1) || 1);
  const query = vector.map(scale);
  return rows
    .map((r) => ({
      clipId: r.id,
      title: r.title,
      labels: r.labels,
      distance: Math.sqrt(r.vector.reduce((sum, v, i) => sum + (scale(v, i) - query[i]) ** 2, 0)),
    }))
    .sort((a, b) => a.distance - b.distance)
    .slice(0, 5);
}

export async function decide(db: Db, expertId: string, input: DecisionInput, random: () => number = Math.random) {
  const [settings, taxonomy] = await Promise.all([getProjectSettings(db), getActiveTaxonomy(db)]);
  return recordDecision(db, expertId, input, taxonomy, random() < settings.secondOpinionRate);
}
