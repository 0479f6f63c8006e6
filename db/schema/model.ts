import { sql } from 'drizzle-orm';
import {
  customType,
  index,
  uniqueIndex,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  real,
  serial,
  text,
  timestamp,
  uuid,
} from 'drizzle-orm/pg-core';
import { clips } from './catalog';

const bytea = customType<{ data: Uint8Array; driverData: Uint8Array }>({ dataType: () => 'bytea' });

export const MODEL_STATUSES = ['training', 'ready', 'active', 'retired', 'failed'] as const;

export const models = pgTable(
  'models',
  {
    id: serial('id').primaryKey(),
    kind: text('kind', { enum: ['logistic', 'mlp'] }).notNull(),
    status: text('status', { enum: MODEL_STATUSES }).notNull().default('training'),
    featureVersion: text('feature_version').notNull(),
    taxonomyVersion: integer('taxonomy_version').notNull(),
    tagKeys: text('tag_keys').array().notNull(),
    trainSize: integer('train_size').notNull().default(0),
    hyperparams: jsonb('hyperparams').$type<Record<string, unknown>>().notNull().default({}),
    metrics: jsonb('metrics').$type<Record<string, unknown>>().notNull().default({}),
    /** The ONNX graph itself, so a model is never separated from its weights; sha256 guards corruption. */
    onnx: bytea('onnx'),
    onnxSha256: text('onnx_sha256'),
    error: text('error'),
    /** What started the run: 'manual' (an engineer), 'labels' (N new labels), 'schedule', 'test'. */
    trigger: text('trigger').notNull().default('manual'),
    /** Bumped while a run trains; a 'training' row whose heartbeat is stale belongs to a dead run. */
    heartbeatAt: timestamp('heartbeat_at', { withTimezone: true }).notNull().defaultNow(),
    /** The model this one replaced when it was promoted: what a rollback re-activates. */
    previousModelId: integer('previous_model_id'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    promotedAt: timestamp('promoted_at', { withTimezone: true }),
    retiredAt: timestamp('retired_at', { withTimezone: true }),
  },
  (t) => [
    index('models_status_idx').on(t.status),
    /** At most one active model: a promotion retires the old one first, in the same transaction. */
    uniqueIndex('models_one_active_key').on(t.status).where(sql`${t.status} = 'active'`),
  ],
);

/** Latest scores of each clip under a model. */
export const predictions = pgTable(
  'predictions',
  {
    clipId: uuid('clip_id')
      .notNull()
      .references(() => clips.id, { onDelete: 'cascade' }),
    modelId: integer('model_id')
      .notNull()
      .references(() => models.id, { onDelete: 'cascade' }),
    probs: real('probs').array().notNull(),
    uncertainty: real('uncertainty').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.clipId, t.modelId] }), index('predictions_model_idx').on(t.modelId)],
);

/** A pushed set of embeddings for the recommender; exactly one is `active` at a time. */
export const embeddingVersions = pgTable(
  'embedding_versions',
  {
    id: serial('id').primaryKey(),
    modelId: integer('model_id').references(() => models.id, { onDelete: 'set null' }),
    source: text('source').notNull(),
    dim: integer('dim').notNull(),
    status: text('status', { enum: ['building', 'ready', 'active', 'retired'] }).notNull().default('building'),
    count: integer('count').notNull().default(0),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    activatedAt: timestamp('activated_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('embedding_versions_one_active_key').on(t.status).where(sql`${t.status} = 'active'`)],
);

export const clipEmbeddings = pgTable(
  'clip_embeddings',
  {
    versionId: integer('version_id')
      .notNull()
      .references(() => embeddingVersions.id, { onDelete: 'cascade' }),
    clipId: uuid('clip_id')
      .notNull()
      .references(() => clips.id, { onDelete: 'cascade' }),
    embedding: real('embedding').array().notNull(),
  },
  (t) => [primaryKey({ columns: [t.versionId, t.clipId] })],
);

/** Simulated or real learning curves shown on the models page. */
export const learningCurves = pgTable('learning_curves', {
  id: serial('id').primaryKey(),
  name: text('name').notNull(),
  kind: text('kind', { enum: ['real', 'simulated'] }).notNull(),
  strategy: text('strategy').notNull(),
  points: jsonb('points').$type<Record<string, number>[]>().notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().default(sql`now()`),
});
