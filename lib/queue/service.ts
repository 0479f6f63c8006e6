import type { Db } from '@/db/client';
import { getProjectSettings } from '@/lib/settings/repo';
import { getActiveTaxonomy } from '@/lib/taxonomy/repo';
import { recordVote } from './repo';
import { pickNextClip } from './pick';
import { answersSoFar, noteAnswer } from './contributor-cache';
import { playableClip } from '@/lib/catalog/schemas';
import type { QueueItem, VoteInput, VoteResult } from './schemas';
import { metrics } from '@/lib/observability/metrics';
import { assertMayAnswer, noteQualificationAnswer, qualificationClipsFor } from '@/lib/qualification/service';

/**
 * The next clip for a contributor, or null when the queue has nothing for them.
 * `random` decides gold injection; tests pass a fixed one.
 */
export async function nextClipFor(
  db: Db,
  userId: string,
  exclude: string[],
  random: () => number = Math.random,
): Promise<QueueItem | null> {
  const [settings, taxonomy] = await Promise.all([getProjectSettings(db), getActiveTaxonomy(db)]);
  const votesSoFar = await answersSoFar(db, userId);
  const goldRate = votesSoFar < settings.newContributorVotes ? settings.newContributorGoldRate : settings.goldRate;
  // A contributor who must qualify is served their round's gold clips and nothing else (lib/qualification).
  const round = await qualificationClipsFor(db, userId, settings);
  const picked = await pickNextClip(db, {
    userId,
    settings,
    exclude,
    wantGold: round !== null || random() < goldRate,
    wantQuestion: round === null && random() < settings.targetedQuestionRate,
    onlyGold: round ?? undefined,
    questionTags: taxonomy.tags.map((t) => t.key),
  });
  if (!picked) return null;
  const { lease, clip } = picked;
  const questionTag = lease.questionTag ? taxonomy.tags.find((t) => t.key === lease.questionTag) : undefined;
  return {
    lease: { id: lease.id, expiresAt: lease.expiresAt.toISOString() },
    clip: playableClip(clip),
    taxonomy,
    question: questionTag ? { tag: questionTag.key, label: questionTag.label } : null,
  };
}

/**
 * Stores an answer (one short transaction, see `recordVote`). Its clip's posterior, state and
 * overlap follow at the next drain of the batched aggregator (lib/crowd/drain.ts), about a second later.
 */
export async function submitVote(db: Db, userId: string, input: VoteInput): Promise<VoteResult> {
  const taxonomy = await getActiveTaxonomy(db);
  const inRound = await assertMayAnswer(db, userId, input.leaseId);
  const result = await recordVote(db, userId, input, taxonomy);
  if (!result.replayed) {
    metrics().votes.inc({ kind: result.kind });
    noteAnswer(userId, result.kind);
    if (inRound) await noteQualificationAnswer(db, userId);
  }
  return result;
}
