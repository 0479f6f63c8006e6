/**
 * Short-term listener session: feedback events fold into one decayed vector
 * in embedding space that points toward what the listener is enjoying right
 * now and away from what they skip.
 *
 * Pure: the state is a plain JSON-serialisable object so the lead's repo can
 * store it in a `jsonb` column and hand it back unchanged.
 */
import { z } from 'zod';
import { normalize, type Vec } from './vector-math';

export type FeedbackType = 'play' | 'skip' | 'like' | 'dislike';

/** One listener action on one clip. */
export interface FeedbackEvent {
  type: FeedbackType;
  clipId: string;
  /** When it happened, ms since the Unix epoch. */
  at: number;
  /** For skips: where in the clip the listener skipped, in seconds. */
  positionS?: number | null;
  /** Clip duration in seconds; makes the skip fraction exact. */
  durationS?: number | null;
  /** The clip's tempo; remembered for likes so a "why" can cite it. */
  tempoBpm?: number | null;
}

/** A liked clip remembered for explanations. */
export interface LikedClip {
  clipId: string;
  tempoBpm: number | null;
}

/** Session state: JSON in, JSON out. */
export interface SessionState {
  dim: number;
  /**
   * The embedding version the vector lives in. Another model's embeddings
   * span another space: after a version switch the vector is meaningless
   * until rebuilt with {@link replaySession}.
   */
  embeddingVersion: number | null;
  /** s = Σᵢ decayᵢ·wᵢ·êᵢ, the decayed weighted sum of unit embeddings. */
  vector: number[];
  /** Time of the last folded event (ms), null before the first. */
  updatedAt: number | null;
  events: number;
  /** Clip ids with any event, oldest first, bounded by `maxSeen`. */
  seen: string[];
  /** Recent likes, oldest first, bounded by `maxLikes`. */
  likes: LikedClip[];
}

export interface SessionParams {
  /** Wall-clock half-life of a past event's influence. */
  halfLifeMs: number;
  /** Half-life counted in events: a burst of actions also ages the old ones. */
  halfLifeEvents: number;
  /** Signed weight per event type; a skip's weight is scaled by how early it came. */
  weights: Record<FeedbackType, number>;
  /** When the duration is unknown, a skip this many seconds in counts as a full listen. */
  skipHorizonS: number;
  maxSeen: number;
  maxLikes: number;
}

/**
 * Defaults. Half-lives: 30 min or 10 events, whichever bites first — a
 * listening session drifts over tens of tracks, and an hour-old like should
 * count a quarter as much as one just now. A like outweighs a completed play
 * (0.25) by four: finishing a track is weak evidence, pressing ♥ is strong.
 */
export const DEFAULT_SESSION_PARAMS: SessionParams = {
  halfLifeMs: 30 * 60 * 1000,
  halfLifeEvents: 10,
  weights: { like: 1, dislike: -1, play: 0.25, skip: -0.75 },
  skipHorizonS: 30,
  maxSeen: 500,
  maxLikes: 20,
};

/** An empty session for embeddings of `dim` dimensions from version `embeddingVersion`. */
export function createSession(dim: number, embeddingVersion: number | null = null): SessionState {
  return { dim, embeddingVersion, vector: new Array<number>(dim).fill(0), updatedAt: null, events: 0, seen: [], likes: [] };
}

/**
 * Signed weight of one event. Skips are scaled by how early they came:
 * w = w_skip·(1 − f), f = position / duration (or position / skipHorizonS
 * when the duration is unknown), clamped to [0, 1] — skipping after two
 * seconds is a clear "no", skipping in the last seconds is almost neutral.
 */
export function eventWeight(event: FeedbackEvent, params: SessionParams = DEFAULT_SESSION_PARAMS): number {
  const w = params.weights[event.type];
  if (event.type !== 'skip') return w;
  const pos = Math.max(0, event.positionS ?? 0);
  const horizon = event.durationS && event.durationS > 0 ? event.durationS : params.skipHorizonS;
  return w * (1 - Math.min(1, pos / horizon));
}

/**
 * Fold one feedback event into the session vector.
 *
 * Model (exponentially decayed blend of liked minus skipped embeddings):
 *   s ← 2^(−Δt/H_t − 1/H_n)·s + w(event)·ê,   ê = e/‖e‖
 * with Δt the time since the previous event (clamped at 0, so late-arriving
 * events do not rejuvenate older ones), H_t = `halfLifeMs`, H_n =
 * `halfLifeEvents`, and w from {@link eventWeight}: like +1, dislike −1,
 * completed play +0.25, skip −0.75 scaled by earliness. Unit-normalising the
 * embedding keeps one loud vector from dominating. Only the direction of s
 * is used for ranking ({@link sessionDirection}); its length says how much
 * recent evidence there is. A null embedding (clip missing from the current
 * version) still ages the vector and records the clip as seen.
 *
 * Returns a new state; the input is not modified. O(d + maxSeen).
 *
 * @example
 * let s = createSession(2);
 * s = updateSessionVector(s, { type: 'like', clipId: 'a', at: 0 }, [1, 0]);
 * sessionDirection(s) // Float32Array [1, 0]
 */
export function updateSessionVector(
  state: SessionState,
  event: FeedbackEvent,
  embedding: Vec | null,
  params: SessionParams = DEFAULT_SESSION_PARAMS,
): SessionState {
  if (embedding && embedding.length !== state.dim) {
    throw new RangeError(`embedding has ${embedding.length} dims, session has ${state.dim}`);
  }
  const dt = state.updatedAt === null ? 0 : Math.max(0, event.at - state.updatedAt);
  const decay = state.events === 0 ? 0 : Math.pow(2, -dt / params.halfLifeMs - 1 / params.halfLifeEvents);
  const w = eventWeight(event, params);
  const unit = embedding ? normalize(embedding) : new Float32Array(state.dim);
  const vector = state.vector.map((x, i) => decay * x + w * unit[i]);

  const seen = state.seen.filter((id) => id !== event.clipId);
  seen.push(event.clipId);
  let likes = state.likes;
  if (event.type === 'like') {
    likes = likes.filter((l) => l.clipId !== event.clipId);
    likes.push({ clipId: event.clipId, tempoBpm: event.tempoBpm ?? null });
  } else if (event.type === 'dislike' || event.type === 'skip') {
    likes = likes.filter((l) => l.clipId !== event.clipId);
  }
  return {
    dim: state.dim,
    embeddingVersion: state.embeddingVersion,
    vector,
    updatedAt: Math.max(state.updatedAt ?? event.at, event.at),
    events: state.events + 1,
    seen: seen.slice(-params.maxSeen),
    likes: likes.slice(-params.maxLikes),
  };
}

/**
 * Unit direction of the session vector, or null while it carries no signal
 * or when it was built in another embedding version than `embeddingVersion`
 * (when both are known). O(d).
 */
export function sessionDirection(state: SessionState, embeddingVersion?: number | null): Float32Array | null {
  if (embeddingVersion != null && state.embeddingVersion != null && embeddingVersion !== state.embeddingVersion) return null;
  const dir = normalize(state.vector);
  return dir.some((x) => x !== 0) ? dir : null;
}

/**
 * Rebuild a session from its stored events in another embedding version
 * (after a switch or rollback): folds {@link updateSessionVector} over the
 * events in time order with `embeddingOf` from the new version (null for a
 * clip the version lacks). O(events·d).
 */
export function replaySession(
  events: readonly FeedbackEvent[],
  embeddingOf: (clipId: string) => Vec | null,
  dim: number,
  embeddingVersion: number | null,
  params: SessionParams = DEFAULT_SESSION_PARAMS,
): SessionState {
  return [...events]
    .sort((a, b) => a.at - b.at)
    .reduce((s, e) => updateSessionVector(s, e, embeddingOf(e.clipId), params), createSession(dim, embeddingVersion));
}

const sessionStateSchema = z
  .object({
    dim: z.number().int().positive(),
    embeddingVersion: z.number().int().nullable(),
    vector: z.array(z.number().finite()),
    updatedAt: z.number().finite().nullable(),
    events: z.number().int().nonnegative(),
    seen: z.array(z.string()),
    likes: z.array(z.object({ clipId: z.string(), tempoBpm: z.number().finite().nullable() })),
  })
  .refine((s) => s.vector.length === s.dim, { message: 'vector length must equal dim' });

/** Validate a stored session (e.g. a `jsonb` column) before trusting it. Throws a ZodError. */
export function parseSessionState(json: unknown): SessionState {
  return sessionStateSchema.parse(json);
}
