import { sql } from 'drizzle-orm';
import { integer, jsonb, pgTable, real, serial, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
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

export const EXPERIMENT_KINDS = ['embedding', 'ranking'] as const;
export const EXPERIMENT_STATUSES = ['running', 'stopped'] as const;

/**
 * An A/B test of the recommender (issue 20, item 2): new listener sessions are split between a
 * control and a treatment arm (sticky per session, `share` to the treatment), each arm an
 * embedding version or a ranking setting (jsonb, checked by lib/experiments/schemas). The
 * planned sample size is kept as it was shown when the test started. At most one runs at a time.
 */
export const abExperiments = pgTable(
  'ab_experiments',
  {
    id: serial('id').primaryKey(),
    kind: text('kind', { enum: EXPERIMENT_KINDS }).notNull(),
    control: jsonb('control').$type<Record<string, unknown>>().notNull(),
    treatment: jsonb('treatment').$type<Record<string, unknown>>().notNull(),
    share: real('share').notNull(),
    baseline: real('baseline').notNull(),
    minDetectable: real('min_detectable').notNull(),
    sessionsPerArm: integer('sessions_per_arm').notNull(),
    status: text('status', { enum: EXPERIMENT_STATUSES }).notNull().default('running'),
    startedAt: timestamp('started_at', { withTimezone: true }).notNull().defaultNow(),
    startedBy: uuid('started_by').references(() => users.id, { onDelete: 'set null' }),
    stoppedAt: timestamp('stopped_at', { withTimezone: true }),
    stoppedBy: uuid('stopped_by').references(() => users.id, { onDelete: 'set null' }),
  },
  (t) => [uniqueIndex('ab_experiments_one_running_key').on(t.status).where(sql`${t.status} = 'running'`)],
);

/**
 * The exploration bandit's posterior (issue 20, item 3): per ranking arm (lib/experiments/bandit
 * `RANKING_ARMS`, keyed by name so a change of the list never credits one arm's counts to
 * another), the listener reactions of the sessions it served — a like is a success, a skip or
 * dislike a failure. Beta(1 + successes, 1 + failures) is the arm's like-rate posterior.
 */
export const banditArms = pgTable('bandit_arms', {
  arm: text('arm').primaryKey(),
  successes: integer('successes').notNull().default(0),
  failures: integer('failures').notNull().default(0),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
