import { z } from 'zod';

/** The three splits of every snapshot, in the order files and counts are listed. */
export const SPLITS = ['train', 'validation', 'test'] as const;
export type Split = (typeof SPLITS)[number];

export const EXPORT_FORMATS = ['parquet', 'jsonl', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/**
 * Tag keys become column names (`p_<tag>`) in Parquet and CSV and are joined with `;` in the CSV
 * `tags` cell, so they are restricted to identifier-like slugs: no separators, no quoting, and no
 * leading character a spreadsheet could read as a formula.
 */
export const tagKeySchema = z
  .string()
  .regex(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$/, 'tag keys must be slugs')
  .refine((key) => key !== '__proto__', 'tag key __proto__ is reserved');

const vectorSchema = z.array(z.number().refine(Number.isFinite, 'vector values must be finite'));

/**
 * One exported clip. Field names are the column names of every format (snake_case, as pandas and
 * `datasets` users expect), except `soft_labels`, which Parquet and CSV flatten to one `p_<tag>`
 * column per tag so that a posterior is a plain float column and not a nested map.
 */
export const exportRowSchema = z.object({
  clip_id: z.uuid(),
  /** Content address of the audio (hex sha256), so users can match clips across snapshots and sources. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  title: z.string(),
  artist: z.string(),
  licence: z.string().min(1),
  /** The clip's provenance object serialised as JSON, kept verbatim from ingest. */
  provenance: z.string(),
  source: z.string(),
  duration_s: z.number().nonnegative().nullable(),
  // Tag keys are plain strings here: `writeSnapshot` checks every hard label against the declared
  // tag columns (themselves validated slugs), a stronger check than a per-row regex and cheaper.
  /** Hard labels: tags whose final decision is positive. */
  tags: z.array(z.string()),
  /** Per-tag posterior P(tag applies), from aggregation (or 0/1 after expert review). */
  soft_labels: z.record(z.string(), z.number().min(0).max(1)),
  vote_count: z.number().int().nonnegative(),
  expert_resolved: z.boolean(),
  split: z.enum(SPLITS),
  taxonomy_version: z.number().int().positive(),
  features: vectorSchema.optional(),
  embedding: vectorSchema.optional(),
});
export type ExportRow = z.infer<typeof exportRowSchema>;

/**
 * What a snapshot's files contain beyond the fixed fields. Parquet and CSV need the column set
 * before the first row (a file has one schema), so the tag vocabulary and the presence of vectors
 * are declared up front instead of being inferred from rows.
 */
export const exportColumnsSchema = z.object({
  /** Tag keys of the taxonomy version, in taxonomy order: one `p_<tag>` column each. */
  tags: z.array(tagKeySchema).min(1),
  /** Write the `features` column (rows without features get null). */
  features: z.boolean().default(false),
  /** Write the `embedding` column (rows without an embedding get null). */
  embedding: z.boolean().default(false),
});
export type ExportColumns = z.input<typeof exportColumnsSchema>;

/** Name of the flat soft-label column for a tag in Parquet and CSV. */
export function softLabelColumn(tag: string): string {
  return `p_${tag}`;
}

/**
 * Column names in file order for Parquet and CSV. JSONL objects use the same order with
 * `soft_labels` as one object in place of the `p_<tag>` columns.
 */
export function exportColumnNames(columns: ExportColumns): string[] {
  return [
    'clip_id',
    'sha256',
    'title',
    'artist',
    'licence',
    'provenance',
    'source',
    'duration_s',
    'tags',
    ...columns.tags.map(softLabelColumn),
    'vote_count',
    'expert_resolved',
    'split',
    'taxonomy_version',
    ...(columns.features ? ['features'] : []),
    ...(columns.embedding ? ['embedding'] : []),
  ];
}
