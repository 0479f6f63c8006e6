import { z } from 'zod';

/**
 * The hybrid queue priority's blend weights a new project starts with, and what
 * lib/active/priority.ts's `blendPriority` falls back to for a weight it is not given: one set,
 * so the live queue, `chorus simulate` and the blend agree. Only the ratios matter.
 */
export const DEFAULT_PRIORITY_WEIGHTS = {
  uncertainty: 1,
  disagreement: 0.7,
  diversity: 0.3,
  votesNeeded: 0.5,
  drift: 0.5,
  feedback: 0.5,
} as const;

/**
 * Project settings an admin tunes, field by field; defaults are what a new project starts with.
 * Each field is checked alone here; `ProjectSettingsSchema` below also checks them together.
 */
export const ProjectSettingsFields = z.object({
  /** Votes wanted per clip before the aggregator decides (adaptive overlap may stop earlier or ask more). */
  overlap: z.number().int().min(1).max(50).default(3),
  minVotes: z.number().int().min(1).max(50).default(3),
  /**
   * Past this many answers a clip still in doubt goes to the experts. 9: adaptive overlap spends
   * the extra votes only on the few clips that need them (≈ 5 answers per clip on average in
   * the simulated-crowd benchmark, bench/RESULTS.md), and at 7 about one clip in seven was
   * disputed over one neighbouring mood.
   */
  maxVotes: z.number().int().min(1).max(100).default(9),
  consensusThreshold: z.number().min(0.5).max(0.999).default(0.9),
  goldRate: z.number().min(0).max(1).default(0.1),
  /** New contributors see more gold until they have this many votes. */
  newContributorVotes: z.number().int().min(0).default(20),
  newContributorGoldRate: z.number().min(0).max(1).default(0.25),
  /**
   * Qualification (lib/qualification): a new contributor answers this many gold clips before
   * their votes count; 0 = off. With fewer gold clips than this, qualification is off (and /loop
   * says so) rather than lock every newcomer out.
   */
  qualificationClips: z
    .number()
    .int()
    .min(0, { error: 'qualificationClips must be 0 (off) or more' })
    .max(50, { error: 'qualificationClips must be at most 50' })
    .default(5),
  /** Pass mark of the round: the share of per-tag gold checks answered right (lib/crowd/live.ts `goldTagChecks`). */
  qualificationThreshold: z
    .number()
    .min(0, { error: 'qualificationThreshold must be between 0 and 1' })
    .max(1, { error: 'qualificationThreshold must be between 0 and 1' })
    .default(0.8),
  /** After a failed round the contributor is paused this long (hours), then gets a fresh draw. */
  qualificationRetryHours: z
    .number()
    .min(0, { error: 'qualificationRetryHours must be 0 or more' })
    .max(24 * 30, { error: 'qualificationRetryHours must be at most 720 (30 days)' })
    .default(1),
  leaseSeconds: z.number().int().min(10).max(86_400).default(300),
  maxActiveLeases: z.number().int().min(1).max(20).default(3),
  /**
   * Model-aware aggregation (lib/crowd/crowdlab.ts, model-evidence.ts): a clip with fewer than
   * minVotes votes also gets the active model's prediction in its posteriors, weighted by how well
   * the model agrees with the settled clips. Off by default: it beat Dawid–Skene on the simulated
   * crowd with a model whose errors are independent of the crowd's (bench/RESULTS.md), but the live
   * model learns from crowd labels, and no live-loop run has measured it yet.
   */
  modelAwareAggregation: z.boolean().default(false),
  /** Re-run full EM after this many new votes. */
  emEveryVotes: z.number().int().min(1).default(200),
  /** Retrain after this many new consensus labels. */
  retrainEveryLabels: z.number().int().min(1).default(50),
  /** Query strategy; 'auto' = a bandit over the others (Active Learning by Learning, lib/active/albl). */
  strategy: z.enum(['random', 'uncertainty', 'margin', 'entropy', 'disagreement', 'hybrid', 'auto']).default('hybrid'),
  /** Blend of the hybrid queue priority (lib/active/priority.ts), each in [0, 100]; only their ratios matter. */
  priorityWeights: z
    .object({
      uncertainty: z.number().min(0).max(100).default(DEFAULT_PRIORITY_WEIGHTS.uncertainty),
      disagreement: z.number().min(0).max(100).default(DEFAULT_PRIORITY_WEIGHTS.disagreement),
      diversity: z.number().min(0).max(100).default(DEFAULT_PRIORITY_WEIGHTS.diversity),
      votesNeeded: z.number().min(0).max(100).default(DEFAULT_PRIORITY_WEIGHTS.votesNeeded),
      /** New clips far from the labelled ones or in drifted regions (lib/active/drift). */
      drift: z.number().min(0).max(100).default(DEFAULT_PRIORITY_WEIGHTS.drift),
      /** Clips listeners skip or dislike. */
      feedback: z.number().min(0).max(100).default(DEFAULT_PRIORITY_WEIGHTS.feedback),
    })
    .default({ ...DEFAULT_PRIORITY_WEIGHTS }),
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
  /**
   * Also the open clips among this share of the catalog the active model is least sure of. A mood
   * model is confident about most tags of most clips, so its mean uncertainty rarely reaches an
   * absolute threshold: without a relative lane the expert queue held disputes only (issue 11).
   */
  expertUncertainShare: z.number().min(0).max(1).default(0.02),
  /**
   * A clip whose agreement (lib/crowd/agreement.ts `clipAgreement`: 1 = unanimous, 0 = as split as
   * chance) is below this once it has minVotes, with too few votes left under maxVotes to settle
   * it, goes to the experts early. 0 = only crowds that disagree more than chance.
   */
  disputeAlpha: z
    .number({ error: 'disputeAlpha must be a number' })
    .min(-1, { error: 'disputeAlpha must be at least −1' })
    .max(1, { error: 'disputeAlpha must be at most 1' })
    .default(0),
  /**
   * Spam checks of the full EM (lib/crowd/quality.ts). An answer is too fast before
   * min(spamMinListenMs, spamMinListenFraction × the playable clip) of listening; 3 s: people
   * name a mood within seconds, so only quicker answers cannot have heard the clip.
   */
  spamMinListenMs: z
    .number()
    .int()
    .min(0, { error: 'spamMinListenMs must be 0 or more' })
    .max(60_000, { error: 'spamMinListenMs must be at most 60000 (a minute)' })
    .default(3_000),
  spamMinListenFraction: z
    .number()
    .min(0, { error: 'spamMinListenFraction must be between 0 and 1' })
    .max(1, { error: 'spamMinListenFraction must be between 0 and 1' })
    .default(0.2),
  /** Pause when at least this share of the latest spamTooFastWindow answers were too fast. */
  spamTooFastShare: z
    .number()
    .min(0.05, { error: 'spamTooFastShare must be at least 0.05 (below that one quick answer pauses)' })
    .max(1, { error: 'spamTooFastShare must be at most 1' })
    .default(0.5),
  spamTooFastWindow: z
    .number()
    .int()
    .min(1, { error: 'spamTooFastWindow must be at least 1 answer' })
    .max(1000, { error: 'spamTooFastWindow must be at most 1000 answers' })
    .default(30),
  /** Pause when one answer makes up at least this share of a contributor's answers. */
  spamSameAnswerShare: z
    .number()
    .min(0.5, { error: 'spamSameAnswerShare must be at least 0.5 (below that every contributor has a "same answer")' })
    .max(1, { error: 'spamSameAnswerShare must be at most 1' })
    .default(0.9),
  /** No too-fast or same-answer judgement before a contributor has this many answers. */
  spamMinAnswers: z
    .number()
    .int()
    .min(1, { error: 'spamMinAnswers must be at least 1' })
    .max(1000, { error: 'spamMinAnswers must be at most 1000' })
    .default(10),
  /** Pause when reliability (balanced accuracy, 0.5 = guessing) is surely below this (mean + 1.645 sd). */
  spamReliabilityFloor: z
    .number()
    .min(0, { error: 'spamReliabilityFloor must be between 0 and 1' })
    .max(1, { error: 'spamReliabilityFloor must be between 0 and 1' })
    .default(0.6),
  /** Pause when gold accuracy is surely below this (mean + 1.645 sd). */
  spamGoldAccuracyFloor: z
    .number()
    .min(0, { error: 'spamGoldAccuracyFloor must be between 0 and 1' })
    .max(1, { error: 'spamGoldAccuracyFloor must be between 0 and 1' })
    .default(0.6),
  /** Delete raw audio once a clip is extracted and labeled (features and metadata stay). */
  retainAudio: z.boolean().default(true),
  /** Days to keep listener feedback events. */
  feedbackRetentionDays: z.number().int().min(1).max(3650).default(90),
  /**
   * The recommender's exploration bandit (lib/recommend/exploration.ts): Thompson sampling gives
   * each new personalised listener session one of a few ranking settings and learns from its likes
   * and skips, outside any A/B experiment or canary. Off by default: it changes at random what a
   * listener hears, which a project should choose, and so far only simulated listeners have
   * measured it (bench/RESULTS.md, issue 20); an engineer turns it on from /models.
   */
  exploration: z.boolean().default(false),
});
export type ProjectSettings = z.infer<typeof ProjectSettingsFields>;

/**
 * Settings that are each valid but contradict one another (issue 22, finding 6: `minVotes 50`
 * with `maxVotes 1` was accepted). One issue per broken rule, on the field to change, with a
 * message that names both values. Shared by the API (400), the CLI and the forms.
 */
export function settingsConsistencyIssues(s: ProjectSettings): { path: (keyof ProjectSettings)[]; message: string }[] {
  const issues: { path: (keyof ProjectSettings)[]; message: string }[] = [];
  if (s.minVotes > s.maxVotes) {
    issues.push({ path: ['minVotes'], message: `minVotes (${s.minVotes}) must be at most maxVotes (${s.maxVotes})` });
  }
  if (s.overlap > s.maxVotes) {
    issues.push({
      path: ['overlap'],
      message: `overlap (${s.overlap}) must be at most maxVotes (${s.maxVotes}): no clip gets more than maxVotes votes`,
    });
  }
  if (s.strategy === 'hybrid') {
    const w = s.priorityWeights;
    if (w.uncertainty + w.disagreement + w.diversity + w.votesNeeded <= 0) {
      issues.push({ path: ['priorityWeights'], message: 'with strategy "hybrid" at least one priority weight must be above 0' });
    }
  }
  return issues;
}

/** The settings as a whole: every field valid and no two contradicting (what a write must pass). */
export const ProjectSettingsSchema = ProjectSettingsFields.superRefine((s, ctx) => {
  for (const issue of settingsConsistencyIssues(s)) ctx.addIssue({ code: 'custom', ...issue });
});

type PatchShape<S extends z.ZodRawShape> = { [K in keyof S]: z.ZodOptional<S[K] extends z.ZodDefault<infer I> ? I : S[K]> };

/** Every field optional and without its default: an absent key means "leave as is". */
export function patchOf<S extends z.ZodRawShape>(fields: z.ZodObject<S>): z.ZodObject<PatchShape<S>> {
  const shape: Record<string, z.ZodType> = {};
  for (const [key, field] of Object.entries(fields.shape) as [string, z.ZodType][]) {
    shape[key] = (field instanceof z.ZodDefault ? (field.unwrap() as z.ZodType) : field).optional();
  }
  return z.object(shape) as unknown as z.ZodObject<PatchShape<S>>;
}

/**
 * A change: any subset of fields, and of the priority weights (lib/settings/service keeps the
 * others); the merged result is checked with `ProjectSettingsSchema`. Not `.partial()`: in zod 4
 * a partial field keeps its default, so a PATCH of one key used to reset every other setting to
 * its default.
 */
export const ProjectSettingsPatchSchema = patchOf(ProjectSettingsFields).extend({
  priorityWeights: patchOf(ProjectSettingsFields.shape.priorityWeights.unwrap()).optional(),
});
