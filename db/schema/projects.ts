import { sql } from 'drizzle-orm';
import {
  boolean,
  doublePrecision,
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
import { ROLES, users } from './auth';
import { clips } from './catalog';

/**
 * A project is one labeling question asked of a selection of the shared catalog. `tags` is the
 * mood-tag pipeline of the rest of the schema (leases, votes, aggregates …), which today belongs to
 * the default project alone; `valence_arousal` and `pairwise` projects keep their queue, answers
 * and aggregates in the project_* tables below.
 */
export const QUESTION_TYPES = ['tags', 'valence_arousal', 'pairwise'] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];

/** The project the migration created for everything that existed before projects. */
export const DEFAULT_PROJECT_SLUG = 'mood';

export const projects = pgTable(
  'projects',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    slug: text('slug').notNull(),
    name: text('name').notNull(),
    description: text('description').notNull().default(''),
    questionType: text('question_type', { enum: QUESTION_TYPES }).notNull(),
    /** Pairwise projects: the word in "which of these two is more <attribute>?". */
    attribute: text('attribute'),
    /** Which catalog clips belong to the project (lib/projects/schemas.ts `ClipFilterSchema`); {} = all. */
    clipFilter: jsonb('clip_filter').$type<Record<string, unknown>>().notNull().default({}),
    /** Per-project labeling settings (lib/projects/schemas.ts `ProjectSettingsSchema`). */
    settings: jsonb('settings').$type<Record<string, unknown>>().notNull().default({}),
    /** Every active user may work in it with their installation role (the default project); else members only. */
    openToAll: boolean('open_to_all').notNull().default(false),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    archivedAt: timestamp('archived_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('projects_slug_key').on(t.slug)],
);

export const projectMembers = pgTable(
  'project_members',
  {
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    /** The user's role in this project; an installation admin administers every project regardless. */
    role: text('role', { enum: ROLES }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.userId] }), index('project_members_user_idx').on(t.userId)],
);

/** The clips of a non-tags project, with their queue state (the tags project keeps its state on `clips`). */
export const projectItems = pgTable(
  'project_items',
  {
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    clipId: uuid('clip_id')
      .notNull()
      .references(() => clips.id, { onDelete: 'cascade' }),
    /** Answers stored that involve the clip (a pairwise answer counts for both of its clips). */
    answerCount: integer('answer_count').notNull().default(0),
    /** Higher first: the posterior spread (ratings) or the expected ranking change (pairwise). */
    priority: doublePrecision('priority').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.projectId, t.clipId] }),
    index('project_items_queue_idx').on(t.projectId, t.priority.desc(), t.clipId),
  ],
);

export const PROJECT_LEASE_STATES = ['active', 'completed', 'expired', 'released'] as const;

/** One question handed to one contributor: a clip to rate, or a pair (clip, clip_b) to compare. */
export const projectLeases = pgTable(
  'project_leases',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    clipId: uuid('clip_id')
      .notNull()
      .references(() => clips.id, { onDelete: 'cascade' }),
    clipBId: uuid('clip_b_id').references(() => clips.id, { onDelete: 'cascade' }),
    state: text('state', { enum: PROJECT_LEASE_STATES }).notNull().default('active'),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('project_leases_user_active_idx').on(t.projectId, t.userId).where(sql`${t.state} = 'active'`),
    index('project_leases_active_expiry_idx').on(t.expiresAt).where(sql`${t.state} = 'active'`),
  ],
);

export const PAIRWISE_CHOICES = ['a', 'b', 'same'] as const;

/**
 * One stored answer. Ratings fill valence/arousal (both in [−1, 1]); comparisons fill clip_b_id and
 * choice ('a' = clip_id is more <attribute>, 'b' = clip_b_id is, 'same').
 */
export const projectAnswers = pgTable(
  'project_answers',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    leaseId: uuid('lease_id'),
    clipId: uuid('clip_id')
      .notNull()
      .references(() => clips.id, { onDelete: 'cascade' }),
    clipBId: uuid('clip_b_id').references(() => clips.id, { onDelete: 'cascade' }),
    valence: real('valence'),
    arousal: real('arousal'),
    choice: text('choice', { enum: PAIRWISE_CHOICES }),
    listenedMs: integer('listened_ms'),
    idempotencyKey: text('idempotency_key').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('project_answers_idempotency_key').on(t.projectId, t.userId, t.idempotencyKey),
    // One rating per contributor and clip; one comparison per contributor and unordered pair.
    uniqueIndex('project_answers_one_rating_key').on(t.projectId, t.clipId, t.userId).where(sql`${t.clipBId} is null`),
    uniqueIndex('project_answers_one_pair_key')
      .on(t.projectId, t.userId, sql`least(${t.clipId}, ${t.clipBId})`, sql`greatest(${t.clipId}, ${t.clipBId})`)
      .where(sql`${t.clipBId} is not null`),
    index('project_answers_project_idx').on(t.projectId, t.createdAt),
  ],
);

/** The aggregate per clip: the rating posterior (mean and sd per axis) or the Bradley–Terry score and rank. */
export const projectScores = pgTable(
  'project_scores',
  {
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    clipId: uuid('clip_id')
      .notNull()
      .references(() => clips.id, { onDelete: 'cascade' }),
    valence: real('valence'),
    valenceSd: real('valence_sd'),
    arousal: real('arousal'),
    arousalSd: real('arousal_sd'),
    score: real('score'),
    scoreSd: real('score_sd'),
    rank: integer('rank'),
    answerCount: integer('answer_count').notNull().default(0),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.clipId] })],
);

/** What the aggregation learned about each contributor: bias/scale/noise per axis, or Crowd-BT's η. */
export const projectAnnotators = pgTable(
  'project_annotators',
  {
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    userId: uuid('user_id')
      .notNull()
      .references(() => users.id, { onDelete: 'cascade' }),
    params: jsonb('params').$type<Record<string, number>>().notNull(),
    answerCount: integer('answer_count').notNull().default(0),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.userId] })],
);

/**
 * The valence–arousal regression heads of a rating project (lib/projects/va-model.ts): one row per
 * project, replaced at every fit that can train them (≥ 10 rated clips with features of the
 * current extractor version). `model` is the `VaHeads` JSON (weights, intercepts, λ, CV RMSE, the
 * covariance for the predictive sd) with the feature standardisation it was trained on.
 */
export const projectVaModels = pgTable('project_va_models', {
  projectId: uuid('project_id')
    .primaryKey()
    .references(() => projects.id, { onDelete: 'cascade' }),
  extractorVersion: text('extractor_version').notNull(),
  /** Rated clips the heads were trained on. */
  n: integer('n').notNull(),
  lambda: doublePrecision('lambda').notNull(),
  valenceCvRmse: doublePrecision('valence_cv_rmse').notNull(),
  arousalCvRmse: doublePrecision('arousal_cv_rmse').notNull(),
  model: jsonb('model').$type<Record<string, unknown>>().notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/** The heads' prediction for every project clip that has features (rated or not), with its predictive sd. */
export const projectVaPredictions = pgTable(
  'project_va_predictions',
  {
    projectId: uuid('project_id')
      .notNull()
      .references(() => projects.id, { onDelete: 'cascade' }),
    clipId: uuid('clip_id')
      .notNull()
      .references(() => clips.id, { onDelete: 'cascade' }),
    valence: real('valence').notNull(),
    valenceSd: real('valence_sd').notNull(),
    arousal: real('arousal').notNull(),
    arousalSd: real('arousal_sd').notNull(),
  },
  (t) => [primaryKey({ columns: [t.projectId, t.clipId] })],
);
