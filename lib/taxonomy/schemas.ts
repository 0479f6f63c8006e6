import { z } from 'zod';

export const TagKeySchema = z
  .string()
  .trim()
  .min(1)
  .max(40)
  .regex(/^[a-z][a-z0-9_-]*$/, 'tag keys are lower-case letters, digits, - and _');

export const TagSchema = z.object({
  key: TagKeySchema,
  label: z.string().trim().min(1).max(60),
  description: z.string().max(300).default(''),
});
export type Tag = z.infer<typeof TagSchema>;

export const TaxonomySchema = z.object({ version: z.number().int(), tags: z.array(TagSchema) });
export type Taxonomy = z.infer<typeof TaxonomySchema>;

// ── editing a taxonomy into a new version ──────────────────────────────────────────────────
//
// An edit is a list of operations applied in order to the active version's tags (see
// `lib/taxonomy/edit.ts`). Operations name tags as they are at that point of the list, so
// "rename a → b, then merge b and c" works. Shared by the API, the admin editor and tests.

/** A reference to an existing tag: lenient here, so the edit can answer "unknown tag 'x'". */
const TagRefSchema = z.string().trim().min(1).max(40);
const LabelSchema = z.string().trim().min(1).max(60);
const DescriptionSchema = z.string().max(300);

export const AddTagOpSchema = z
  .object({ op: z.literal('add'), key: TagKeySchema, label: LabelSchema, description: DescriptionSchema.default('') })
  .strict();

/** Changes a tag's key, label and/or description; without `toKey` it is a relabel / re-describe. */
export const RenameTagOpSchema = z
  .object({
    op: z.literal('rename'),
    from: TagRefSchema,
    toKey: TagKeySchema.optional(),
    label: LabelSchema.optional(),
    description: DescriptionSchema.optional(),
  })
  .strict();

/** Several tags become one (many → one). `into.key` may be one of `from`. */
export const MergeTagsOpSchema = z
  .object({ op: z.literal('merge'), from: z.array(TagRefSchema).min(1).max(50), into: TagSchema })
  .strict();

/** One tag becomes several (one → many); old votes for it count for each part. */
export const SplitTagOpSchema = z
  .object({ op: z.literal('split'), from: TagRefSchema, into: z.array(TagSchema).min(1).max(20) })
  .strict();

/** Drops a tag; its old votes map to nothing. */
export const RemoveTagOpSchema = z.object({ op: z.literal('remove'), key: TagRefSchema }).strict();

export const TaxonomyEditOpSchema = z.discriminatedUnion('op', [
  AddTagOpSchema,
  RenameTagOpSchema,
  MergeTagsOpSchema,
  SplitTagOpSchema,
  RemoveTagOpSchema,
]);
export type TaxonomyEditOp = z.infer<typeof TaxonomyEditOpSchema>;
/** What a client may send (defaults not yet applied). */
export type TaxonomyEditOpInput = z.input<typeof TaxonomyEditOpSchema>;

export const CreateTaxonomyVersionSchema = z
  .object({
    /** The version the edits were made against; it must still be the active one (else 409). */
    baseVersion: z.number().int().positive(),
    ops: z.array(TaxonomyEditOpSchema).min(1, 'add at least one change').max(200),
    note: z.string().trim().max(500).default(''),
  })
  .strict();
export type CreateTaxonomyVersionInput = z.infer<typeof CreateTaxonomyVersionSchema>;

/** Old tag key → the tags it became in the newer version (empty: removed). */
export const TagMappingSchema = z.record(z.string(), z.array(z.string()));

export const TaxonomyVersionSummarySchema = z.object({
  version: z.number().int(),
  note: z.string(),
  isActive: z.boolean(),
  createdAt: z.string(),
  createdBy: z.object({ id: z.string(), name: z.string() }).nullable(),
  tagCount: z.number().int(),
  /** Crowd votes (and yes/no answers) cast under this version. */
  voteCount: z.number().int(),
  /** Expert decisions made under this version. */
  decisionCount: z.number().int(),
});
export type TaxonomyVersionSummary = z.infer<typeof TaxonomyVersionSummarySchema>;

export const TaxonomyAdminViewSchema = z.object({
  active: TaxonomySchema,
  versions: z.array(TaxonomyVersionSummarySchema),
});
export type TaxonomyAdminView = z.infer<typeof TaxonomyAdminViewSchema>;

export const CreatedTaxonomyVersionSchema = z.object({
  version: z.number().int(),
  baseVersion: z.number().int(),
  tags: z.array(TagSchema),
  mapping: TagMappingSchema,
});
export type CreatedTaxonomyVersion = z.infer<typeof CreatedTaxonomyVersionSchema>;

export const TaxonomyMappingQuerySchema = z.object({ to: z.coerce.number().int().positive().optional() });

export const TaxonomyMappingViewSchema = z.object({
  from: TaxonomySchema,
  to: TaxonomySchema,
  mapping: TagMappingSchema,
});
export type TaxonomyMappingView = z.infer<typeof TaxonomyMappingViewSchema>;
