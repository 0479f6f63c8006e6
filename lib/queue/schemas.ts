import { z } from 'zod';
import { PlayableClipSchema } from '@/lib/catalog/schemas';
import { TagKeySchema, TagSchema } from '@/lib/taxonomy/schemas';

/** What a contributor receives: nothing about other votes, gold status or model scores. */
export const QueueItemSchema = z.object({
  lease: z.object({ id: z.string().uuid(), expiresAt: z.string() }),
  clip: PlayableClipSchema,
  taxonomy: z.object({ version: z.number().int(), tags: z.array(TagSchema) }),
  /** A quick yes/no about one tag the model is unsure of, instead of the full tag picker. */
  question: z.object({ tag: TagKeySchema, label: z.string() }).nullable(),
});
export type QueueItem = z.infer<typeof QueueItemSchema>;

export const NextClipQuerySchema = z.object({
  /** Clip ids the client already holds (current + preloaded), so preloading gets a different clip. */
  exclude: z
    .string()
    .optional()
    .transform((s) => (s ? s.split(',').filter(Boolean) : []))
    .pipe(z.array(z.string().uuid()).max(10)),
});

const VoteBase = z.object({
  leaseId: z.string().uuid(),
  /** Client-generated; a retried submit with the same key returns the first result. */
  idempotencyKey: z.string().min(8).max(100),
  listenedMs: z.number().int().min(0).max(86_400_000).optional(),
});

export const VoteInputSchema = z.discriminatedUnion('kind', [
  VoteBase.extend({ kind: z.literal('vote'), tags: z.array(TagKeySchema).min(1).max(20) }),
  /**
   * "None of these moods fit": an explicit "no" to every tag, counted as a vote. Stored as a vote
   * with an empty tag set — the only way one is made (a 'vote' needs a tag), so an empty set
   * always means this answer.
   */
  VoteBase.extend({ kind: z.literal('none') }),
  VoteBase.extend({ kind: z.literal('skip') }),
  VoteBase.extend({ kind: z.literal('flag'), reason: z.string().trim().min(1).max(300).default('unspecified') }),
  VoteBase.extend({ kind: z.literal('targeted'), answer: z.boolean() }),
]);
export type VoteInput = z.infer<typeof VoteInputSchema>;

export const VoteResultSchema = z.object({
  voteId: z.string().uuid(),
  clipId: z.string().uuid(),
  /** As stored: 'vote' (a "none of these" too, with no tag), 'skip', 'flag' or 'targeted'. */
  kind: z.string(),
  /** True when this answer is a replay of an earlier submit with the same idempotency key. */
  replayed: z.boolean(),
});
export type VoteResult = z.infer<typeof VoteResultSchema>;

/** Seconds after an answer during which its contributor may undo it (lib/queue/undo.ts). */
export const UNDO_WINDOW_SECONDS = 10;

export const UndoInputSchema = z.object({ voteId: z.string().uuid() }).strict();
export type UndoInput = z.infer<typeof UndoInputSchema>;

export const UndoResultSchema = z.object({
  voteId: z.string().uuid(),
  /** True when this answer had been undone already: nothing changed now. */
  replayed: z.boolean(),
  /** The clip back in front of the contributor under a fresh lease; null when it cannot come back (settled by an expert, or its slot taken). */
  item: QueueItemSchema.nullable(),
});
export type UndoResult = z.infer<typeof UndoResultSchema>;
