import { goldTagChecks, tagGoldFor, type GoldAnswer } from '@/lib/crowd/live';

/** One clip of a round: its gold answer, and the contributor's answer (a skip or flag: no tags). */
export interface RoundAnswer {
  readonly gold: GoldAnswer;
  /** The moods ticked; null when the clip was skipped or flagged (every check it carries counts as wrong). */
  readonly tags: readonly string[] | null;
}

/**
 * Scores a qualification round with the crowd's per-tag gold scoring (`goldTagChecks`, the same
 * checks the spam checks and /loop use): each tag a gold answer fixes is one check, tolerated tags
 * are free. A skipped or flagged clip scores none of its checks, so skipping cannot dodge a hard
 * clip. Passed when right / total ≥ threshold (a round with no checks at all does not pass). O(clips × tags).
 *
 * @example
 * scoreRound([{ gold: { tags: ['calm'], tolerated: [] }, tags: ['calm'] }], ['calm', 'sad'], 0.8)
 * // { right: 2, total: 2, accuracy: 1, passed: true }
 */
export function scoreRound(
  answers: readonly RoundAnswer[],
  taxonomyTags: readonly string[],
  threshold: number,
): { right: number; total: number; accuracy: number; passed: boolean } {
  let right = 0;
  let total = 0;
  for (const a of answers) {
    const fixed = tagGoldFor(a.gold, taxonomyTags);
    if (a.tags === null) {
      total += Object.keys(fixed).length;
      continue;
    }
    const checks = goldTagChecks({ tags: a.tags }, fixed);
    right += checks.right;
    total += checks.total;
  }
  const accuracy = total > 0 ? right / total : 0;
  return { right, total, accuracy, passed: total > 0 && accuracy >= threshold };
}
