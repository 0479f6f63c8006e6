import { sql } from 'drizzle-orm';
import { integer, pgTable, real, serial, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from './auth';
import { embeddingVersions } from './model';

export const CANARY_STATUSES = ['running', 'promoted', 'rolled_back', 'stopped'] as const;

/**
 * A canary rollout of an embedding version: `share` of new listener sessions are served from
 * `canary_version`, the rest from `control_version` (the active one when it started), until
 * the decision promotes or rolls it back, or an engineer stops it. At most one runs at a time.
 */
export const embeddingCanaries = pgTable(
  'embedding_canaries',
  {
    id: serial('id').primaryKey(),
    canaryVersion: integer('canary_version')
      .notNull()
      .references(() => embeddingVersions.id, { onDelete: 'cascade' }),
    controlVersion: integer('control_version')
      .notNull()
      .references(() => embeddingVersions.id, { onDelete: 'cascade' }),
    share: real('share').notNull(),
    margin: real('margin').notNull(),
    minSessions: integer('min_sessions').notNull(),
    status: text('status', { enum: CANARY_STATUSES }).notNull().default('running'),
    reason: text('reason'),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    startedBy: uuid('started_by').references(() => users.id, { onDelete: 'set null' }),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    /** Null when the decision job decided. */
    decidedBy: uuid('decided_by').references(() => users.id, { onDelete: 'set null' }),
  },
  (t) => [uniqueIndex('embedding_canaries_one_running_key').on(t.status).where(sql`${t.status} = 'running'`)],
);
