import { sql } from 'drizzle-orm';
import {
  doublePrecision,
  index,
  integer,
  jsonb,
  pgTable,
  real,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

export const CLIP_STATUSES = ['pending', 'ready', 'failed'] as const;
export const LABEL_STATES = ['open', 'consensus', 'disputed', 'expert_resolved'] as const;
export type LabelState = (typeof LABEL_STATES)[number];

export const clips = pgTable(
  'clips',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    sha256: text('sha256').notNull(),
    title: text('title').notNull(),
    artist: text('artist').notNull().default(''),
    licence: text('licence').notNull().default('unknown'),
    provenance: jsonb('provenance').$type<Record<string, unknown>>().notNull().default({}),
    /** Where the clip came from: 'demo', 'upload', 'import:<file>' … (a snapshot filter). */
    source: text('source').notNull().default('upload'),
    durationS: real('duration_s'),
    sampleRate: integer('sample_rate'),
    channels: integer('channels'),
    sizeBytes: integer('size_bytes'),
    mime: text('mime'),
    /** Storage key of the raw audio; null once retention deleted it. */
    audioKey: text('audio_key'),
    audioDeletedAt: timestamp('audio_deleted_at', { withTimezone: true }),
    /** Ingest/extraction status; `error` holds the human-readable reason when failed. */
    status: text('status', { enum: CLIP_STATUSES }).notNull().default('pending'),
    error: text('error'),
    excerptStartS: real('excerpt_start_s').notNull().default(0),
    /** Playback gain in dB that brings the clip to the target loudness. */
    playbackGainDb: real('playback_gain_db').notNull().default(0),
    /** Demo clips: the synthesis recipe, i.e. the ground truth. */
    recipe: jsonb('recipe').$type<Record<string, unknown>>(),
    labelState: text('label_state', { enum: LABEL_STATES }).notNull().default('open'),
    /** Queue priority (higher first), recomputed by scoring; the blend terms live in `priority_terms`. */
    priority: doublePrecision('priority').notNull().default(0),
    priorityTerms: jsonb('priority_terms').$type<Record<string, number>>().notNull().default({}),
    /** Votes cast (not skips). */
    voteCount: integer('vote_count').notNull().default(0),
    /**
     * Slots taken: active leases + votes. Kept on the row (not counted from `leases`) so that
     * `FOR UPDATE SKIP LOCKED` re-checks it after a concurrent lease commits.
     */
    assigned: integer('assigned').notNull().default(0),
    overlapTarget: integer('overlap_target').notNull().default(3),
    stateChangedAt: timestamp('state_changed_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    uniqueIndex('clips_sha256_key').on(t.sha256),
    index('clips_queue_idx')
      .on(t.priority.desc(), t.id)
      .where(sql`${t.labelState} = 'open' and ${t.status} <> 'failed' and ${t.assigned} < ${t.overlapTarget}`),
    index('clips_label_state_idx').on(t.labelState),
    index('clips_created_idx').on(t.createdAt),
  ],
);

/** Handcrafted feature vectors, one per clip and extractor version (old versions kept until re-extracted). */
export const clipFeatures = pgTable(
  'clip_features',
  {
    clipId: uuid('clip_id')
      .notNull()
      .references(() => clips.id, { onDelete: 'cascade' }),
    extractorVersion: text('extractor_version').notNull(),
    vector: real('vector').array().notNull(),
    named: jsonb('named').$type<Record<string, number>>().notNull(),
    tempoBpm: real('tempo_bpm'),
    tempoConfidence: real('tempo_confidence'),
    key: text('key'),
    mode: text('mode'),
    keyConfidence: real('key_confidence'),
    lufs: real('lufs'),
    beats: real('beats').array(),
    /** Learned embedding from the configured ONNX encoder, when one is set. */
    embedding: real('embedding').array(),
    embeddingModel: text('embedding_model'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [uniqueIndex('clip_features_key').on(t.clipId, t.extractorVersion)],
);

/** Normalisation statistics per extractor version (models standardise with these). */
export const featureStats = pgTable('feature_stats', {
  extractorVersion: text('extractor_version').primaryKey(),
  names: jsonb('names').$type<string[]>().notNull(),
  mean: real('mean').array().notNull(),
  std: real('std').array().notNull(),
  count: integer('count').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
