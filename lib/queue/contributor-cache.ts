import type { DbOrTx } from '@/db/client';
import { countVotesByUser } from '@/lib/crowd/repo';
import { processWide } from '@/lib/util/process-wide';

/**
 * Per-process cache of each contributor's answer count (votes, flags and targeted answers, not
 * skips — what `countVotesByUser` counts), which decides their gold rate: new contributors get
 * `newContributorGoldRate` until they reach `newContributorVotes`. The next-clip path used to count
 * the contributor's votes on every call.
 *
 * Kept right in this process: `submitVote` calls `noteAnswer` for every answer it stores (never for
 * a replay). Answers stored by another web process, imported or deleted ones reach this cache when
 * the entry is re-read, at most `TTL_MS` later; until then the contributor's gold rate can lag
 * behind by that long (gold is a sampling rate, so a lag costs at most a few gold clips more or
 * less). Bounded: the oldest entries are dropped beyond `MAX_ENTRIES`.
 */
const TTL_MS = 60_000;
const MAX_ENTRIES = 50_000;

interface Entry {
  count: number;
  readAt: number;
}

const entries = processWide('contributor-answer-counts', () => new Map<string, Entry>());
/** Answers noted while a read was in flight; added to the count that read returns. */
const pending = processWide('contributor-answers-pending', () => new Map<string, number>());

let now: () => number = () => Date.now();

export async function answersSoFar(db: DbOrTx, userId: string): Promise<number> {
  const hit = entries.get(userId);
  if (hit && now() - hit.readAt < TTL_MS) return hit.count;
  const readAt = now();
  pending.set(userId, 0);
  let count: number;
  try {
    // Answers committed while the count runs may or may not be in it; adding them again only
    // makes the contributor "experienced" an answer early, never keeps them new for longer.
    count = (await countVotesByUser(db, userId)) + (pending.get(userId) ?? 0);
  } finally {
    pending.delete(userId);
  }
  entries.delete(userId);
  entries.set(userId, { count, readAt });
  if (entries.size > MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
  return count;
}

/** A new answer of this kind was stored for the contributor (call after commit, not for replays). */
export function noteAnswer(userId: string, kind: string): void {
  if (kind === 'skip') return;
  const hit = entries.get(userId);
  if (hit) hit.count += 1;
  if (pending.has(userId)) pending.set(userId, pending.get(userId)! + 1);
}

/** Drop one contributor's entry (e.g. after their votes were deleted or imported), or all. */
export function forgetAnswers(userId?: string): void {
  if (userId) entries.delete(userId);
  else entries.clear();
}

/** Tests only: a fake clock for the TTL. */
export function setAnswerCacheClock(clock: (() => number) | null): void {
  now = clock ?? (() => Date.now());
}
