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
