import { z } from 'zod';
import { PlayableClipSchema } from '@/lib/catalog/schemas';
import { TagKeySchema } from '@/lib/taxonomy/schemas';

/**
 * Per-tag guidelines (issue 15, item 2): the expert's edit, the contributor's view, the example
 * candidates. Client-safe: zod only. A gold clip is never an example (its answer would be the
 * guideline's), and a view never carries anything a contributor may not see.
 */

export const GUIDELINE_TEXT_MAX = 2000;
export const GUIDELINE_EXAMPLES_MAX = 3;

/** Plain text, bounded; examples: up to three clips, each once (an expert may save the words first). */
export const GuidelineInputSchema = z
  .object({
    text: z
      .string()
      .trim()
      .max(GUIDELINE_TEXT_MAX, { error: `a guideline is at most ${GUIDELINE_TEXT_MAX} characters` }),
    exampleClipIds: z
      .array(z.string().uuid({ error: 'example clips are clip ids' }))
      .max(GUIDELINE_EXAMPLES_MAX, { error: `at most ${GUIDELINE_EXAMPLES_MAX} example clips per mood` })
      .refine((ids) => new Set(ids).size === ids.length, { error: 'an example clip is listed twice' })
      .default([]),
  })
  .strict();
export type GuidelineInput = z.infer<typeof GuidelineInputSchema>;

export const GuidelineTagParamSchema = TagKeySchema;

/** One mood as the onboarding page, the labeler's help and the expert's editor show it. */
export const TagGuidelineViewSchema = z.object({
  key: z.string(),
  label: z.string(),
  description: z.string(),
  text: z.string(),
  examples: z.array(PlayableClipSchema),
  updatedAt: z.string().nullable(),
});
export type TagGuidelineView = z.infer<typeof TagGuidelineViewSchema>;

export const GuidelinesResponseSchema = z.object({
  taxonomyVersion: z.number().int(),
  tags: z.array(TagGuidelineViewSchema),
});
export type GuidelinesResponse = z.infer<typeof GuidelinesResponseSchema>;

/** A clip an expert may choose as an example of a mood: the crowd or an expert settled it with that mood. */
export const ExampleCandidateSchema = PlayableClipSchema.extend({
  /** The settled posterior of the mood on this clip (1 for an expert decision). */
  posterior: z.number(),
  labelState: z.string(),
});
export type ExampleCandidate = z.infer<typeof ExampleCandidateSchema>;
