import { z } from 'zod';

/** Project settings an admin tunes; defaults are what a new project starts with. */
export const ProjectSettingsSchema = z.object({
  /** Votes wanted per clip before the aggregator decides (adaptive overlap may stop earlier or ask more). */
  overlap: z.number().int().min(1).max(50).default(3),
  minVotes: z.number().int().min(1).max(50).default(3),
  maxVotes: z.number().int().min(1).max(100).default(7),
  consensusThreshold: z.number().min(0.5).max(0.999).default(0.9),
  goldRate: z.number().min(0).max(1).default(0.1),
  /** New contributors see more gold until they have this many votes. */
  newContributorVotes: z.number().int().min(0).default(20),
  newContributorGoldRate: z.number().min(0).max(1).default(0.25),
  leaseSeconds: z.number().int().min(10).max(86_400).default(300),
  maxActiveLeases: z.number().int().min(1).max(20).default(3),
  /** Re-run full EM after this many new votes. */
  emEveryVotes: z.number().int().min(1).default(200),
  /** Retrain after this many new consensus labels. */
  retrainEveryLabels: z.number().int().min(1).default(50),
  strategy: z.enum(['random', 'uncertainty', 'margin', 'entropy', 'disagreement', 'hybrid']).default('hybrid'),
  priorityWeights: z
    .object({
      uncertainty: z.number().min(0).default(1),
      disagreement: z.number().min(0).default(0.7),
      diversity: z.number().min(0).default(0.3),
      votesNeeded: z.number().min(0).default(0.5),
    })
    .default({ uncertainty: 1, disagreement: 0.7, diversity: 0.3, votesNeeded: 0.5 }),
  /** Which classifier(s) a retrain fits; with 'both' the better one on the held-out split is the candidate. */
  modelKind: z.enum(['logistic', 'mlp', 'both']).default('both'),
  /** Maximum training epochs per retrain (early stopping usually ends sooner). */
  trainEpochs: z.number().int().min(1).max(500).default(40),
  /** Also retrain on this period (hours) when new labels arrived since the last model; 0 = only by label count or by hand. */
  retrainIntervalHours: z.number().min(0).max(24 * 30).default(24),
  /** Share of crowd requests that may get a yes/no question about one uncertain tag instead of the full picker. */
  targetedQuestionRate: z.number().min(0).max(1).default(0.2),
  /** A tag counts as uncertain for a targeted question above this per-tag entropy (0–1; 0.8 ≈ p in [0.24, 0.76]). */
  targetedUncertaintyThreshold: z.number().min(0).max(1).default(0.8),
  /** Share of expert decisions sent to a second expert, for expert–expert agreement. */
  secondOpinionRate: z.number().min(0).max(1).default(0.1),
  /** Clips the model is this unsure of (0–1, mean per-tag uncertainty) also go to experts. */
  expertUncertaintyThreshold: z.number().min(0).max(1).default(0.85),
  /** Delete raw audio once a clip is extracted and labeled (features and metadata stay). */
  retainAudio: z.boolean().default(true),
  /** Days to keep listener feedback events. */
  feedbackRetentionDays: z.number().int().min(1).max(3650).default(90),
});
export type ProjectSettings = z.infer<typeof ProjectSettingsSchema>;

export const ProjectSettingsPatchSchema = ProjectSettingsSchema.partial();
