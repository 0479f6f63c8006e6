/** Zod schemas of the A/B-test routes and of the arms stored in `ab_experiments` (issue 20, item 2), and of the exploration switch (item 3). */
import { z } from 'zod';

/** A ranking setting under test: the diversity knobs of lib/recommend/rank.ts. */
export const RankingArmSchema = z
  .object({
    /** MMR trade-off: 1 = pure relevance, lower = more diverse. */
    lambda: z.number().min(0).max(1),
    maxPerArtist: z.number().int().min(1).max(20).default(2),
  })
  .strict();
export type RankingArm = z.infer<typeof RankingArmSchema>;

export const EmbeddingArmSchema = z.object({ embeddingVersion: z.number().int().positive() }).strict();
export type EmbeddingArm = z.infer<typeof EmbeddingArmSchema>;

const plan = {
  /** Share of new listener sessions in the treatment arm. */
  share: z.number().min(0.1).max(0.9).default(0.5),
  /** Like rate the control is expected to have (per session). */
  baseline: z.number().gt(0).lt(1),
  /** Smallest like-rate difference (absolute) the test should detect at α 0.05, power 0.8. */
  minDetectable: z.number().gt(0).max(0.5),
};

export const StartExperimentSchema = z
  .discriminatedUnion('kind', [
    z.object({ kind: z.literal('embedding'), control: EmbeddingArmSchema, treatment: EmbeddingArmSchema, ...plan }).strict(),
    z.object({ kind: z.literal('ranking'), control: RankingArmSchema, treatment: RankingArmSchema, ...plan }).strict(),
  ])
  .refine((b) => b.baseline + b.minDetectable < 1, {
    message: 'baseline + minDetectable must stay below 1',
    path: ['minDetectable'],
  })
  .refine((b) => JSON.stringify(b.control) !== JSON.stringify(b.treatment), {
    message: 'control and treatment must differ',
    path: ['treatment'],
  });
export type StartExperimentBody = z.infer<typeof StartExperimentSchema>;

export const ExperimentIdParamsSchema = z.object({ id: z.coerce.number().int().positive() });

/** Turning the recommender's exploration bandit on or off from /models (the `exploration` project setting). */
export const ExplorationSwitchSchema = z.object({ enabled: z.boolean() }).strict();
export type ExplorationSwitch = z.infer<typeof ExplorationSwitchSchema>;
