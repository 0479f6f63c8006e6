import { boolean, integer, pgTable, primaryKey, serial, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { users } from './auth';

/** A taxonomy version is immutable once created; edits make a new version with a mapping. */
export const taxonomyVersions = pgTable('taxonomy_versions', {
  version: serial('version').primaryKey(),
  note: text('note').notNull().default(''),
  isActive: boolean('is_active').notNull().default(false),
  createdBy: uuid('created_by').references(() => users.id),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export const tags = pgTable(
  'tags',
  {
    taxonomyVersion: integer('taxonomy_version')
      .notNull()
      .references(() => taxonomyVersions.version),
    key: text('key').notNull(),
    label: text('label').notNull(),
    description: text('description').notNull().default(''),
    position: integer('position').notNull(),
  },
  (t) => [primaryKey({ columns: [t.taxonomyVersion, t.key] })],
);

/** How a tag of one version maps onto the next (rename, merge: many→one, split: one→many). */
export const tagMappings = pgTable(
  'tag_mappings',
  {
    fromVersion: integer('from_version').notNull(),
    fromKey: text('from_key').notNull(),
    toVersion: integer('to_version').notNull(),
    toKey: text('to_key').notNull(),
  },
  (t) => [primaryKey({ columns: [t.fromVersion, t.fromKey, t.toVersion, t.toKey] })],
);
