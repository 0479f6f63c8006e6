import { describe, expect, it } from 'vitest';
import {
  DEFAULT_SESSION_PARAMS,
  createSession,
  eventWeight,
  parseSessionState,
  replaySession,
  sessionDirection,
  updateSessionVector,
  type SessionState,
} from '@/lib/recommend/session';
import { cosine } from '@/lib/recommend/vector-math';
import { createRng, randomVector } from './fixtures';

const dim = 32;
const rng = createRng(11);
const liked = randomVector(dim, rng);
const skipped = randomVector(dim, rng);
const other = randomVector(dim, rng);

function startedSession(): SessionState {
  return updateSessionVector(createSession(dim), { type: 'play', clipId: 'o', at: 0 }, other);
}

describe('updateSessionVector', () => {
  it('moves the session toward a liked track', () => {
    const before = startedSession();
    const after = updateSessionVector(before, { type: 'like', clipId: 'l', at: 1000 }, liked);
    expect(cosine(sessionDirection(after)!, liked)).toBeGreaterThan(cosine(sessionDirection(before)!, liked) + 0.1);
  });

  it('moves the session away from a skipped track', () => {
    const before = updateSessionVector(startedSession(), { type: 'like', clipId: 's', at: 500 }, skipped);
    const after = updateSessionVector(before, { type: 'skip', clipId: 's2', at: 1000, positionS: 2, durationS: 30 }, skipped);
    expect(cosine(sessionDirection(after)!, skipped)).toBeLessThan(cosine(sessionDirection(before)!, skipped) - 0.1);
  });

  it('weighs an early skip more than a late one, and a late one near zero', () => {
    const early = eventWeight({ type: 'skip', clipId: 'x', at: 0, positionS: 1, durationS: 30 });
    const late = eventWeight({ type: 'skip', clipId: 'x', at: 0, positionS: 29, durationS: 30 });
    expect(early).toBeLessThan(late);
    expect(early).toBeCloseTo(-0.75 * (29 / 30), 12);
    expect(late).toBeCloseTo(-0.75 / 30, 12);
    // Without a duration the skip horizon stands in for it.
    expect(eventWeight({ type: 'skip', clipId: 'x', at: 0, positionS: 15 })).toBeCloseTo(-0.375, 12);
    expect(eventWeight({ type: 'dislike', clipId: 'x', at: 0 })).toBe(-1);
  });

  it('decays earlier events with the documented half-lives', () => {
    const halfLifeMs = DEFAULT_SESSION_PARAMS.halfLifeMs;
    let s = createSession(2);
    s = updateSessionVector(s, { type: 'like', clipId: 'a', at: 0 }, [2, 0]);
    s = updateSessionVector(s, { type: 'like', clipId: 'b', at: halfLifeMs }, [0, 5]);
    // One wall-clock half-life and one event: 2^(−1 − 1/10).
    expect(s.vector[0]).toBeCloseTo(Math.pow(2, -1.1), 12);
    expect(s.vector[1]).toBeCloseTo(1, 12);
  });

  it('is pure and its state survives a JSON round trip', () => {
    const before = startedSession();
    const snapshot = JSON.stringify(before);
    const after = updateSessionVector(before, { type: 'like', clipId: 'l', at: 1000, tempoBpm: 92 }, liked);
    expect(JSON.stringify(before)).toBe(snapshot);
    expect(parseSessionState(JSON.parse(JSON.stringify(after)))).toEqual(after);
    expect(after.seen).toEqual(['o', 'l']);
    expect(after.likes).toEqual([{ clipId: 'l', tempoBpm: 92 }]);
  });

  it('forgets a like when the clip is later skipped or disliked', () => {
    let s = updateSessionVector(startedSession(), { type: 'like', clipId: 'l', at: 1 }, liked);
    s = updateSessionVector(s, { type: 'dislike', clipId: 'l', at: 2 }, liked);
    expect(s.likes).toEqual([]);
    expect(s.seen).toEqual(['o', 'l']);
  });

  it('bounds the seen list', () => {
    let s = createSession(2);
    for (let i = 0; i < DEFAULT_SESSION_PARAMS.maxSeen + 10; i++) {
      s = updateSessionVector(s, { type: 'play', clipId: `c${i}`, at: i }, [1, i % 3]);
    }
    expect(s.seen).toHaveLength(DEFAULT_SESSION_PARAMS.maxSeen);
    expect(s.seen.at(-1)).toBe(`c${DEFAULT_SESSION_PARAMS.maxSeen + 9}`);
  });

  it('ignores a session built in another embedding version, and replays it into the new one', () => {
    const events = [
      { type: 'like' as const, clipId: 'l', at: 2000 },
      { type: 'play' as const, clipId: 'o', at: 1000 },
      { type: 'skip' as const, clipId: 'gone', at: 3000, positionS: 1 },
    ];
    const v1 = replaySession(events, (id) => ({ l: liked, o: other, gone: skipped })[id] ?? null, dim, 1);
    expect(sessionDirection(v1, 1)).not.toBeNull();
    expect(sessionDirection(v1, 2)).toBeNull();
    // Version 2 lacks the skipped clip: it still counts as seen but moves nothing.
    const v2 = replaySession(events, (id) => ({ l: skipped, o: liked })[id] ?? null, dim, 2);
    expect(v2.embeddingVersion).toBe(2);
    expect(v2.seen).toEqual(['o', 'l', 'gone']);
    expect(cosine(sessionDirection(v2, 2)!, skipped)).toBeGreaterThan(0.8);
  });

  it('has no direction before any signal, and rejects a wrong dimension', () => {
    expect(sessionDirection(createSession(4))).toBeNull();
    expect(() => updateSessionVector(createSession(4), { type: 'like', clipId: 'a', at: 0 }, [1, 2])).toThrow(RangeError);
    expect(() => parseSessionState({ ...createSession(3), vector: [1] })).toThrow();
  });
});
