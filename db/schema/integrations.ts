import { sql } from 'drizzle-orm';
import { boolean, index, integer, jsonb, pgTable, real, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from './auth';
import { clips } from './catalog';

/**
 * Pre-annotations (issue 15, item 9): per-tag probabilities an outside model gave a clip,
 * imported by `chorus predictions import` or POST /api/predictions/import. One row per clip
 * (a re-import replaces it). Their uncertainty feeds the queue priority until a trained model
 * exists (lib/active/service.ts cold start). Owned by lib/predictions/repo.ts.
 */
export const importedPredictions = pgTable('imported_predictions', {
  clipId: uuid('clip_id')
    .primaryKey()
    .references(() => clips.id, { onDelete: 'cascade' }),
  /** Where they came from (the file's name or --source). */
  source: text('source').notNull(),
  /** The tags predicted (a subset of the active taxonomy at import), parallel to `probs`. */
  tagKeys: text('tag_keys').array().notNull(),
  probs: real('probs').array().notNull(),
  /** Mean binary entropy of `probs` (bits, in [0, 1]). */
  uncertainty: real('uncertainty').notNull(),
  taxonomyVersion: integer('taxonomy_version').notNull(),
  importedBy: uuid('imported_by').references(() => users.id, { onDelete: 'set null' }),
  importedAt: timestamp('imported_at', { withTimezone: true }).notNull().defaultNow(),
});

export const WEBHOOK_EVENTS = ['clip.settled', 'model.promoted', 'snapshot.created'] as const;
export type WebhookEvent = (typeof WEBHOOK_EVENTS)[number];

/** Outgoing webhooks an admin registered (issue 15, item 9). Owned by lib/webhooks/repo.ts. */
export const webhooks = pgTable('webhooks', {
  id: uuid('id').primaryKey().defaultRandom(),
  url: text('url').notNull(),
  events: text('events').array().notNull(),
  /** The HMAC-SHA256 key deliveries are signed with; shown once, at creation. */
  secret: text('secret').notNull(),
  description: text('description').notNull().default(''),
  active: boolean('active').notNull().default(true),
  createdBy: uuid('created_by').references(() => users.id, { onDelete: 'set null' }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * One event for one webhook, and how its sending went: 'pending' until the first attempt,
 * 'retrying' after a failed one while the job engine retries it with backoff, then 'delivered'
 * (a 2xx answer) or 'failed' (no attempt left). The delivery log admins read.
 */
export const webhookDeliveries = pgTable(
  'webhook_deliveries',
  {
    id: uuid('id').primaryKey().defaultRandom(),
    webhookId: uuid('webhook_id')
      .notNull()
      .references(() => webhooks.id, { onDelete: 'cascade' }),
    event: text('event').notNull(),
    payload: jsonb('payload').$type<Record<string, unknown>>().notNull(),
    status: text('status', { enum: ['pending', 'retrying', 'delivered', 'failed'] })
      .notNull()
      .default('pending'),
    attempts: integer('attempts').notNull().default(0),
    lastStatusCode: integer('last_status_code'),
    lastError: text('last_error'),
    /** When a delivery job was queued for it (null: the dispatch sweep queues it). */
    queuedAt: timestamp('queued_at', { withTimezone: true }),
    lastAttemptAt: timestamp('last_attempt_at', { withTimezone: true }),
    deliveredAt: timestamp('delivered_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('webhook_deliveries_webhook_idx').on(t.webhookId, t.createdAt),
    index('webhook_deliveries_unqueued_idx')
      .on(t.createdAt)
      .where(sql`${t.queuedAt} is null`),
  ],
);

/**
 * How far the webhook event sweep has read each event's source (clips.state_changed_at,
 * models.promoted_at, dataset_snapshots.finished_at): events after `watermark` are not yet emitted.
 */
export const webhookCursors = pgTable('webhook_cursors', {
  event: text('event').primaryKey(),
  watermark: timestamp('watermark', { withTimezone: true }).notNull(),
});
