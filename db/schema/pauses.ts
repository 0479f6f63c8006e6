import { sql } from 'drizzle-orm';
import { index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from './auth';

/**
 * One row per time a contributor was paused: which check paused them and with what numbers
 * (`reason`, see lib/pause/schemas.ts), the contributor's appeal, and the admin's resolution.
 * `users.status` stays the switch the app obeys; this table says why, so the paused page and
 * the admin's users list can show it. At most one row per user is open (`resolved_at` null):
 * the pause that is in force.
 */
export const contributorPauses = pgTable(
  'contributor_pauses',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    pausedAt: timestamp('paused_at', { withTimezone: true }).notNull().defaultNow(),
    /** Who paused: null for the crowd aggregator's spam checks, else the admin. */
    pausedBy: uuid('paused_by').references(() => users.id),
    reason: jsonb('reason').notNull(),
    appeal: text('appeal'),
    appealedAt: timestamp('appealed_at', { withTimezone: true }),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
    resolvedBy: uuid('resolved_by').references(() => users.id),
    resolutionNote: text('resolution_note'),
  },
  (t) => [
    index('contributor_pauses_user_idx').on(t.userId, t.pausedAt),
    uniqueIndex('contributor_pauses_open_key').on(t.userId).where(sql`${t.resolvedAt} is null`),
  ],
);
