import type { DbOrTx } from '@/db/client';
import type { votes } from '@/db/schema';
import { aggregateVotesJob } from '@/jobs/aggregate-votes';
import { jobEngine } from '@/lib/jobs/runtime';
import { logger } from '@/lib/observability/log';
import { getProjectSettings } from '@/lib/settings/repo';
import type { ProjectSettings } from '@/lib/settings/schemas';
import { getActiveTaxonomy } from '@/lib/taxonomy/repo';
import type { Taxonomy } from '@/lib/taxonomy/schemas';
import { clipAgreement } from './agreement';
import { updateClipPosterior, type ClipVote } from './binary-relevance';
import { decideClipState, supportedLabels } from './clip-state';
import { clipStateSettings, overlapTargetAfter } from './policy';
import { applyTargetedAnswers, goldTagChecks, tagGoldFor, type TargetedAnswer } from './live';
import { currentFit, liveModelFor } from './model-store';
import {
  answersForClip,
  countVotesSince,
  emJobPending,
  goldAnswerFor,
  goldHistoryOf,
  lockClipForUpdate,
  setClipState,
  upsertAggregates,
  type CrowdFitRow,
} from './repo';
import { QUALITY_REVEAL_BLOCK, type ContributorQuality } from './schemas';

/**
 * Runs inside the vote's transaction: recomputes the clip's per-tag posteriors from its
 * answers under the current worker reliabilities (the E-step for one clip, O(answers on the
 * clip · tags)), stores them, moves the clip's state and overlap target, and asks for a full EM
 * run once `emEveryVotes` new votes have arrived. Expert-resolved clips are final.
 */
export async function onVoteRecorded(tx: DbOrTx, vote: typeof votes.$inferSelect, taxonomy: Taxonomy): Promise<void> {
  if (vote.kind !== 'vote' && vote.kind !== 'targeted') return;
  const clip = await lockClipForUpdate(tx, vote.clipId);
  if (!clip) return;
  const settings = await getProjectSettings(tx);
  if (clip.label_state === 'expert_resolved') {
    await maybeTriggerAggregation(tx, settings, await currentFit(tx));
    return;
  }
  const tags = taxonomy.tags.map((t) => t.key);
  const known = new Set(tags);
  const answers = await answersForClip(tx, vote.clipId, taxonomy.version);
  const { model, weights, fit } = await liveModelFor(
    tx,
    tags,
    taxonomy.version,
    answers.map((a) => a.userId),
  );
  const goldRow = await goldAnswerFor(tx, vote.clipId);
  const gold = goldRow ? tagGoldFor(goldRow, tags) : undefined;
  const full: ClipVote[] = [];
  const targeted: TargetedAnswer[] = [];
  for (const a of answers) {
    const weight = weights.get(a.userId) ?? 1;
    if (a.kind === 'vote') full.push({ worker: a.userId, tags: a.tags.filter((t) => known.has(t)), weight });
    else if (a.questionTag && known.has(a.questionTag) && a.answer !== null) {
      targeted.push({ worker: a.userId, tag: a.questionTag, answer: a.answer, weight });
    }
  }
  const posteriors = applyTargetedAnswers(updateClipPosterior(full, model, gold), targeted, model, gold);
  const ticked = tags.map((tag) => full.filter((v) => v.tags.includes(tag)).length);
  const saidYes = tags.map((tag) => targeted.filter((a) => a.tag === tag && a.answer).length);
  const saidNo = tags.map((tag) => targeted.filter((a) => a.tag === tag && !a.answer).length);
  const yesVotes = tags.map((_, t) => ticked[t] + saidYes[t]);
  const noVotes = tags.map((_, t) => full.length - ticked[t] + saidNo[t]);
  const fixed = tags.map((tag) => Boolean(gold && Object.hasOwn(gold, tag)));
  const labels = supportedLabels(posteriors, yesVotes, fixed);
  await upsertAggregates(
    tx,
    tags.map((tag, t) => {
      const p = posteriors[t];
      return {
        clipId: vote.clipId,
        tag,
        posterior: p,
        label: labels[t],
        confidence: Math.max(p, 1 - p),
        yesVotes: yesVotes[t],
        noVotes: noVotes[t],
        method: 'br-incremental',
      };
    }),
  );
  const count = full.length + targeted.length;
  const decision = decideClipState(posteriors, count, clipStateSettings(settings), {
    agreement: clipAgreement(full, tags, model.prevalence),
    yesVotes,
    fixed,
    tags,
  });
  await setClipState(tx, vote.clipId, decision.state, overlapTargetAfter(decision, count, clip.overlap_target, settings));
  await maybeTriggerAggregation(tx, settings, fit);
}

let triggering = false;

/**
 * Queues a full EM run once `emEveryVotes` answers arrived since the last one. Only when a job
 * engine runs in this process (not in tests or the CLI); the send is not awaited, because in
 * embedded mode the engine shares the one connection this transaction holds.
 */
async function maybeTriggerAggregation(tx: DbOrTx, settings: ProjectSettings, fit: CrowdFitRow | undefined): Promise<void> {
  const engine = jobEngine();
  if (!engine || triggering) return;
  const fresh = await countVotesSince(tx, fit?.votesUntil ?? new Date(0), settings.emEveryVotes);
  if (fresh < settings.emEveryVotes) return;
  if (await emJobPending(tx, aggregateVotesJob.name)) return;
  triggering = true;
  void engine
    .then((e) => e.enqueue(aggregateVotesJob, { trigger: 'votes' }))
    .catch((err: unknown) => logger().warn({ err }, 'could not queue the EM run'))
    .finally(() => {
      triggering = false;
    });
}

/**
 * A contributor's own record on gold clips: how many they answered, how many entirely right,
 * their accuracy per tag check (every tag the gold fixes is one check, tolerated tags are free —
 * so a contributor right on 95 % of tags reads about 95 %), and their current streak of entirely
 * right answers. Answers are counted in blocks of QUALITY_REVEAL_BLOCK, so watching the numbers
 * after each answer cannot tell which clip was a honeypot; nothing per-clip is returned.
 * O(the contributor's answers).
 */
export async function contributorQuality(db: DbOrTx, userId: string): Promise<ContributorQuality> {
  const [{ total, gold }, taxonomy] = await Promise.all([goldHistoryOf(db, userId), getActiveTaxonomy(db)]);
  const tags = taxonomy.tags.map((t) => t.key);
  const counted = Math.floor(total / QUALITY_REVEAL_BLOCK) * QUALITY_REVEAL_BLOCK;
  const outcomes: boolean[] = [];
  let checks = 0;
  let checksRight = 0;
  for (const g of gold) {
    if (g.n > counted) break;
    const tagGold = tagGoldFor({ tags: g.gold_tags, tolerated: g.tolerated }, tags);
    if (Object.keys(tagGold).length === 0) continue;
    const answer =
      g.kind === 'targeted' && g.question_tag !== null && g.answer !== null
        ? { questionTag: g.question_tag, answer: g.answer }
        : { tags: g.tags };
    const scored = goldTagChecks(answer, tagGold);
    if (scored.total === 0) continue;
    checks += scored.total;
    checksRight += scored.right;
    outcomes.push(scored.right === scored.total);
  }
  const goldCorrect = outcomes.filter(Boolean).length;
  let streak = 0;
  for (let i = outcomes.length - 1; i >= 0 && outcomes[i]; i--) streak++;
  return {
    goldAnswered: outcomes.length,
    goldCorrect,
    tagChecks: checks,
    tagChecksRight: checksRight,
    accuracy: checks > 0 ? checksRight / checks : null,
    streak,
    votes: total,
    countedVotes: counted,
    nextUpdateIn: counted + QUALITY_REVEAL_BLOCK - total,
  };
}
