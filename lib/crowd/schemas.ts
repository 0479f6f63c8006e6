import { z } from 'zod';
import { LABEL_STATES } from '@/db/schema/catalog';

/**
 * What a contributor sees about their own work. Deliberately aggregate only: no clip ids, no
 * per-answer correctness, no gold answers. Gold answers are counted in blocks of
 * {@link QUALITY_REVEAL_BLOCK} answers, so a number that moves never pins down which clip was gold,
 * and only answers past the undo window count, so none that moved a number can still be undone.
 */
export const ContributorQualitySchema = z.object({
  /** Gold clips answered (among the counted answers). */
  goldAnswered: z.number().int(),
  /** Gold answers entirely right (every tag the gold fixes answered as fixed). */
  goldCorrect: z.number().int(),
  /** Tag checks on those answers: each tag a gold answer fixes is one check; tolerated tags are not scored. */
  tagChecks: z.number().int(),
  tagChecksRight: z.number().int(),
  /** tagChecksRight / tagChecks (per-tag accuracy), null before the first counted gold answer. */
  accuracy: z.number().nullable(),
  /** Consecutive gold answers entirely right, counting back from the latest counted one. */
  streak: z.number().int(),
  /** Answers given (votes and yes/no answers; skips and flags not counted). */
  votes: z.number().int(),
  /** Answers included in the gold figures (a multiple of the block size). */
  countedVotes: z.number().int(),
  /** Answers still to give before the gold figures next update. */
  nextUpdateIn: z.number().int(),
  /** Median seconds from a clip on screen to your answer (votes and yes/no answers); null before the first. */
  medianAnswerS: z.number().nullable(),
});
export type ContributorQuality = z.infer<typeof ContributorQualitySchema>;

export const QUALITY_REVEAL_BLOCK = 10;

export const QualityFlagSchema = z.enum(['too_fast', 'same_answer', 'low_reliability', 'low_gold_accuracy']);

export const ReliabilityRowSchema = z.object({
  userId: z.string().uuid(),
  /** Name and email only for engineers and admins. */
  name: z.string().nullable(),
  email: z.string().nullable(),
  role: z.string(),
  status: z.string(),
  /** Imported from another platform (a placeholder account). */
  external: z.boolean(),
  reliability: z.number(),
  /** Standard deviation of the reliability estimate. */
  uncertainty: z.number(),
  sensitivity: z.number(),
  specificity: z.number(),
  votes: z.number().int(),
  /** Gold tag checks right / made: each tag a gold answer fixes is one check (tolerated tags are free). */
  goldCorrect: z.number().int(),
  goldTotal: z.number().int(),
  goldAccuracy: z.number().nullable(),
  weight: z.number(),
  tooFastShare: z.number(),
  sameAnswerShare: z.number(),
  flags: z.array(z.string()),
  updatedAt: z.string(),
});
export type ReliabilityRow = z.infer<typeof ReliabilityRowSchema>;

export const ReliabilityQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(200),
  offset: z.coerce.number().int().min(0).default(0),
  sort: z.enum(['reliability', 'votes', 'weight']).default('reliability'),
  flagged: z
    .enum(['true', 'false'])
    .optional()
    .transform((v) => v === 'true'),
});

export const ReliabilityResponseSchema = z.object({ total: z.number().int(), workers: z.array(ReliabilityRowSchema) });

export const AgreementQuerySchema = z.object({
  /** How many EM runs back (each run writes one row per tag, one overall and one batch row). */
  runs: z.coerce.number().int().min(1).max(500).default(50),
  scope: z.enum(['tag', 'batch', 'overall']).optional(),
});

export const AgreementPointSchema = z.object({
  computedAt: z.string(),
  scope: z.enum(['tag', 'batch', 'overall']),
  tag: z.string().nullable(),
  alpha: z.number().nullable(),
  kappa: z.number().nullable(),
  items: z.number().int(),
});
export const AgreementResponseSchema = z.object({ points: z.array(AgreementPointSchema) });
export type AgreementPoint = z.infer<typeof AgreementPointSchema>;

export const CrowdFitSchema = z.object({
  id: z.number().int(),
  computedAt: z.string(),
  trigger: z.string(),
  votes: z.number().int(),
  clips: z.number().int(),
  workers: z.number().int(),
  iterations: z.number().int(),
  converged: z.boolean(),
  durationMs: z.number().int(),
  paused: z.number().int(),
});
export type CrowdFit = z.infer<typeof CrowdFitSchema>;

export const ClipStatesResponseSchema = z.object({
  states: z.object(
    Object.fromEntries(LABEL_STATES.map((s) => [s, z.number().int()])) as Record<(typeof LABEL_STATES)[number], z.ZodNumber>,
  ),
  total: z.number().int(),
  /** Votes cast since the last full EM run, and the run that many votes trigger. */
  votesSinceFit: z.number().int(),
  emEveryVotes: z.number().int(),
  lastFit: CrowdFitSchema.nullable(),
});
export type ClipStatesResponse = z.infer<typeof ClipStatesResponseSchema>;

export const AggregateRequestSchema = z
  .object({ reason: z.string().trim().max(200).optional() })
  .strict()
  .default({});

export const AggregateResponseSchema = z.object({
  /** Job id (progress in GET /api/jobs); null when no job engine runs here and the run happened inline. */
  jobId: z.string().nullable(),
  result: z.unknown().optional(),
});
