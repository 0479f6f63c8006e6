import { sql } from 'drizzle-orm';
import {
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  real,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { users } from './auth';
import { clips } from './catalog';

export const QUEUES = ['crowd', 'expert'] as const;

export const leases = pgTable(
  'leases',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    clipId: uuid('clip_id')
      .notNull()
      .references(() => clips.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    queue: text('queue', { enum: QUEUES }).notNull().default('crowd'),
    state: text('state', { enum: ['active', 'completed', 'expired', 'released'] })
      .notNull()
      .default('active'),
    /** Targeted yes/no question about one tag, when the queue chose to ask one. */
    questionTag: text('question_tag'),
    isGold: boolean('is_gold').notNull().default(false),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('leases_active_expiry_idx').on(t.expiresAt).where(sql`${t.state} = 'active'`),
    index('leases_user_active_idx').on(t.userId).where(sql`${t.state} = 'active'`),
    index('leases_clip_idx').on(t.clipId),
    uniqueIndex('leases_one_active_key').on(t.clipId, t.userId).where(sql`${t.state} = 'active'`),
    /** One expert at a time reviews a clip. */
    uniqueIndex('leases_one_expert_key').on(t.clipId).where(sql`${t.state} = 'active' and ${t.queue} = 'expert'`),
  ],
);

export const VOTE_KINDS = ['vote', 'skip', 'flag', 'targeted'] as const;

export const votes = pgTable(
  'votes',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    clipId: uuid('clip_id')
      .notNull()
      .references(() => clips.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    leaseId: uuid('lease_id'),
    kind: text('kind', { enum: VOTE_KINDS }).notNull(),
    taxonomyVersion: integer('taxonomy_version').notNull(),
    /** Tags the contributor said fit (kind = vote); every other tag of the version counts as "no". */
    tags: text('tags').array().notNull().default(sql`'{}'::text[]`),
    questionTag: text('question_tag'),
    answer: boolean('answer'),
    flagReason: text('flag_reason'),
    listenedMs: integer('listened_ms'),
    idempotencyKey: text('idempotency_key').notNull(),
    /** Imported from another platform: the external worker id (user_id is then a placeholder user). */
    externalWorker: text('external_worker'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    /**
     * When the batched aggregator (lib/crowd/drain.ts) applied this answer to its clip; null =
     * pending. The vote request inserts null; every other writer (imports, fixtures) gets now(),
     * because the full EM those paths run covers their votes.
     */
    aggregatedAt: timestamp('aggregated_at', { withTimezone: true }).defaultNow(),
  },
  (t) => [
    uniqueIndex('votes_idempotency_key').on(t.userId, t.idempotencyKey),
    uniqueIndex('votes_one_per_clip_key')
      .on(t.clipId, t.userId)
      .where(sql`${t.kind} <> 'targeted' and ${t.externalWorker} is null`),
    index('votes_clip_idx').on(t.clipId),
    index('votes_user_idx').on(t.userId, t.createdAt),
    index('votes_created_idx').on(t.createdAt),
    // The aggregator's queue: pending answers in arrival order, and nothing else.
    index('votes_pending_idx').on(t.createdAt, t.id).where(sql`${t.aggregatedAt} is null`),
  ],
);

/** Honeypot answers. `tags` must be said yes; `tolerated` may go either way (subjective moods). */
export const goldAnswers = pgTable('gold_answers', {
  clipId: uuid('clip_id')
    .primaryKey()
    .references(() => clips.id, { onDelete: 'cascade' }),
  taxonomyVersion: integer('taxonomy_version').notNull(),
  tags: text('tags').array().notNull(),
  tolerated: text('tolerated').array().notNull().default(sql`'{}'::text[]`),
  createdBy: uuid('created_by').references(() => users.id),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/** Per clip and tag: the aggregated posterior P(tag applies). */
export const aggregates = pgTable(
  'aggregates',
  {
    clipId: uuid('clip_id')
      .notNull()
      .references(() => clips.id, { onDelete: 'cascade' }),
    tag: text('tag').notNull(),
    posterior: real('posterior').notNull(),
    label: boolean('label').notNull(),
    confidence: real('confidence').notNull(),
    yesVotes: integer('yes_votes').notNull().default(0),
    noVotes: integer('no_votes').notNull().default(0),
    method: text('method').notNull(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.clipId, t.tag] })],
);

/** Learned per-worker reliability (binary relevance: sensitivity / specificity). */
export const workerReliability = pgTable('worker_reliability', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => users.id, { onDelete: 'cascade' }),
  sensitivity: real('sensitivity').notNull(),
  specificity: real('specificity').notNull(),
  reliability: real('reliability').notNull(),
  uncertainty: real('uncertainty').notNull(),
  weight: real('weight').notNull().default(1),
  voteCount: integer('vote_count').notNull().default(0),
  goldCorrect: integer('gold_correct').notNull().default(0),
  goldTotal: integer('gold_total').notNull().default(0),
  flags: jsonb('flags').$type<string[]>().notNull().default([]),
  /** Per-tag rates aligned with the latest `crowd_fits.tags`; the incremental update reads these. */
  sensitivityByTag: real('sensitivity_by_tag').array(),
  specificityByTag: real('specificity_by_tag').array(),
  /** Spam signals behind the weight: share of votes faster than the clip could be heard, share of the commonest answer. */
  tooFastShare: real('too_fast_share').notNull().default(0),
  sameAnswerShare: real('same_answer_share').notNull().default(0),
  /** When the aggregator last paused this contributor (cleared once an admin reactivated them). */
  pausedAt: timestamp('paused_at', { withTimezone: true }),
  /** After an admin's review, only votes from this time on are judged for another pause. */
  judgedFrom: timestamp('judged_from', { withTimezone: true }),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * One row per full EM run of the crowd aggregator: the learned per-tag prevalence (the latest row
 * is the prior of the incremental update) and what the run saw, so /loop can chart runs over time.
 */
export const crowdFits = pgTable(
  'crowd_fits',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    computedAt: timestamp('computed_at', { withTimezone: true }).notNull().defaultNow(),
    /** Votes created up to this time were read (the high-water mark for "new votes since the last run"). */
    votesUntil: timestamp('votes_until', { withTimezone: true }).notNull(),
    taxonomyVersion: integer('taxonomy_version').notNull(),
    tags: text('tags').array().notNull(),
    prevalence: real('prevalence').array().notNull(),
    votes: integer('votes').notNull(),
    clips: integer('clips').notNull(),
    workers: integer('workers').notNull(),
    iterations: integer('iterations').notNull(),
    converged: boolean('converged').notNull(),
    durationMs: integer('duration_ms').notNull(),
    paused: integer('paused').notNull().default(0),
    trigger: text('trigger').notNull().default('manual'),
  },
  (t) => [index('crowd_fits_time_idx').on(t.computedAt)],
);

export const agreementStats = pgTable(
  'agreement_stats',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    computedAt: timestamp('computed_at', { withTimezone: true }).notNull().defaultNow(),
    scope: text('scope', { enum: ['tag', 'batch', 'overall'] }).notNull(),
    tag: text('tag'),
    alpha: real('alpha'),
    kappa: real('kappa'),
    items: integer('items').notNull(),
  },
  (t) => [index('agreement_stats_time_idx').on(t.computedAt)],
);

/** An expert's final say on a clip; `before` keeps what it replaced (audit). */
export const expertDecisions = pgTable(
  'expert_decisions',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    clipId: uuid('clip_id')
      .notNull()
      .references(() => clips.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id),
    taxonomyVersion: integer('taxonomy_version').notNull(),
    tags: text('tags').array().notNull(),
    note: text('note').notNull().default(''),
    before: jsonb('before').$type<Record<string, unknown>>().notNull().default({}),
    /** A second expert's independent decision on a sample, for expert–expert agreement. */
    isSecondOpinion: boolean('is_second_opinion').notNull().default(false),
    /** Set on a first decision sampled for a second, independent expert; cleared when one answers. */
    secondOpinionWanted: boolean('second_opinion_wanted').notNull().default(false),
    idempotencyKey: text('idempotency_key').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('expert_decisions_clip_idx').on(t.clipId),
    uniqueIndex('expert_decisions_idempotency_key').on(t.userId, t.idempotencyKey),
    index('expert_decisions_second_opinion_idx').on(t.clipId).where(sql`${t.secondOpinionWanted}`),
  ],
);

/** Project-wide settings (overlap, gold rate, thresholds, strategy weights), one JSON value per key. */
export const settings = pgTable('settings', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
