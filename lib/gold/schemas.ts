import { z } from 'zod';
import { TagKeySchema } from '@/lib/taxonomy/schemas';

/**
 * Gold (honeypot) answers: the shapes of the expert API, the review screen, the CLI and the
 * `/loop` gold section. Client-safe: zod only. Gold answers are expert/admin data — no
 * contributor-reachable route may return anything from here (tests/integration/security-*).
 */

const TagListSchema = z.array(TagKeySchema).max(40);

/**
 * A gold answer: `tags` must be said yes; `tolerated` may go either way (subjective moods, e.g.
 * "calm" on a "dreamy" clip); every other tag must be no. The two sets are disjoint.
 */
export const GoldAnswerInputSchema = z
  .object({
    clipId: z.string().uuid(),
    tags: TagListSchema.min(1, 'a gold answer names at least one mood that fits'),
    tolerated: TagListSchema.default([]),
  })
  .strict()
  .superRefine((v, ctx) => {
    const both = v.tolerated.filter((t) => v.tags.includes(t));
    if (both.length > 0)
      ctx.addIssue({
        code: 'custom',
        path: ['tolerated'],
        message: `a mood is either required or tolerated, not both: ${both.join(', ')}`,
      });
  });
export type GoldAnswerInput = z.infer<typeof GoldAnswerInputSchema>;

export const GoldAnswerSchema = z.object({
  clipId: z.string().uuid(),
  taxonomyVersion: z.number().int(),
  tags: z.array(z.string()),
  tolerated: z.array(z.string()),
});
export type GoldAnswer = z.infer<typeof GoldAnswerSchema>;

/** One gold clip as the expert list shows it: its answer, who made it, and how it is used. */
export const GoldClipViewSchema = GoldAnswerSchema.extend({
  title: z.string(),
  artist: z.string(),
  createdBy: z.string().nullable(),
  createdAt: z.string(),
  /** Times the crowd queue handed it out (gold leases), and the answers it collected. */
  served: z.number().int(),
  answers: z.number().int(),
  /** Share of those answers that matched the gold (null before any). */
  accuracy: z.number().nullable(),
});
export type GoldClipView = z.infer<typeof GoldClipViewSchema>;

export const GoldCoverageSchema = z.object({
  goldClips: z.number().int(),
  /** Gold clips written under an earlier taxonomy version than the active one. */
  olderVersion: z.number().int(),
  neverServed: z.number().int(),
  served: z.number().int(),
  answers: z.number().int(),
  /** Expert-resolved clips not yet gold: the bulk promotion's candidates. */
  promotable: z.number().int(),
});
export type GoldCoverage = z.infer<typeof GoldCoverageSchema>;

export const GoldListQuerySchema = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});

export const GoldListResponseSchema = z.object({
  gold: z.array(GoldClipViewSchema),
  total: z.number().int(),
  coverage: GoldCoverageSchema,
});

/** Per contributor: gold clips answered and answered right (required moods yes, the rest no or tolerated). */
export const GoldAccuracyRowSchema = z.object({
  userId: z.string().uuid(),
  name: z.string(),
  answered: z.number().int(),
  correct: z.number().int(),
  /** Whole answers right ÷ answered (every fixed mood as fixed). */
  accuracy: z.number(),
  /** Per-mood checks on those answers (tolerated moods are free), and how many were right. */
  tagChecks: z.number().int(),
  tagRight: z.number().int(),
  tagAccuracy: z.number(),
});
export type GoldAccuracyRow = z.infer<typeof GoldAccuracyRowSchema>;

/** Bulk promotion of expert-resolved clips: the given ones, or every candidate when none are given. */
export const GoldPromoteInputSchema = z.object({ clipIds: z.array(z.string().uuid()).min(1).max(1000).optional() }).strict();
export type GoldPromoteInput = z.infer<typeof GoldPromoteInputSchema>;

export const GoldPromoteResultSchema = z.object({
  promoted: z.array(z.string().uuid()),
  /** Clips asked for that cannot be promoted, with the reason. */
  refused: z.array(z.object({ clipId: z.string(), reason: z.string() })),
});
export type GoldPromoteResult = z.infer<typeof GoldPromoteResultSchema>;

export const GoldMarkResultSchema = z.object({ gold: GoldAnswerSchema, changed: z.boolean() });

export const PromotableClipSchema = z.object({
  clipId: z.string().uuid(),
  title: z.string(),
  artist: z.string(),
  tags: z.array(z.string()),
  decidedAt: z.string(),
});
export type PromotableClip = z.infer<typeof PromotableClipSchema>;
