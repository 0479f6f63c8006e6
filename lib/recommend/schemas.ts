/**
 * Requests and responses of the recommender and listener API, shared by the route handlers,
 * the /listen page and the OpenAPI document. Query strings arrive as strings: numbers are
 * coerced, flags accept 0/1/true/false.
 */
import { z } from 'zod';
import { dict } from '@/lib/util/dict';

/** Opaque listener session ids: 24 url-safe base64 characters from 18 random bytes (see repo). */
export const SessionIdSchema = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'not a listener session id');

const flag = z
  .enum(['0', '1', 'true', 'false'])
  .transform((v) => v === '1' || v === 'true');

const optionalNumber = (min: number, max: number) => z.coerce.number().min(min).max(max).optional();

/**
 * A mood blend: `calm:0.7,dreamy:0.3`, or `calm,dreamy` for equal weights. At most 8 tags,
 * weights finite and ≥ 0 (they are normalised, so they need not sum to 1). Tag names are
 * checked against the active taxonomy by the service (422 UNKNOWN_TAG).
 */
export const MoodBlendSchema = z
  .string()
  .max(400)
  .transform((raw, ctx) => {
    // Null-prototype: `constructor:1` or `__proto__:1` is a tag name here, not Object's.
    const blend = dict<number>();
    for (const part of raw.split(',').map((p) => p.trim()).filter(Boolean)) {
      const [tag, weight, extra] = part.split(':').map((s) => s.trim());
      const w = weight === undefined ? 1 : Number(weight);
      if (extra !== undefined || !/^[a-z0-9_-]{1,40}$/i.test(tag) || !Number.isFinite(w) || w < 0) {
        ctx.addIssue({ code: 'custom', message: `"${part}" is not tag or tag:weight (weight ≥ 0)` });
        return z.NEVER;
      }
      blend[tag] = (blend[tag] ?? 0) + w;
    }
    if (Object.keys(blend).length > 8) {
      ctx.addIssue({ code: 'custom', message: 'at most 8 tags in a blend' });
      return z.NEVER;
    }
    return blend;
  });
export type MoodBlend = Record<string, number>;

/** Tempo (BPM) and energy ([0, 1], the clip's loudness percentile in the catalog) as hard filters. */
const RangeFields = {
  tempoMin: optionalNumber(0, 400),
  tempoMax: optionalNumber(0, 400),
  energyMin: optionalNumber(0, 1),
  energyMax: optionalNumber(0, 1),
};

export const SimilarQuerySchema = z.object({
  clipId: z.string().uuid('clipId must be a clip uuid'),
  k: z.coerce.number().int().min(1).max(50).default(10),
  /** 1 → MMR diversity and the artist cap; default the plain k nearest neighbours. */
  diversify: flag.default(false),
});
export type SimilarQuery = z.infer<typeof SimilarQuerySchema>;

export const MoodQuerySchema = z.object({
  blend: MoodBlendSchema,
  k: z.coerce.number().int().min(1).max(50).default(10),
  ...RangeFields,
});
export type MoodQuery = z.infer<typeof MoodQuerySchema>;

export const CreateSessionSchema = z
  .object({
    /** Start with personalization on (default) or off; each "next" request may override it. */
    personalization: z.boolean().default(true),
  })
  .strict();
export type CreateSessionInput = z.infer<typeof CreateSessionSchema>;

export const LISTEN_EVENT_TYPES = ['play', 'skip', 'like', 'dislike'] as const;

export const ListenEventSchema = z
  .object({
    clipId: z.string().uuid(),
    type: z.enum(LISTEN_EVENT_TYPES),
    /** Where in the clip the listener was, in seconds (a skip's earliness scales its weight). */
    positionS: z.number().min(0).max(24 * 3600).optional(),
    /** The embedding version of the recommendation list the clip came from (KPIs are kept per version). */
    embeddingVersion: z.number().int().positive().optional(),
  })
  .strict();
export type ListenEventInput = z.infer<typeof ListenEventSchema>;

export const NextQuerySchema = z.object({
  k: z.coerce.number().int().min(1).max(50).default(10),
  mood: MoodBlendSchema.optional(),
  /** 0 → the answer depends on this request only (no history, no other listeners); default: the session's setting. */
  personalization: flag.optional(),
  ...RangeFields,
});
export type NextQuery = z.infer<typeof NextQuerySchema>;

export const KpiQuerySchema = z.object({
  days: z.coerce.number().int().min(1).max(3650).default(30),
});

const ComponentsSchema = z.object({
  session: z.number().nullable(),
  seed: z.number().nullable(),
  mood: z.number().nullable(),
  cooccurrence: z.number().nullable(),
  novelty: z.number().nullable(),
  redundancy: z.number(),
});

export const RecommendedTrackSchema = z.object({
  clipId: z.string(),
  title: z.string(),
  artist: z.string(),
  durationS: z.number().nullable(),
  tempoBpm: z.number().nullable(),
  /** Loudness percentile in the catalog, [0, 1]. */
  energy: z.number().nullable(),
  /** Public audio URL, or null when the raw audio was deleted under the retention policy. */
  audioUrl: z.string().nullable(),
  /** Gain towards the target loudness, dB (the player boosts or cuts by it). */
  playbackGainDb: z.number(),
  /**
   * A short human reason: "calm · close to tracks you liked 0.71". Engineers and admins see the
   * mood probability too ("calm 0.82"); everyone else never receives a model or crowd probability.
   */
  why: z.string(),
  /** Hybrid relevance and the signal values behind it: engineers and admins only. */
  score: z.number().optional(),
  components: ComponentsSchema.optional(),
});
export type RecommendedTrack = z.infer<typeof RecommendedTrackSchema>;

export const RecommendResponseSchema = z.object({
  /** The embedding version that served this answer (every result belongs to it); null before any exists. */
  embeddingVersion: z.number().nullable(),
  backend: z.enum(['pgvector', 'hnswlib']).nullable(),
  /** Where mood scores come from: the active model, settled crowd labels, or nowhere yet. */
  moodSource: z.enum(['model', 'crowd']).nullable(),
  personalization: z.boolean(),
  sessionId: z.string().optional(),
  seed: z.object({ clipId: z.string(), title: z.string(), artist: z.string() }).optional(),
  results: z.array(RecommendedTrackSchema),
});
export type RecommendResponse = z.infer<typeof RecommendResponseSchema>;

export const SessionCreatedSchema = z.object({ sessionId: z.string(), personalization: z.boolean() });

export const EventResultSchema = z.object({
  sessionId: z.string(),
  embeddingVersion: z.number().nullable(),
  events: z.number().int(),
  likes: z.number().int(),
});

export const KpiRowSchema = z.object({
  embeddingVersion: z.number().nullable(),
  source: z.string().nullable(),
  sessions: z.number().int(),
  events: z.number().int(),
  /** Distinct (session, clip) pairs with any event: tracks the listeners reacted to. */
  tracks: z.number().int(),
  plays: z.number().int(),
  skips: z.number().int(),
  likes: z.number().int(),
  dislikes: z.number().int(),
  /** skips / tracks. */
  skipRate: z.number().nullable(),
  /** likes / tracks. */
  likeRate: z.number().nullable(),
  /** Mean tracks per session. */
  meanSessionTracks: z.number().nullable(),
  /** Mean minutes from a session's first to its last event. */
  meanSessionMinutes: z.number().nullable(),
});
export const KpiResponseSchema = z.object({ days: z.number().int(), versions: z.array(KpiRowSchema) });
export type KpiResponse = z.infer<typeof KpiResponseSchema>;

/** Starting a canary rollout of a ready embedding version (issue 20, item 1). */
export const StartCanarySchema = z
  .object({
    canaryVersion: z.number().int().positive(),
    /** Share of new listener sessions served from the canary. */
    share: z.number().gt(0).max(0.5).default(0.1),
    /** How much worse (like rate, absolute) the canary may be and still be promoted. */
    margin: z.number().gt(0).max(0.5).default(0.02),
    /** Sessions per arm before a promotion. */
    minSessions: z.number().int().min(10).max(1_000_000).default(200),
  })
  .strict();
export type StartCanaryBody = z.infer<typeof StartCanarySchema>;

export const CanaryIdParamsSchema = z.object({ id: z.coerce.number().int().positive() });

/**
 * Pushing a model's embeddings to the recommender by hand: `activate: false` (the default) leaves
 * the new embedding version 'ready' for a canary; `true` switches to it at once.
 */
export const PushEmbeddingsSchema = z.object({ activate: z.boolean().default(false) }).strict();
export type PushEmbeddingsBody = z.infer<typeof PushEmbeddingsSchema>;
