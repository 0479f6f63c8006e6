/**
 * Simulated listeners for canaries and experiments (issue 20, item 5). Each listener has a taste
 * (one planted mood); served tracks whose planted mood matches it are liked with probability
 * `likeIfMatch`, others with `likeOtherwise`, and skipped otherwise. A recommender that follows
 * the session's likes (a good embedding puts one mood's tracks together) serves more matches
 * after the first like, so its like rate is higher: that is what a canary should detect.
 *
 * The recommender is reached through a {@link ListenerDriver}, so the same listener runs against
 * the service functions (tests) or the HTTP API (bench).
 */
import type { Rng } from '@/lib/util/random';

export interface ListenerDriver {
  /** Starts a session and returns its id. */
  start(): Promise<string>;
  /** The next `k` clip ids the recommender serves this session. */
  next(sessionId: string, k: number): Promise<string[]>;
  react(sessionId: string, clipId: string, kind: 'like' | 'skip'): Promise<void>;
}

export interface ListenerParams {
  /** Requests for more tracks per session. */
  rounds: number;
  /** Tracks per request. */
  k: number;
  likeIfMatch: number;
  likeOtherwise: number;
}

export const DEFAULT_LISTENER: ListenerParams = { rounds: 3, k: 5, likeIfMatch: 0.8, likeOtherwise: 0.1 };

export interface ListenedSession {
  sessionId: string;
  taste: number;
  tracks: number;
  likes: number;
}

/** One listener with taste `taste`: `rounds` requests of `k` tracks, each track liked or skipped. */
export async function simulateListener(
  driver: ListenerDriver,
  moodOf: (clipId: string) => number | undefined,
  taste: number,
  rng: Rng,
  params: ListenerParams = DEFAULT_LISTENER,
): Promise<ListenedSession> {
  if (params.rounds < 1 || params.k < 1) throw new RangeError('rounds and k must be at least 1');
  const sessionId = await driver.start();
  let tracks = 0;
  let likes = 0;
  for (let round = 0; round < params.rounds; round++) {
    const served = await driver.next(sessionId, params.k);
    if (served.length === 0) break;
    for (const clipId of served) {
      const p = moodOf(clipId) === taste ? params.likeIfMatch : params.likeOtherwise;
      const liked = rng() < p;
      await driver.react(sessionId, clipId, liked ? 'like' : 'skip');
      tracks++;
      if (liked) likes++;
    }
  }
  return { sessionId, taste, tracks, likes };
}
