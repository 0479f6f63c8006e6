import { z } from 'zod';

/**
 * Pre-annotations (issue 15, item 9): the shapes of `chorus predictions import|export`, POST
 * /api/predictions/import and GET /api/predictions/export. Client-safe: zod only.
 *
 * File format (both directions), one row per clip:
 *   CSV    clip,p_happy,p_sad,…          (header; `clip` an id or sha256; other columns ignored)
 *   JSONL  {"clip":"…","p_happy":0.91,"p_sad":0.02}
 * Each `p_<tag>` is a probability in [0, 1] for a tag of the active taxonomy; a row may leave
 * some tags out (an empty CSV cell) but must give at least one.
 */

export const PREDICTION_FORMATS = ['csv', 'jsonl'] as const;
export const PredictionFormatSchema = z.enum(PREDICTION_FORMATS);
export type PredictionFormat = z.infer<typeof PredictionFormatSchema>;

/** The column/field prefix of a tag's probability. */
export const PROB_PREFIX = 'p_';

export const PredictionSourceSchema = z
  .string()
  .trim()
  .min(1, 'source names where the predictions came from')
  .max(200)
  .regex(/^[\w .:@/+-]+$/, 'source: letters, digits and . _ - : @ / + only');

/** POST /api/predictions/import: the file's text, its format, and a source name. */
export const PredictionsImportInputSchema = z
  .object({
    format: PredictionFormatSchema,
    content: z.string().min(1, 'the file is empty'),
    source: PredictionSourceSchema.default('api'),
  })
  .strict();
export type PredictionsImportInput = z.infer<typeof PredictionsImportInputSchema>;

export const PredictionsImportResultSchema = z.object({
  source: z.string(),
  /** Clips given a prediction for the first time, and clips whose earlier imported prediction was replaced. */
  created: z.number().int(),
  replaced: z.number().int(),
  tags: z.array(z.string()),
  /** Whether a queue rescore was asked for (cold start: before any trained model). */
  rescoreQueued: z.boolean(),
});
export type PredictionsImportResult = z.infer<typeof PredictionsImportResultSchema>;

/** GET /api/predictions/export: the active model's probabilities, or the imported ones. */
export const PredictionsExportQuerySchema = z
  .object({
    format: PredictionFormatSchema.default('csv'),
    from: z.enum(['model', 'imported']).default('model'),
  })
  .strict();
export type PredictionsExportQuery = z.infer<typeof PredictionsExportQuerySchema>;
