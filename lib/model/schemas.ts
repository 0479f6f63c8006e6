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

// ——— What the models page hands its client components (modelsOverview, serialised: dates as
// strings). The client's view types are inferred from these, not retyped (issue 16).

export const ReliabilityBinViewSchema = z.object({
  lower: z.number(),
  upper: z.number(),
  count: z.number(),
  meanPredicted: z.number().nullable(),
  observedRate: z.number().nullable(),
});

export const HeldOutMetricsViewSchema = z.object({
  n: z.number(),
  microF1: z.number(),
  macroF1: z.number(),
  microPrecision: z.number(),
  microRecall: z.number(),
  meanAveragePrecision: z.number(),
  ece: z.number(),
  hammingLoss: z.number(),
  subsetAccuracy: z.number(),
  perTag: z.array(
    z.object({
      tag: z.string(),
      support: z.number(),
      precision: z.number(),
      recall: z.number(),
      f1: z.number(),
      averagePrecision: z.number(),
      ece: z.number(),
    }),
  ),
  reliability: z.array(ReliabilityBinViewSchema),
});

export const ModelMetricsViewSchema = z.object({
  heldOut: HeldOutMetricsViewSchema.optional(),
  confusion: z
    .object({
      tags: z.array(z.string()),
      matrix: z.array(z.array(z.number())),
      support: z.array(z.number()),
      missedEntirely: z.array(z.number()),
    })
    .optional(),
  split: z
    .object({ source: z.string(), train: z.number(), validation: z.number(), test: z.number(), testHash: z.string() })
    .optional(),
  training: z
    .object({
      epochs: z.array(z.object({ epoch: z.number(), trainLoss: z.number(), validationLoss: z.number().nullable() })),
      bestEpoch: z.number(),
      settledClips: z.number(),
      openClips: z.number(),
      trainMs: z.number(),
    })
    .optional(),
  comparison: z
    .object({
      candidate: z.boolean(),
      activeModelId: z.number().nullable(),
      activeOnSameSplit: z.object({ macroF1: z.number(), microF1: z.number(), ece: z.number() }).nullable(),
      activeProblem: z.string().nullable(),
      better: z.boolean(),
      reason: z.string(),
      deltaMacroF1: z.number().nullable().optional(),
    })
    .optional(),
});

export const ModelViewSchema = ModelSummarySchema.omit({ retiredAt: true }).extend({ metrics: ModelMetricsViewSchema });
export type ModelView = z.infer<typeof ModelViewSchema>;

export const CurveViewSchema = z.object({
  id: z.number(),
  name: z.string(),
  kind: z.enum(['real', 'simulated']),
  strategy: z.string(),
  points: z.array(z.record(z.string(), z.number())),
});
export type CurveView = z.infer<typeof CurveViewSchema>;

export const EmbeddingVersionViewSchema = z.object({
  id: z.number(),
  modelId: z.number().nullable(),
  dim: z.number(),
  status: z.string(),
  count: z.number(),
  activatedAt: z.string().nullable(),
});
export type EmbeddingVersionView = z.infer<typeof EmbeddingVersionViewSchema>;

export const ModelsOverviewViewSchema = z.object({
  models: z.array(ModelViewSchema),
  curves: z.array(CurveViewSchema),
  embeddingVersions: z.array(EmbeddingVersionViewSchema),
  rollback: z.object({ from: z.number(), to: z.number() }).nullable(),
});
export type ModelsOverviewView = z.infer<typeof ModelsOverviewViewSchema>;
