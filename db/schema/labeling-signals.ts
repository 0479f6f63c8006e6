import { jsonb, pgTable, real, timestamp, uuid } from 'drizzle-orm/pg-core';
import { clips } from './catalog';

/**
 * Why a queued clip got a drift or listener-feedback boost (issue 20, item 4): the signals the
 * last rescore blended into its priority (the `drift` and `feedback` terms of priority_terms) and
 * the reasons in words, shown to experts on /review. Rewritten by each rescore for the clips in a
 * queue; a clip without a boost has no row.
 */
export const clipLabelingSignals = pgTable('clip_labeling_signals', {
  clipId: uuid('clip_id')
    .primaryKey()
    .references(() => clips.id, { onDelete: 'cascade' }),
  drift: real('drift').notNull().default(0),
  feedback: real('feedback').notNull().default(0),
  reasons: jsonb('reasons').$type<string[]>().notNull().default([]),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
