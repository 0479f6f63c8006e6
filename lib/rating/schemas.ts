import { z } from 'zod';

/** A valence or arousal coordinate: a number in [−1, 1] (the circumplex), not empty. */
export const CircumplexCoordinateSchema = z
  .string()
  .min(1, { error: 'empty' })
  .transform((text) => Number(text))
  .refine(Number.isFinite, { error: 'not a number' })
  .refine((x) => x >= -1 && x <= 1, { error: 'outside [-1, 1]' });

/** One valence–arousal rating as `chorus aggregate --type rating` reads it: `item,worker,valence,arousal`. */
export const ValenceArousalRowSchema = z.object({
  item: z.string().min(1, { error: 'empty item' }),
  worker: z.string().min(1, { error: 'empty worker' }),
  valence: CircumplexCoordinateSchema,
  arousal: CircumplexCoordinateSchema,
});
export type ValenceArousalRow = z.infer<typeof ValenceArousalRowSchema>;
