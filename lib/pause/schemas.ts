import { z } from 'zod';

/**
 * Why a contributor is paused, their appeal, and the admin's unpause: the shapes stored in
 * `contributor_pauses.reason`, the API bodies, and the sentences the paused page and the admin's
 * users list show. Client-safe: zod and plain functions only.
 */

const count = z.number().int().nonnegative();
const share = z.number().min(0).max(1);

/** One check that paused the contributor, with the numbers it saw. */
export const PauseCheckSchema = z.discriminatedUnion('check', [
  z.object({
    check: z.literal('too_fast'),
    /** Answers judged (the latest ones, up to the check's window), and how many came before the minimum listening time. */
    answers: count,
    tooFast: count,
    /** Median listening time before answering, and the median length there was to hear (the played excerpt; seconds; null if unknown). */
    medianListenedS: z.number().nonnegative().nullable(),
    medianClipS: z.number().nonnegative().nullable(),
    /** An answer is too fast before min(minListenS, minListenFraction × clip length) of listening. */
    minListenS: z.number().nonnegative(),
    minListenFraction: share,
    /** Paused at this share of too-fast answers. */
    limitShare: share,
  }),
  z.object({
    check: z.literal('same_answer'),
    answers: count,
    same: count,
    /** The repeated answer (tags joined by ", "; empty: nothing ticked). */
    answer: z.string().max(500),
    limitShare: share,
  }),
  z.object({
    check: z.literal('low_reliability'),
    /** Estimated balanced accuracy against the crowd's consensus (0.5 = guessing), with its std. */
    mean: share,
    std: z.number().nonnegative(),
    floor: share,
  }),
  z.object({
    check: z.literal('low_gold_accuracy'),
    correct: count,
    total: count,
    floor: share,
  }),
  /** A failed qualification round (lib/qualification): paused until `retryAt`, then a fresh round. */
  z.object({
    check: z.literal('qualification'),
    /** Per-tag checks answered right and scored over the round's clips, and the pass mark. */
    right: count,
    total: count,
    threshold: share,
    retryAt: z.string(),
  }),
  z.object({
    check: z.literal('admin'),
    note: z.string().max(2000).nullable(),
  }),
  /** A flag recorded without its numbers (e.g. a check added later): named, not hidden. */
  z.object({
    check: z.literal('other'),
    detail: z.string().max(500),
  }),
]);
export type PauseCheck = z.infer<typeof PauseCheckSchema>;

export const PauseReasonSchema = z.object({ checks: z.array(PauseCheckSchema).min(1) });
export type PauseReason = z.infer<typeof PauseReasonSchema>;

export const PAUSE_CHECK_TITLES: Record<PauseCheck['check'], string> = {
  too_fast: 'Answers came faster than the clips could be heard',
  same_answer: 'The same answer to almost every clip',
  low_reliability: 'Answers rarely agree with other listeners',
  low_gold_accuracy: 'Check questions mostly answered wrong',
  qualification: 'The qualification round was not passed',
  admin: 'Paused by an admin',
  other: 'Paused by the automatic quality checks',
};

const pct = (x: number) => `${Math.round(x * 100)} %`;
const secs = (s: number) => `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;

/**
 * The check in one sentence with its numbers, e.g. "Your latest 14 answers came after a median
 * 1.2 s of listening each (the excerpts are 30 s long); 14 of them (100 %) came before the minimum
 * of 3.0 s or 20 % of the excerpt, whichever is shorter. The limit is 50 %."
 */
export function describePauseCheck(c: PauseCheck): string {
  switch (c.check) {
    case 'too_fast': {
      const heard = c.medianListenedS === null ? '' : ` came after a median ${secs(c.medianListenedS)} of listening each`;
      const length = c.medianClipS === null ? '' : ` (the excerpts are ${secs(c.medianClipS)} long)`;
      return (
        `Your latest ${c.answers} answers${heard}${length}; ${c.tooFast} of them (${pct(c.answers ? c.tooFast / c.answers : 0)}) came before ` +
        `the minimum of ${secs(c.minListenS)} or ${pct(c.minListenFraction)} of the excerpt, whichever is shorter. The limit is ${pct(c.limitShare)}.`
      );
    }
    case 'same_answer':
      return (
        `You gave the same answer (${c.answer ? `“${c.answer}”` : 'no mood ticked'}) to ${c.same} of ${c.answers} clips ` +
        `(${pct(c.answers ? c.same / c.answers : 0)}); the limit is ${pct(c.limitShare)}.`
      );
    case 'low_reliability':
      return (
        `Your answers agree with the other listeners' consensus about ${pct(c.mean)} of the time (± ${pct(c.std)}; 50 % is guessing), ` +
        `surely below the ${pct(c.floor)} floor.`
      );
    case 'low_gold_accuracy':
      return (
        `On clips whose answer is known, ${c.correct} of your ${c.total} mood choices matched it ` +
        `(${pct(c.total ? c.correct / c.total : 0)}), surely below the ${pct(c.floor)} floor.`
      );
    case 'qualification':
      return (
        `On the qualification clips, ${c.right} of ${c.total} mood choices matched the known answers (${pct(c.total ? c.right / c.total : 0)}); ` +
        `the pass mark is ${pct(c.threshold)}. You can take a fresh round from ${new Date(c.retryAt).toUTCString()}: come back to this page then.`
      );
    case 'admin':
      return c.note ? `An admin paused your account: “${c.note}”` : 'An admin paused your account.';
    case 'other':
      return `The automatic quality checks paused your account (${c.detail}).`;
  }
}

export const APPEAL_MAX = 1000;

/** A contributor's appeal: a short text to the admins. */
export const AppealSchema = z
  .object({ text: z.string().trim().min(10, 'say a little more (at least 10 characters)').max(APPEAL_MAX) })
  .strict();
export type AppealInput = z.infer<typeof AppealSchema>;

/** An admin's unpause: the note is required (it is the audit record of why). */
export const UnpauseSchema = z
  .object({ note: z.string().trim().min(3, 'write a short note for the record').max(2000) })
  .strict();
export type UnpauseInput = z.infer<typeof UnpauseSchema>;

/** The pause in force, as the API and pages show it. */
export const PauseViewSchema = z.object({
  id: z.string().uuid(),
  userId: z.string().uuid(),
  pausedAt: z.string(),
  pausedBy: z.string().uuid().nullable(),
  reason: PauseReasonSchema,
  appeal: z.string().nullable(),
  appealedAt: z.string().nullable(),
});
export type PauseView = z.infer<typeof PauseViewSchema>;
