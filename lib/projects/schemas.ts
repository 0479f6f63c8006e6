import { z } from 'zod';
import type { projectAnswers, QuestionType } from '@/db/schema/projects';
import { RoleSchema } from '@/lib/auth/schemas';
import { PlayableClipSchema } from '@/lib/catalog/schemas';

/**
 * One schema per concept for projects and their question types (issue 18), shared by the API
 * routes, the screens and `chorus project`.
 */

/**
 * Spelled out here rather than imported from the table definitions, so the labeling screens (client
 * components) do not load the database schema; the `…MatchTheColumn` types fail to compile if a
 * list and its column's enum part.
 */
export const QuestionTypeSchema = z.enum(['tags', 'valence_arousal', 'pairwise']);
export type QuestionTypesMatchTheColumn = [QuestionType, z.infer<typeof QuestionTypeSchema>] extends [
  z.infer<typeof QuestionTypeSchema>,
  QuestionType,
]
  ? true
  : never;
const PairwiseChoiceSchema = z.enum(['a', 'b', 'same']);
type ChoiceColumn = NonNullable<(typeof projectAnswers.$inferSelect)['choice']>;
export type PairwiseChoicesMatchTheColumn = [ChoiceColumn, z.infer<typeof PairwiseChoiceSchema>] extends [
  z.infer<typeof PairwiseChoiceSchema>,
  ChoiceColumn,
]
  ? true
  : never;
const typesMatch: QuestionTypesMatchTheColumn & PairwiseChoicesMatchTheColumn = true;
void typesMatch;
export type { QuestionType };

/** The question types a project can be created with; `tags` is the default project's pipeline. */
export const NEW_PROJECT_TYPES = ['valence_arousal', 'pairwise'] as const;

export const ProjectSlugSchema = z
  .string()
  .trim()
  .regex(/^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/, {
    error: 'a slug is 1–40 lowercase letters, digits and inner hyphens',
  });

/**
 * A project slug as a route receives it (`/api/projects/[slug]/…`): any short string. One that names
 * no project of the caller's is a 404 from `requireProject`, like a malformed one would be.
 */
export const SlugParamSchema = z.string().min(1).max(100);

/** Which catalog clips a project takes: every listed criterion must hold; nothing listed = the whole catalog. */
export const ClipFilterSchema = z
  .object({
    /** `clips.source` values: 'demo', 'upload', 'import:<file>' … */
    sources: z.array(z.string().trim().min(1).max(200)).max(50).optional(),
    artists: z.array(z.string().trim().min(1).max(200)).max(200).optional(),
    clipIds: z.array(z.string().uuid()).max(10_000).optional(),
  })
  .strict();
export type ClipFilter = z.infer<typeof ClipFilterSchema>;

export const ProjectSettingsSchema = z
  .object({
    /** Ratings wanted per clip (valence–arousal) or comparisons per clip (pairwise). */
    overlap: z.number().int().min(1).max(50).default(3),
    /** How long a contributor holds a question before it goes back to the pool. */
    leaseMinutes: z.number().int().min(1).max(120).default(10),
  })
  .strict();
export type ProjectSettings = z.infer<typeof ProjectSettingsSchema>;

export const CreateProjectSchema = z
  .object({
    slug: ProjectSlugSchema,
    name: z.string().trim().min(1).max(120),
    description: z.string().trim().max(2000).default(''),
    questionType: z.enum(NEW_PROJECT_TYPES),
    /** Pairwise only: "which of these two is more <attribute>?" (e.g. "energetic"). */
    attribute: z.string().trim().min(1).max(60).optional(),
    clipFilter: ClipFilterSchema.default({}),
    settings: ProjectSettingsSchema.default({ overlap: 3, leaseMinutes: 10 }),
  })
  .strict()
  .refine((p) => p.questionType !== 'pairwise' || p.attribute, {
    error: 'a pairwise project needs an attribute ("which of these two is more …?")',
    path: ['attribute'],
  });
export type CreateProjectInput = z.infer<typeof CreateProjectSchema>;

export const ProjectViewSchema = z.object({
  id: z.string().uuid(),
  slug: z.string(),
  name: z.string(),
  description: z.string(),
  questionType: QuestionTypeSchema,
  attribute: z.string().nullable(),
  clipFilter: ClipFilterSchema,
  settings: ProjectSettingsSchema,
  openToAll: z.boolean(),
  /** The caller's role in this project (an installation admin is admin everywhere). */
  myRole: RoleSchema,
  itemCount: z.number().int(),
  answerCount: z.number().int(),
  createdAt: z.string(),
});
export type ProjectView = z.infer<typeof ProjectViewSchema>;

export const AddMemberSchema = z.object({ email: z.string().trim().toLowerCase().email(), role: RoleSchema }).strict();
export type AddMemberInput = z.infer<typeof AddMemberSchema>;

export const MemberViewSchema = z.object({
  userId: z.string().uuid(),
  email: z.string(),
  name: z.string(),
  role: RoleSchema,
});
export type MemberView = z.infer<typeof MemberViewSchema>;

const TaskBase = z.object({ lease: z.object({ id: z.string().uuid(), expiresAt: z.string() }) });

/** What a contributor receives for a non-tags project: the question only, nothing about other answers. */
export const ProjectTaskSchema = z.discriminatedUnion('type', [
  TaskBase.extend({ type: z.literal('valence_arousal'), clip: PlayableClipSchema }),
  TaskBase.extend({ type: z.literal('pairwise'), attribute: z.string(), a: PlayableClipSchema, b: PlayableClipSchema }),
]);
export type ProjectTask = z.infer<typeof ProjectTaskSchema>;

/** A valence or arousal coordinate on the circumplex. */
export const CircumplexValueSchema = z.number().finite().min(-1).max(1);

const AnswerBase = z.object({
  leaseId: z.string().uuid(),
  /** Client-generated; a retried submit with the same key returns the first result. */
  idempotencyKey: z.string().min(8).max(100),
  listenedMs: z.number().int().min(0).max(86_400_000).optional(),
});

export const ProjectAnswerInputSchema = z.union([
  AnswerBase.extend({ valence: CircumplexValueSchema, arousal: CircumplexValueSchema }).strict(),
  AnswerBase.extend({ choice: PairwiseChoiceSchema }).strict(),
  AnswerBase.extend({ skip: z.literal(true) }).strict(),
]);
export type ProjectAnswerInput = z.infer<typeof ProjectAnswerInputSchema>;

export const ProjectAnswerResultSchema = z.object({
  answerId: z.string().uuid().nullable(),
  /** True when this submit replays an earlier one with the same idempotency key. */
  replayed: z.boolean(),
  skipped: z.boolean(),
});
export type ProjectAnswerResult = z.infer<typeof ProjectAnswerResultSchema>;

/** One clip's aggregate as experts, engineers and the export see it. */
export const ProjectScoreSchema = z.object({
  clipId: z.string().uuid(),
  sha256: z.string(),
  title: z.string(),
  artist: z.string(),
  answerCount: z.number().int(),
  valence: z.number().nullable(),
  valenceSd: z.number().nullable(),
  arousal: z.number().nullable(),
  arousalSd: z.number().nullable(),
  score: z.number().nullable(),
  scoreSd: z.number().nullable(),
  rank: z.number().int().nullable(),
});
export type ProjectScore = z.infer<typeof ProjectScoreSchema>;

/** What the aggregation learned about one contributor (valence–arousal: bias/scale/noise per axis; pairwise: eta). */
export const ProjectAnnotatorViewSchema = z.object({
  userId: z.string().uuid(),
  name: z.string(),
  answerCount: z.number().int(),
  params: z.record(z.string(), z.number()),
});
export type ProjectAnnotatorView = z.infer<typeof ProjectAnnotatorViewSchema>;

/** A rating project's valence–arousal regression heads (lib/projects/va-model.ts), as the results page shows them. */
export const VaHeadsViewSchema = z.object({
  /** Rated clips trained on. */
  n: z.number().int(),
  /** The ridge penalty chosen by cross-validation. */
  lambda: z.number(),
  valenceCvRmse: z.number(),
  arousalCvRmse: z.number(),
  extractorVersion: z.string(),
  trainedAt: z.string(),
});
export type VaHeadsView = z.infer<typeof VaHeadsViewSchema>;

/** The heads' prediction for one clip, ± its predictive sd. */
export const VaPredictionViewSchema = z.object({
  clipId: z.string().uuid(),
  valence: z.number(),
  valenceSd: z.number(),
  arousal: z.number(),
  arousalSd: z.number(),
});
export type VaPredictionView = z.infer<typeof VaPredictionViewSchema>;

/** GET /api/projects/[slug]/results (need review). */
export const ProjectResultsSchema = z.object({
  project: ProjectViewSchema,
  scores: z.array(ProjectScoreSchema),
  annotators: z.array(ProjectAnnotatorViewSchema),
  /** When the stored fit was written; null before the first fit. */
  fittedAt: z.string().nullable(),
  /** Rating projects: the regression heads, null until ≥ 10 rated clips with features trained them (always null for pairwise). */
  heads: VaHeadsViewSchema.nullable(),
  /** The heads' predictions for clips nobody rated yet. */
  predictions: z.array(VaPredictionViewSchema),
});
export type ProjectResults = z.infer<typeof ProjectResultsSchema>;

/** GET /api/recommend/mood/point: the k clips of a rating project nearest a (valence, arousal) point. */
export const MoodPointQuerySchema = z
  .object({
    project: SlugParamSchema,
    valence: z.coerce.number().min(-1).max(1),
    arousal: z.coerce.number().min(-1).max(1),
    k: z.coerce.number().int().min(1).max(50).default(10),
  })
  .strict();
export type MoodPointQuery = z.infer<typeof MoodPointQuerySchema>;

export const MoodPointItemSchema = z.object({
  clipId: z.string().uuid(),
  title: z.string(),
  artist: z.string(),
  valence: z.number(),
  arousal: z.number(),
  /** 'crowd': aggregated from ratings; 'model': predicted by the regression heads (clips nobody rated). */
  source: z.enum(['crowd', 'model']),
  /** Euclidean distance to the asked point in the (valence, arousal) plane. */
  distance: z.number(),
  why: z.string(),
});
export type MoodPointItem = z.infer<typeof MoodPointItemSchema>;

export const MoodPointResponseSchema = z.object({ items: z.array(MoodPointItemSchema) });
export type MoodPointResponse = z.infer<typeof MoodPointResponseSchema>;
