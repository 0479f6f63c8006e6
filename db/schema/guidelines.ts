import { sql } from 'drizzle-orm';
import { boolean, index, integer, pgTable, real, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from './auth';

/**
 * Per-tag guidelines (issue 15, item 2): what a mood means in words and 1–3 example clips chosen
 * by an expert. Keyed by tag key, not by taxonomy version, so a tag that keeps its key across a
 * taxonomy edit keeps its guideline; a row whose key left the taxonomy is kept but not shown.
 * Owned by lib/guidelines/repo.ts.
 */
export const tagGuidelines = pgTable('tag_guidelines', {
  tagKey: text('tag_key').primaryKey(),
  text: text('text').notNull().default(''),
  exampleClipIds: uuid('example_clip_ids')
    .array()
    .notNull()
    .default(sql`'{}'::uuid[]`),
  updatedBy: uuid('updated_by').references(() => users.id, { onDelete: 'set null' }),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Qualification rounds (issue 15, item 2): the gold clips drawn for a new contributor, and the
 * outcome once every one is answered. A contributor is qualified by a passed row; `source` =
 * 'granted' rows qualify without a round (contributors who were already working, the demo crowd).
 * At most one round per user is open (`finished_at` null). Owned by lib/qualification/repo.ts.
 */
export const qualificationRounds = pgTable(
  'qualification_rounds',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    source: text('source', { enum: ['round', 'granted'] })
      .notNull()
      .default('round'),
    clipIds: uuid('clip_ids')
      .array()
      .notNull()
      .default(sql`'{}'::uuid[]`),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    /** Per-tag checks right and scored over the round (lib/crowd/live.ts `goldTagChecks`). */
    tagChecksRight: integer('tag_checks_right'),
    tagChecksTotal: integer('tag_checks_total'),
    threshold: real('threshold'),
    passed: boolean('passed'),
    /** A failed round: when the contributor may start a fresh one. */
    retryAt: timestamp('retry_at', { withTimezone: true }),
  },
  (t) => [
    index('qualification_rounds_user_idx').on(t.userId, t.startedAt),
    uniqueIndex('qualification_rounds_open_key')
      .on(t.userId)
      .where(sql`${t.finishedAt} is null`),
  ],
);
