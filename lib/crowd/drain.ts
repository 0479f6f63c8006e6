import type { Db, DbOrTx } from '@/db/client';
import { getProjectSettings } from '@/lib/settings/repo';
import { mapLabels } from '@/lib/taxonomy/mapping';
import { getActiveTaxonomy, loadMappingsTo } from '@/lib/taxonomy/repo';
import { clipUpdateFor, tagGoldFor, type LiveAnswer } from './live';
import { activeModelEvidence, predictionsFor, withModelOnFewVotes } from './model-evidence';
import { currentFit, liveModelFor } from './model-store';
import {
  claimPendingVotes,
  clipsWithAnswersFor,
  countVotesSince,
  emJobPending,
  lockDrain,
  markVotesAggregated,
  writeDrainedClips,
  type DrainedClip,
} from './repo';
import { aggregateVotesSpec } from './jobs';

/**
 * The batched vote aggregator. The vote request only stores an answer (pending: `aggregated_at`
 * null); a drain applies pending answers to their clips in batches:
 *
 *   one transaction per batch:
 *     take the drain lock (drains never overlap) → claim the oldest N pending answers →
 *     read the clips they touch with all their answers and gold (one statement) and the voters'
 *     reliabilities → recompute each clip (clipUpdateFor: posteriors, labels, state, overlap) →
 *     write every clip in one statement → mark the N answers applied → commit.
 *
 * Why a crash loses nothing and counts nothing twice: the answers are marked in the same
 * transaction that writes their clips, so a failure anywhere rolls both back and the answers stay
 * pending for the next drain; and a clip's update is recomputed from the set of its answers, never
 * incremented, so applying a clip again (an answer that arrived while its clip was being read is
 * in the read but only marked by a later batch) gives the same numbers.
 *
 * Votes cast under an older taxonomy version are carried through the tag mapping (evidence on
 * the active tags the mapping reaches) and still count as votes, so the vote count the state
 * decision and overlap target use matches the `assigned` / `vote_count` counters the queue pick
 * compares, across a taxonomy edit.
 *
 * Answers are claimed in arrival order, so under a backlog none waits behind newer ones.
 * Round trips per batch: a constant (lock, claim, clips, reliabilities, write, mark), whatever N.
 */

export const DRAIN_BATCH = 500;
/** Batches one drain runs back to back while they come back full (a backlog), before yielding. */
export const DRAIN_MAX_BATCHES = 20;

export interface DrainOptions {
  batchSize?: number;
  maxBatches?: number;
}

export interface DrainResult {
  /** Answers applied. */
  votes: number;
  /** Clip updates written (a clip touched by two batches counts twice). */
  clips: number;
  batches: number;
  /** Stopped at maxBatches with the last batch full: more answers may be waiting. */
  more: boolean;
  /** `emEveryVotes` answers arrived since the last full EM run and none is queued: queue one. */
  emDue: boolean;
}

export async function drainVotes(db: Db, options: DrainOptions = {}): Promise<DrainResult> {
  const batchSize = options.batchSize ?? DRAIN_BATCH;
  const maxBatches = options.maxBatches ?? DRAIN_MAX_BATCHES;
  if (!Number.isInteger(batchSize) || batchSize < 1)
    throw new RangeError(`drainVotes: batchSize must be a positive integer, got ${batchSize}`);
  if (!Number.isInteger(maxBatches) || maxBatches < 1)
    throw new RangeError(`drainVotes: maxBatches must be a positive integer, got ${maxBatches}`);
  const result: DrainResult = { votes: 0, clips: 0, batches: 0, more: false, emDue: false };
  while (result.batches < maxBatches) {
    const batch = await drainBatch(db, batchSize);
    if (batch.votes === 0) {
      result.more = false;
      break;
    }
    result.votes += batch.votes;
    result.clips += batch.clips;
    result.batches++;
    result.more = batch.votes === batchSize;
    if (!result.more) break;
  }
  if (result.votes > 0) result.emDue = await fullRunDue(db);
  return result;
}

async function drainBatch(db: Db, batchSize: number): Promise<{ votes: number; clips: number }> {
  return db.transaction(async (tx) => {
    await lockDrain(tx);
    const claimed = await claimPendingVotes(tx, batchSize);
    if (claimed.length === 0) return { votes: 0, clips: 0 };
    const written = await reaggregateClips(tx, [...new Set(claimed.map((v) => v.clip_id))]);
    await markVotesAggregated(
      tx,
      claimed.map((v) => v.id),
    );
    return { votes: claimed.length, clips: written };
  });
}

/**
 * Recomputes these clips from all their answers (posteriors, labels, state, overlap) and writes
 * them, in the caller's transaction, which must hold the drain lock ({@link lockDrain}). The drain
 * applies a batch with it; an undone answer the drain had already applied (lib/queue/undo.ts) is
 * reversed with it, from the answers that remain. Returns the clips written.
 */
export async function reaggregateClips(tx: DbOrTx, clipIds: string[]): Promise<number> {
  const [settings, taxonomy] = await Promise.all([getProjectSettings(tx), getActiveTaxonomy(tx)]);
  const tags = taxonomy.tags.map((t) => t.key);
  // Expert-resolved clips are final: their answers are marked applied and nothing else.
  const rows = (await clipsWithAnswersFor(tx, clipIds, taxonomy.version)).filter((c) => c.label_state !== 'expert_resolved');
  const voters = [...new Set(rows.flatMap((c) => c.answers.map((a) => a.u)))];
  const { model, weights } = await liveModelFor(tx, tags, taxonomy.version, voters);
  const evidence = settings.modelAwareAggregation ? await activeModelEvidence(tx, tags, settings.minVotes) : null;
  const predictions = evidence
    ? await predictionsFor(
        tx,
        evidence.modelId,
        tags,
        rows.map((c) => c.id),
      )
    : new Map<string, number[]>();
  const mappings = await loadMappingsTo(
    tx,
    rows.flatMap((c) => c.answers.map((a) => a.v)).filter((v) => v !== taxonomy.version),
    taxonomy.version,
  );
  const updates: DrainedClip[] = rows.map((c) => {
    const gold = c.gold_tags ? tagGoldFor({ tags: c.gold_tags, tolerated: c.gold_tolerated ?? [] }, tags) : undefined;
    const answers = c.answers.flatMap((a): LiveAnswer[] => {
      const answer = { worker: a.u, kind: a.k, tags: a.t ?? [], questionTag: a.q, answer: a.a };
      if (a.v === taxonomy.version) return [answer];
      // An old targeted answer gave its slot back and is dropped: a yes/no on a merged tag says
      // nothing about the merged whole. An old vote is carried through the mapping.
      if (a.k !== 'vote') return [];
      const mapping = mappings.get(a.v)!;
      return [{ ...answer, tags: mapLabels(answer.tags, mapping), covers: mapLabels(Object.keys(mapping), mapping) }];
    });
    const update = clipUpdateFor(answers, model, weights, gold, settings);
    const votes = answers.filter((a) => a.kind === 'vote').length;
    const withModel = withModelOnFewVotes(update.tags, votes, settings.minVotes, predictions.get(c.id), evidence, gold);
    return { clipId: c.id, state: update.state, overlapTarget: update.overlapTarget, tags: withModel };
  });
  return writeDrainedClips(tx, updates, 'br-incremental');
}

/** Whether the full EM is due: `emEveryVotes` answers since its last run, and no run queued or active. */
async function fullRunDue(db: Db): Promise<boolean> {
  const [settings, fit] = await Promise.all([getProjectSettings(db), currentFit(db)]);
  if ((await countVotesSince(db, fit?.votesUntil ?? new Date(0), settings.emEveryVotes)) < settings.emEveryVotes) return false;
  return !(await emJobPending(db, aggregateVotesSpec.name));
}
