import type { DbOrTx } from '@/db/client';
import { getActiveTaxonomy } from '@/lib/taxonomy/repo';
import { goldTagChecks, tagGoldFor } from './live';
import { UNDO_WINDOW_SECONDS } from '@/lib/queue/schemas';
import { goldHistoryOf, medianAnswerMs } from './repo';
import { QUALITY_REVEAL_BLOCK, type ContributorQuality } from './schemas';

/**
 * A contributor's own record on gold clips: how many they answered, how many entirely right,
 * their accuracy per tag check (every tag the gold fixes is one check, tolerated tags are free —
 * so a contributor right on 95 % of tags reads about 95 %), and their current streak of entirely
 * right answers. Answers are counted in blocks of QUALITY_REVEAL_BLOCK, and only once past the
 * undo window, so watching the numbers after each answer (and undoing) cannot tell which clip was
 * a honeypot; nothing per-clip is returned. Also the median time per answer.
 * O(the contributor's answers).
 */
export async function contributorQuality(db: DbOrTx, userId: string): Promise<ContributorQuality> {
  const [{ total, gold }, taxonomy, times] = await Promise.all([
    // Past the undo window only: otherwise answer → watch the figures → undo would tell gold apart.
    goldHistoryOf(db, userId, UNDO_WINDOW_SECONDS),
    getActiveTaxonomy(db),
    medianAnswerMs(db, [userId]),
  ]);
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
    medianAnswerS: times.has(userId) ? times.get(userId)!.medianMs / 1000 : null,
  };
}
