import { z } from 'zod';

/**
 * Qualification (issue 15, item 2): where a contributor stands, as `/api/me/qualification`, the
 * labeler's banner and the onboarding page show it. Client-safe: zod only. Nothing here names a
 * gold clip's answer, nor which of the round's answers were right: only counts.
 */
export const QualificationStatusSchema = z.discriminatedUnion('state', [
  /** Experts, admins and engineers never take the round. */
  z.object({ state: z.literal('exempt') }),
  /** Nobody takes it: switched off (0 clips) or too few gold clips for a round. */
  z.object({
    state: z.literal('off'),
    reason: z.enum(['disabled', 'not_enough_gold']),
    goldClips: z.number().int(),
    needed: z.number().int(),
  }),
  z.object({ state: z.literal('qualified'), since: z.string() }),
  /** A round is under way: the contributor's answers to its clips so far. */
  z.object({ state: z.literal('in_progress'), answered: z.number().int(), total: z.number().int() }),
  /** The last round failed: paused until `retryAt`, then a fresh round. */
  z.object({ state: z.literal('failed'), retryAt: z.string() }),
  /** Every gold clip this contributor could be asked was used by earlier rounds: an admin must help. */
  z.object({ state: z.literal('no_clips') }),
]);
export type QualificationStatus = z.infer<typeof QualificationStatusSchema>;

/** What `/loop` shows: whether the round is on, and the warning when it is off for lack of gold. */
export const QualificationOverviewSchema = z.object({
  clips: z.number().int(),
  threshold: z.number(),
  goldClips: z.number().int(),
  active: z.boolean(),
  warning: z.string().nullable(),
  qualified: z.number().int(),
  inProgress: z.number().int(),
  failed: z.number().int(),
});
export type QualificationOverview = z.infer<typeof QualificationOverviewSchema>;

/** PUT /api/admin/users/{id}/qualification: an admin grants (true) or revokes (false) a contributor's qualification, with why. */
export const QualificationOverrideSchema = z
  .object({
    qualified: z.boolean(),
    note: z.string().trim().min(3, 'say why in a few words (it goes in the audit log)').max(500),
  })
  .strict();
export type QualificationOverride = z.infer<typeof QualificationOverrideSchema>;
