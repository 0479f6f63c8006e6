import { sql } from 'drizzle-orm';
import { bigserial, boolean, index, integer, jsonb, pgTable, real, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { users } from './auth';
import { clips } from './catalog';

export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    actorId: uuid('actor_id').references(() => users.id),
    action: text('action').notNull(),
    entity: text('entity').notNull(),
    entityId: text('entity_id').notNull(),
    before: jsonb('before'),
    after: jsonb('after'),
  },
  (t) => [index('audit_log_entity_idx').on(t.entity, t.entityId), index('audit_log_at_idx').on(t.at)],
);

/** Progress of background jobs as the UI shows it (the engine's own tables hold the queue). */
export const jobRuns = pgTable(
  'job_runs',
  {
    jobId: text('job_id').primaryKey(),
    name: text('name').notNull(),
    state: text('state', { enum: ['queued', 'active', 'completed', 'failed'] }).notNull(),
    progress: real('progress').notNull().default(0),
    message: text('message').notNull().default(''),
    attempts: integer('attempts').notNull().default(0),
    error: text('error'),
    result: jsonb('result'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('job_runs_updated_idx').on(t.updatedAt)],
);

export const datasetSnapshots = pgTable(
  'dataset_snapshots',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    name: text('name').notNull(),
    version: integer('version').notNull(),
    status: text('status', { enum: ['building', 'ready', 'failed'] }).notNull().default('building'),
    filters: jsonb('filters').$type<Record<string, unknown>>().notNull().default({}),
    formats: text('formats').array().notNull(),
    /** Optional vector columns of the snapshot (features of the current extractor, embeddings of the active version). */
    includeFeatures: boolean('include_features').notNull().default(false),
    includeEmbeddings: boolean('include_embeddings').notNull().default(false),
    manifest: jsonb('manifest').$type<Record<string, unknown>>(),
    path: text('path'),
    error: text('error'),
    /** The export job building it (progress lives in job_runs); null when built inline by the CLI. */
    jobId: text('job_id'),
    createdBy: uuid('created_by').references(() => users.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('dataset_snapshots_name_version_key').on(t.name, t.version),
    /** One build per name at a time: a second create while one runs is a 409, even across processes. */
    uniqueIndex('dataset_snapshots_one_build_key').on(t.name).where(sql`${t.status} = 'building'`),
    index('dataset_snapshots_created_idx').on(t.createdAt),
  ],
);

/** A clip's split is decided once and never changes, so test clips never leak into a later train split. */
export const datasetSplits = pgTable('dataset_splits', {
  clipId: uuid('clip_id')
    .primaryKey()
    .references(() => clips.id, { onDelete: 'cascade' }),
  split: text('split', { enum: ['train', 'validation', 'test'] }).notNull(),
  assignedAt: timestamp('assigned_at', { withTimezone: true }).notNull().defaultNow(),
});

export const listenerSessions = pgTable('listener_sessions', {
  id: text('id').primaryKey(),
  personalization: boolean('personalization').notNull().default(true),
  state: jsonb('state').$type<Record<string, unknown>>().notNull().default({}),
  /** The exploration bandit's ranking arm for this session (sticky); null when it does not act on it. */
  banditArm: text('bandit_arm'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

export const listenerEvents = pgTable(
  'listener_events',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    sessionId: text('session_id')
      .notNull()
      .references(() => listenerSessions.id, { onDelete: 'cascade' }),
    clipId: uuid('clip_id')
      .notNull()
      .references(() => clips.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: ['play', 'skip', 'like', 'dislike'] }).notNull(),
    positionS: real('position_s'),
    embeddingVersion: integer('embedding_version'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('listener_events_session_idx').on(t.sessionId), index('listener_events_created_idx').on(t.createdAt)],
);
