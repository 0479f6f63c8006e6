import { z } from 'zod';
import type { LabelState } from '@/db/schema/catalog';
import { EXPORT_FORMATS } from './row';

/**
 * Requests and responses of dataset snapshots, shared by the API routes, the /datasets page and
 * `chorus export`. Client-safe: zod and types only.
 */

/** Kept here (not imported from the Drizzle schema) so the page bundle does not pull in Drizzle. */
export const SNAPSHOT_STATES = ['open', 'consensus', 'disputed', 'expert_resolved'] as const satisfies readonly LabelState[];

export const DEFAULT_SNAPSHOT_STATES = ['consensus', 'expert_resolved'] as const;
export const DEFAULT_MIN_CONFIDENCE = 0.8;
export const DEFAULT_SNAPSHOT_NAME = 'chorus-moods';

/** A snapshot name is a directory name on disk and part of download file names: a slug. */
export const SnapshotNameSchema = z
  .string()
  .trim()
  .min(1, 'give the snapshot a name')
  .max(64)
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'names are letters, digits, ".", "_" and "-", starting with a letter or digit');

const DateBound = z.union([z.iso.date(), z.iso.datetime({ offset: true })], {
  error: 'dates are YYYY-MM-DD or ISO 8601 date-times',
});

const NameList = z.array(z.string().trim().min(1).max(200)).min(1).max(200);

/**
 * Which clips a snapshot holds. A clip qualifies when it has labels (crowd aggregates or an
 * expert decision) and passes every filter given:
 * - `states`: its label state;
 * - `minConfidence`: every tag of the clip is settled at least this much, i.e.
 *   min over tags of max(p, 1 − p) ≥ minConfidence (expert decisions count as 1);
 * - `taxonomyVersion`: the version the snapshot is expressed in (default: the active one). Clips
 *   labelled under another version are carried over through `tag_mappings` (merge: max
 *   posterior; split: copy) unless `applyMapping` is false, in which case they are left out;
 * - `licences`, `sources`: exact values (any of);
 * - `from` / `to`: inclusive bounds on the clip's `dateField` (`created`: added to the catalog;
 *   `labelled`: its label state last changed). A bare date `to` covers that whole day (UTC).
 */
export const SnapshotFiltersSchema = z
  .object({
    states: z
      .array(z.enum(SNAPSHOT_STATES))
      .min(1, 'choose at least one clip state')
      .default([...DEFAULT_SNAPSHOT_STATES])
      .transform((s) => SNAPSHOT_STATES.filter((state) => s.includes(state))),
    minConfidence: z.number().min(0).max(1).default(DEFAULT_MIN_CONFIDENCE),
    taxonomyVersion: z.number().int().positive().optional(),
    /** On by default: after a taxonomy change, clips labelled under older versions carry over through the mapping. */
    applyMapping: z.boolean().default(true),
    licences: NameList.optional(),
    sources: NameList.optional(),
    from: DateBound.optional(),
    to: DateBound.optional(),
    dateField: z.enum(['created', 'labelled']).default('created'),
  })
  .strict()
  .refine((f) => !f.from || !f.to || dateBounds(f).from! < dateBounds(f).to!, {
    message: '"from" must not be after "to"',
    path: ['to'],
  });
export type SnapshotFilters = z.output<typeof SnapshotFiltersSchema>;
export type SnapshotFiltersInput = z.input<typeof SnapshotFiltersSchema>;

/** The date filters as instants: `from` inclusive, `to` exclusive (a bare date `to` ends at the next midnight UTC). */
export function dateBounds(f: { from?: string; to?: string }): { from?: Date; to?: Date } {
  const parse = (s: string, endOfDay: boolean) => {
    if (/^\d{4}-\d{2}-\d{2}$/.test(s)) {
      const d = new Date(`${s}T00:00:00Z`);
      if (endOfDay) d.setUTCDate(d.getUTCDate() + 1);
      return d;
    }
    const d = new Date(s);
    return endOfDay ? new Date(d.getTime() + 1) : d;
  };
  return { from: f.from ? parse(f.from, false) : undefined, to: f.to ? parse(f.to, true) : undefined };
}

export const CreateSnapshotSchema = z
  .object({
    name: SnapshotNameSchema,
    formats: z
      .array(z.enum(EXPORT_FORMATS))
      .min(1, 'choose at least one format')
      .default([...EXPORT_FORMATS])
      .transform((f) => EXPORT_FORMATS.filter((format) => f.includes(format))),
    filters: SnapshotFiltersSchema.prefault({}),
    includeFeatures: z.boolean().default(false),
    includeEmbeddings: z.boolean().default(false),
  })
  .strict();
export type CreateSnapshotInput = z.input<typeof CreateSnapshotSchema>;
export type CreateSnapshot = z.output<typeof CreateSnapshotSchema>;

export const ListSnapshotsQuerySchema = z.object({
  name: SnapshotNameSchema.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});

export const SnapshotFileSchema = z.object({
  path: z.string(),
  bytes: z.number().int(),
  rows: z.number().int().nullable(),
  format: z.string(),
  split: z.string().nullable(),
  sha256: z.string(),
});

/** A snapshot as the API lists it; `manifest` only in the single-snapshot answer. */
export const SnapshotViewSchema = z.object({
  id: z.string().uuid(),
  name: z.string(),
  version: z.number().int(),
  status: z.enum(['building', 'ready', 'failed']),
  formats: z.array(z.enum(EXPORT_FORMATS)),
  filters: z.record(z.string(), z.unknown()),
  includeFeatures: z.boolean(),
  includeEmbeddings: z.boolean(),
  error: z.string().nullable(),
  createdAt: z.string(),
  finishedAt: z.string().nullable(),
  createdBy: z.string().nullable(),
  job: z
    .object({ id: z.string(), state: z.string(), progress: z.number(), message: z.string(), error: z.string().nullable() })
    .nullable(),
  counts: z
    .object({
      rows: z.number().int(),
      per_split: z.record(z.string(), z.number().int()),
      per_tag: z.record(z.string(), z.number().int()),
      expert_resolved: z.number().int(),
    })
    .nullable(),
  taxonomyVersion: z.number().int().nullable(),
  contentSha256: z.string().nullable(),
  /** Every downloadable file: the manifest's files plus manifest.json itself. */
  files: z.array(SnapshotFileSchema),
  manifest: z.record(z.string(), z.unknown()).nullable().optional(),
});
export type SnapshotView = z.infer<typeof SnapshotViewSchema>;

export const CreateSnapshotResultSchema = z.object({
  snapshot: SnapshotViewSchema,
  jobId: z.string().nullable(),
});

/** How many rows the filters select, asked by the /datasets form as the filters change. */
export const SnapshotCountRequestSchema = z.object({ filters: SnapshotFiltersSchema.prefault({}) }).strict();
export type SnapshotCountRequest = z.input<typeof SnapshotCountRequestSchema>;

export const FUNNEL_FILTERS = ['taxonomy', 'states', 'minConfidence', 'licences', 'sources', 'dates'] as const;

/**
 * The filters applied one after the other (in `FUNNEL_FILTERS` order, only those set), each with
 * the clips before and after it: the first step that drops to 0 is the filter that emptied the
 * snapshot.
 */
export const SnapshotCountSchema = z.object({
  /** Rows the snapshot would hold if built now. */
  rows: z.number().int(),
  /** Clips with labels (crowd votes or an expert decision), under any taxonomy version. */
  labelled: z.number().int(),
  taxonomyVersion: z.number().int(),
  steps: z.array(
    z.object({
      filter: z.enum(FUNNEL_FILTERS),
      /** e.g. "min confidence 0.9". */
      label: z.string(),
      before: z.number().int(),
      after: z.number().int(),
    }),
  ),
  /** Why the snapshot would be empty, e.g. "min confidence 0.9 leaves 0 of 64 labelled clips"; null when it is not. */
  emptyReason: z.string().nullable(),
  /** A way out when one is known (e.g. map labels from an older taxonomy version). */
  hint: z.string().nullable(),
});
export type SnapshotCount = z.infer<typeof SnapshotCountSchema>;
