import { z } from 'zod';
import { PlayableClipSchema } from '@/lib/catalog/schemas';
import { TagKeySchema, TagSchema } from '@/lib/taxonomy/schemas';

/** Everything an expert sees about one clip. Voter identities are never included. */
export const ReviewItemSchema = z.object({
  lease: z.object({ id: z.string().uuid(), expiresAt: z.string() }),
  secondOpinion: z.boolean(),
  clip: PlayableClipSchema.extend({ labelState: z.string() }),
  taxonomy: z.object({ version: z.number().int(), tags: z.array(TagSchema) }),
  /** Why the clip is in the review queue, in words and in the priority terms. */
  why: z.object({ reasons: z.array(z.string()), priority: z.number(), terms: z.record(z.string(), z.number()) }),
  votes: z.object({
    count: z.number().int(),
    perTag: z.array(z.object({ tag: z.string(), yes: z.number().int(), no: z.number().int(), posterior: z.number().nullable() })),
    /** One entry per voter: their reliability and what they said, anonymous. */
    voters: z.array(z.object({ reliability: z.number().nullable(), tags: z.array(z.string()) })),
  }),
  model: z.object({ version: z.number().int(), probs: z.record(z.string(), z.number()), uncertainty: z.number() }).nullable(),
  features: z
    .object({
      tempoBpm: z.number().nullable(),
      tempoConfidence: z.number().nullable(),
      key: z.string().nullable(),
      mode: z.string().nullable(),
      keyConfidence: z.number().nullable(),
      lufs: z.number().nullable(),
    })
    .nullable(),
  neighbours: z.array(z.object({ clipId: z.string().uuid(), title: z.string(), labels: z.array(z.string()), distance: z.number() })),
});
export type ReviewItem = z.infer<typeof ReviewItemSchema>;

export const DecisionInputSchema = z.object({
  leaseId: z.string().uuid(),
  tags: z.array(TagKeySchema).max(20),
  note: z.string().trim().max(2000).default(''),
  idempotencyKey: z.string().min(8).max(100),
});
export type DecisionInput = z.infer<typeof DecisionInputSchema>;
