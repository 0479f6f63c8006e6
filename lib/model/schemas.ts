import { z } from 'zod';
import { patchOf, ProjectSettingsFields } from '@/lib/settings/schemas';

/** The part of the project settings an ML engineer tunes from /models (strategy, weights, retraining, targeted questions). */
export const StrategySettingsSchema = ProjectSettingsFields.pick({
  strategy: true,
  priorityWeights: true,
  modelKind: true,
  trainEpochs: true,
  retrainEveryLabels: true,
  retrainIntervalHours: true,
  targetedQuestionRate: true,
  targetedUncertaintyThreshold: true,
});
export type StrategySettings = z.infer<typeof StrategySettingsSchema>;

/**
 * A change from /models: any subset of those fields, and of the priority weights (the others are
 * kept); the limits are the settings' own (lib/settings/schemas.ts), written once.
 */
export const StrategySettingsPatchSchema = patchOf(StrategySettingsSchema)
  .extend({ priorityWeights: patchOf(StrategySettingsSchema.shape.priorityWeights.unwrap()).optional() })
  .strict();
export type StrategySettingsPatch = z.infer<typeof StrategySettingsPatchSchema>;

export const RetrainRequestSchema = z
  .object({
    kinds: z
      .array(z.enum(['logistic', 'mlp']))
      .min(1)
      .max(2)
      .optional(),
  })
  .strict();

export const ModelIdParamsSchema = z.object({ id: z.coerce.number().int().positive() });

export const ModelSummarySchema = z.object({
  id: z.number().int(),
  kind: z.enum(['logistic', 'mlp']),
  status: z.enum(['training', 'ready', 'active', 'retired', 'failed']),
  featureVersion: z.string(),
  taxonomyVersion: z.number().int(),
  tagKeys: z.array(z.string()),
  trainSize: z.number().int(),
  hyperparams: z.record(z.string(), z.unknown()),
  metrics: z.record(z.string(), z.unknown()),
  onnxSha256: z.string().nullable(),
  onnxBytes: z.number().nullable(),
  error: z.string().nullable(),
  trigger: z.string(),
  previousModelId: z.number().int().nullable(),
  createdAt: z.string(),
  promotedAt: z.string().nullable(),
  retiredAt: z.string().nullable(),
});
