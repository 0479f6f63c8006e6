import { z } from 'zod';

/**
 * One answer of a pairwise question ("which of these two is more <attribute>?") as `chorus aggregate
 * --type pairwise` reads it: `worker,winner,loser`, and an optional `tie` column. A "same" answer
 * names both items (in either order) with `tie` = 1 (or true); it counts half a win each way.
 */
export const PairwiseAnswerRowSchema = z
  .object({
    worker: z.string().min(1, { error: 'empty worker' }),
    winner: z.string().min(1, { error: 'empty winner' }),
    loser: z.string().min(1, { error: 'empty loser' }),
    tie: z
      .enum(['', '0', '1', 'true', 'false'], { error: 'tie must be 1, 0, true, false or empty' })
      .optional()
      .transform((v) => v === '1' || v === 'true'),
  })
  .refine((r) => r.winner !== r.loser, { error: 'winner and loser are the same item', path: ['loser'] });
export type PairwiseAnswerRow = z.infer<typeof PairwiseAnswerRowSchema>;

export const PAIRWISE_METHODS = ['crowd-bt', 'bt'] as const;
export const PairwiseMethodSchema = z.enum(PAIRWISE_METHODS);
export type PairwiseMethod = z.infer<typeof PairwiseMethodSchema>;
